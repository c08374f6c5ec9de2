"""Solve with a progress bar, write the outputs, report: shared by `doorstep plan` and `doorstep demo`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from doorstep.cli.errors import print_issues
from doorstep.cli.outputs import write_outputs
from doorstep.cli.render import offers_table, print_plan, solve_progress
from doorstep.config import Settings
from doorstep.domain import emissions
from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.errors import Issue
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.domain.waves import LoadingTimes
from doorstep.formats.plan_json import carrier_offer_to_dict, stats_to_dict, unassigned_to_dict
from doorstep.formats.vroom_common import VroomContext
from doorstep.optimize.options import SolveOptions
from doorstep.routing.cache import CachedProvider
from doorstep.routing.defaults import default_provider
from doorstep.routing.fallback import FallbackProvider
from doorstep.routing.osrm_http import OsrmHttpProvider
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import TravelTimeProvider
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.routing.traffic import TrafficModel, TrafficProvider, traffic_for
from doorstep.routing.valhalla_http import ValhallaHttpProvider
from doorstep.services.operations.road_paths import route_paths
from doorstep.services.operations.traffic_eta import retime_plan
from doorstep.services.planning.file_offers import offers_from_file
from doorstep.services.planning.planning import plan as make_plan

console = Console()


@dataclass(slots=True, kw_only=True)
class RunRequest:
    """One planning run: the problem, how to solve it, where the files go and how to report."""

    problem: Problem
    options: SolveOptions
    provider: TravelTimeProvider | None = None
    out_dir: Path
    json_out: bool = False
    vroom: bool = False
    vroom_ctx: VroomContext | None = None
    warnings: list[Issue] = field(default_factory=list)
    traffic: TrafficModel | None = None
    loading: LoadingTimes | None = None  # wave release times in plan.json and on the load sheets
    load_sheets: bool = False  # also write load-sheets/<route>.pdf and .csv
    carriers: list[CarrierConfig] | None = None  # partner carriers (--carriers): carrier_offers in plan.json
    currency: str = "EUR"  # of the carriers' prices and the offers' reasons


def traffic_model(problem: Problem, traffic: str | None, weather: float) -> TrafficModel | None:
    """``--traffic urban`` (documented defaults) or ``--traffic FILE.json``, in the first depot's time zone;
    a weather factor alone also makes a model (flat hours). None when neither is asked for."""
    return traffic_for(traffic, weather, problem.depots[0].timezone if problem.depots else "UTC")


def result_json(
    plan: Plan, files: dict[str, Path], warnings: list[Issue], offers: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The ``--json`` success document: stats, per-route totals, unassigned orders, carrier offers (with
    ``--carriers``), warnings, output paths."""
    doc: dict[str, Any] = {
        "plan": {
            "id": plan.id,
            "stats": stats_to_dict(plan.stats),
            "routes": [
                {
                    "id": r.id,
                    "vehicle_id": r.vehicle_id,
                    "vehicle": r.vehicle_name,
                    "stops": len(r.order_ids),
                    "distance_m": r.distance_m,
                    "duration_s": r.duration_s,
                    "cost_cents": r.cost_cents,
                    "co2_kg": emissions.g_to_kg(r.co2_g),
                }
                for r in plan.routes
            ],
            "unassigned": [unassigned_to_dict(u) for u in plan.unassigned],
            "warnings": [w.to_dict() for w in warnings],
        },
        "outputs": {name: str(path) for name, path in files.items()},
    }
    if offers is not None:
        doc["plan"]["carrier_offers"] = offers
    return doc


def travel_provider(
    problem: Problem, settings: Settings, network: Path | None = None, traffic: TrafficModel | None = None
) -> TravelTimeProvider:
    """The problem's own matrices when it carries them; else the road network (``--network`` or
    ``DOORSTEP_NETWORK``) when one is given, else the straight-line model; with traffic factors when asked."""
    base = _base_provider(problem, settings, network)
    return base if traffic is None or problem.matrices is not None else TrafficProvider(base, traffic)


def _base_provider(problem: Problem, settings: Settings, network: Path | None) -> TravelTimeProvider:
    if problem.matrices is not None:
        return default_provider(problem)
    straight = StraightLineProvider(circuity=settings.circuity)
    folder = network or settings.network
    if folder is not None:
        road = OsrmLocalProvider(folder, snap_radius_m=settings.snap_radius_m)
        return CachedProvider(road, settings.matrix_cache) if settings.matrix_cache is not None else road
    if settings.osrm_url:
        osrm = OsrmHttpProvider(
            settings.osrm_url, snap_radius_m=settings.snap_radius_m, timeout_s=settings.router_timeout_s
        )
        return FallbackProvider(osrm, straight)
    if settings.valhalla_url:
        return FallbackProvider(
            ValhallaHttpProvider(settings.valhalla_url, timeout_s=settings.router_timeout_s), straight
        )
    return straight


def _offers(req: RunRequest, plan: Plan) -> tuple[list[dict[str, Any]] | None, list[Issue]]:
    """The plan's carrier offers as plan.json holds them (None without ``--carriers``), and their warnings."""
    if req.carriers is None:
        return None, []
    provider = req.provider or default_provider(req.problem)
    found, warnings = offers_from_file(req.problem, plan, req.carriers, provider, req.currency,
                                       datetime.now(UTC))  # fmt: skip
    return [carrier_offer_to_dict(o, req.currency) for o in found], warnings


def _merged_warnings(first: list[Issue], more: list[Issue]) -> list[Issue]:
    return first + [w for w in more if w not in first]


def solve_and_report(req: RunRequest) -> int:
    """Plan with a live progress bar, write the files, print the summary (or JSON); 0 when a plan was made."""
    if req.warnings and not req.json_out:
        print_issues(console, req.warnings, f"Warnings ({len(req.warnings)})")
    with solve_progress(console, req.options.time_limit_s, enabled=not req.json_out) as on_progress:
        plan = make_plan(req.problem, provider=req.provider, options=req.options, on_progress=on_progress)
    if req.traffic is not None and isinstance(req.provider, TrafficProvider):
        retime_plan(plan, req.problem, req.traffic)
    offers, offer_warnings = _offers(req, plan)
    paths, attribution = route_paths(plan, req.problem, req.provider)
    files = write_outputs(
        req.out_dir,
        plan,
        req.problem,
        req.options,
        vroom=req.vroom,
        vroom_ctx=req.vroom_ctx,
        paths=paths,
        attribution=attribution,
        loading=req.loading,
        load_sheets=req.load_sheets,
        carrier_offers=offers,
    )
    new_warnings = [w for w in [*plan.warnings, *offer_warnings] if w not in req.warnings]
    if req.json_out:
        print(json.dumps(result_json(plan, files, _merged_warnings(req.warnings, new_warnings), offers), indent=2))
        return 0
    if new_warnings:
        print_issues(console, new_warnings, f"Plan warnings ({len(new_warnings)})")
    print_plan(console, plan, req.problem)
    if offers is not None:
        console.print(offers_table(offers, req.currency))
    console.print("Wrote " + ", ".join(escape(str(p)) for p in files.values()))
    return 0
