"""Re-time a route after a manual edit: earliest arrivals along the new stop order, waits, breaks, loads (the
arithmetic is ``domain.timing.retime``, the one timing engine; here: the matrix, the windows, loads and cost).

The result is then verified by the independent checker (``optimize.check``), which shares no code with this.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from doorstep.domain import emissions, timing
from doorstep.domain.fleet import Break, Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, TimeWindow
from doorstep.domain.pickup import service_after
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg
from doorstep.optimize.live_route import with_loads
from doorstep.optimize.travel_keys import vehicle_avoid
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import TravelTimeProvider, ask_matrix


def _window(order: Order, stop: ScheduledStop, arrive: datetime) -> TimeWindow | None:
    windows = order.time_windows
    if stop.type is StopType.PAIRED_PICKUP and order.pickup is not None:
        windows = order.pickup.time_windows
    fitting = [w for w in windows if w.end >= arrive]
    return min(fitting, key=lambda w: w.start) if fitting else (windows[-1] if windows else None)


def _services(problem: Problem, vehicle: Vehicle, stops: list[ScheduledStop]) -> dict[int, Break]:
    """Each stop's service time set from its order (a pickup point's handover once per visit) or the vehicle's
    break (breaks in the vehicle's order; a break stop beyond them takes no time); the breaks by stop, for their
    windows."""
    breaks: dict[int, Break] = {}
    left = list(vehicle.breaks)
    for prev, s in pairwise(stops):
        s.service_s = 0
        if s.type is StopType.BREAK and left:
            breaks[id(s)] = left.pop(0)
            s.service_s = breaks[id(s)].duration_s
        elif s.type is StopType.RELOAD:  # loading again, and an electric van charges
            charge = vehicle.type.charge_s if vehicle.type.range_m is not None else 0
            s.service_s = problem.depot(vehicle.start_depot_id).loading_s + charge
        elif s.type is not StopType.BREAK and s.order_id is not None:
            order = problem.order(s.order_id)
            pickup = s.type is StopType.PAIRED_PICKUP and order.pickup is not None
            alone = service_after(_before(problem, prev, s), order)
            s.service_s = order.pickup.service_s if pickup and order.pickup else alone
    return breaks


def _before(problem: Problem, prev: ScheduledStop, s: ScheduledStop) -> Order | None:
    """The order delivered just before a delivery stop at the same place (a pickup point's visit pays its handover
    once: ``domain.pickup.service_after``)."""
    if prev.type is not StopType.DELIVERY or s.type is not StopType.DELIVERY or prev.order_id is None:
        return None
    return problem.order(prev.order_id) if prev.location == s.location else None


def retime(problem: Problem, route: Route, provider: TravelTimeProvider | None = None) -> Route:
    """The route with arrivals, waits, departures, distances, loads and cost recomputed from its stop order, on
    the one timing engine (``domain.timing.retime``) with each stop's window chosen on arrival."""
    vehicle = problem.vehicle(route.vehicle_id)
    points = list(dict.fromkeys(s.location for s in route.stops))
    index: dict[LatLng, int] = {p: i for i, p in enumerate(points)}
    avoid = vehicle_avoid(problem, vehicle)
    m = ask_matrix(provider or default_provider(problem), points, vehicle.type.profile, avoid=avoid)
    stops = route.stops
    pairs = [(index[a.location], index[b.location]) for a, b in pairwise(stops)]
    legs = [Leg(int(m.durations[i, j]), int(m.distances[i, j])) for i, j in pairs]
    breaks = _services(problem, vehicle, stops)

    def window(s: ScheduledStop, arrive: datetime) -> tuple[datetime | None, datetime | None]:
        if s.type is StopType.BREAK:
            b = breaks.get(id(s))
            return (b.start, b.end) if b is not None else (None, None)
        if s.order_id is None:  # the end, a reload: as they are
            return s.window_start, s.window_end
        w = _window(problem.order(s.order_id), s, arrive)
        return (w.start, w.end) if w is not None else (None, None)

    timed = timing.retime(stops, 1, legs, window=window)
    route.stops = stops = with_loads(problem, timed)  # the live engine's load arithmetic (collected items too)
    route.distance_m = stops[-1].distance_so_far_m
    route.driving_s = sum(s.travel_s for s in stops[1:])
    route.duration_s = int((stops[-1].arrival - stops[0].departure).total_seconds())
    route.waiting_s = sum(s.waiting_s for s in stops)
    route.service_s = sum(s.service_s for s in stops if s.type is not StopType.BREAK)
    vt = vehicle.type  # the planner's route cost: fixed + per km + per hour of the whole route
    route.cost_cents = vt.fixed_cost_cents + round(
        vt.cost_per_km_cents * route.distance_m / 1000 + vt.cost_per_hour_cents * route.duration_s / 3600
    )
    route.co2_g = emissions.co2_g(route.distance_m, vt.fuel)
    return route
