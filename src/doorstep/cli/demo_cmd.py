"""`doorstep demo`: build the demo day (Lisbon, or a road network's own area), plan it and write the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from doorstep.cli.errors import guarded
from doorstep.config import get_settings
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile

if TYPE_CHECKING:
    from doorstep.routing.osrm_local import OsrmLocalProvider


def demo_extract(roads: OsrmLocalProvider) -> Path:
    """The .osm.pbf the network was built from (its path is in network.json); E3002 when it has moved."""
    pbf = Path(roads.meta.source_file)
    if not pbf.is_file():
        msg = f"the extract {pbf} that {roads.meta.folder} was built from is gone; the demo samples addresses from it"
        raise DoorstepError([Issue("E3002", msg, ("network",), action="Rebuild the network from an extract on disk.")])
    return pbf


def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory for the output files.")] = Path("demo-out"),
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit in seconds.")] = 20.0,
    seed: Annotated[int, typer.Option(help="Seed for the demo orders and the solver.")] = 7,
    orders: Annotated[int, typer.Option(help="Number of demo orders.", min=1, max=5000)] = 300,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON result only.")] = False,
    network: Annotated[
        Path | None,
        typer.Option("--network", help="Road network folder: orders at real addresses of its extract, road times."),
    ] = None,
) -> None:
    """Plan a synthetic day (10 vans, ~300 orders) and write plan.json, routes.csv, map.html, ...

    Without --network the day is in Lisbon on straight-line travel; with it, the orders are sampled from the
    OpenStreetMap extract the network was built from and travel follows its roads.
    """
    from doorstep.cli.run import RunRequest, console, solve_and_report, travel_provider
    from doorstep.demo.osm import demo_problem_from_extract
    from doorstep.demo.synthetic import demo_problem
    from doorstep.optimize.options import SolveOptions
    from doorstep.routing.osrm_local import OsrmLocalProvider

    def body() -> int:
        options = SolveOptions(time_limit_s=time_limit, seed=seed)
        options.validate()
        settings = get_settings()
        folder = network or settings.network
        if folder is None:
            problem = demo_problem(seed=seed, orders=orders)
        else:
            roads = OsrmLocalProvider(folder, snap_radius_m=settings.snap_radius_m)
            problem = demo_problem_from_extract(demo_extract(roads), roads, SpeedProfile.VAN, seed=seed, orders=orders)
        if not json_out:
            console.print(f"[bold]{problem.name}[/bold]: {len(problem.orders)} orders, {len(problem.vehicles)} vans")
        provider = travel_provider(problem, settings, folder)
        return solve_and_report(
            RunRequest(problem=problem, options=options, provider=provider, out_dir=out, json_out=json_out)
        )

    raise typer.Exit(guarded(body, json_out=json_out, debug=bool(ctx.obj and ctx.obj.get("debug"))))
