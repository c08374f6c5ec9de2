"""The re-timer of manual edits agrees with the independent checker on any stop order."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.domain.plan import Plan, StopType
from doorstep.domain.problem import Problem
from doorstep.optimize.check import check_route
from doorstep.optimize.options import SolveOptions
from doorstep.services.planning.planning import plan
from doorstep.services.planning.retime import retime
from tests.factories import Break, km, order, problem, t, vehicle

TIMING_KINDS = {"SCHEDULE", "STRUCTURE", "BREAK"}


@cache
def planned() -> tuple[Problem, Plan]:
    """Eight orders with windows and one van with a lunch break, planned once."""
    orders = [
        order(f"R{i}", km(1.5 * (i % 4) - 2, 1.2 * (i // 4) - 1), windows=((9 + i % 3, 14 + i % 3),)) for i in range(8)
    ]
    van = vehicle(breaks=(Break(t(12), t(13, 30), 1800),))
    pb = problem(orders, [van])
    return pb, plan(pb, options=SolveOptions(time_limit_s=2, max_iterations=300, seed=3))


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_any_reordering_is_timed_consistently(rnd: object) -> None:
    """Shuffled visits, re-timed: the checker finds no impossible arrival, structure or break error, and every
    arrival is at or after the previous departure plus the travel time."""
    pb, result = planned()
    route = result.routes[0]
    middle = list(route.stops[1:-1])
    rnd.shuffle(middle)  # type: ignore[attr-defined]
    route.stops = [route.stops[0], *middle, route.stops[-1]]
    retime(pb, route)
    kinds = {v.kind for v in check_route(pb, route)}
    assert not kinds & TIMING_KINDS, kinds
    for prev, s in zip(route.stops, route.stops[1:], strict=False):
        assert (s.arrival - prev.departure).total_seconds() == s.travel_s
        assert s.start >= s.arrival and s.departure >= s.start
    assert route.distance_m == route.stops[-1].distance_so_far_m
    assert sum(1 for s in route.stops if s.type is StopType.BREAK) == 1


def test_loads_count_what_a_delivery_collects() -> None:
    """A delivery that also collects (empties taken back) leaves the van lighter by its size and heavier by what
    it collects; re-timing any order keeps those loads, which the checker then accepts."""
    orders = [
        order("C0", km(1, 0), size={"parcels": 3}, collect={"parcels": 2}),
        order("C1", km(2, 1), size={"parcels": 1}),
        order("C2", km(0, 2), size={"parcels": 2}),
    ]
    pb = problem(orders)
    route = plan(pb, options=SolveOptions(time_limit_s=1, max_iterations=100)).routes[0]
    route.stops = [route.stops[0], *reversed(route.stops[1:-1]), route.stops[-1]]
    retime(pb, route)
    assert route.stops[0].load_after == {"parcels": 6}
    for prev, s in zip(route.stops, route.stops[1:-1], strict=False):
        o = pb.order(s.order_id or "")
        assert s.load_after["parcels"] == prev.load_after["parcels"] - o.size["parcels"] + o.collect.get("parcels", 0)
    assert not {v.kind for v in check_route(pb, route)} & {"CAPACITY", "LOAD"}


def test_cost_follows_the_new_stop_order() -> None:
    """Re-timing keeps the planner's cost of an unchanged route (fixed + per km + per route hour), and another
    order costs what its own kilometres and hours cost at the van's rates (the preview's cost change). The other
    order is the first rotation of the stops that drives a different distance (a reversed route can drive exactly
    the same on a symmetric matrix, and then cost the same)."""
    pb, result = planned()
    route = result.routes[0]
    solved, solved_m = route.cost_cents, route.distance_m
    assert solved > 0
    retime(pb, route)
    assert abs(route.cost_cents - solved) <= 1  # the same stops in the same order: the same cost (rounding)
    first, middle, last = route.stops[0], list(route.stops[1:-1]), route.stops[-1]
    for k in range(1, len(middle)):
        route.stops = [first, *middle[k:], *middle[:k], last]
        retime(pb, route)
        if route.distance_m != solved_m:
            break
    assert route.distance_m != solved_m
    vt = pb.vehicle(route.vehicle_id).type
    expected = vt.fixed_cost_cents + vt.cost_per_km_cents * route.distance_m / 1000
    assert route.cost_cents == round(expected + vt.cost_per_hour_cents * route.duration_s / 3600)
    assert route.cost_cents != solved


def test_a_pickup_points_visit_keeps_one_handover_through_a_hand_edit() -> None:
    """Re-timing a route with a visit to a pickup point (two orders, 310 s each alone, 300 s of it the handover)
    keeps the handover once (310 + 10 s); the second order moved away from the visit pays it again (310 s), and
    the checker agrees both times."""
    at = km(2.2, 1)
    booked = [order(f"P{k}", at, windows=((10, 17),), pickup_point_id="pup_1", service_s=310, handover_s=300)
              for k in range(2)]  # fmt: skip
    pb = problem([order("A", km(2, 0)), order("B", km(-2, 2)), *booked])
    route = plan(pb, options=SolveOptions(time_limit_s=1, max_iterations=100)).routes[0]
    retime(pb, route)
    assert {s.external_ref: s.service_s for s in route.stops if s.external_ref}.items() >= {"P0": 310, "P1": 10}.items()
    assert not {v.kind for v in check_route(pb, route)} & TIMING_KINDS
    p1 = next(s for s in route.stops if s.external_ref == "P1")
    route.stops.remove(p1)
    route.stops.insert(1, p1)  # first after the depot, before the visit
    retime(pb, route)
    assert p1.service_s == 310
    assert not {v.kind for v in check_route(pb, route)} & TIMING_KINDS
