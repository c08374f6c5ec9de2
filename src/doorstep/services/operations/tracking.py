"""The ETA worker: on every position or stop event, re-time the route's remaining stops from where the driver is
(``live.eta.EtaEngine``), store the latest ETAs and progress per route, publish ``eta`` and ``alert`` events."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnClause, Text, cast, literal_column, select

from doorstep.domain.events import EventType
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import LearnedTimes
from doorstep.domain.problem import Problem
from doorstep.domain.returns import FailurePolicy
from doorstep.domain.status import RouteStatus
from doorstep.domain.zones import barred_zones
from doorstep.formats.doorstep_json import problem_from_dict
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.live.eta import EtaEngine, RouteEta
from doorstep.live.publish import LivePublisher
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.eta_changes import eta_change
from doorstep.services.operations.eta_horizons import record_horizons
from doorstep.services.operations.live_day import live_rows
from doorstep.store.models import PlanRow, RouteLiveRow, RouteRow
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.tracking")


@dataclass(frozen=True, slots=True)
class LivePolicy:
    """The organization's live rules: failed deliveries (re-attempt, attempts before return) and auto-approval."""

    failure: FailurePolicy = field(default_factory=FailurePolicy)
    auto_approve: bool = False


FIXING = ("arrived", "completed", "failed")  # a stop with one of these outcomes is done or under way


def _live_row(uow: UnitOfWork, route_id: str) -> RouteLiveRow:
    repo = live_rows(uow)
    row = repo.first(RouteLiveRow.route_id == route_id)
    if row is None:
        row = repo.add(
            RouteLiveRow(id=f"rls_{route_id}", route_id=route_id, done=1, outcomes={}, position=None, etas=[])
        )
    return row


def _stop_index(route: RouteRow, order_id: str | None, stop_id: str | None) -> int | None:
    for k, s in enumerate(route.data["stops"]):
        if (order_id and s.get("order_id") == order_id) or (stop_id and s.get("id") == stop_id):
            return k
    return None


def _at(event: dict[str, Any], fallback: datetime) -> datetime:
    raw = event.get("at")
    return datetime.fromisoformat(raw) if isinstance(raw, str) else fallback


def _record(live: RouteLiveRow, route: RouteRow, event: dict[str, Any], at: datetime) -> None:
    """Progress and position from the event (a stop outcome fixes every stop up to it)."""
    if event.get("lat") is not None and event.get("lng") is not None:
        live.position = {"lat": event["lat"], "lng": event["lng"], "at": at.isoformat()}
    if event.get("type") == "stop" and event.get("status") in FIXING:
        k = _stop_index(route, event.get("order_id"), event.get("stop_id"))
        if k is not None:
            live.done = max(live.done, k + 1)
            live.outcomes = {**live.outcomes, str(event.get("order_id")): event["status"]}


def _eta_dicts(eta: RouteEta, dispatched: bool) -> list[dict[str, Any]]:
    return [
        {"order_id": s.order_id, "index": s.index, "type": s.type.value, "eta": s.eta.isoformat(),
         "status": s.status.value, "late_s": s.late_s, "as_of": eta.as_of.isoformat(), "dispatched": dispatched}
        for s in eta.stops
    ]  # fmt: skip


