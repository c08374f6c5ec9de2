"""The app factory: the composition root that wires settings, the store, the job runner and the routers."""

from __future__ import annotations

import gc
import hashlib
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import parseaddr
from pathlib import Path

from fastapi import FastAPI
from itsdangerous import URLSafeTimedSerializer
from redis import Redis
from sqlalchemy import Engine

from doorstep.api.checkout_cors import CheckoutCors
from doorstep.api.docs_pages import mount_docs
from doorstep.api.errors import install_error_handlers
from doorstep.api.limits import BodyLimit, RateLimit
from doorstep.api.metrics import Metrics, MetricsMiddleware
from doorstep.api.routers import (
    analytics,
    auth,
    carriers,
    driver,
    driver_loading,
    driver_records,
    driver_stream,
    events,
    fleet,
    forecast,
    geocode,
    health,
    learned,
    live,
    notify_settings,
    orders,
    pickup_points,
    plans,
    returns,
    slots,
    track,
    transfers,
    warehouse,
    webhooks,
)
from doorstep.api.security import SecurityHeaders
from doorstep.api.widget_checkout import Checkout
from doorstep.carriers import adapters
from doorstep.config import Settings, get_settings
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.returns import FailurePolicy
from doorstep.domain.waves import LoadingTimes
from doorstep.jobs.celery_runner import CeleryRunner, make_celery
from doorstep.jobs.handlers import register_handlers
from doorstep.jobs.parts_runner import PART_JOB, CeleryParts
from doorstep.jobs.threads import ThreadJobRunner, ThreadRunner, Ticker
from doorstep.live.broker import Broker, InMemoryBroker
from doorstep.live.publish import LivePublisher, MemoryPublisher, RedisPublisher
from doorstep.live.redis_broker import RedisBroker
from doorstep.notify.channels import Channels
from doorstep.notify.rate import RateLimits
from doorstep.notify.rate_redis import RedisBucket
from doorstep.notify.smtp import SmtpEmail
from doorstep.notify.twilio import TwilioSms, status_callback_url
from doorstep.routing.address_index import INDEX_FILE
from doorstep.routing.address_lookup import network_geocoder
from doorstep.routing.geocoder import Geocoder
from doorstep.routing.network_meta import NetworkProfile, read_meta
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import TravelTimeProvider
from doorstep.routing.traffic import traffic_for
from doorstep.services.analytics.closed_days import rollup_due
from doorstep.services.analytics.learning import learn_due
from doorstep.services.customer.notify_send import send_due
from doorstep.services.kernel.event_bus import EventBus
from doorstep.services.kernel.event_dispatch import dispatch_due
from doorstep.services.kernel.platform import Platform, Runner
from doorstep.services.kernel.settings import (
    CarrierSettings,
    Leases,
    LiveRules,
    NotifySettings,
    TravelModel,
    WebhookSettings,
)
from doorstep.services.kernel.slot_settings import SlotSettings
from doorstep.services.kernel.webhook_targets import delivery_block
from doorstep.services.operations.eta_stream import EtaFeedPublisher
from doorstep.services.operations.tracking import LivePolicy, TrackingPublisher
from doorstep.services.planning.plans import recover_interrupted
from doorstep.services.slots.slot_holds import expire_due
from doorstep.services.webhooks.webhooks import scheduler
from doorstep.store.engine import make_engine, make_session_factory

log = logging.getLogger("doorstep.app")
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
        history = settings.live_history
        return RedisBroker(settings.redis_url, history=history), RedisPublisher(settings.redis_url, history=history)
    memory = InMemoryBroker(history=settings.live_history)
    return memory, MemoryPublisher(memory)


def eta_apart(settings: Settings) -> bool:
    """Whether routes are re-timed by ``doorstep eta-worker`` processes (``DOORSTEP_ETA_WORKER=process``: the API
    processes then only feed them; E1011 without ``DOORSTEP_REDIS_URL``)."""
    if settings.eta_worker == "inline":
        return False
    if not settings.redis_url:
        msg = "DOORSTEP_ETA_WORKER=process needs DOORSTEP_REDIS_URL (the stream the ETA worker reads)"
        raise DoorstepError([Issue("E1011", msg, ("DOORSTEP_REDIS_URL",))])
    return True


def road_network(settings: Settings) -> TravelTimeProvider | None:
    """The deployment's road network (``DOORSTEP_NETWORK``), loaded once and shared by plan jobs, checks, live
    changes and ETAs; None keeps the straight-line model."""
    if settings.network is None:
        return None
    return OsrmLocalProvider(settings.network, snap_radius_m=settings.snap_radius_m)


