"""Cheapest feasible insertion of a new order into a live plan, with the checker's word on every proposal.

Routes already on the road keep their done and in-progress stops (``LiveState.fixed``); the new order's stop
(two stops for a store-to-door pair) may go anywhere after them, at any of its places and windows, or open the
route of an unused vehicle. Candidates are found near the order (the stops closest to it by straight line, so
a 1,000-stop plan needs a travel matrix of a few dozen points, not a million), timed exactly with the plan's
own legs plus the new ones, ranked by the cost they add, and the cheapest are re-verified by the independent
checker: a proposal never introduces a violation the route did not already have.

Nor does it take a depot past its limits (``insertion_depots.py``: the whole plan with the new route in place,
checked for ``DEPOT_CAPACITY`` and ``DEPOT_DOCKS``). Such a way is dropped rather than offered with its violation:
proposals are approved as they stand (or by the auto-approve policy), and the planner never plans past a depot's
limits either; when it leaves no way, the order stays unassigned with ``DEPOT_CAPACITY`` or ``DEPOT_DOCKS`` and
the action that frees room, and a dispatcher who wants it anyway puts it on a route by hand (an edit shows the
depot's violation and does not block).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.pickup import service_after
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType, Unassigned, UnassignedReason, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg, lateness_s, retime
from doorstep.optimize import eligibility
from doorstep.optimize.check import check_route
from doorstep.optimize.insertion_depots import DepotBaseline, depot_baseline
from doorstep.optimize.live_route import (
    PlaceChoice,
    empty_route,
    order_stop,
    place_choices,
    stop_type,
    with_loads,
    with_routes,
    with_totals,
)
from doorstep.optimize.opened_route import with_breaks
from doorstep.optimize.reasons import ACTIONS
from doorstep.optimize.travel_keys import travel_key, vehicle_avoid
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import UNREACHABLE, TravelTimeProvider, ask_matrix

NEAREST = 24  # stops considered around each place of the new order
MAX_CHECKED = 12  # candidates re-verified by the checker before giving up


@dataclass(frozen=True, slots=True)
class LiveState:
    """What has happened on the road: the time now, and per route how many leading stops are done or in
    progress (the start counts; those stops never move)."""

    now: datetime | None = None
    fixed: Mapping[str, int] = field(default_factory=dict)
    unavailable: frozenset[str] = frozenset()  # vehicle ids out of service (breakdown, driver gone)

    def fixed_in(self, route: Route) -> int:
        """Leading stops of ``route`` that must stay (at least its start)."""
        return max(1, min(self.fixed.get(route.id, 1), len(route.stops) - 1))


@dataclass(frozen=True, slots=True)
class EtaShift:
    """A stop whose arrival moves because of the change."""

    order_id: str
    external_ref: str
    before: datetime
    after: datetime


@dataclass(frozen=True, slots=True)
class Proposal:
    """One way to serve the order: the whole re-timed route, what it adds and whose ETAs move."""

    vehicle_id: str
    route: Route
    positions: tuple[int, ...]  # indexes of the new stop(s) in ``route.stops``
    cost_delta_cents: int
    distance_delta_m: int
    duration_delta_s: int
    opens_route: bool
    shifted: tuple[EtaShift, ...]


@dataclass(frozen=True, slots=True)
class InsertionResult:
    """Proposals, cheapest first (each accepted by the checker), or the reason there is none."""

    order_id: str
    proposals: list[Proposal]
    unassigned: Unassigned | None
    evaluated: int


@dataclass(slots=True)
class _Candidate:
    vehicle: Vehicle
    base: Route
    stops: list[ScheduledStop]
    positions: tuple[int, ...]
    cost: float
    opens: bool


class _Travel:
    """Drive times between the few points a search needs, asked from the provider once per travel key (profile
    and zones the vehicle must drive around)."""

    def __init__(
        self, problem: Problem, provider: TravelTimeProvider, points: list[LatLng], now: datetime | None
    ) -> None:
        self.problem, self.provider, self.points, self.now = problem, provider, list(dict.fromkeys(points)), now
        self.index = {p: i for i, p in enumerate(self.points)}
        self.cache: dict[str, tuple[object, object]] = {}

    def leg(self, vehicle: Vehicle, a: LatLng, b: LatLng) -> Leg | None:
        """The drive from ``a`` to ``b`` for the vehicle's profile and zones; None when there is no road."""
        key = travel_key(self.problem, vehicle)
        if key not in self.cache:
            avoid = vehicle_avoid(self.problem, vehicle)
            m = ask_matrix(self.provider, self.points, vehicle.type.profile, self.now, avoid)
            self.cache[key] = (m.durations, m.distances)
        dur, dist = self.cache[key]
        i, j = self.index[a], self.index[b]
        secs, metres = int(dur[i, j]), int(dist[i, j])  # type: ignore[index]
        return None if secs >= UNREACHABLE or metres >= UNREACHABLE else Leg(secs, metres)


