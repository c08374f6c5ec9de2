"""The day an offer is priced against: the published plan of the depot and day with the orders booked since
inserted, or, for a day not planned yet, a quick construction of its booked orders.

Published day: the plan's live routes (``live_day.load_day``: done stops fixed) plus every new order of the
depot and day that is on no route yet (confirmed slots, orders created since), each added by cheapest feasible
insertion in id order. Day not planned: the vehicles with a shift that day and the booked orders, built by the
same cheapest insertion from empty routes (a greedy construction: quick, not optimal, so prices are an upper
bound of what the planner will achieve). An order no route can take stays out (the planner will say why).

Building a large day costs seconds; offers come many per minute. So a built day is kept in memory under a key
of what it was built from (the plan and its route versions, the booked order ids), and a day whose bookings only
grew is extended from the previous build instead of rebuilt.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import select

from doorstep.domain.orders import Order
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.domain.status import OrderStatus, PlanStatus
from doorstep.optimize.insertion import LiveState, apply_insertion, propose_insertion
from doorstep.optimize.live_route import with_routes
from doorstep.optimize.slot_costs import leave_late
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.live_day import LIVE_ROUTES, load_day
from doorstep.services.orders.convert import order_of
from doorstep.services.planning.plan_problem import build_problem
from doorstep.store.models import OrderRow, PlanRow, RouteRow
from doorstep.store.uow import UnitOfWork

CACHED_DAYS = 64


@dataclass(frozen=True, slots=True)
class SlotDay:
    """A day to price offers against: its problem, plan, live state and travel model."""

    problem: Problem
    plan: Plan
    state: LiveState
    provider: TravelTimeProvider
    base: tuple[object, ...]  # what the plan was built from (the published plan and its route versions, or none)
    orders: frozenset[str]  # booked orders inserted on top of the base (or constructed)
    planned: bool  # a published plan is the base (else a construction)


_CACHE: OrderedDict[tuple[str, str, date], SlotDay] = OrderedDict()
_LOCK = threading.Lock()  # guards the two dicts
_BUILDING: dict[tuple[str, str, date], threading.Lock] = {}  # one build at a time per day


def _published(uow: UnitOfWork, depot_id: str, day: date) -> tuple[str, tuple[object, ...]] | None:
    """The published plan of the depot and day and the versions of its live routes (two small queries)."""
    q = select(PlanRow.id).where(
        PlanRow.org_id == uow.org_id, PlanRow.depot_id == depot_id, PlanRow.day == day,
        PlanRow.status == PlanStatus.PUBLISHED.value,
    )  # fmt: skip
    plan_id = uow.session.scalars(q.limit(1)).first()
    if plan_id is None:
        return None
    rq = select(RouteRow.id, RouteRow.version).where(
        RouteRow.org_id == uow.org_id, RouteRow.plan_id == plan_id, RouteRow.status.in_(LIVE_ROUTES)
    )
    versions = tuple(sorted((str(r[0]), int(r[1])) for r in uow.session.execute(rq)))
    return plan_id, (plan_id, versions)


def published_plan_id(uow: UnitOfWork, depot_id: str, day: date) -> str | None:
    """The published plan of the depot and day, if any."""
    found = _published(uow, depot_id, day)
    return found[0] if found is not None else None


def _booked_ids(uow: UnitOfWork, depot_id: str, day: date, status: tuple[str, ...]) -> list[str]:
    q = select(OrderRow.id).where(
        OrderRow.org_id == uow.org_id, OrderRow.depot_id == depot_id, OrderRow.day == day, OrderRow.status.in_(status)
    )
    return sorted(uow.session.scalars(q))


def _insert_all(problem: Problem, plan: Plan, orders: list[Order], provider: TravelTimeProvider,
                state: LiveState, construct: bool) -> tuple[Problem, Plan]:  # fmt: skip
    """Add the orders to the problem and each to the plan by its cheapest checked insertion (in the given order);
    in a construction, a route leaves its depot as late as its first stop allows (as a planned one would). Depot
    limits are not judged here: a constructed day's loadings are not booked at the docks."""
    if not orders:
        return problem, plan
    known = {o.id for o in problem.orders}
    problem = replace(problem, orders=(*problem.orders, *[o for o in orders if o.id not in known]))
    for order in orders:
        result = propose_insertion(problem, plan, order.id, provider, state=state, limit=1, depot_limits=False)
        if result.proposals:
            plan = apply_insertion(plan, result.proposals[0])
            if construct:
                vid = result.proposals[0].vehicle_id
                plan = with_routes(plan, [leave_late(problem, r) if r.vehicle_id == vid else r for r in plan.routes])
    return problem, plan