def foot_network(settings: Settings) -> TravelTimeProvider | None:
    """The walking network (``DOORSTEP_FOOT_NETWORK``) that ranks pickup points by the walk to them; E3006 at start
    when the folder holds a network that does not route walkers (a car network), E3007 when OSRM cannot load it."""
    if settings.foot_network is None:
        return None
    walks = OsrmLocalProvider(settings.foot_network, snap_radius_m=settings.snap_radius_m)
    if (issue := _not_walking(settings.foot_network, walks.meta.profile)) is not None:
        raise DoorstepError([issue])
    return walks


def _not_walking(folder: Path, profile: NetworkProfile) -> Issue | None:
    """E3006 for a walking network folder that holds another profile's network."""
    if profile is NetworkProfile.FOOT:
        return None
    msg = f"DOORSTEP_FOOT_NETWORK {folder} is a {profile.value} network, not a walking one"
    fix = "Build one: doorstep network build EXTRACT.osm.pbf --profile foot --out DIR"
    return Issue("E3006", msg, ("DOORSTEP_FOOT_NETWORK",), action=fix)


def check_networks(settings: Settings) -> None:
    """Before anything starts: the network folders the settings name hold networks (their ``network.json``), the
    walking one a walking network; every problem at once (DoorstepError), without loading OSRM."""
    problems: list[Issue] = []
    for folder, name in ((settings.network, "DOORSTEP_NETWORK"), (settings.foot_network, "DOORSTEP_FOOT_NETWORK")):
        if folder is None:
            continue
        try:
            meta = read_meta(folder)
        except DoorstepError as exc:
            problems.extend(Issue(i.code, f"{name} {i.message}", (name,), action=i.action) for i in exc.issues)
            continue
        if name == "DOORSTEP_FOOT_NETWORK" and (issue := _not_walking(folder, meta.profile)) is not None:
            problems.append(issue)
    if problems:
        raise DoorstepError(problems)


def address_geocoder(settings: Settings) -> Geocoder | None:
    """The road network folder's address index (``DOORSTEP_NETWORK``): orders given by address only are placed
    with it. None without a network, or with one built before networks carried addresses (logged: rebuild it)."""
    coder = network_geocoder(settings.network)
    if coder is None and settings.network is not None:
        log.warning("%s has no %s: orders need lat/lng (rebuild it with `doorstep network build`)",
                    settings.network, INDEX_FILE)  # fmt: skip
    return coder


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


JobRunner = ThreadJobRunner | CeleryRunner


def job_runner(settings: Settings) -> JobRunner:
    """Threads of this process (``DOORSTEP_JOB_RUNNER=inline``), or Celery workers on the Redis broker
    (``celery``: this process then runs no job itself; E1010 without ``DOORSTEP_REDIS_URL``)."""
    if settings.job_runner == "inline":
        return ThreadJobRunner(ThreadRunner(workers=1))
    if not settings.redis_url:
        msg = "DOORSTEP_JOB_RUNNER=celery needs DOORSTEP_REDIS_URL (the broker)"
        raise DoorstepError([Issue("E1010", msg, ("DOORSTEP_REDIS_URL",))])
    return CeleryRunner(make_celery(settings.redis_url, visibility_timeout_s=settings.celery_visibility_timeout_s))


def live_policy(settings: Settings) -> LivePolicy:
    """The organization-wide live rules from the settings (failed deliveries, auto-approval)."""
    return LivePolicy(
        FailurePolicy(settings.reattempt == "same_day", settings.max_attempts), settings.live_auto_approve
    )


def channels(settings: Settings) -> Channels:
    """Customer email (``DOORSTEP_SMTP_URL``) and SMS (``DOORSTEP_SMS_URL``); unset ones are not used."""
    sender = parseaddr(settings.smtp_from)[0] or "Doorstep"
    timeout = settings.notify_timeout_s
    email = None
    if settings.smtp_url:
        email = SmtpEmail.from_url(settings.smtp_url, settings.smtp_from, timeout, settings.bounce_address)
    callback = status_callback_url(settings.public_url)
    sms = TwilioSms.from_url(settings.sms_url, settings.sms_from, timeout, callback) if settings.sms_url else None
    key = sms.config.auth_token if sms is not None else None
    rates = {"email": settings.email_rate_per_s, "sms": settings.sms_rate_per_s}
    if settings.redis_url:  # one limit for every process sending through the same provider account
        redis = Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
        accounts = {"email": settings.smtp_url or "", "sms": settings.sms_url or ""}

        def shared(channel: str, rate: float) -> RedisBucket:
            account = hashlib.sha256(accounts.get(channel, "").encode()).hexdigest()[:16]
            return RedisBucket(redis, f"doorstep:rate:{channel}:{account}", rate)

        limits = RateLimits.of(rates, shared)
    else:
        limits = RateLimits.of(rates)
    return Channels(
        email=email,
        sms=sms,
        public_url=settings.public_url.rstrip("/"),
        sender_name=sender,
        sms_signing_key=key,
        limits=limits,
    )


