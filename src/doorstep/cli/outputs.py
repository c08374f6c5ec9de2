"""Writing a plan's files: plan.json, routes.csv, routes.geojson, map.html (and solution.vroom.json, load sheets)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.domain.waves import LoadingTimes
from doorstep.formats.geojson import plan_geojson
from doorstep.formats.load_sheet import plan_sheets, plan_waves, write_load_sheet_csv
from doorstep.formats.map_html import RoutePaths, write_map_html
from doorstep.formats.plan_json import plan_to_dict
from doorstep.formats.routes_csv import write_routes_csv
from doorstep.formats.vroom_common import VroomContext
from doorstep.formats.vroom_output import context_for, vroom_solution
from doorstep.optimize.options import SolveOptions


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_sheets(folder: Path, plan: Plan, problem: Problem, loading: LoadingTimes) -> dict[str, Path]:
    """One PDF and one CSV load sheet per route, named after the route."""
    from doorstep.formats.load_sheet_pdf import write_load_sheet_pdf  # the PDF library only when sheets are asked

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for sheet in plan_sheets(plan, problem, loading):
        pdf, csv = folder / f"{sheet.route_id}.pdf", folder / f"{sheet.route_id}.csv"
        write_load_sheet_pdf(pdf, sheet)
        write_load_sheet_csv(csv, sheet)
        files |= {f"load_sheet_pdf:{sheet.route_id}": pdf, f"load_sheet_csv:{sheet.route_id}": csv}
    return files


def write_outputs(
    out_dir: Path,
    plan: Plan,
    problem: Problem,
    options: SolveOptions,
    *,
    vroom: bool = False,
    vroom_ctx: VroomContext | None = None,
    paths: RoutePaths | None = None,
    attribution: str = "",
    loading: LoadingTimes | None = None,
    load_sheets: bool = False,
    carrier_offers: list[dict[str, Any]] | None = None,
) -> dict[str, Path]:
    """Write every output file into ``out_dir`` (created if needed) and return them by name.

    ``paths`` are the routes' road paths (from a road network) and ``attribution`` credits their data; plan.json
    lists the picking waves with ``loading`` times; ``load_sheets`` adds ``load-sheets/<route>.pdf`` and ``.csv``;
    ``carrier_offers`` (``--carriers``) go into plan.json's plan as a planning job's do.
    """
    loading = loading or LoadingTimes()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        files = {
            "plan": out_dir / "plan.json",
            "routes_csv": out_dir / "routes.csv",
            "geojson": out_dir / "routes.geojson",
            "map": out_dir / "map.html",
        }
        doc = plan_to_dict(plan, problem, options)
        if carrier_offers is not None:
            doc["plan"]["carrier_offers"] = carrier_offers
        _dump(files["plan"], {**doc, "waves": plan_waves(plan, problem, loading)})
        write_routes_csv(files["routes_csv"], plan, problem)
        _dump(files["geojson"], plan_geojson(plan, problem, paths, attribution))
        write_map_html(files["map"], plan, problem, paths=paths, attribution=attribution)
        if vroom:
            files["vroom"] = out_dir / "solution.vroom.json"
            _dump(files["vroom"], vroom_solution(plan, problem, vroom_ctx or context_for(problem)))
        if load_sheets:
            files |= _write_sheets(out_dir / "load-sheets", plan, problem, loading)
    except OSError as exc:
        msg = f"cannot write the outputs to {out_dir}: {exc.strerror or exc}"
        raise DoorstepError([Issue("E1001", msg, ("out",), action="Choose a writable --out directory.")]) from None
    return files