def _orders(uow: UnitOfWork, problem: Problem, ids: list[str]) -> list[Order]:
    depots = {d.id: d for d in problem.depots}
    rows = uow.orders.get_many(ids)
    return [order_of(rows[i], depots) for i in ids if i in rows]


@dataclass(frozen=True, slots=True)
class _Base:
    """What a day is built on before the booked orders go in (loaded only when the cache cannot serve)."""

    problem: Problem
    plan: Plan
    state: LiveState
    provider: TravelTimeProvider


def _build(p: Platform, uow: UnitOfWork, depot_id: str, day: date, now: datetime) -> SlotDay:
    published = _published(uow, depot_id, day)
    key = (uow.org_id, depot_id, day)
    if published is not None:
        plan_id, base = published

        def load_published() -> _Base:
            live = load_day(uow, plan_id, now, p.travel_for(uow.org_id))
            return _Base(live.problem, live.plan, live.state, live.provider or p.provider(live.problem, uow.org_id))

        # orders on the plan are planned; new ones of the day are on no route yet
        booked = _booked_ids(uow, depot_id, day, (OrderStatus.NEW.value,))
        return _extend(uow, key, base, booked, True, load_published, now)

    def construct() -> _Base:
        problem = replace(build_problem(uow, depot_id, day, []), orders=())
        empty = Plan(id="pln_slots", created_at=now, routes=[], unassigned=[])
        return _Base(problem, empty, LiveState(now=now), p.provider(problem, uow.org_id))

    booked = _booked_ids(uow, depot_id, day, (OrderStatus.NEW.value, OrderStatus.PLANNED.value))
    return _extend(uow, key, ("construction",), booked, False, construct, now)


def _live_now(problem: Problem, plan: Plan, now: datetime) -> datetime | None:
    """``now`` once a route of the day has left or a shift has begun (nothing may then start before it), else
    None: re-timing every route from a moment before all of them start changes nothing and costs a pass over
    every stop of the day on each offer."""
    starts = [r.stops[0].departure for r in plan.routes if r.stops] + [v.shift_start for v in problem.vehicles]
    return now if starts and now >= min(starts) else None


def _day_lock(day_key: tuple[str, str, date]) -> threading.Lock:
    with _LOCK:
        return _BUILDING.setdefault(day_key, threading.Lock())


def _extend(
    uow: UnitOfWork, day_key: tuple[str, str, date], base: tuple[object, ...], booked: list[str], planned: bool,
    load: Callable[[], _Base], now: datetime,
) -> SlotDay:  # fmt: skip
    """The cached day when it was built from the same base and orders; extended when bookings only grew; built
    from ``load()`` otherwise. One build per day at a time: concurrent checkouts wait for it and reuse it rather
    than each inserting the same new orders."""
    wanted = frozenset(booked)
    with _LOCK:
        cached = _CACHE.get(day_key)
    if cached is not None and cached.base == base and cached.orders == wanted:
        return replace(cached, state=replace(cached.state, now=_live_now(cached.problem, cached.plan, now)))
    with _day_lock(day_key):
        with _LOCK:
            cached = _CACHE.get(day_key)
        if cached is not None and cached.base == base and cached.orders <= wanted:
            state = replace(cached.state, now=_live_now(cached.problem, cached.plan, now))
            if cached.orders == wanted:
                return replace(cached, state=state)
            start, done = _Base(cached.problem, cached.plan, state, cached.provider), cached.orders
        else:
            start, done = load(), frozenset()
        start = replace(start, state=replace(start.state, now=_live_now(start.problem, start.plan, now)))
        fresh = [i for i in booked if i not in done]
        problem, plan = _insert_all(start.problem, start.plan, _orders(uow, start.problem, fresh), start.provider,
                                    start.state, not planned)  # fmt: skip
        built = SlotDay(problem, plan, start.state, start.provider, base, wanted, planned)
        with _LOCK:
            _CACHE[day_key] = built
            _CACHE.move_to_end(day_key)
            while len(_CACHE) > CACHED_DAYS:
                gone, _ = _CACHE.popitem(last=False)
                _BUILDING.pop(gone, None)
    return built


def slot_day(p: Platform, uow: UnitOfWork, depot_id: str, day: date) -> SlotDay:
    """The day to price offers against, as of now (see the module docstring)."""
    return _build(p, uow, depot_id, day, p.clock().astimezone(UTC))