def loading_times(settings: Settings) -> LoadingTimes:
    """How long loading takes, for wave release times (docs/warehouse.md)."""
    return LoadingTimes(per_parcel_s=settings.load_s_per_parcel, dock_s=settings.dock_s, wave_s=settings.wave_s)


def build_platform(settings: Settings, runner: Runner, publisher: LivePublisher, engine: Engine) -> Platform:
    """The services' view of this deployment, with the event handlers registered: the same for the API
    process and for a worker process (which must handle the events the API records)."""
    platform = Platform(
        sessions=make_session_factory(engine),
        runner=runner,
        bus=register_handlers(EventBus(), live_policy(settings)),
        live=publisher,
        channels=channels(settings),
        travel=TravelModel(network=road_network(settings), foot=foot_network(settings), traffic=settings.traffic,
                           weather=settings.weather, learned=settings.learned_times),
        geocoder=address_geocoder(settings),
        currency=settings.currency,
        plan_time_limit_s=settings.time_limit_s,
        staffing_time_limit_s=settings.staffing_time_limit_s,
        webhooks=WebhookSettings(timeout_s=settings.webhook_timeout_s, allow_private=settings.webhook_allow_private),
        notify=NotifySettings(max_attempts=settings.notify_max_attempts, tracking_ttl_s=settings.tracking_ttl_s),
        live_rules=LiveRules(pod_flag_distance_m=settings.pod_flag_distance_m, max_photo_bytes=settings.max_photo_bytes,
                             proposal_ttl_s=settings.proposal_ttl_s),
        leases=Leases(plan_s=settings.plan_lease_s, idempotency_stale_s=settings.idempotency_stale_s),
        slots=SlotSettings(hold_minutes=settings.slot_hold_minutes, offer_ttl_s=settings.slot_offer_ttl_s),
        loading=loading_times(settings),
        carriers=carrier_settings(settings),
    )
    platform.part_runner = part_runner(settings, runner, platform)
    return platform


def part_runner(settings: Settings, runner: Runner, platform: Platform) -> CeleryParts | None:
    """With the Celery runner, a large day's parts run on the workers too (``jobs.parts_runner``): their payloads
    are signed with ``DOORSTEP_SECRET_KEY``, which every process must share; without one (development), each
    planning job plans its parts in its own worker's processes, as with the in-process runner (None)."""
    if not isinstance(runner, CeleryRunner) or not settings.redis_url:
        return None
    if not settings.secret_key:
        log.warning("DOORSTEP_SECRET_KEY is not set: a large day's parts run in the processes of its planning job")
        return None
    return CeleryParts(settings.redis_url, settings.secret_key, lambda run_id: platform.submit(PART_JOB, run_id=run_id))


def carrier_settings(settings: Settings) -> CarrierSettings:
    """Partner carriers: the adapters (``doorstep.carriers``), whose calls pass the webhooks' address rule."""
    allow = settings.carrier_allow_private
    return CarrierSettings(factory=adapters.factory(lambda url: delivery_block(url, allow)), allow_private=allow)


def tickers(settings: Settings, platform: Platform) -> list[Ticker]:
    """The periodic work of the process that runs jobs: due webhook deliveries, due event handlings, queued
    customer messages (the retries of a provider that was down), expired slot holds, the nightly re-learning and
    the nightly rollup of closed days."""
    out = []
    if settings.webhook_tick_s > 0:
        out.append(Ticker(scheduler(platform), settings.webhook_tick_s))
    if settings.event_tick_s > 0:
        out.append(Ticker(lambda: dispatch_due(platform), settings.event_tick_s))
    if settings.notify_tick_s > 0 and platform.channels.names():
        out.append(Ticker(lambda: send_due(platform), settings.notify_tick_s))
    if settings.slot_expiry_tick_s > 0:  # holds past their time free their place (the job slots.expire)
        out.append(Ticker(lambda: expire_due(platform), settings.slot_expiry_tick_s))
    if settings.learn_tick_s > 0:  # organizations that drove are re-learned once a day (the job analytics.learn)
        out.append(Ticker(lambda: learn_due(platform), settings.learn_tick_s))
    if settings.rollup_tick_s > 0:  # closed days rolled up once a day (the job analytics.rollup_closed)
        out.append(Ticker(lambda: rollup_due(platform), settings.rollup_tick_s))
    return out


