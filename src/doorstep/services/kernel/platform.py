"""What every use case needs from the composition root: sessions, a background runner, a clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from doorstep.domain.learned import LearnedTimes
from doorstep.domain.problem import Problem
from doorstep.domain.waves import LoadingTimes
from doorstep.live.publish import LivePublisher, NullPublisher
from doorstep.notify.channels import Channels
from doorstep.optimize.geometry import plan_origin
from doorstep.optimize.part_runner import RunnerFactory
from doorstep.routing.defaults import default_provider
from doorstep.routing.geocoder import Geocoder
from doorstep.routing.learned import LearnedTravel
from doorstep.routing.provider import TravelTimeProvider
from doorstep.routing.traffic import TrafficProvider, traffic_for
from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.event_bus import EventBus
from doorstep.services.kernel.job_registry import run_job
from doorstep.services.kernel.learned_times import load_learned
from doorstep.services.kernel.settings import (
    CarrierSettings,
    Leases,
    LiveRules,
    NotifySettings,
    TravelModel,
    WebhookSettings,
)
from doorstep.services.kernel.slot_settings import SlotSettings
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

    # infrastructure
    sessions: sessionmaker[Session]
    runner: Runner = field(default_factory=InlineRunner)
    clock: Callable[[], datetime] = _utcnow
    bus: EventBus = field(default_factory=EventBus)  # the handlers the composition root registered
    live: LivePublisher = field(default_factory=NullPublisher)
    channels: Channels = field(default_factory=Channels)  # customer email/SMS (none configured: nothing queued)
    recovered: bool = False  # interrupted jobs were already cleaned up by this process (do it once, first)
    # the travel model and the settings of each concern (services/kernel/settings.py)
    travel: TravelModel = field(default_factory=TravelModel)
    geocoder: Geocoder | None = None  # places orders given by address only (the road network's address index)
    currency: str = "EUR"  # ISO 4217 code of every amount in cents (one per deployment: DOORSTEP_CURRENCY)
    plan_time_limit_s: float = 30.0
    staffing_time_limit_s: float = 5.0  # solver time per depot and day of a staffing run (docs/analytics.md)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    live_rules: LiveRules = field(default_factory=LiveRules)
    leases: Leases = field(default_factory=Leases)
    slots: SlotSettings = field(default_factory=SlotSettings)  # offer and hold lifetimes (docs/slots.md)
    loading: LoadingTimes = field(default_factory=LoadingTimes)  # wave release times (docs/warehouse.md)
    carriers: CarrierSettings = field(default_factory=CarrierSettings)  # partner carriers (docs/carriers.md)
    # where a planning job runs a large day's parts: None, child processes of its own; with the Celery runner, the
    # workers too (doorstep.jobs.parts_runner, set by the composition roots)
    part_runner: RunnerFactory | None = None

    def submit(self, name: str, **kwargs: Any) -> None:
        """Hand the named job with its plain arguments to the runner (``submit("planning.run", plan_id=...)``)."""
        self.runner.submit(self, name, kwargs)

    def provider(self, problem: Problem, org_id: str | None = None) -> TravelTimeProvider:
        """One travel model for every use case of a problem: plans, checks, live changes and ETAs alike (a
        problem's own matrices always win).

        With traffic factors, plans, the checker and live changes use the factor of the plan's main departure
        hour (the hour of ``plan_origin``, read in the first depot's time zone) and ETAs drive each leg in the
        hour it is driven (``live.eta``): a stored plan always checks on the times it was planned on. With learned
        times on, the organization's learned travel factors multiply that model (``routing.learned``)."""
        if problem.matrices is not None:
            return default_provider(problem)
        base = self.travel.network if self.travel.network is not None else default_provider(problem)
        zone = problem.depots[0].timezone if problem.depots else "UTC"
        model = traffic_for(self.travel.traffic, self.travel.weather, zone)
        static = base if model is None else TrafficProvider(base, model, plan_origin(problem), pinned=True)
        learned = self.learned(org_id)
        if learned is None or not learned.has_travel:
            return static
        return LearnedTravel(static, learned, zone, plan_origin(problem))

    def travel_for(self, org_id: str) -> Callable[[Problem], TravelTimeProvider]:
        """``provider`` for one organization, as the use cases that build problems as they go take it."""
        return lambda problem: self.provider(problem, org_id)

    def learned(self, org_id: str | None) -> LearnedTimes | None:
        """The organization's learned times when the deployment uses them (None: off, or nothing learned yet)."""
        if not self.travel.learned or org_id is None:
            return None
        with self.uow(org_id) as uow:
            return load_learned(uow)

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
