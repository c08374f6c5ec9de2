"""The `doorstep` console script: commands are registered here, their bodies live in one module each."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.cli.bounces_cmd import bounces_app
from doorstep.cli.check_cmd import check
from doorstep.cli.db_cmd import db_app
from doorstep.cli.demo_cmd import demo
from doorstep.cli.eta_worker_cmd import eta_worker
from doorstep.cli.geocode_cmd import geocode
from doorstep.cli.network_cmd import network_app
from doorstep.cli.org_cmd import org_app
from doorstep.cli.plan_cmd import plan
from doorstep.cli.schema_cmd import schema
from doorstep.cli.serve_cmd import serve
from doorstep.cli.simulate_cmd import simulate
from doorstep.cli.worker_cmd import worker

app = typer.Typer(
    name="doorstep",
    help="Doorstep: orders in, optimized delivery routes out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Print tracebacks of internal errors.")] = False,
) -> None:
    """Exit codes: 0 plan made / check passed, 1 internal error, 2 bad input, 3 check found violations."""
    ctx.obj = {"debug": debug}


app.command("plan")(plan)
app.command("check")(check)
app.command("demo")(demo)
app.command("schema")(schema)
app.add_typer(network_app, name="network")
app.command("geocode")(geocode)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.command("serve")(serve)
app.command("simulate")(simulate)
app.command("worker")(worker)
app.command("eta-worker")(eta_worker)
app.add_typer(bounces_app, name="bounces")


def main() -> None:
    """Entry point of the console script."""
    app()