class _DayPlans:
    """The stored documents of recently re-timed plans, decoded and parsed once per change. The travel model
    depends on the whole day (its time zero, its matrices), and on a 1,000-order day decoding the stored plan
    costs ~20 ms and parsing its problem ~70 ms, paid on every re-timing of every route. Whether the stored plan
    changed is asked cheaply: on PostgreSQL by the row version (``xmin``: every update writes a new one), so the
    document (1.2 MB of text on that day, 1.6 ms of PostgreSQL CPU to decompress and 0.7 ms to receive) is read
    only when it changed; on SQLite, in the same process, by reading the text and comparing it."""

    def __init__(self, size: int = 16) -> None:
        self.size, self._lock = size, threading.Lock()
        self._cache: dict[str, tuple[str, dict[str, Any], Problem]] = {}

    def get(self, uow: UnitOfWork, plan_id: str) -> tuple[dict[str, Any], Problem] | None:
        """The plan's stored document and its parsed problem (None before the plan has a result)."""
        where = (PlanRow.id == plan_id, PlanRow.org_id == uow.org_id)
        version: str | None
        text: str | None
        if uow.session.get_bind().dialect.name == "postgresql":
            version = uow.session.scalar(select(ROW_VERSION).select_from(PlanRow).where(*where))
            hit = self._hit(plan_id, version)
            if hit is not None or version is None:
                return hit
            row = uow.session.execute(select(ROW_VERSION, cast(PlanRow.result, Text)).where(*where)).one_or_none()
            if row is None:
                return None
            version, text = row
        else:
            version = text = uow.session.scalar(select(cast(PlanRow.result, Text)).where(*where))
            hit = self._hit(plan_id, version)
            if hit is not None:
                return hit
        if text is None or version is None:
            return None
        doc = json.loads(text)
        if not isinstance(doc, dict):
            return None
        problem = problem_from_dict(doc["problem"], trusted=True)
        with self._lock:
            self._cache.pop(plan_id, None)
            self._cache[plan_id] = (version, doc, problem)
            while len(self._cache) > self.size:
                del self._cache[next(iter(self._cache))]
        return doc, problem

    def _hit(self, plan_id: str, version: str | None) -> tuple[dict[str, Any], Problem] | None:
        with self._lock:
            hit = self._cache.get(plan_id)
        if version is None or hit is None or hit[0] != version:
            return None
        return hit[1], hit[2]


# PostgreSQL: the transaction that wrote the row's current version (a new one on every update)
ROW_VERSION: ColumnClause[str] = literal_column("xmin::text", Text())

DAY_PLANS = _DayPlans()


def _route_doc(result: dict[str, Any], route: RouteRow) -> dict[str, Any]:
    """The plan document reduced to the route: its orders, vehicle and the vehicle's driver only (all of it if an
    id is missing). The day's other drivers are not read by the re-timing, and parsing them cost more than the
    rest of the document: 100 drivers, ~1 ms a re-timing on the 1,000-order day."""
    raw = result["problem"]
    ids = {s["order_id"] for s in route.data["stops"] if s.get("order_id")}
    orders = [o for o in raw.get("orders", ()) if o.get("id") in ids]
    vehicles = [v for v in raw.get("vehicles", ()) if v.get("id") == route.vehicle_id]
    if len(orders) == len(ids) and len(vehicles) == 1:
        own = vehicles[0].get("driver_id")
        drivers = [d for d in raw.get("drivers", ()) if d.get("id") == own] if own else []
        raw = {**raw, "orders": orders, "vehicles": vehicles, "drivers": drivers, "matrices": None}
    return {**result, "problem": raw, "plan": {**result["plan"], "routes": [route.data], "unassigned": []}}


def compute_eta(
    uow: UnitOfWork,
    route: RouteRow,
    live: RouteLiveRow,
    now: datetime,
    travel: Callable[[Problem], TravelTimeProvider] | None = None,
    learned: LearnedTimes | None = None,
) -> RouteEta | None:
    """Re-time the route's remaining stops from the last known position (or the last done stop) at ``now``: the
    route is read from the plan reduced to its own orders, the travel model is the whole day's; with ``learned``
    times, the route's driver's learned pace scales the remaining service times."""
    day = DAY_PLANS.get(uow, route.plan_id)
    if day is None:
        return None
    result, problem = day
    plan, own, _ = plan_from_dict(_route_doc(result, route), trusted=True)
    vehicle = own.vehicle(route.vehicle_id)
    pos = live.position
    position = LatLng(pos["lat"], pos["lng"]) if pos else None
    engine = EtaEngine(travel(problem) if travel is not None else default_provider(problem))
    factor = learned.driver_factor(route.driver_id) if learned is not None and route.driver_id else 1.0
    return engine.route_eta(
        plan.routes[0],
        vehicle.type.profile,
        done=live.done,
        now=now,
        position=position,
        service_factor=factor,
        avoid=barred_zones(problem.zones, vehicle.type.id),
    )


