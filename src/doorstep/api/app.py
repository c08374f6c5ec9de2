"""The app factory: the composition root that wires settings, the store, the job runner and the routers."""

from __future__ import annotations

import gc
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from itsdangerous import URLSafeTimedSerializer

from doorstep.api.errors import install_error_handlers
from doorstep.api.limits import BodyLimit, RateLimit
from doorstep.api.metrics import Metrics, MetricsMiddleware
from doorstep.api.routers import (
    auth,
    driver,
    driver_records,
    driver_stream,
    fleet,
    health,
    live,
    orders,
    plans,
    returns,
    webhooks,
)
from doorstep.api.security import SecurityHeaders
from doorstep.config import Settings, get_settings
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.returns import FailurePolicy
from doorstep.jobs.threads import ThreadRunner, Ticker
from doorstep.live.broker import Broker, InMemoryBroker
from doorstep.live.redis_broker import RedisBroker
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import TravelTimeProvider
from doorstep.routing.traffic import traffic_for
from doorstep.services.live_publish import LivePublisher, MemoryPublisher, RedisPublisher
from doorstep.services.plans import recover_interrupted
from doorstep.services.platform import Platform
from doorstep.services.tracking import LivePolicy, TrackingPublisher
from doorstep.services.webhooks import scheduler
from doorstep.store.engine import make_engine, make_session_factory

DESCRIPTION = """Orders in, optimized routes out. Authenticate with `Authorization: Bearer <API key>` or the
session cookie set by `POST /v1/auth/login`. Every error uses one envelope (see docs/errors.md); every create
accepts an `Idempotency-Key` header."""


MIN_SECRET = 32  # characters: what secrets.token_urlsafe(24) gives, 192 bits


def secret_key(settings: Settings) -> str:
    """The configured secret; in development a random one per process; elsewhere E4005 when missing and E4006
    when shorter than 32 characters (a short secret lets sessions and driver tokens be forged by guessing)."""
    if settings.is_development:
        return settings.secret_key or secrets.token_urlsafe(32)
    if not settings.secret_key:
        raise DoorstepError([Issue("E4005", f"DOORSTEP_SECRET_KEY is not set (DOORSTEP_ENV={settings.env})", ())])
    if len(settings.secret_key) < MIN_SECRET:
        msg = f"DOORSTEP_SECRET_KEY has {len(settings.secret_key)} characters; at least {MIN_SECRET} are required"
        raise DoorstepError([Issue("E4006", f"{msg} (DOORSTEP_ENV={settings.env})", ())])
    return settings.secret_key


def make_broker(settings: Settings) -> tuple[Broker, LivePublisher]:
    """One broker per app (Redis when ``DOORSTEP_REDIS_URL`` is set, else in memory) and the publisher for it."""
    if settings.redis_url:
        return RedisBroker(settings.redis_url), RedisPublisher(settings.redis_url)
    memory = InMemoryBroker()
    return memory, MemoryPublisher(memory)


def road_network(settings: Settings) -> TravelTimeProvider | None:
    """The deployment's road network (``DOORSTEP_NETWORK``), loaded once and shared by plan jobs, checks, live
    changes and ETAs; None keeps the straight-line model."""
    if settings.network is None:
        return None
    return OsrmLocalProvider(settings.network, snap_radius_m=settings.snap_radius_m)


def settle_heap() -> None:
    """Move everything loaded so far (modules, the app, caches) out of the garbage collector's sight: a full
    collection then walks only what requests allocate since, instead of pausing every request in flight for
    100-150 ms (measured on the position ingest benchmark)."""
    gc.collect()
    gc.freeze()


GIL_TURN_S = 0.001


def quick_turns() -> float:
    """Let threads take turns on the interpreter every millisecond (Python's default: 5 ms), so a request waiting
    while the ETA worker or another request computes gets its turn sooner; the previous interval, to restore.
    Measured on the position-ingest benchmark with the ETA worker on SQLite: p99 123 -> 93 ms at 2,000/s."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(GIL_TURN_S)
    return previous


def create_app(settings: Settings | None = None, *, runner: ThreadRunner | None = None) -> FastAPI:
    """A ready FastAPI app on the configured database (migrated beforehand by ``doorstep db upgrade``)."""
    settings = settings or get_settings()
    secret_key_value = secret_key(settings)
    signer = URLSafeTimedSerializer(secret_key_value, salt="doorstep-session")
    engine = make_engine(settings.db_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
    runner = runner or ThreadRunner(workers=1)
    broker, publisher = make_broker(settings)
    platform = Platform(
        sessions=make_session_factory(engine),
        runner=runner,
        webhook_timeout_s=settings.webhook_timeout_s,
        webhook_allow_private=settings.webhook_allow_private,
        plan_time_limit_s=settings.time_limit_s,
        live=publisher,
        pod_flag_distance_m=settings.pod_flag_distance_m,
        max_photo_bytes=settings.max_photo_bytes,
        proposal_ttl_s=settings.proposal_ttl_s,
        travel=road_network(settings),
        traffic=settings.traffic,
        weather=settings.weather,
    )
    traffic_for(settings.traffic, settings.weather, "UTC")  # a bad DOORSTEP_TRAFFIC fails here (E3013/E1001)
    created = platform.clock()  # jobs queued by this process from now on are its own, not interrupted ones
    eta_runner = ThreadRunner(workers=1)  # the ETA worker: position and stop events re-time their route
    policy = LivePolicy(
        FailurePolicy(settings.reattempt == "same_day", settings.max_attempts), settings.live_auto_approve
    )
    platform.live = TrackingPublisher(publisher, platform, eta_runner, policy)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.db_url().startswith("sqlite"):  # embedded shape: this process owns every job
            recover_interrupted(platform, before=created)
        ticker = Ticker(scheduler(platform), settings.webhook_tick_s) if settings.webhook_tick_s > 0 else None
        if ticker:
            ticker.start()
        settle_heap()
        turn = quick_turns()
        yield
        if ticker:
            ticker.stop()
        sys.setswitchinterval(turn)
        gc.unfreeze()  # several apps may live in one process (tests): what this one held can be collected again
        runner.shutdown()
        eta_runner.shutdown()
        await broker.close()
        if isinstance(publisher, RedisPublisher):
            publisher.close()
        engine.dispose()

    app = FastAPI(title="Doorstep", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings, app.state.engine, app.state.platform = settings, engine, platform
    app.state.signer, app.state.runner, app.state.metrics = signer, runner, Metrics()
    app.state.broker, app.state.eta_runner = broker, eta_runner
    app.state.cookie_secure = not settings.is_development  # production cookies travel over HTTPS only
    app.state.metrics_token = settings.metrics_token
    app.state.driver_signer = URLSafeTimedSerializer(secret_key_value, salt="doorstep-driver")
    install_error_handlers(app)
    routers = (health.router, auth.router, orders.router, plans.router, webhooks.router, *fleet.ROUTERS)
    live_routers = (driver.router, driver_stream.router, driver_records.router, live.router, returns.router)
    for router in (*routers, *live_routers):
        app.include_router(router)
    app.add_middleware(
        RateLimit, per_minute=settings.rate_limit_per_minute, per_address=settings.rate_limit_per_address_per_minute
    )
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders, hsts_always=not settings.is_development)  # outermost: on every answer
    return app
