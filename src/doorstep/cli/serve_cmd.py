"""`doorstep serve`: migrate the database, then run the platform (API + background jobs) with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from doorstep.api.app import create_app
from doorstep.cli.logs import json_logging
from doorstep.config import get_settings
from doorstep.services.demo_platform import load_demo
from doorstep.services.plans import recover_interrupted
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Load and plan the Lisbon demo day; print the login.")] = False,
    demo_orders: Annotated[int, typer.Option(help="Orders in the demo day.", min=1, max=5000)] = 300,
    demo_time_limit: Annotated[float, typer.Option(help="Solver seconds for the demo plan.")] = 20.0,
) -> None:
    """Serve the REST API (OpenAPI at /docs) on the database of DOORSTEP_DATABASE_URL (default: SQLite)."""
    settings = get_settings()
    json_logging()
    upgrade(settings.db_url())
    app = create_app(settings)
    mount_web(app)
    if demo:
        if settings.db_url().startswith("sqlite"):
            recover_interrupted(app.state.platform)  # before the demo's own job starts, not at server start-up
        login = load_demo(app.state.platform, orders=demo_orders, time_limit_s=demo_time_limit)
        typer.echo(f"Demo organization ready: http://{host}:{port}/app?date={login.day.isoformat()}")
        typer.echo(f"  log in as {login.email}  password: {login.password}")
        if login.plan_id:
            typer.echo(f"  planning job {login.plan_id} is running; GET /v1/plans/{login.plan_id} shows its progress")
    uvicorn.run(app, host=host, port=port, log_config=None)
