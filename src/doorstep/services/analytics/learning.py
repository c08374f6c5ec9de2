"""Learning service times and travel factors from the days driven (docs/learning.md).

From the record of the last ``days`` days: each visit's service time (completed − the later of the arrival and the
window's opening, so waiting for a window is not service), and each leg driven between two visits in a row (left
the previous stop → arrived at the next) against what the static travel model says for that leg at that hour. The
fit is ``domain.learned``; the model is stored per organization (``learned_models``) and read by planning and
ETAs when ``DOORSTEP_LEARNED_TIMES`` is on. Each delivery attempt (completed, or failed with the customer absent)
is also an observation of when the address is reached (``domain.reach``), read by slot offers and re-attempts.
The named job ``analytics.learn`` runs it (nightly, and on demand).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from doorstep.domain.geo import LatLng
from doorstep.domain.learned import LearnedTimes, LegObservation, ServiceObservation, learn_service, learn_travel
from doorstep.domain.problem import Problem
from doorstep.domain.reach import ABSENT_REASONS, ReachObservation, learn_reach
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.traffic import hour_by_hour
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.learned_times import load_learned, save_learned
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import PlanRow, RouteRow, StopEventRow
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.learning")
DEFAULT_DAYS = 28
MIN_LEG_S = 30  # shorter legs (next door) say more about the clock than about the road
RATIO_LIMIT = 4.0  # a leg 4 times longer or shorter than the model had a stop in it (coffee, fuel): not a leg
VISITED = ("delivery", "pickup", "paired_pickup", "paired_delivery")
DELIVERIES = ("delivery", "paired_delivery")  # the attempts that say whether the customer was reached


class _Visit:
    """One stop as the driver worked it: where, its kind, arrival, leaving, whether it was completed (else the
    failure's reason), by whom."""

    __slots__ = ("arrived", "completed", "driver_id", "kind", "left", "location", "opens", "reason")

    def __init__(self, location: LatLng, opens: datetime | None, kind: str) -> None:
        self.location, self.opens, self.kind = location, opens, kind
        self.reason: str | None = None
        self.arrived: datetime | None = None
        self.left: datetime | None = None
        self.completed = False
        self.driver_id: str | None = None


def _visits(route: RouteRow, events: list[StopEventRow]) -> list[_Visit]:
    """The route's visits in the order they were worked (by arrival, else by leaving)."""
    stops = {s.get("order_id"): s for s in route.data.get("stops", []) if s.get("order_id")}
    out: dict[str, _Visit] = {}
    for ev in sorted(events, key=lambda e: e.at):
        stop = stops.get(ev.order_id)
        if stop is None or stop.get("type") not in VISITED:
            continue
        loc = stop["location"]
        opens = stop.get("window_start")
        where = LatLng(loc["lat"], loc["lng"])
        v = out.setdefault(ev.stop_id, _Visit(where, datetime.fromisoformat(opens) if opens else None, stop["type"]))
        if ev.status == "arrived" and v.arrived is None:
            v.arrived = ev.at
        elif ev.status in ("completed", "failed") and v.left is None:
            v.left, v.completed, v.driver_id, v.reason = ev.at, ev.status == "completed", ev.driver_id, ev.reason
    return sorted(out.values(), key=lambda v: v.arrived or v.left or datetime.max.replace(tzinfo=ev.at.tzinfo))


def _service(visits: list[_Visit]) -> list[ServiceObservation]:
    out = []
    for v in visits:
        if v.completed and v.arrived is not None and v.left is not None:
            start = max(v.arrived, v.opens) if v.opens is not None else v.arrived
            secs = (v.left - start).total_seconds()
            if secs > 0:
                out.append(ServiceObservation(v.location, v.driver_id, secs))
    return out


def _legs(problem: Problem, route: RouteRow, visits: list[_Visit], provider: Any, tz: ZoneInfo) -> list[LegObservation]:
    """Legs between visits in a row against the static model driven at the hour the leg began."""
    pairs = [(a, b) for a, b in itertools.pairwise(visits) if a.left is not None and b.arrived is not None]
    if not pairs:
        return []
    split = hour_by_hour(provider)
    free, drive = split if split is not None else (provider, None)
    points = list(dict.fromkeys(p for a, b in pairs for p in (a.location, b.location)))
    index = {pt: i for i, pt in enumerate(points)}
    profile = problem.vehicle(route.vehicle_id).type.profile
    m = free.matrix(points, profile, pairs[0][0].left)
    out = []
    for a, b in pairs:
        assert a.left is not None and b.arrived is not None
        secs = int(m.durations[index[a.location], index[b.location]])
        if secs >= UNREACHABLE or secs <= 0:
            continue
        predicted = drive(a.left, secs) if drive is not None else secs
        actual = (b.arrived - a.left).total_seconds()
        if predicted < MIN_LEG_S or actual <= 0 or abs(math.log(actual / predicted)) > math.log(RATIO_LIMIT):
            continue
        local = a.left.astimezone(tz)
        out.append(LegObservation(b.location, local.weekday() * 24 + local.hour, predicted, actual))
    return out


def _reach(visits: list[_Visit], tz: ZoneInfo) -> list[ReachObservation]:
    """Delivery attempts at the local weekday and hour of the arrival (else of the outcome): completed ones
    reached the customer; failed ones count only for a reason that says the customer was absent."""
    out = []
    for v in visits:
        when = v.arrived or v.left
        if v.kind not in DELIVERIES or v.left is None or when is None:
            continue
        if v.completed or v.reason in ABSENT_REASONS:
            local = when.astimezone(tz)
            out.append(ReachObservation(v.location, local.weekday(), local.hour, v.completed))
    return out


@dataclass
class Observed:
    """What the record of a period yields: visits (service times), legs, delivery attempts, plan days."""

    visits: list[ServiceObservation] = field(default_factory=list)
    legs: list[LegObservation] = field(default_factory=list)
    attempts: list[ReachObservation] = field(default_factory=list)
    days: int = 0


def observe(p: Platform, uow: UnitOfWork, since: datetime, until: datetime) -> Observed:
    """Every visit, leg and delivery attempt recorded between ``since`` and ``until``."""
    events = uow.session.scalars(
        select(StopEventRow).where(StopEventRow.org_id == uow.org_id, StopEventRow.at >= since, StopEventRow.at < until)
    ).all()
    by_route: dict[str, list[StopEventRow]] = defaultdict(list)
    for ev in events:
        by_route[ev.route_id].append(ev)
    routes = uow.routes.get_many(sorted(by_route))
    by_plan: dict[str, list[RouteRow]] = defaultdict(list)
    for r in routes.values():
        by_plan[r.plan_id].append(r)
    out = Observed()
    days = set()
    for plan_id, plan_routes in by_plan.items():
        plan = uow.session.get(PlanRow, plan_id)
        if plan is None or plan.result is None:
            continue
        days.add(plan.day)
        _, problem, _ = plan_from_dict(plan.result, trusted=True)
        provider = p.provider(problem)  # the static model: no learned factors
        tz = ZoneInfo(problem.depots[0].timezone if problem.depots else "UTC")
        for route in plan_routes:
            worked = _visits(route, by_route[route.id])
            out.visits += _service(worked)
            out.legs += _legs(problem, route, worked, provider, tz)
            out.attempts += _reach(worked, tz)
    out.days = len(days)
    return out


def observations(p: Platform, uow: UnitOfWork, since: datetime, until: datetime) -> tuple[
    list[ServiceObservation], list[LegObservation], int
]:  # fmt: skip
    """Every visit and leg recorded between ``since`` and ``until`` (and the number of plan days they come from)."""
    seen = observe(p, uow, since, until)
    return seen.visits, seen.legs, seen.days


def learn(p: Platform, org_id: str, days: int = DEFAULT_DAYS) -> LearnedTimes:
    """Learn from the organization's last ``days`` days and store the model (replacing the previous one)."""
    now = p.clock()
    with p.uow(org_id) as uow:
        seen = observe(p, uow, now - timedelta(days=days), now)
    model = LearnedTimes(learned_at=now, days=seen.days, reach=learn_reach(seen.attempts))
    learn_service(model, seen.visits)
    learn_travel(model, seen.legs)
    with p.uow(org_id) as uow:
        save_learned(uow, model)
        uow.commit()
    log.info("learned org %s: %d visits, %d legs, %d attempts over %d days", org_id, model.service_n, model.leg_n,
             model.reach.attempts, seen.days)
    return model


@job("analytics.learn")
def learn_job(p: Platform, org_id: str, days: int = DEFAULT_DAYS) -> None:
    """The named job: re-learn one organization (nightly and on demand; idempotent, the newest run wins)."""
    learn(p, org_id, days)


def learn_due(p: Platform, every: timedelta = timedelta(hours=20)) -> list[str]:
    """Submit ``analytics.learn`` for each organization that drove in the last day and whose model is older than
    ``every`` (or missing): the nightly re-learning's ticker. Returns the organizations submitted."""
    now = p.clock()
    with p.sessions() as s:
        recent = select(StopEventRow.org_id).where(StopEventRow.at >= now - timedelta(days=1)).distinct()
        orgs = sorted(s.scalars(recent))
    due = []
    for org_id in orgs:
        with p.uow(org_id) as uow:
            model = load_learned(uow)
        if model is None or model.learned_at is None or now - model.learned_at >= every:
            p.submit("analytics.learn", org_id=org_id)
            due.append(org_id)
    return due


def learned_summary(p: Platform, actor: Actor) -> LearnedTimes | None:
    """The organization's learned model, for the API and the page (None before the first run)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return load_learned(uow)


def start_learning(p: Platform, actor: Actor, days: int = DEFAULT_DAYS) -> None:
    """Re-learn now (a named job on the runner)."""
    actor.require(Permission.WRITE)
    p.submit("analytics.learn", org_id=actor.org_id, days=days)
