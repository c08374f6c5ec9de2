"""`doorstep serve`: migrate the database, then run the platform (API + background jobs) with uvicorn. Only the
options are here; what it runs is in ``serve_run.py``, imported when the command runs (the API is heavy to import)."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Load and plan the Lisbon demo day; print the login.")] = False,
    demo_orders: Annotated[int, typer.Option(help="Orders in the demo day.", min=1, max=5000)] = 300,
    demo_time_limit: Annotated[float, typer.Option(help="Solver seconds for the demo plan.")] = 20.0,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="With --demo: virtual drivers drive the demo day (a living dashboard).")
    ] = False,
    sim_speed: Annotated[float, typer.Option(help="With --simulate: times faster than real time.", min=1)] = 30.0,
    history: Annotated[
        int,
        typer.Option(
            help="With --demo: simulate this many past days (orders, plans, drivers, learning) first.", min=0, max=120
        ),
    ] = 0,
    workers: Annotated[
        int, typer.Option(help="API processes (the scaled shape: PostgreSQL and Redis; 1: the embedded shape).", min=1)
    ] = 1,
) -> None:
    """Serve the REST API (OpenAPI at /docs) on the database of DOORSTEP_DATABASE_URL (default: SQLite)."""
    from doorstep.cli.serve_run import serve_api

    serve_api(
        host=host,
        port=port,
        demo=demo,
        demo_orders=demo_orders,
        demo_time_limit=demo_time_limit,
        simulate=simulate,
        sim_speed=sim_speed,
        history=history,
        workers=workers,
    )
