"""Solver routes -> domain Plan: concrete vehicles, exact schedules, loads, costs, stops with datetimes."""

from __future__ import annotations

from doorstep.domain import emissions
from doorstep.domain.ids import derived_id
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.domain.problem import Problem
from doorstep.optimize.charging import add_charge_stops
from doorstep.optimize.model import SolverModel, Visit
from doorstep.optimize.pyvrp_adapter import SolvedRoute
from doorstep.optimize.scaling import at
from doorstep.optimize.schedule import Element, Timed, Timing, place_breaks, time_route


def break_client(model: SolverModel, vi: int, bi: int) -> int:
    """A solver client of vehicle ``vi``'s break ``bi`` (any client of its class: they are interchangeable)."""
    k = model.break_class_of[(vi, bi)]
    for ci, c in enumerate(model.clients):
        if c.kind is Visit.BREAK and c.brk_class == k:
            return ci
    raise KeyError((vi, bi))


def route_sequence(model: SolverModel, problem: Problem, route: SolvedRoute, vi: int) -> list[Element] | None:
    """The route's elements with every break of the vehicle placed, once each; None when it serves no order.

    The search lets a route hold one break per class it owns per trip (the break dimensions refill at a reload),
    so a second break of a class after a reload is dropped here, as is any break of a class the vehicle lacks.
    """
    seq: list[Element] = [(a.kind, a.idx) for a in route.activities]
    serves = any(
        k in ("pickup", "delivery") or (k == "client" and model.clients[i].kind is Visit.ORDER) for k, i in seq
    )
    if not serves:
        return None
    owned = [model.break_class_of[(vi, bi)] for bi in range(len(problem.vehicles[vi].breaks))]
    kept: list[Element] = []
    have: set[int] = set()
    for el in seq:
        if el[0] == "client" and model.clients[el[1]].kind is Visit.BREAK:
            k = model.clients[el[1]].brk_class
            if k not in owned or k in have:
                continue
            have.add(k)
        kept.append(el)
    for bi, k in enumerate(owned):
        if k not in have:
            kept.insert(1, ("client", break_client(model, vi, bi)))
    seq = place_breaks(model, route.vehicle_type, kept)
    return add_charge_stops(model, route.vehicle_type, seq, problem.vehicles[vi].max_reloads)


def _stop_type(model: SolverModel, problem: Problem, el: Element, pos: int, last: int) -> StopType:
    kind, i = el
    if kind == "depot":
        return StopType.START if pos == 0 else StopType.END if pos == last else StopType.RELOAD
    if kind == "pickup":
        return StopType.PAIRED_PICKUP
    if kind == "delivery":
        return StopType.PAIRED_DELIVERY
    c = model.clients[i]
    if c.kind is Visit.BREAK:
        return StopType.BREAK
    return StopType.PICKUP if problem.orders[c.order].is_pickup_like else StopType.DELIVERY


def order_of(model: SolverModel, el: Element) -> int | None:
    """The order index an element serves (None for depots and breaks)."""
    kind, i = el
    if kind == "client":
        return model.clients[i].order if model.clients[i].kind is Visit.ORDER else None
    if kind in ("pickup", "delivery"):
        return model.shipments[i].order
    return None


def _scheduled(
    model: SolverModel, problem: Problem, seq: list[Element], timing: Timing, vi: int
) -> list[ScheduledStop]:
    stops: list[ScheduledStop] = []
    dist = 0
    leave = timing.stops[0].arrival
    v = problem.vehicles[vi]
    for pos, (el, t) in enumerate(zip(seq, timing.stops, strict=True)):
        dist += t.travel_m
        stype = _stop_type(model, problem, el, pos, len(seq) - 1)
        stop = _base_stop(model, problem, el, t, stype, v.start_depot_id if pos == 0 else None)
        stop.distance_so_far_m, stop.duration_so_far_s = (
            dist,
            t.departure - leave if pos < len(seq) - 1 else t.arrival - leave,
        )
        stops.append(stop)
    if stops and stops[-1].type is StopType.END and v.open_end:
        stops[-1].location = stops[-2].location if len(stops) > 1 else stops[-1].location
    return stops


def _base_stop(
    model: SolverModel, problem: Problem, el: Element, t: Timed, stype: StopType, depot: str | None
) -> ScheduledStop:
    t0 = model.t0
    oi = order_of(model, el)
    order = problem.orders[oi] if oi is not None else None
    point = model.points[t.loc] if t.loc is not None else None
    stop = ScheduledStop(
        type=stype,
        location=point if point is not None else problem.depots[0].location,
        arrival=at(t0, t.arrival),
        start=at(t0, t.start),
        departure=at(t0, t.departure),
        waiting_s=t.wait,
        service_s=t.departure - t.start,
        travel_s=t.travel_s,
        travel_m=t.travel_m,
        load_after={d: x for d, x in zip(model.dims, t.load, strict=True) if not d.startswith("__")},
    )
    kind, i = el
    if kind == "depot":
        dep = model.depots[i]
        stop.depot_id = dep.depot_id
        if dep.depot_id is not None:
            stop.address = problem.depot(dep.depot_id).address or problem.depot(dep.depot_id).name
    if order is not None:
        stop.order_id, stop.external_ref = order.id, order.external_ref
        _describe_place(model, problem, el, stop)
    if stype is StopType.BREAK:
        c = model.clients[i]
        b = problem.vehicles[c.vehicle].breaks[c.brk]
        stop.window_start, stop.window_end, stop.address = b.start, b.end, "break"
    return stop


def _describe_place(model: SolverModel, problem: Problem, el: Element, stop: ScheduledStop) -> None:
    kind, i = el
    oi = order_of(model, el)
    assert oi is not None
    o = problem.orders[oi]
    if kind == "client":
        c = model.clients[i]
        place = o.alternatives[c.place - 1] if c.place else None
        stop.address = place.address if place else o.address
        stop.place_label = place.label if place else ""
        windows = place.time_windows if place else o.time_windows
        if c.window >= 0 and windows:
            stop.window_start, stop.window_end = windows[c.window].start, windows[c.window].end
    elif kind == "pickup" and o.pickup is not None:
        stop.address = o.pickup.address
        if o.pickup.time_windows:
            stop.window_start, stop.window_end = o.pickup.time_windows[0].start, o.pickup.time_windows[0].end
    else:
        stop.address = o.address
        if o.time_windows:
            stop.window_start, stop.window_end = o.time_windows[0].start, o.time_windows[0].end


def make_route(model: SolverModel, problem: Problem, vt: int, vi: int, seq: list[Element]) -> tuple[Route, Timing]:
    """A domain Route for vehicle ``vi`` driving ``seq`` (exactly timed), with its cost in cents."""
    timing = time_route(model, vt, seq)
    v = problem.vehicles[vi]
    stops = _scheduled(model, problem, seq, timing, vi)
    duration = timing.duration
    cost = v.type.fixed_cost_cents + round(
        v.type.cost_per_km_cents * timing.distance / 1000 + v.type.cost_per_hour_cents * duration / 3600
    )
    route = Route(
        id=derived_id("rte", v.id),
        vehicle_id=v.id,
        vehicle_name=v.name or v.id,
        start_depot_id=v.start_depot_id,
        stops=stops,
        distance_m=timing.distance,
        duration_s=duration,
        driving_s=timing.driving,
        waiting_s=timing.waiting,
        service_s=timing.service,
        cost_cents=cost,
        trips=sum(1 for k, _ in seq[:-1] if k == "depot"),
        co2_g=emissions.co2_g(timing.distance, v.type.fuel),
    )
    return route, timing
