"""One entry point for every input format: detect, read with the fleet, validate, report everything at once.

By default an input with any error is rejected whole, listing every error (the CLI exits with code 2). With
``skip_invalid`` each invalid order is dropped and reported as W1205 in ``LoadResult.skipped``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue, Severity
from doorstep.domain.problem import Fleet, Problem
from doorstep.domain.validate import validate_problem
from doorstep.formats.doorstep_json import parse_problem
from doorstep.formats.fleet_json import fleet_from_dict, plan_date_of
from doorstep.formats.json_common import read_json
from doorstep.formats.tabular import read_orders
from doorstep.formats.vroom_common import VroomContext
from doorstep.formats.vroom_input import read_vroom
from doorstep.routing.geocoder import Geocoder

TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
FORMATS = ("csv", "xlsx", "doorstep-json", "vroom-json")


@dataclass(slots=True)
class LoadResult:
    """A validated Problem with its warnings; ``skipped`` holds one W1205 per dropped order (skip_invalid)."""

    problem: Problem
    warnings: list[Issue] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)
    source_format: str = "csv"
    vroom: VroomContext | None = None


def _fail(code: str, msg: str, path: Path) -> DoorstepError:
    return DoorstepError([Issue(code, msg, ("file", str(path)))])


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise _fail("E1001", f"{path}: no such file", path)


def classify_json(data: Any, path: Path) -> str:
    """``doorstep-json`` with a ``doorstep`` key, ``vroom-json`` with jobs/shipments/vehicles, else E1004."""
    if isinstance(data, dict) and "doorstep" in data:
        return "doorstep-json"
    if isinstance(data, dict) and {"jobs", "shipments", "vehicles"} & data.keys():
        return "vroom-json"
    msg = f"{path.name}: JSON is neither a Doorstep document (no 'doorstep' key) nor a VROOM problem"
    raise _fail("E1004", msg, path)


def detect_format(path: Path) -> str:
    """The input format, by extension, else by content (ZIP magic -> xlsx, ``{`` -> JSON); E1004 otherwise."""
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return TABLE_SUFFIXES[suffix]
    if suffix == ".xls":
        raise _fail("E1004", f"{path.name}: old Excel .xls is not supported; save it as .xlsx", path)
    if suffix == ".json":
        return classify_json(read_json(path), path)
    head = path.read_bytes()[:512].lstrip()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"{"):
        return classify_json(read_json(path), path)
    raise _fail("E1004", f"{path.name}: unsupported file type {suffix or '(no extension)'!r}", path)


def _prefixed(issues: Sequence[Issue], name: str) -> list[Issue]:
    return [dataclasses.replace(i, message=f"{name}: {i.message}") for i in issues]


def _read_fleet(path: Path, plan_date: date | None) -> tuple[Fleet, date | None]:
    """A fleet file and the plan date it names (the caller's, else its ``date``; None when neither)."""
    _check_file(path)
    if path.suffix.lower() not in (".json", ""):
        raise _fail("E1004", f"{path.name}: a fleet file must be Doorstep fleet JSON", path)
    data = read_json(path)
    try:
        named = plan_date or (plan_date_of(data, None, []) if isinstance(data, dict) and "date" in data else None)
        return fleet_from_dict(data, plan_date=named), named
    except DoorstepError as exc:
        raise DoorstepError(_prefixed(exc.issues, path.name), _prefixed(exc.warnings, path.name)) from exc


def _depot_dicts(data: Any) -> list[dict[str, Any]]:
    depots = data.get("depots") if isinstance(data, dict) else None
    return [d for d in depots if isinstance(d, dict)] if isinstance(depots, list) else []


def load_fleet(path: Path, *, plan_date: date | None = None) -> Fleet:
    """The fleet in a Doorstep fleet JSON file (E1001, E1005, E1006, ... on failure)."""
    return _read_fleet(path, plan_date)[0]


@dataclass(slots=True)
class _Gather:
    """Errors and warnings from the separate parts of an input, raised together at the end."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def run[T](self, fn: Callable[[], T]) -> T | None:
        """``fn()``, or None with its issues kept when it raises DoorstepError."""
        try:
            return fn()
        except DoorstepError as exc:
            self.errors.extend(exc.issues)
            self.warnings.extend(exc.warnings)
            return None


def _today_at(fleet: Fleet | None) -> date:
    return plan_date_of({}, None, [{"timezone": d.timezone} for d in (fleet.depots if fleet else ())])


def _load_table(
    path: Path,
    fmt: str,
    fleet: Fleet | None,
    day: date | None,
    skip_invalid: bool,
    g: _Gather,
    geocoder: Geocoder | None = None,
) -> tuple[LoadResult, list[int]] | None:
    depots = fleet.depots if fleet else ()
    when = day or _today_at(fleet)
    table = g.run(
        lambda: read_orders(path, depots=depots, plan_date=when, skip_invalid=skip_invalid, geocoder=geocoder)
    )
    if table is None or fleet is None:
        return None
    problem = Problem.of(table.orders, fleet, name=path.stem)
    return LoadResult(problem, table.warnings, table.skipped, fmt), table.rows


def _load_doorstep(
    path: Path, fleet: Fleet | None, day: date | None, plan_date: date | None, g: _Gather
) -> LoadResult | None:
    data = read_json(path)
    named = plan_date or (None if isinstance(data, dict) and "date" in data else day)
    problem = g.run(lambda: parse_problem(data, plan_date=named, fleet=fleet))
    return None if problem is None else LoadResult(problem, source_format="doorstep-json")


def _load_vroom(path: Path, fleet: Fleet | None, g: _Gather) -> LoadResult | None:
    read = g.run(lambda: read_vroom(read_json(path)))
    if read is None:
        return None
    problem, ctx = read.problem, read.context
    if fleet is not None:  # the fleet file replaces VROOM's vehicles
        problem = dataclasses.replace(problem, depots=fleet.depots, vehicles=fleet.vehicles, drivers=fleet.drivers)
        ctx.vehicle_ids.clear()
        ctx.break_ids.clear()
    return LoadResult(problem, list(read.warnings), source_format="vroom-json", vroom=ctx)


def _at_row(issue: Issue, rows: list[int]) -> Issue:
    """An issue located at ``orders[i]`` re-located at the spreadsheet row the order came from."""
    loc = issue.loc
    if rows and len(loc) >= 2 and loc[0] == "orders" and isinstance(loc[1], int) and loc[1] < len(rows):
        n = rows[loc[1]]
        return dataclasses.replace(issue, loc=("row", n, *loc[2:]), message=f"row {n}: {issue.message}")
    return issue


def _order_index(issue: Issue) -> int | None:
    loc = issue.loc
    if issue.severity is Severity.ERROR and len(loc) >= 2 and loc[0] == "orders" and isinstance(loc[1], int):
        return loc[1]
    return None


def _drop_invalid(res: LoadResult, rows: list[int], issues: list[Issue]) -> list[int]:
    """Drop every order with an error (skip_invalid), one W1205 each; return the remaining rows."""
    bad: dict[int, list[Issue]] = {}
    for issue in issues:
        if (k := _order_index(issue)) is not None:
            bad.setdefault(k, []).append(_at_row(issue, rows))
    for k, errs in sorted(bad.items()):
        order = res.problem.orders[k]
        where = f"row {rows[k]}" if rows else f"order {order.id}"
        listed = "; ".join(i.message for i in errs)
        res.skipped.append(Issue("W1205", f"{where} skipped: {listed}", errs[0].loc[:2], order.id))
    keep = [k for k in range(len(res.problem.orders)) if k not in bad]
    res.problem = dataclasses.replace(res.problem, orders=tuple(res.problem.orders[k] for k in keep))
    return [rows[k] for k in keep] if rows else []


def _finish(res: LoadResult, rows: list[int], skip_invalid: bool) -> LoadResult:
    """Validate the built problem: errors raise (or drop their orders), warnings join the result."""
    issues = validate_problem(res.problem)
    if skip_invalid and any(_order_index(i) is not None for i in issues):
        rows = _drop_invalid(res, rows, issues)
        issues = validate_problem(res.problem)
    issues = [_at_row(i, rows) for i in issues]
    if res.problem.matrices is not None and res.problem.matrices.synthetic_points:
        issues = [i for i in issues if i.code not in ("W1201", "W1209")]  # placeholder points have no distances
    errors = [i for i in issues if i.severity is Severity.ERROR]
    res.warnings.extend(i for i in issues if i.severity is Severity.WARNING)
    if errors:
        raise DoorstepError(errors, [*res.warnings, *res.skipped])
    return res


def load_problem(
    orders_path: Path,
    fleet_path: Path | None = None,
    *,
    skip_invalid: bool = False,
    plan_date: date | None = None,
    geocoder: Geocoder | None = None,
) -> LoadResult:
    """Read orders (CSV, XLSX, Doorstep JSON or VROOM JSON) and their fleet into a validated Problem. With a
    ``geocoder``, CSV/XLSX rows with an address and no lat/lng are placed by it.

    A CSV/XLSX needs a fleet file (E1117); JSON inputs that carry vehicles do not (a fleet file given anyway
    replaces them). Every error found in either file and by validation is raised together.
    """
    fmt = detect_format(orders_path)
    g = _Gather()
    fleet: Fleet | None = None
    day = plan_date
    if fleet_path is not None:
        got = g.run(lambda: _read_fleet(fleet_path, plan_date))
        fleet, day = got if got is not None else (None, plan_date)
    rows: list[int] = []
    res: LoadResult | None
    if fmt in ("csv", "xlsx"):
        if fleet_path is None:
            msg = f"{orders_path.name}: a {fmt.upper()} file needs a fleet file (--fleet)"
            g.errors.append(Issue("E1117", msg, ("fleet",)))
        table = _load_table(orders_path, fmt, fleet, day, skip_invalid, g, geocoder)
        res, rows = table if table is not None else (None, [])
    elif fmt == "doorstep-json":
        res = _load_doorstep(orders_path, fleet, day, plan_date, g)
    else:
        res = _load_vroom(orders_path, fleet, g)
    if g.errors or res is None:
        raise DoorstepError(g.errors, g.warnings)
    res.warnings[:0] = g.warnings
    return _finish(res, rows, skip_invalid)
