"""Re-time a route after a manual edit: earliest arrivals along the new stop order, waits, breaks, loads.

The result is then verified by the independent checker (``optimize.check``), which shares no code with this
but the domain's rules (a pickup point's handover paid once per visit: ``domain.pickup.service_after``).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, TimeWindow
from doorstep.domain.pickup import service_after
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.domain.problem import Problem
from doorstep.optimize.live_route import with_loads
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import TravelTimeProvider


def _window(order: Order, stop: ScheduledStop, arrive: datetime) -> TimeWindow | None:
    windows = order.time_windows
    if stop.type is StopType.PAIRED_PICKUP and order.pickup is not None:
        windows = order.pickup.time_windows
    fitting = [w for w in windows if w.end >= arrive]
    return min(fitting, key=lambda w: w.start) if fitting else (windows[-1] if windows else None)


def _before(problem: Problem, prev: ScheduledStop, s: ScheduledStop) -> Order | None:
    """The order delivered just before a delivery stop at the same place (a pickup point's visit pays its handover
    once: ``service_after``)."""
    if prev.type is not StopType.DELIVERY or s.type is not StopType.DELIVERY or prev.order_id is None:
        return None
    return problem.order(prev.order_id) if prev.location == s.location else None


def _serve(
    problem: Problem, vehicle: Vehicle, s: ScheduledStop, arrive: datetime, breaks: list[int], before: Order | None
) -> None:
    s.arrival, s.start, s.waiting_s, s.service_s = arrive, arrive, 0, 0
    if s.type is StopType.BREAK and breaks[0] < len(vehicle.breaks):
        b = vehicle.breaks[breaks[0]]
        breaks[0] += 1
        s.start = max(arrive, b.start)
        s.service_s = b.duration_s
    elif s.order_id is not None:
        order = problem.order(s.order_id)
        w = _window(order, s, arrive)
        if w is not None:
            s.start = max(arrive, w.start)
            s.window_start, s.window_end = w.start, w.end
        pickup = s.type is StopType.PAIRED_PICKUP and order.pickup is not None
        s.service_s = order.pickup.service_s if pickup and order.pickup else service_after(before, order)
    s.waiting_s = int((s.start - arrive).total_seconds())
    s.departure = s.start + timedelta(seconds=s.service_s)


def retime(problem: Problem, route: Route, provider: TravelTimeProvider | None = None) -> Route:
    """The route with arrivals, waits, departures, distances, loads and cost recomputed from its stop order."""
    vehicle = problem.vehicle(route.vehicle_id)
    points = list(dict.fromkeys(s.location for s in route.stops))
    index: dict[LatLng, int] = {p: i for i, p in enumerate(points)}
    m = (provider or default_provider(problem)).matrix(points, vehicle.type.profile)
    stops = route.stops
    t, here, dist, breaks = stops[0].departure, stops[0].location, 0, [0]
    driving = 0
    for prev, s in itertools.pairwise(stops):
        i, j = index[here], index[s.location]
        s.travel_s, s.travel_m = int(m.durations[i, j]), int(m.distances[i, j])
        driving += s.travel_s
        dist += s.travel_m
        _serve(problem, vehicle, s, t + timedelta(seconds=s.travel_s), breaks, _before(problem, prev, s))
        s.distance_so_far_m = dist
        s.duration_so_far_s = int((s.departure - stops[0].departure).total_seconds())
        t, here = s.departure, s.location
    route.stops = stops = with_loads(problem, stops)  # the live engine's load arithmetic (collected items too)
    route.distance_m, route.driving_s = dist, driving
    route.duration_s = int((stops[-1].arrival - stops[0].departure).total_seconds())
    route.waiting_s = sum(s.waiting_s for s in stops)
    route.service_s = sum(s.service_s for s in stops if s.type is not StopType.BREAK)
    vt = vehicle.type  # the planner's route cost: fixed + per km + per hour of the whole route
    route.cost_cents = vt.fixed_cost_cents + round(
        vt.cost_per_km_cents * dist / 1000 + vt.cost_per_hour_cents * route.duration_s / 3600
    )
    return route