def _km(a: LatLng, b: LatLng) -> float:
    """Straight-line distance, only to rank nearby stops."""
    dlat = math.radians(b.lat - a.lat)
    dlng = math.radians(b.lng - a.lng) * math.cos(math.radians((a.lat + b.lat) / 2))
    return 6371.0 * math.hypot(dlat, dlng)


def _live(problem: Problem, vehicle: Vehicle, route: Route, state: LiveState) -> Route:
    """The route as it stands now: stops after the fixed ones cannot start before ``state.now``."""
    if state.now is None:
        return route
    fixed = state.fixed_in(route)
    legs = [Leg(s.travel_s, s.travel_m) for s in route.stops[fixed:]]
    return with_totals(route, vehicle, retime(route.stops, fixed, legs, depart_at=state.now))


def _routes(problem: Problem, plan: Plan, order: Order, state: LiveState) -> list[tuple[Vehicle, Route, bool]]:
    """Every vehicle that may serve the order, with its live route (or a fresh one when unused)."""
    by_vehicle = {r.vehicle_id: r for r in plan.routes}
    out = []
    for v in problem.vehicles:
        if v.id in state.unavailable or not (eligibility.may_serve(v, order) and eligibility.fits(v, order)):
            continue
        route = by_vehicle.get(v.id)
        if route is None:
            out.append((v, empty_route(problem, v, state.now), True))
        else:
            out.append((v, _live(problem, v, route, state), False))
    return out


def _point_of(problem: Problem, stop: ScheduledStop) -> str | None:
    """The pickup point a delivery stop brings its order to (None for any other stop)."""
    if stop.type is not StopType.DELIVERY or stop.order_id is None:
        return None
    return problem.order(stop.order_id).pickup_point_id


def _positions(problem: Problem, route: Route, fixed: int, near: set[LatLng], order: Order) -> list[int]:
    """Where a stop may go: after the fixed stops, never just before a break, next to a nearby stop; never inside
    a visit to a pickup point (its orders' stops back to back at one place), and an order to a point never just
    before that point's visit (it joins at the visit's end, where the handover is already paid)."""
    stops = route.stops
    points = [_point_of(problem, s) for s in stops]
    out = []
    for p in range(fixed, len(stops)):
        if stops[p].type is StopType.BREAK:
            continue
        here = points[p]
        if here is not None and stops[p - 1].location == stops[p].location and points[p - 1] == here:
            continue  # between two orders of one visit
        if here is not None and here == order.pickup_point_id and stops[p].location == order.location:
            continue  # before its point's visit: join after it instead
        if len(stops) <= 2 or stops[p - 1].location in near or stops[p].location in near:
            out.append(p)
    return out


def stop_at(problem: Problem, order: Order, choice: PlaceChoice, stype: StopType, prev: ScheduledStop) -> ScheduledStop:
    """The order's untimed stop right after ``prev``: an order to a pickup point that ``prev`` already brings a
    parcel to (same point, same place) joins that visit and skips the handover (``service_after``)."""
    new = order_stop(order, choice, stype)
    if stype is not StopType.DELIVERY or prev.location != choice.location or _point_of(problem, prev) is None:
        return new
    assert prev.order_id is not None
    return replace(new, service_s=service_after(problem.order(prev.order_id), order))


def _nearest(route_stops: list[ScheduledStop], places: list[PlaceChoice]) -> set[LatLng]:
    """The stop locations closest to any of the order's places."""
    locs = list({s.location for s in route_stops})
    near: set[LatLng] = set()
    for place in {c.location for c in places}:
        locs.sort(key=lambda p, q=place: _km(p, q))  # type: ignore[misc]
        near.update(locs[:NEAREST])
    return near