def _events(route_id: str, eta: RouteEta, outcomes: dict[str, Any]) -> list[dict[str, Any]]:
    stops = [
        {"stop_index": s.index, "order_id": s.order_id, "eta": s.eta.isoformat(), "status": s.status.value,
         "late_s": s.late_s}
        for s in eta.stops if s.order_id and s.order_id not in outcomes
    ]  # fmt: skip
    out: list[dict[str, Any]] = [{"type": "eta", "route_id": route_id, "as_of": eta.as_of.isoformat(), "stops": stops}]
    alerts = [s for s in stops if s["status"] != "on_time"]
    if alerts:
        out.append({"type": "alert", "route_id": route_id, "kind": "late_risk", "stops": alerts})
    return out


def on_event(p: Platform, org_id: str, event: dict[str, Any], policy: LivePolicy | None = None) -> list[dict[str, Any]]:
    """Handle one ``position`` or ``stop`` event: store progress and ETAs, publish ``eta`` (and ``alert``). What a
    stop outcome leads to (re-attempt, return to sender) is not this worker's business: the failure policy reacts
    to the recorded ``stop.*`` event. ``policy`` is accepted for callers of the live publisher and unused here."""
    route_id = event.get("route_id")
    if event.get("type") not in ("position", "stop") or not isinstance(route_id, str):
        return []
    at = _at(event, p.clock())
    with p.uow(org_id) as uow:
        route = uow.routes.get(route_id)
        if route is None:
            return []
        # nothing is written until the commit: on SQLite the first write takes the database's one write lock,
        # which every position batch also needs, so it must not be held while the route is re-timed
        with uow.session.no_autoflush:
            live = _live_row(uow, route_id)
            done_before, previous = live.done, list(live.etas or [])
            _record(live, route, event, at)
            eta = compute_eta(uow, route, live, at, p.travel_for(org_id), p.learned(org_id))
        out = [] if eta is None else _events(route_id, eta, live.outcomes)
        if eta is not None:
            dispatched = route.status == RouteStatus.DISPATCHED.value
            live.etas, live.updated_at = _eta_dicts(eta, dispatched), p.clock()
            record_horizons(uow, route_id, eta, at)
            # customer messages (arriving soon, delayed) react to it: only once the van is out
            started = not any(d.get("dispatched") for d in previous)
            change = eta_change(previous, eta, live.outcomes, live.done != done_before or started)
            if dispatched and change is not None:
                EventRecorder(uow, "system").record(EventType.ETA_UPDATED, route_id, data=change)
        uow.commit()
    for e in out:
        p.live.publish(org_id, e)
    return out


def refresh_on_route_event(p: Platform, event: EventRecord) -> None:
    """Event handler for ``route.*``: re-time the route as of now (a failure raises, so the bus retries it)."""
    fix = _last_fix(p, event.org_id, event.subject_id)
    on_event(p, event.org_id, {"type": "position", "route_id": event.subject_id, **fix})


def _last_fix(p: Platform, org_id: str, route_id: str) -> dict[str, Any]:
    with p.uow(org_id) as uow:
        live = live_rows(uow).first(RouteLiveRow.route_id == route_id)
        pos = live.position if live is not None else None
    if not pos:
        return {"at": p.clock().isoformat()}
    return {"lat": pos["lat"], "lng": pos["lng"], "at": p.clock().isoformat()}


def route_states(p: Platform, org_id: str) -> list[RouteLiveRow]:
    """Every route's stored live state in the organization (the dispatcher snapshot)."""
    with p.uow(org_id) as uow:
        return live_rows(uow).all()


class Executor(Protocol):
    """Runs closures of this process in the background (the ETA worker's thread)."""

    def submit(self, name: str, fn: Callable[[], None]) -> None:
        """Run ``fn`` soon; its exceptions are its own."""


class Cancellable(Protocol):
    """A scheduled call that can still be called off."""

    def cancel(self) -> None:
        """Do not run it (no effect once it ran)."""


