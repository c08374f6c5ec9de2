"""`doorstep eta-worker`: the ETA worker of the scaled shape in its own process — re-times routes from the
position and stop events the API processes append to a Redis stream (``DOORSTEP_ETA_WORKER=process``)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import FrameType
from typing import Annotated

import typer

from doorstep.cli.errors import EXIT_BAD_INPUT, err_console, print_issues
from doorstep.cli.logs import json_logging
from doorstep.config import get_settings
from doorstep.domain.errors import Issue

log = logging.getLogger("doorstep.eta_worker")


def eta_worker(
    name: Annotated[str | None, typer.Option(help="Consumer name in the group (default: host and process id).")] = None,
    claim_idle_s: Annotated[
        float, typer.Option(help="Take over entries another worker read and left unacknowledged this long.", min=1)
    ] = 60.0,
    interval_s: Annotated[float, typer.Option(help="Re-time a route for positions at most this often.", min=0)] = 10.0,
) -> None:
    """Re-time live routes from the position and stop events of DOORSTEP_REDIS_URL's ETA stream, on the database
    of DOORSTEP_DATABASE_URL; ETAs and alerts are published to the live streams. Stops on SIGTERM or Ctrl-C."""
    from doorstep.api.app import build_platform, job_runner, live_policy, make_broker
    from doorstep.jobs.threads import ThreadRunner
    from doorstep.services.operations.eta_stream import EtaStreamConsumer
    from doorstep.services.operations.tracking import TrackingPublisher
    from doorstep.store.engine import make_engine
    from doorstep.store.migrate import upgrade

    settings = get_settings()
    json_logging()
    if not settings.redis_url:
        msg = "doorstep eta-worker needs DOORSTEP_REDIS_URL (the stream it reads)"
        issue = Issue("E1011", msg, ("DOORSTEP_REDIS_URL",))
        print_issues(err_console, [issue], f"Error E1011: {issue.message}")
        raise typer.Exit(EXIT_BAD_INPUT)
    upgrade(settings.db_url())
    _, publisher = make_broker(settings)
    engine = make_engine(settings.db_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
    platform = build_platform(settings, job_runner(settings), publisher, engine)
    runner = ThreadRunner(workers=1)
    tracker = TrackingPublisher(publisher, platform, runner, live_policy(settings), min_interval_s=interval_s)
    platform.live = tracker  # ETAs and alerts go out through the plain publisher inside it
    consumer = EtaStreamConsumer(
        settings.redis_url, tracker, name or f"{socket.gethostname()}-{os.getpid()}", claim_idle_s=claim_idle_s
    )
    stop = threading.Event()

    def halt(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, halt)
    signal.signal(signal.SIGINT, halt)
    log.info("ETA worker %s reading the ETA stream", consumer.name)
    try:
        consumer.run(stop)
    finally:
        runner.wait_idle(30)
        runner.shutdown()
        consumer.close()
        engine.dispose()