def _legs(vehicle: Vehicle, base: Route, stops: list[ScheduledStop], first: int, travel: _Travel) -> list[Leg] | None:
    """The drive into each stop from ``first`` on: the plan's own leg where the predecessor is unchanged."""
    before = {id(s): base.stops[i - 1] for i, s in enumerate(base.stops) if i > 0}
    legs = []
    for k in range(first, len(stops)):
        prev, cur = stops[k - 1], stops[k]
        if before.get(id(cur)) is prev:
            legs.append(Leg(cur.travel_s, cur.travel_m))
        elif cur.type is StopType.END and vehicle.open_end:
            stops[k] = replace(cur, location=prev.location)
            legs.append(Leg(0, 0))
        else:
            leg = travel.leg(vehicle, prev.location, cur.location)
            if leg is None:
                return None
            legs.append(leg)
    return legs


def _timed(
    vehicle: Vehicle,
    base: Route,
    stops: list[ScheduledStop],
    first: int,
    fixed: int,
    travel: _Travel,
    now: datetime | None,
) -> list[ScheduledStop] | None:
    """The edited stop list re-timed from ``first`` on, or None when a leg has no road."""
    legs = _legs(vehicle, base, stops, first, travel)
    if legs is None:
        return None
    return retime(stops, first, legs, depart_at=now if first == fixed else None)


def _lateness(stops: list[ScheduledStop]) -> dict[tuple[str, StopType], int]:
    """Seconds late per order stop and per break (breaks keyed by their rank)."""
    out: dict[tuple[str, StopType], int] = {}
    breaks = 0
    for s in stops:
        if s.type is StopType.BREAK:
            out[(f"break-{breaks}", s.type)] = lateness_s(s)
            breaks += 1
        elif s.order_id is not None:
            out[(s.order_id, s.type)] = lateness_s(s)
    return out


def _acceptable(base: Route, timed: list[ScheduledStop], order_id: str, vehicle: Vehicle) -> bool:
    """The new stops on time; no other stop or break later past its window than before; back within the shift."""
    before = _lateness(base.stops)
    for key, late in _lateness(timed).items():
        if late > (0 if key[0] == order_id else before.get(key, 0)):
            return False
    return timed[-1].arrival <= max(vehicle.shift_end, base.stops[-1].arrival)


def _added(base: Route, timed: list[ScheduledStop]) -> tuple[float, int]:
    """Route seconds and metres the change adds."""
    d_dist = timed[-1].distance_so_far_m - base.stops[-1].distance_so_far_m
    d_dur = (timed[-1].arrival - timed[0].arrival - (base.stops[-1].arrival - base.stops[0].arrival)).total_seconds()
    return d_dur, d_dist


def _rank(c: _Candidate) -> tuple[float, float, int]:
    """Cheapest first; among equal costs (a fleet without rates costs nothing) the least added time, then km."""
    return (c.cost, *_added(c.base, c.stops))


def _cost(vehicle: Vehicle, base: Route, timed: list[ScheduledStop], opens: bool) -> float:
    """Cents the change adds: distance and route time at the vehicle's rates, plus its fixed cost if it opens."""
    vt = vehicle.type
    d_dur, d_dist = _added(base, timed)
    return (
        vt.cost_per_km_cents * d_dist / 1000
        + vt.cost_per_hour_cents * d_dur / 3600
        + (vt.fixed_cost_cents if opens else 0)
    )


