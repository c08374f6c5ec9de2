"""`doorstep plan ORDERS [--fleet FLEET] [--carriers CARRIERS]`: load, validate, optimize, propose carrier offers,
write the files, print the summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from doorstep.cli.errors import guarded
from doorstep.config import get_settings
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.waves import LoadingTimes
from doorstep.optimize.options import PART_ORDERS, SPLIT_ABOVE_ORDERS, Objective, SolveOptions


class OutputFormat(StrEnum):
    """Extra output besides the standard files."""

    DOORSTEP = "doorstep"
    VROOM = "vroom"


def parse_date(text: str | None) -> date | None:
    """``--date YYYY-MM-DD`` (E1103 otherwise)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"--date {text!r} is not a date"
        raise DoorstepError([Issue("E1103", msg, ("date",), action="Write the date as YYYY-MM-DD.")]) from None


def plan(
    ctx: typer.Context,
    orders: Annotated[Path, typer.Argument(help="Orders: .csv, .xlsx, Doorstep .json or VROOM .json.")],
    fleet: Annotated[Path | None, typer.Option("--fleet", help="Fleet file (depots, vehicles).")] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver time limit in seconds [default: 30].")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [default: 0].")] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Searches at once, one per core; the better plan is kept [default: 1].")
    ] = 1,
    split_above: Annotated[
        int, typer.Option("--split-above", help="Plan a day of more than N orders in parts (docs/modelling.md).")
    ] = SPLIT_ABOVE_ORDERS,
    part_orders: Annotated[int, typer.Option("--part-orders", help="About N orders per part of a large day.")] = (
        PART_ORDERS
    ),
    memory_limit: Annotated[
        int | None,
        typer.Option("--memory-limit", help="Refuse a day estimated above MiB [default: 80% of available memory]."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the output files.")] = Path("out"),
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Skip bad rows (reported) and plan the rest.")
    ] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--output-format", help="Also write solution.vroom.json.")
    ] = OutputFormat.DOORSTEP,
    objective: Annotated[
        Objective | None,
        typer.Option(help="What to minimise [default: cost; travel_cost for VROOM input, as VROOM does]."),
    ] = None,
    max_stops: Annotated[int | None, typer.Option("--max-stops", help="At most this many stops per route.")] = None,
    co2_price: Annotated[
        int, typer.Option("--co2-price", help="Cents per kg CO2e added to each vehicle type's km (money objectives).")
    ] = 0,
    max_route_duration: Annotated[
        int | None, typer.Option("--max-route-duration", help="Longest route, seconds.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON result (or error envelope) only.")] = False,
    load_sheets: Annotated[
        bool, typer.Option("--load-sheets", help="Also write load-sheets/<route>.pdf and .csv (warehouse hand-off).")
    ] = False,
    plan_date: Annotated[str | None, typer.Option("--date", help="Plan date YYYY-MM-DD for bare HH:MM times.")] = None,
    carriers: Annotated[
        Path | None,
        typer.Option("--carriers", help="Partner carriers (JSON, the API's shape): propose carrier_offers by cost."),
    ] = None,
    network: Annotated[
        Path | None, typer.Option("--network", help="Road network folder (doorstep network build) for road times.")
    ] = None,
    traffic: Annotated[
        str | None, typer.Option("--traffic", help="Time-of-day factors: 'urban' (defaults) or a JSON file.")
    ] = None,
    weather: Annotated[float, typer.Option("--weather", help="Weather slow-down factor (1 = clear).")] = 1.0,
    osrm_url: Annotated[
        str | None, typer.Option("--osrm-url", help="Remote OSRM server for road times (straight line if down).")
    ] = None,
    valhalla_url: Annotated[
        str | None,
        typer.Option("--valhalla-url", help="Remote Valhalla server for road times (straight line if down)."),
    ] = None,
) -> None:
    """Plan routes for ORDERS and write plan.json, routes.csv, routes.geojson and map.html to --out."""
    from doorstep.cli.run import RunRequest, solve_and_report, traffic_model, travel_provider
    from doorstep.formats.carriers_json import read_carriers
    from doorstep.formats.load import load_problem
    from doorstep.routing.address_lookup import network_geocoder

    def body() -> int:
        settings = get_settings()
        remote = {k: v for k, v in (("osrm_url", osrm_url), ("valhalla_url", valhalla_url)) if v}
        settings = settings.model_copy(update=remote) if remote else settings
        options = SolveOptions(
            time_limit_s=settings.time_limit_s if time_limit is None else time_limit,
            seed=settings.seed if seed is None else seed,
            objective=objective or Objective.COST,
            balance_max_stops=max_stops,
            balance_max_duration_s=max_route_duration,
            workers=workers,
            co2_cost_cents_per_kg=co2_price,
            split_above_orders=split_above,
            part_orders=part_orders,
            memory_limit_mib=memory_limit,
        )
        options.validate()
        geocoder = network_geocoder(network or settings.network)  # rows by address (docs/geocoding.md)
        loaded = load_problem(
            orders, fleet, skip_invalid=skip_invalid, plan_date=parse_date(plan_date), geocoder=geocoder
        )
        if objective is None and loaded.source_format == "vroom-json":
            options = replace(options, objective=Objective.TRAVEL_COST)  # VROOM's meaning of its costs
        depots = {d.id: d.location for d in loaded.problem.depots}
        partners = read_carriers(carriers, depots) if carriers is not None else None
        model = traffic_model(loaded.problem, traffic, weather)
        request = RunRequest(
            problem=loaded.problem,
            provider=travel_provider(loaded.problem, settings, network, model),
            traffic=model,
            options=options,
            out_dir=out,
            json_out=json_out,
            vroom=output_format is OutputFormat.VROOM,
            vroom_ctx=loaded.vroom,
            warnings=[*loaded.warnings, *loaded.skipped],
            loading=LoadingTimes(settings.load_s_per_parcel, settings.dock_s, settings.wave_s),
            load_sheets=load_sheets,
            carriers=partners,
            currency=settings.currency,
        )
        return solve_and_report(request)

    raise typer.Exit(guarded(body, json_out=json_out, debug=bool(ctx.obj and ctx.obj.get("debug"))))
