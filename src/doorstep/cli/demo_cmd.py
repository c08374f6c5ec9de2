"""`doorstep demo`: build the Lisbon demo day, plan it and write the outputs (a first run in one command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from doorstep.cli.errors import guarded
from doorstep.cli.run import RunRequest, console, solve_and_report, travel_provider
from doorstep.config import get_settings
from doorstep.optimize.options import SolveOptions
from doorstep.services.demo import demo_problem


def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory for the output files.")] = Path("demo-out"),
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit in seconds.")] = 20.0,
    seed: Annotated[int, typer.Option(help="Seed for the demo orders and the solver.")] = 7,
    orders: Annotated[int, typer.Option(help="Number of demo orders.", min=1, max=5000)] = 300,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON result only.")] = False,
) -> None:
    """Plan a synthetic day in Lisbon (10 vans, ~300 orders) and write plan.json, routes.csv, map.html, ..."""

    def body() -> int:
        options = SolveOptions(time_limit_s=time_limit, seed=seed)
        options.validate()
        problem = demo_problem(seed=seed, orders=orders)
        if not json_out:
            console.print(f"[bold]{problem.name}[/bold]: {len(problem.orders)} orders, {len(problem.vehicles)} vans")
        provider = travel_provider(problem, get_settings())
        return solve_and_report(
            RunRequest(problem=problem, options=options, provider=provider, out_dir=out, json_out=json_out)
        )

    raise typer.Exit(guarded(body, json_out=json_out, debug=bool(ctx.obj and ctx.obj.get("debug"))))
