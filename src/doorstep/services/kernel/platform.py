"""What every use case needs from the composition root: sessions, a background runner, a clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from doorstep.domain.problem import Problem
from doorstep.live.publish import LivePublisher, NullPublisher
from doorstep.notify.channels import Channels
from doorstep.optimize.geometry import plan_origin
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import TravelTimeProvider
from doorstep.routing.traffic import TrafficProvider, traffic_for
from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.event_bus import EventBus
from doorstep.services.kernel.job_registry import run_job
from doorstep.services.kernel.slot_settings import SlotSettings
from doorstep.services.kernel.webhook_targets import Resolver, system_resolver
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.platform")


class Runner(Protocol):
    """Runs named jobs in the background: threads of this process (embedded shape) or Celery workers (scaled)."""

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Schedule the job ``name`` with JSON-able ``kwargs``; its failures are the job's to record."""


class InlineRunner:
    """Runs jobs immediately in the caller's thread (tests, the CLI)."""

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Run now."""
        run_job(platform, name, kwargs)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Platform:
    """The services' view of the running system, built once by the app factory or the CLI."""

    sessions: sessionmaker[Session]
    runner: Runner = field(default_factory=InlineRunner)
    clock: Callable[[], datetime] = _utcnow
    webhook_timeout_s: float = 10.0
    webhook_allow_private: bool = False  # deliver to loopback/private addresses (receivers on the own network)
    webhook_resolver: Resolver = system_resolver  # how a delivery's host is resolved before it is sent
    plan_time_limit_s: float = 30.0
    # The deployment's travel model (a road network when DOORSTEP_NETWORK is set); None: straight line
    travel: TravelTimeProvider | None = None
    # Time-of-day factors ('urban' or a JSON file; DOORSTEP_TRAFFIC) and a weather slow-down (DOORSTEP_WEATHER)
    traffic: str | None = None
    weather: float = 1.0
    recovered: bool = False  # interrupted jobs were already cleaned up by this process (do it once, first)
    live: LivePublisher = field(default_factory=NullPublisher)
    pod_flag_distance_m: float = 100.0  # completions farther from their stop are flagged
    max_photo_bytes: int = 2_000_000
    proposal_ttl_s: int = 900  # a live re-planning proposal older than this cannot be approved (0: never expires)
    plan_lease_s: float = 60.0  # a running planning job silent this long died with its worker: it is taken over
    idempotency_stale_s: float = 300.0  # a pending Idempotency-Key claim this old died with its process: taken over
    bus: EventBus = field(default_factory=EventBus)  # the handlers the composition root registered
    currency: str = "EUR"  # ISO 4217 code of every amount in cents (one per deployment: DOORSTEP_CURRENCY)
    channels: Channels = field(default_factory=Channels)  # customer email/SMS (none configured: nothing queued)
    tracking_ttl_s: int = 3 * 86_400  # how long a customer's tracking link works (delivery, then feedback)
    notify_max_attempts: int = 12  # failed sends before a customer message is marked failed
    notify_backoff_s: float = 30.0  # the wait after the first failed send; doubles after each further one
    notify_backoff_cap_s: float = 3600.0
    slots: SlotSettings = field(default_factory=SlotSettings)  # offer and hold lifetimes (docs/slots.md)

    def submit(self, name: str, **kwargs: Any) -> None:
        """Hand the named job with its plain arguments to the runner (``submit("planning.run", plan_id=...)``)."""
        self.runner.submit(self, name, kwargs)

    def provider(self, problem: Problem) -> TravelTimeProvider:
        """One travel model for every use case of a problem: plans, checks, live changes and ETAs alike (a
        problem's own matrices always win).

        With traffic factors, plans, the checker and live changes use the factor of the plan's main departure
        hour (the hour of ``plan_origin``, read in the first depot's time zone) and ETAs drive each leg in the
        hour it is driven (``live.eta``): a stored plan always checks on the times it was planned on."""
        if problem.matrices is not None:
            return default_provider(problem)
        base = self.travel if self.travel is not None else default_provider(problem)
        model = traffic_for(self.traffic, self.weather, problem.depots[0].timezone if problem.depots else "UTC")
        if model is None:
            return base
        return TrafficProvider(base, model, plan_origin(problem), pinned=True)

    def uow(self, actor: Actor | str) -> UnitOfWork:
        """A unit of work in the actor's organization (or the given organization id)."""
        return UnitOfWork(self.sessions, actor if isinstance(actor, str) else actor.org_id, listener=self)

    def handlers_for(self, event_type: str) -> Sequence[str]:
        """The handlers an event of this type must reach (rows written with the event: the outbox)."""
        return self.bus.handlers_for(event_type)

    def after_commit(self, org_id: str, event_ids: list[str]) -> None:
        """Dispatch newly committed events (a job, so it may run elsewhere); a runner that cannot take it leaves
        them to the periodic sweep of due handlings, never failing the change that recorded them."""
        if not self.bus.handlers:
            return
        try:
            self.submit("events.dispatch", org_id=org_id, event_ids=event_ids)
        except Exception:
            log.exception("dispatch of events %s deferred to the sweep", event_ids)