@dataclass(slots=True)
class _Search:
    """One insertion search: the problem, the order, the live state and the travel between nearby points."""

    problem: Problem
    order: Order
    state: LiveState
    routes: list[tuple[Vehicle, Route, bool]]
    travel: _Travel
    positions: dict[str, list[int]]  # vehicle id -> candidate positions (single stop, or the delivery of a pair)
    pickup_positions: dict[str, list[int]]
    depots: DepotBaseline | None = None  # the plan's depot limits as they stand (None: none set, or not checked)
    refused: Violation | None = None  # the first depot limit a candidate would have broken

    def candidates(self) -> Iterator[_Candidate]:
        """Every timed, acceptable way to add the order's stop(s) to a route."""
        for vehicle, base, opens in self.routes:
            fixed = self.state.fixed_in(base)
            if self.order.kind is OrderKind.PAIRED:
                yield from self._pairs(vehicle, base, opens, fixed)
            else:
                yield from self._singles(vehicle, base, opens, fixed)

    def _singles(self, vehicle: Vehicle, base: Route, opens: bool, fixed: int) -> Iterator[_Candidate]:
        stype = stop_type(self.order)
        for p in self.positions[vehicle.id]:
            for choice in place_choices(self.order):
                new = stop_at(self.problem, self.order, choice, stype, base.stops[p - 1])
                yield from self._try(vehicle, base, opens, fixed, [*base.stops[:p], new, *base.stops[p:]], (p,))

    def _pairs(self, vehicle: Vehicle, base: Route, opens: bool, fixed: int) -> Iterator[_Candidate]:
        for p in self.pickup_positions[vehicle.id]:
            for q in (q for q in self.positions[vehicle.id] if q >= p):
                for pc in place_choices(self.order, pickup=True):
                    for dc in place_choices(self.order):
                        pick = order_stop(self.order, pc, StopType.PAIRED_PICKUP)
                        drop = order_stop(self.order, dc, StopType.PAIRED_DELIVERY)
                        stops = [*base.stops[:p], pick, *base.stops[p:q], drop, *base.stops[q:]]
                        yield from self._try(vehicle, base, opens, fixed, stops, (p, q + 1))

    def _try(
        self, vehicle: Vehicle, base: Route, opens: bool, fixed: int, stops: list[ScheduledStop], pos: tuple[int, ...]
    ) -> Iterator[_Candidate]:
        timed = _timed(vehicle, base, stops, pos[0], fixed, self.travel, self.state.now)
        if timed is not None and _acceptable(base, timed, self.order.id, vehicle):
            yield _Candidate(vehicle, base, timed, pos, _cost(vehicle, base, timed, opens), opens)


def _prepare(
    problem: Problem, plan: Plan, order: Order, state: LiveState, provider: TravelTimeProvider, depots: bool
) -> _Search:
    """Eligible routes, candidate positions near the order's places, the travel between those points, and (with
    ``depots``) the plan's depot limits to judge candidates by."""
    routes = _routes(problem, plan, order, state)
    all_stops = [s for _, r, _ in routes for s in r.stops]
    drops, picks = place_choices(order), place_choices(order, pickup=True) if order.pickup else []
    near_drop, near_pick = _nearest(all_stops, drops), _nearest(all_stops, picks) if picks else set()
    positions, pickup_positions = {}, {}
    points = [c.location for c in drops + picks]
    for v, r, _ in routes:
        fixed = state.fixed_in(r)
        positions[v.id] = _positions(problem, r, fixed, near_drop, order)
        pickup_positions[v.id] = _positions(problem, r, fixed, near_pick, order) if picks else []
        for p in {*positions[v.id], *pickup_positions[v.id]}:
            points += [r.stops[p - 1].location, r.stops[p].location]
    travel = _Travel(problem, provider, points, state.now)
    baseline = depot_baseline(problem, plan, [r for _, r, opens in routes if not opens]) if depots else None
    return _Search(problem, order, state, routes, travel, positions, pickup_positions, baseline)


def _over_limits(problem: Problem, vehicle: Vehicle, base: Route, stops: list[ScheduledStop]) -> bool:
    """Capacity, max distance and max stops, judged cheaply before the checker is asked."""
    cap = vehicle.type.capacity
    if any(x > cap[d] for s in stops for d, x in s.load_after.items() if d in cap):
        return True
    limit = vehicle.max_distance_m
    return limit is not None and stops[-1].distance_so_far_m > max(limit, base.stops[-1].distance_so_far_m)


def _shifts(base: Route, route: Route) -> tuple[EtaShift, ...]:
    """Existing order stops whose arrival moves by a minute or more."""
    before = {(s.order_id, s.type): s for s in base.stops if s.order_id}
    out = []
    for s in route.stops:
        old = before.get((s.order_id, s.type)) if s.order_id else None
        if old is not None and abs((s.arrival - old.arrival).total_seconds()) >= 60:
            out.append(EtaShift(s.order_id or "", s.external_ref, old.arrival, s.arrival))
    return tuple(out)


