"""Re-optimizing the stops of a live route that have not started yet (a customer changed availability, the
driver is running late, a stop was added): the same planner on the rest of the route's day.

The rest of the route becomes a small problem of its own: the vehicle starts where its last fixed stop is, when
it can leave, with what it has on board; only this route's not-yet-started orders; its remaining breaks and
limits. The planner's answer is joined behind the fixed stops and checked like any route. Orders the new
sequence cannot keep are handed back (``Resequenced.dropped``) for insertion elsewhere or as unassigned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Depot, Vehicle
from doorstep.domain.orders import OrderKind
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType, Unassigned
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg, retime
from doorstep.optimize.insertion import LiveState
from doorstep.optimize.live_route import with_loads, with_totals
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.planner import make_plan
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import TravelTimeProvider


@dataclass(frozen=True, slots=True)
class Resequenced:
    """The route with its remaining stops re-optimized, and any orders it could no longer keep."""

    route: Route
    dropped: list[Unassigned]
    cost_delta_cents: int


def _sub_problem(problem: Problem, vehicle: Vehicle, route: Route, fixed: int, now: datetime | None) -> Problem:
    """The rest of the route's day as a problem of its own."""
    last = route.stops[fixed - 1]
    home = problem.depot(vehicle.start_depot_id)
    here = Depot(id=f"dep_live_{vehicle.id}", name="current position", location=last.location, timezone=home.timezone)
    rest = route.stops[fixed:-1]
    done = {s.order_id for s in route.stops[:fixed] if s.order_id}
    orders = []
    for oid in dict.fromkeys(s.order_id for s in rest if s.order_id):
        o = problem.order(oid)
        if o.kind is OrderKind.PAIRED and oid in done:  # picked up already: only its delivery is left
            o = replace(o, kind=OrderKind.DELIVERY, pickup=None)
        orders.append(replace(o, depot_id=None, release_at=None))
    aboard = dict(last.load_after)
    for o in orders:
        if o.kind is OrderKind.DELIVERY:
            for d, x in o.size.items():
                aboard[d] = aboard.get(d, 0) - x  # what stays on board whatever the sequence
    capacity = {d: c - max(0, aboard.get(d, 0)) for d, c in vehicle.type.capacity.items()}
    leave = last.departure if now is None else max(last.departure, now)
    if leave >= vehicle.shift_end:  # a past day, or a van already done: nothing can be re-sequenced
        msg = f"{route.id}: the van leaves its last stop at {leave.isoformat()}, after its shift ends"
        raise DoorstepError([Issue("E2135", msg, ("route_id",), route.id)])
    used_s = int((leave - route.stops[0].arrival).total_seconds())
    sub_vehicle = replace(
        vehicle,
        type=replace(vehicle.type, capacity=capacity, fixed_cost_cents=0),
        start_depot_id=here.id,
        end_depot_id=vehicle.end_depot,
        shift_start=leave,
        max_shift_s=None if vehicle.max_shift_s is None else max(0, vehicle.max_shift_s - used_s),
        max_distance_m=None
        if vehicle.max_distance_m is None
        else max(0, vehicle.max_distance_m - last.distance_so_far_m),
        breaks=vehicle.breaks[len(vehicle.breaks) - sum(1 for s in rest if s.type is StopType.BREAK) :],
        reloads=False,
    )
    return Problem(depots=(*problem.depots, here), vehicles=(sub_vehicle,), orders=tuple(orders), name="resequence")


def resequence(
    problem: Problem,
    plan: Plan,
    route_id: str,
    provider: TravelTimeProvider | None = None,
    state: LiveState | None = None,
    options: SolveOptions | None = None,
) -> Resequenced:
    """Re-optimize the not-yet-started stops of ``route_id`` (E2103 when a reload lies ahead)."""
    state = state or LiveState()
    provider = provider or default_provider(problem)
    route = next((r for r in plan.routes if r.id == route_id), None)
    if route is None:
        raise DoorstepError([Issue("E2102", f"{route_id} is not a route of the plan", ("route_id",), route_id)])
    fixed = state.fixed_in(route)
    if any(s.type is StopType.RELOAD for s in route.stops[fixed:]):
        msg = f"{route_id}: re-sequencing across a reload at the depot is not supported yet"
        raise DoorstepError([Issue("E2103", msg, ("route_id",), route_id)])
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    sub = _sub_problem(problem, vehicle, route, fixed, state.now)
    if not sub.orders:
        return Resequenced(route, [], 0)
    opts = options or SolveOptions(time_limit_s=2.0, no_improvement_s=0.5)
    answer = make_plan(sub, provider, opts)
    tail = answer.routes[0].stops[1:] if answer.routes else [route.stops[-1]]
    joined = _join(route.stops[:fixed], tail, vehicle)
    legs = [Leg(s.travel_s, s.travel_m) for s in joined[fixed:]]
    timed = retime(joined, fixed, legs, depart_at=state.now)
    new = with_totals(route, vehicle, with_loads(problem, timed))
    return Resequenced(new, list(answer.unassigned), new.cost_cents - route.cost_cents)


def _join(head: list[ScheduledStop], tail: list[ScheduledStop], vehicle: Vehicle) -> list[ScheduledStop]:
    """Fixed stops, then the new sequence; a paired delivery whose pickup is done keeps its paired type."""
    done = {s.order_id for s in head if s.order_id}
    out = list(head)
    for s in tail:
        if s.order_id in done and s.type is StopType.DELIVERY:
            s = replace(s, type=StopType.PAIRED_DELIVERY)
        out.append(s)
    if tail and tail[-1].type is StopType.END and not vehicle.open_end:
        out[-1] = replace(out[-1], depot_id=vehicle.end_depot)
    return out
