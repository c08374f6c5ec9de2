"""What `doorstep serve` runs: migrate the database, then the platform (API + background jobs) with uvicorn; with
--demo the demo day, its shop, simulated drivers and history. The command's options are in ``serve_cmd.py``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import httpx
import typer
import uvicorn

from doorstep.api.app import check_networks, create_app, secret_key
from doorstep.cli.errors import EXIT_BAD_INPUT
from doorstep.cli.logs import json_logging
from doorstep.cli.serve_app import FACTORY
from doorstep.cli.simulator import DaySimulator
from doorstep.config import Settings, get_settings
from doorstep.demo.history.month import History, HistoryConfig, api_client
from doorstep.demo.history.world import World
from doorstep.demo.platform import load_demo
from doorstep.demo.synthetic import TIMEZONE
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.live.simulation import SimConfig
from doorstep.services.accounts.accounts import create_api_key
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.services.planning.plans import recover_interrupted
from doorstep.store.migrate import upgrade
from doorstep.web.demo_shop import DemoShop, mount_demo_shop
from doorstep.web.mount import mount_web, templates


def _when_served(name: str, work: Callable[[], None], first: Callable[[], None] | None = None) -> threading.Thread:
    """``work`` in a background thread (after ``first``), tried again every half second while the server does not
    answer yet (for at most five minutes)."""

    def run() -> None:
        if first is not None:
            first()
        for _ in range(600):
            try:
                work()
                return
            except httpx.TransportError:
                time.sleep(0.5)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def start_simulation(app: Any, org_id: str, base: str, day: date, speed: float) -> threading.Thread:
    """Drive the demo day in a background thread once its plan is published (a dispatcher API key for it)."""
    key = create_api_key(app.state.platform, system_actor(org_id), "simulator", [Permission.READ, Permission.WRITE])[1]
    log = logging.getLogger("doorstep.simulate")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per simulated request is noise

    def drive() -> None:
        tally = DaySimulator(base, key, day, SimConfig(), speed).run("shifted")
        log.info("simulated day done: sent %s, refused %s", dict(tally.counts), dict(tally.errors))

    # the plan job, then its publication, before the drivers start
    return _when_served("simulator", drive, first=lambda: app.state.runner.wait_idle(3600))


def start_history(app: Any, org_id: str, base: str, days: int) -> threading.Thread:
    """Simulate ``days`` days of history up to yesterday in the demo organization (a second depot, in Porto, with
    its own vans and customers: ``demo/history``), in a background thread once the server answers: the KPI,
    forecast and learned-times pages then have a past to show."""
    key = create_api_key(app.state.platform, system_actor(org_id), "history", [Permission.READ, Permission.WRITE])[1]
    start = date.today() - timedelta(days=days)
    log = logging.getLogger("doorstep.simulate")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per simulated request is noise

    def simulate() -> None:
        with api_client(base, key) as api:
            api.get("/healthz")
            reports = History(api, World(seed=1), HistoryConfig(start=start, days=days, learn=True)).run(
                on_day=lambda rep: log.info("simulated history: %s, %d orders", rep.day, rep.orders)
            )
        log.info("simulated history done: %d days", len(reports))

    return _when_served("history", simulate)


HEALTHCHECK_S = 60  # a process starting on a busy machine imports for 10-20 s before it answers the supervisor


def check_scaled(settings: Settings) -> None:
    """Several API processes share one database and one live broker: E1011 on SQLite or without Redis (each
    process would see only its own live events)."""
    problems = []
    if not settings.redis_url:
        problems.append(Issue("E1011", "serve --workers N needs DOORSTEP_REDIS_URL (live events across processes)",
                              ("DOORSTEP_REDIS_URL",)))  # fmt: skip
    if settings.db_url().startswith("sqlite"):
        problems.append(Issue("E1011", "serve --workers N needs a shared database server (DOORSTEP_DATABASE_URL "
                              "on PostgreSQL), not a SQLite file", ("DOORSTEP_DATABASE_URL",)))  # fmt: skip
    if problems:
        raise DoorstepError(problems)


def _refuse(exc: DoorstepError) -> NoReturn:
    """Each problem on one line (code, message, what to do); exit 2, nothing started."""
    for issue in exc.issues:
        typer.echo(f"{issue.code} {issue.message} → {issue.fix}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT) from None


def serve_api(
    *,
    host: str,
    port: int,
    demo: bool,
    demo_orders: int,
    demo_time_limit: float,
    simulate: bool,
    sim_speed: float,
    history: int,
    workers: int,
) -> None:
    """``doorstep serve`` with its options (see ``serve_cmd.serve``)."""
    settings = get_settings()
    try:
        secret_key(settings)  # a configuration error is one clear line before anything starts, not a traceback
        check_networks(settings)
        if workers > 1:
            check_scaled(settings)
    except DoorstepError as exc:
        _refuse(exc)
    if workers > 1 and demo:
        raise typer.BadParameter("--demo runs in one process; leave out --workers", param_hint="--workers")
    json_logging()
    upgrade(settings.db_url())
    if workers > 1:  # uvicorn's supervisor starts the processes and starts again any that dies
        uvicorn.run(
            FACTORY, factory=True, host=host, port=port, workers=workers, log_config=None,
            timeout_worker_healthcheck=HEALTHCHECK_S,
        )  # fmt: skip
        return
    try:
        app = create_app(settings)  # a network folder that OSRM cannot load (E3007) is found here
    except DoorstepError as exc:
        _refuse(exc)
    mount_web(app)
    if demo:
        if settings.db_url().startswith("sqlite"):
            recover_interrupted(app.state.platform)  # before the demo's own job starts, not at server start-up
        # today in Lisbon: the simulated day's positions are stamped in the last hours, so the live ETAs and
        # alerts compare them with windows of the same day
        today = datetime.now(ZoneInfo(TIMEZONE)).date()
        login = load_demo(app.state.platform, orders=demo_orders, time_limit_s=demo_time_limit, day=today)
        typer.echo(f"Demo organization ready: http://{host}:{port}/app?date={login.day.isoformat()}")
        typer.echo(f"  log in as {login.email}  password: {login.password}")
        shop_key = create_api_key(app.state.platform, system_actor(login.org_id), "demo shop", [Permission.CHECKOUT])[1]
        mount_demo_shop(app, templates, DemoShop(shop_key))
        typer.echo(f"  demo shop with the checkout widget: http://{host}:{port}/demo/shop")
        if login.plan_id:
            typer.echo(f"  planning job {login.plan_id} is running; GET /v1/plans/{login.plan_id} shows its progress")
        if history:
            start_history(app, login.org_id, f"http://{host}:{port}", history)
            typer.echo(f"  {history} days of history are being simulated (a Porto depot): /app/analytics, /app/learned")
        if simulate:
            start_simulation(app, login.org_id, f"http://{host}:{port}", login.day, sim_speed)
            typer.echo(f"  virtual drivers start once the plan is published: http://{host}:{port}/app/live")
    uvicorn.run(app, host=host, port=port, log_config=None)
