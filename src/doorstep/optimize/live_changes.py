"""Changes to a plan that is already on the road: a cancelled order, a vehicle out of service.

Stops done or under way never move (``LiveState.fixed``). Every changed route is re-timed on the plan's own
legs plus the new ones and re-verified by the independent checker; orders that find no place become
unassigned with a specific reason, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType, Unassigned
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg, retime
from doorstep.optimize.insertion import LiveState, apply_insertion, propose_insertion
from doorstep.optimize.live_route import with_loads, with_routes, with_totals, with_visit_services
from doorstep.optimize.travel_keys import vehicle_avoid
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import TravelTimeProvider, ask_matrix


@dataclass(frozen=True, slots=True)
class Redistribution:
    """The plan after a vehicle dropped out: where its remaining orders went, and those that found no place."""

    plan: Plan
    moved: dict[str, str]  # order id -> vehicle id now serving it
    unassigned: list[Unassigned]


def route_of(plan: Plan, order_id: str) -> Route:
    """The route serving ``order_id`` (E2102 when none does)."""
    for r in plan.routes:
        if any(s.order_id == order_id for s in r.stops):
            return r
    raise DoorstepError([Issue("E2102", f"{order_id} is not on any route of the plan", ("order_id",), order_id)])


def _rejoin(
    problem: Problem, route: Route, stops: list[ScheduledStop], first: int, provider: TravelTimeProvider
) -> Route:
    """``stops`` (the route with some stops taken out from ``first`` on) re-timed, re-loaded and re-costed."""
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    stops = with_visit_services(problem, stops, first)  # a visit's new first order pays the point's handover
    for k in range(first, len(stops)):  # a break is taken where the driver is
        if stops[k].type is StopType.BREAK:
            stops[k] = replace(stops[k], location=stops[k - 1].location)
    if vehicle.open_end:
        stops[-1] = replace(stops[-1], location=stops[-2].location)
    points = list(dict.fromkeys(s.location for s in stops))
    index = {p: i for i, p in enumerate(points)}
    m = ask_matrix(provider, points, vehicle.type.profile, avoid=vehicle_avoid(problem, vehicle))
    legs = []
    for k in range(first, len(stops)):
        i, j = index[stops[k - 1].location], index[stops[k].location]
        legs.append(Leg(int(m.durations[i, j]), int(m.distances[i, j])))
    timed = retime(stops, first, legs)
    return with_totals(route, vehicle, with_loads(problem, timed))


def _replace_route(plan: Plan, old: Route, new: Route | None) -> Plan:
    routes = (
        [r for r in plan.routes if r.id != old.id]
        if new is None
        else [new if r.id == old.id else r for r in plan.routes]
    )
    return with_routes(plan, routes)


def remove_order(
    problem: Problem,
    plan: Plan,
    order_id: str,
    provider: TravelTimeProvider | None = None,
    state: LiveState | None = None,
) -> Plan:
    """The plan without ``order_id`` (a cancellation); ``problem`` is the day after the change.

    The order's stops must not be done or under way (E2101). A route left with no stops that has not left
    yet is dropped, freeing its vehicle.
    """
    state = state or LiveState()
    provider = provider or default_provider(problem)
    route = route_of(plan, order_id)
    fixed = state.fixed_in(route)
    where = [k for k, s in enumerate(route.stops) if s.order_id == order_id]
    if where[0] < fixed:
        msg = f"{order_id}: its stop on {route.id} is done or under way"
        raise DoorstepError([Issue("E2101", msg, ("order_id",), order_id)])
    stops = [s for s in route.stops if s.order_id != order_id]
    unplanned = [u for u in plan.unassigned if u.order_id != order_id]
    plan = replace(plan, unassigned=unplanned)
    if fixed == 1 and not any(s.order_id for s in stops):
        return _replace_route(plan, route, None)
    return _replace_route(plan, route, _rejoin(problem, route, stops, where[0], provider))


def _cut(route: Route, fixed: int) -> tuple[list[ScheduledStop], list[str]]:
    """The stops the vehicle keeps (done ones, and deliveries of pairs it has already picked up) and the orders
    to hand over, in their planned order."""
    done = {s.order_id for s in route.stops[:fixed] if s.order_id}
    keep = list(route.stops[:fixed])
    handover: list[str] = []
    for s in route.stops[fixed:-1]:
        if s.order_id in done or s.type is StopType.BREAK:
            keep.append(s)  # goods already on board (finished on the way back), and the driver's breaks
        elif s.order_id and s.order_id not in handover:
            handover.append(s.order_id)
    return [*keep, route.stops[-1]], handover


def redistribute(
    problem: Problem,
    plan: Plan,
    vehicle_id: str,
    provider: TravelTimeProvider | None = None,
    state: LiveState | None = None,
) -> Redistribution:
    """Take a vehicle out of service: its stops not yet started go to the other routes (cheapest checked
    insertion, in their planned order); the vehicle's route ends after its done stops."""
    state = state or LiveState()
    provider = provider or default_provider(problem)
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    state = replace(state, unavailable=state.unavailable | {vehicle_id})
    if route is None:
        return Redistribution(plan, {}, [])
    fixed = state.fixed_in(route)
    kept, handover = _cut(route, fixed)
    first = min(fixed, len(kept) - 1)
    if fixed == 1 and len(kept) == 2:
        plan = _replace_route(plan, route, None)
    else:
        plan = _replace_route(plan, route, _rejoin(problem, route, kept, first, provider))
    moved: dict[str, str] = {}
    lost: list[Unassigned] = []
    for oid in handover:
        result = propose_insertion(problem, plan, oid, provider, state, limit=1)
        if result.proposals:
            plan = apply_insertion(plan, result.proposals[0])
            moved[oid] = result.proposals[0].vehicle_id
        elif result.unassigned is not None:
            lost.append(result.unassigned)
    return Redistribution(replace(plan, unassigned=[*plan.unassigned, *lost]), moved, lost)