def _verified(search: _Search, cand: _Candidate, provider: TravelTimeProvider) -> Proposal | None:
    """The candidate as a full route, if the checker finds nothing the route did not already have. A route it
    opens carries the vehicle's breaks (``opened_route``)."""
    placed = cand.stops
    if cand.opens and cand.vehicle.breaks:
        found = with_breaks(cand.stops, cand.vehicle, search.travel.leg, search.state.now)
        if found is None:
            return None
        placed = found
    stops = with_loads(search.problem, placed)
    if _over_limits(search.problem, cand.vehicle, cand.base, stops):
        return None
    route = with_totals(cand.base, cand.vehicle, stops)
    known = (
        {(v.kind, v.order_id) for v in check_route(search.problem, cand.base, provider)} if not cand.opens else set()
    )
    if any((v.kind, v.order_id) not in known for v in check_route(search.problem, route, provider)):
        return None
    refused = search.depots.refusal(route) if search.depots is not None else None
    if refused is not None:
        search.refused = search.refused or refused
        return None
    return Proposal(
        vehicle_id=cand.vehicle.id,
        route=route,
        positions=cand.positions,
        cost_delta_cents=route.cost_cents - (0 if cand.opens else cand.base.cost_cents),
        distance_delta_m=route.distance_m - (0 if cand.opens else cand.base.distance_m),
        duration_delta_s=route.duration_s - (0 if cand.opens else cand.base.duration_s),
        opens_route=cand.opens,
        shifted=_shifts(cand.base, route),
    )


def _why_not(problem: Problem, order: Order, search: _Search, evaluated: int) -> Unassigned:
    """A specific reason no proposal exists."""
    vehicles = problem.vehicles
    if not any(eligibility.has_skills(v, order) for v in vehicles):
        reason, msg = UnassignedReason.SKILL, f"no vehicle offers {sorted(order.skills)}"
    elif not any(eligibility.may_serve(v, order) for v in vehicles):
        reason, msg = UnassignedReason.NO_VEHICLE, f"no vehicle starts from depot {order.depot_id}"
    elif not search.routes:
        reason, msg = UnassignedReason.CAPACITY, "larger than every vehicle that could serve it"
    elif evaluated == 0:
        reason, msg = UnassignedReason.TIME_WINDOW, "no live route can reach it within its windows"
    elif search.refused is not None:
        reason = UnassignedReason(search.refused.kind)
        msg = f"every route that could take it would break its depot's limit ({search.refused.message})"
    else:
        reason, msg = UnassignedReason.FLEET_FULL, "every route that reaches it in time is full or would break a limit"
    return Unassigned(order.id, order.external_ref, reason, f"{order.id}: {msg}", ACTIONS[reason])


def propose_insertion(
    problem: Problem,
    plan: Plan,
    order_id: str,
    provider: TravelTimeProvider | None = None,
    state: LiveState | None = None,
    limit: int = 3,
    depot_limits: bool = True,
) -> InsertionResult:
    """Up to ``limit`` checked ways to add ``order_id`` (an order of ``problem`` not on any route), cheapest first.
    With ``depot_limits`` (the default) a way that takes a depot past its capacity or docks is dropped (the module
    says why); the planner turns it off where its own steps already keep them (``optimize/planner.py``)."""
    provider = provider or default_provider(problem)
    state = state or LiveState()
    order = problem.order(order_id)
    search = _prepare(problem, plan, order, state, provider, depot_limits)
    ranked = sorted(search.candidates(), key=_rank)
    proposals: list[Proposal] = []
    seen: set[str] = set()
    for checked, cand in enumerate(ranked):
        if len(proposals) >= limit or checked >= MAX_CHECKED * max(1, limit):
            break
        if cand.vehicle.id in seen:
            continue  # one proposal per vehicle: the dispatcher chooses between drivers, not positions
        found = _verified(search, cand, provider)
        if found is not None:
            proposals.append(found)
            seen.add(cand.vehicle.id)
    unassigned = None if proposals else _why_not(problem, order, search, len(ranked))
    return InsertionResult(order_id, proposals, unassigned, len(ranked))


def apply_insertion(plan: Plan, proposal: Proposal) -> Plan:
    """A new plan with the proposal's route in place (or added) and its order no longer unassigned."""
    order_ids = {s.order_id for s in proposal.route.stops if s.order_id}
    routes = [proposal.route if r.vehicle_id == proposal.vehicle_id else r for r in plan.routes]
    if proposal.opens_route:
        routes.append(proposal.route)
    unassigned = [u for u in plan.unassigned if u.order_id not in order_ids]
    return with_routes(replace(plan, unassigned=unassigned), routes)
