"""Result rows of the last-mile benchmark as tables: one line per run, and Doorstep/VROOM ratios per day size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from statistics import mean
from typing import Any

Row = dict[str, Any]
Table = tuple[list[str], list[list[str]]]
SOLVERS = ("doorstep", "vroom", "ortools")


def _key(r: Row) -> tuple[Any, ...]:
    order = SOLVERS.index(r["solver"]) if r["solver"] in SOLVERS else 9
    return (r["city"], r["size"], r["seed"], r["time_limit"], order)


def _note(r: Row) -> str:
    if r.get("error"):
        return str(r["error"])[:60]
    return "; ".join(r.get("notes", []))[:70]


def runs_table(rows: Sequence[Row]) -> Table:
    """One line per (day, time limit, solver): what the independent re-timing found."""
    headers = ["day", "limit s", "solver", "served", "urgent", "vans", "travel h", "km", "cost €", "violations",
               "check_plan", "wall s", "RSS MiB", "note"]  # fmt: skip
    body = []
    for r in sorted(rows, key=_key):
        v = r.get("verdict")
        day = f"{r['city']}-{r['size']}-s{r['seed']}"
        head = [day, f"{r['time_limit']:g}", r["solver"]]
        tail = [f"{r['wall_s']:.1f}", f"{r['peak_rss_mib']:.0f}", _note(r)]
        if v is None:
            body.append([*head, "–", "–", "–", "–", "–", "–", "–", "–", *tail])
            continue
        check = r.get("check_plan_violations")
        body.append([
            *head, f"{v['served']}/{v['orders']}", f"{v['urgent_served']}/{v['urgent_total']}", str(v["vehicles"]),
            f"{v['travel_s'] / 3600:.2f}", f"{v['distance_m'] / 1000:.1f}", f"{v['cost'] / 100:.0f}",
            str(v["violations"]), "–" if check is None else str(check), *tail,
        ])  # fmt: skip
    return headers, body


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def summary_table(rows: Sequence[Row], other: str = "vroom") -> Table:
    """Per (city, size, limit): mean over seeds of Doorstep / ``other`` for served, urgent, vans, travel time."""
    runs: dict[tuple[str, int, float], dict[int, dict[str, Row]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        if r.get("verdict") is not None:
            runs[(r["city"], r["size"], r["time_limit"])][r["seed"]][r["solver"]] = r
    headers = ["city", "size", "limit s", "seeds", "served", "urgent served", "vans", "travel time",
               "doorstep violations"]  # fmt: skip
    body = []
    for (city, size, limit), by_seed in sorted(runs.items()):
        both = [s for s in by_seed.values() if "doorstep" in s and other in s]
        pairs = [(s["doorstep"]["verdict"], s[other]["verdict"]) for s in both]
        if not pairs:
            continue
        cells = []
        for field in ("served", "urgent_served", "vehicles", "travel_s"):
            vals = [x for d, o in pairs if (x := _ratio(d[field], o[field])) is not None]
            cells.append(f"{mean(vals):.3f}" if vals else "–")
        viol = sum(d["violations"] for d, _ in pairs)
        body.append([city, str(size), f"{limit:g}", str(len(pairs)), *cells, str(viol)])
    return headers, body


def _cell(v: dict[str, Any] | None, field: str) -> str:
    if v is None:
        return "–"
    if field == "served":
        return f"{v['served']}/{v['orders']}"
    if field == "urgent":
        return f"{v['urgent_served']}/{v['urgent_total']}"
    if field == "travel_h":
        return f"{v['travel_s'] / 3600:.2f}"
    if field == "cost":
        return f"{v['cost'] / 100:.0f}"
    return str(v["vehicles"])


def markdown(rows: Sequence[Row]) -> str:
    """One line per (day, limit): each solver's served, urgent, vans, travel hours and cost side by side, and
    Doorstep's travel relative to VROOM's — for docs/benchmarks.md. Runs on the travel objective (``run.py
    --travel-objective``) have no cost columns: their cost is the travel time again."""
    costed = any(r.get("objective", "cost") == "cost" for r in rows)
    fields = ("served", "urgent", "vans", "travel h", "cost €") if costed else ("served", "urgent", "vans", "travel h")
    runs: dict[tuple[str, int, int, float], dict[str, Row]] = defaultdict(dict)
    for r in rows:
        runs[(r["city"], r["size"], r["seed"], r["time_limit"])][r["solver"]] = r
    present = [s for s in SOLVERS if any(s in by for by in runs.values())]
    head = ["day", "limit s"]
    for field in fields:
        head += [f"{field} {s[0].upper()}" for s in present]
    head += ["D/V travel", "D violations"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    for (city, size, seed, limit), by in sorted(runs.items()):
        verdicts = {s: by[s].get("verdict") if s in by else None for s in present}
        cells = [f"{city}-{size}-s{seed}", f"{limit:g}"]
        for field in fields:
            field = {"travel h": "travel_h", "cost €": "cost"}.get(field, field)
            cells += [_cell(verdicts[s], field) for s in present]
        d, v = verdicts.get("doorstep"), verdicts.get("vroom")
        ratio = _ratio(d["travel_s"], v["travel_s"]) if d and v else None
        cells.append(f"{ratio:.3f}" if ratio is not None else "–")
        check = by.get("doorstep", {}).get("check_plan_violations")
        cells.append("–" if d is None else f"{d['violations']} / {check}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
