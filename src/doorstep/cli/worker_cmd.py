"""`doorstep worker`: a job worker of the scaled shape — runs the named jobs the API processes queue on the Redis
broker (planning, event dispatch), and the periodic work (webhook deliveries, event retries)."""

from __future__ import annotations

from typing import Annotated

import typer

from doorstep.cli.errors import EXIT_BAD_INPUT, err_console, print_issues
from doorstep.cli.logs import json_logging
from doorstep.config import get_settings
from doorstep.domain.errors import DoorstepError, Issue


def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once (worker processes or threads).", min=1)] = 1,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, threads or solo.")] = "prefork",
    tick: Annotated[bool, typer.Option(help="Also send due webhooks and retry due event handlers.")] = True,
) -> None:
    """Run jobs from the broker at DOORSTEP_REDIS_URL on the database of DOORSTEP_DATABASE_URL (any number of
    workers may run; each job is acknowledged only once it has run, and one whose worker dies runs again)."""
    from celery.signals import worker_process_init

    from doorstep.api.app import build_platform, check_networks, make_broker, tickers
    from doorstep.jobs.celery_runner import CeleryRunner, make_celery
    from doorstep.services.kernel.platform import Platform
    from doorstep.store.engine import make_engine
    from doorstep.store.migrate import upgrade

    settings = get_settings()
    json_logging()
    if not settings.redis_url:
        issue = Issue("E1010", "doorstep worker needs DOORSTEP_REDIS_URL (the broker)", ("DOORSTEP_REDIS_URL",))
        print_issues(err_console, [issue], f"Error E1010: {issue.message}")
        raise typer.Exit(EXIT_BAD_INPUT)
    if pool not in ("prefork", "threads", "solo"):
        raise typer.BadParameter("pool must be prefork, threads or solo", param_hint="--pool")
    try:
        check_networks(settings)  # each bad folder named once here, not a traceback in every pool process
    except DoorstepError as exc:
        print_issues(err_console, list(exc.issues), "Error: the network folders cannot be used")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    upgrade(settings.db_url())
    redis_url, timeout = settings.redis_url, settings.celery_visibility_timeout_s

    def platform() -> Platform:
        # built in the process that runs the jobs (after a fork): jobs that queue jobs queue them on the broker
        _, publisher = make_broker(settings)
        runner = CeleryRunner(make_celery(redis_url, visibility_timeout_s=timeout))
        engine = make_engine(settings.db_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
        return build_platform(settings, runner, publisher, engine)

    app = make_celery(redis_url, platform, visibility_timeout_s=timeout)
    ticking = platform() if tick else None  # the main process's own, for the periodic work
    if ticking is not None:
        engine = ticking.sessions.kw["bind"]
        # a forked pool process must not use (nor close) the connections this process holds
        worker_process_init.connect(lambda **_: engine.dispose(close=False), weak=False)
    ticks = tickers(settings, ticking) if ticking is not None else []
    for ticker in ticks:
        ticker.start()
    try:
        app.worker_main(["worker", f"--concurrency={concurrency}", f"--pool={pool}", "--loglevel=INFO",
                         "--without-gossip", "--without-mingle", "-Q", "doorstep"])  # fmt: skip
    finally:
        for ticker in ticks:
            ticker.stop()