def _timer(delay_s: float, fn: Callable[[], None]) -> Cancellable:
    timer = threading.Timer(delay_s, fn)
    timer.daemon = True
    timer.start()
    return timer


class TrackingPublisher:
    """Wraps the app's publisher: every event goes out as before, and ``position``/``stop`` events also feed the
    ETA worker in the background. Events of one route are coalesced while its update waits (a batch of 500
    positions costs one re-timing), but stop events are never dropped: progress is recorded for each. A route is
    re-timed for positions at most once per ``min_interval_s`` (each re-timing parses the stored plan: on a busy
    day unthrottled updates keep the worker thread busy and slow every request sharing the interpreter); the
    update that waits out the interval uses the newest position, and a stop event runs the route's update at
    once."""

    def __init__(
        self,
        inner: LivePublisher,
        platform: Platform,
        runner: Executor,
        policy: LivePolicy | None = None,
        *,
        min_interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        schedule: Callable[[float, Callable[[], None]], Cancellable] = _timer,
    ) -> None:
        self.inner, self.platform, self.runner = inner, platform, runner
        self.policy = policy or LivePolicy()
        self.min_interval_s, self.clock, self.schedule = min_interval_s, clock, schedule
        self._lock = threading.Lock()
        self._waiting: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._timers: dict[tuple[str, str], tuple[object, Cancellable]] = {}  # updates waiting out the interval
        self._last: dict[tuple[str, str], float] = {}  # when each route's last update started
        self._done: dict[tuple[str, str], list[Callable[[], None]]] = {}  # acknowledgements of queued events

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Publish, then queue the ETA update for the event's route (now, or when its interval has passed)."""
        self.inner.publish(org_id, event)
        self.feed(org_id, event)

    def feed(self, org_id: str, event: dict[str, Any], done: Callable[[], None] | None = None) -> None:
        """Queue the ETA update for a ``position`` or ``stop`` event without publishing it (the ETA worker
        process reads events the API processes published); ``done`` is called once the update that covers the
        event has run (the worker acknowledges its stream entry then), at once for an event of no route."""
        route_id = event.get("route_id")
        if event.get("type") not in ("position", "stop") or not isinstance(route_id, str):
            if done is not None:
                done()
            return
        key, is_stop = (org_id, route_id), event.get("type") == "stop"
        with self._lock:
            if done is not None:
                self._done.setdefault(key, []).append(done)
            queued = self._waiting.get(key)
            if queued is not None:
                self._waiting[key] = [*(e for e in queued if e.get("type") == "stop"), event]
                timer = self._timers.pop(key, None) if is_stop else None
                if timer is None:
                    return  # the update already queued or waiting will handle it
                timer[1].cancel()  # a stop does not wait out the interval
            else:
                self._waiting[key] = [event]
                wait = 0.0 if is_stop else self._last.get(key, -math.inf) + self.min_interval_s - self.clock()
                if wait > 0:
                    token = object()
                    self._timers[key] = (token, self.schedule(wait, lambda: self._due(key, token)))
                    return
        self.runner.submit(f"eta {route_id}", lambda: self._run(key))

    def _due(self, key: tuple[str, str], token: object) -> None:
        with self._lock:
            if self._timers.get(key, (None,))[0] is not token:
                return  # called off by a stop event, which submitted the update itself
            del self._timers[key]
        self.runner.submit(f"eta {key[1]}", lambda: self._run(key))

    def _run(self, key: tuple[str, str]) -> None:
        with self._lock:
            batch = self._waiting.pop(key, [])
            done = self._done.pop(key, [])
            self._last[key] = self.clock()
        for event in batch:
            try:
                on_event(self.platform, key[0], event, self.policy)
            except Exception:  # the live view is best effort; the next event re-times the route
                log.exception("ETA update of %s failed", key[1])
        for call in done:
            try:
                call()
            except Exception:  # an entry left unacknowledged is handled again: harmless
                log.warning("ETA update of %s not acknowledged", key[1], exc_info=True)