def create_app(settings: Settings | None = None, *, runner: JobRunner | None = None) -> FastAPI:
    """A ready FastAPI app on the configured database (migrated beforehand by ``doorstep db upgrade``)."""
    settings = settings or get_settings()
    secret_key_value = secret_key(settings)
    signer = URLSafeTimedSerializer(secret_key_value, salt="doorstep-session")
    runner = runner or job_runner(settings)
    broker, publisher = make_broker(settings)
    engine = make_engine(settings.db_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
    platform = build_platform(settings, runner, publisher, engine)
    traffic_for(settings.traffic, settings.weather, "UTC")  # a bad DOORSTEP_TRAFFIC fails here (E3013/E1001)
    created = platform.clock()  # jobs queued by this process from now on are its own, not interrupted ones
    eta_runner: ThreadRunner | None = None
    if eta_apart(settings) and isinstance(publisher, RedisPublisher):
        platform.live = EtaFeedPublisher(publisher)  # `doorstep eta-worker` re-times the routes
    else:
        eta_runner = ThreadRunner(workers=1)  # the ETA worker: position and stop events re-time their route
        platform.live = TrackingPublisher(publisher, platform, eta_runner, live_policy(settings))
    embedded = isinstance(runner, ThreadJobRunner)  # with Celery, the workers run jobs, tickers and retries

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # queued jobs of a dead process are handed over again; on SQLite this process owns every job, so its
        # running ones died with it (elsewhere only those silent past their lease)
        recover_interrupted(platform, before=created, sole_owner=settings.db_url().startswith("sqlite"))
        ticks = tickers(settings, platform) if embedded else []
        for ticker in ticks:
            ticker.start()
        settle_heap()
        turn = quick_turns()
        yield
        for ticker in ticks:
            ticker.stop()
        sys.setswitchinterval(turn)
        gc.unfreeze()  # several apps may live in one process (tests): what this one held can be collected again
        runner.shutdown()
        if eta_runner is not None:
            eta_runner.shutdown()
        platform.channels.close()
        await broker.close()
        if isinstance(publisher, RedisPublisher):
            publisher.close()
        engine.dispose()

    app = FastAPI(
        title="Doorstep", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    mount_docs(app)  # Swagger UI and ReDoc from packaged assets: the reference works offline
    app.state.settings, app.state.engine, app.state.platform = settings, engine, platform
    app.state.signer, app.state.runner, app.state.metrics = signer, runner, Metrics()
    app.state.broker, app.state.eta_runner = broker, eta_runner
    app.state.tracking = track.Pages(platform)  # the web layer's /t/{token} page reads its content here
    app.state.widget = Checkout(platform)  # the web layer's plain-HTML checkout form (/widget/form) uses it
    app.state.cookie_secure = not settings.is_development  # production cookies travel over HTTPS only
    app.state.metrics_token = settings.metrics_token
    app.state.driver_signer = URLSafeTimedSerializer(secret_key_value, salt="doorstep-driver")
    install_error_handlers(app)
    # The driver app's router comes first: a request is matched against the routes one by one in this order
    # (with the included routers' bookkeeping, about 8 us a route), and its position batches are the busiest
    # requests by far; 60 routes ahead of it cost 0.4 ms of CPU per batch. No other route matches its paths.
    routers = (
        driver.router, health.router, auth.router, orders.router, plans.router, webhooks.router, events.router,
        *fleet.ROUTERS, transfers.router, carriers.router,
    )  # fmt: skip
    live_routers = (driver_stream.router, driver_records.router, live.router, returns.router, track.router,
                    driver_loading.router, warehouse.router)  # fmt: skip
    for router in (*routers, *live_routers, slots.router, notify_settings.router, pickup_points.router, geocode.router):
        app.include_router(router)
    app.include_router(analytics.router)
    app.include_router(learned.router)
    app.include_router(forecast.router)
    app.add_middleware(
        RateLimit, per_minute=settings.rate_limit_per_minute, per_address=settings.rate_limit_per_address_per_minute
    )
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(CheckoutCors)  # before the limits: a preflight is answered at once
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders, hsts_always=not settings.is_development)  # outermost: on every answer
    return app
