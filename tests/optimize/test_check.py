"""The checker finds what is wrong with a hand-edited plan, and accepts what the planner makes."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from doorstep.domain import LatLng, Plan, SpeedProfile, StopType
from doorstep.domain.timing import Leg, retime
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import NO_AVOID, Matrix
from doorstep.services.planning.planning import check
from tests.factories import VAN, Break, OrderKind, PairedPickup, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import solve


def _kinds(p: object, plan: Plan) -> set[str]:
    return {v.kind for v in check(p, plan)}  # type: ignore[arg-type]


def test_late_stop_after_reordering() -> None:
    """Moving a 09-10 stop to the end of a long route makes it late: TIME_WINDOW."""
    orders = [
        order("A", km(1, 0), windows=((9, 10),)),
        *[order(f"O{i}", km(5, i), service_s=1800) for i in range(4)],
    ]
    p = problem(orders)
    plan = solve(p)
    edited = copy.deepcopy(plan)
    stops = edited.routes[0].stops
    a = next(s for s in stops if s.external_ref == "A")
    stops.remove(a)
    stops.insert(len(stops) - 1, a)
    assert "TIME_WINDOW" in _kinds(p, edited)


def test_overload_after_moving_stops_onto_one_van() -> None:
    """Putting both vans' stops on one 100-parcel van: CAPACITY."""
    orders = [order(f"O{i}", km(i, 1), size={"parcels": 40}) for i in range(4)]
    p = problem(orders, [vehicle("veh_1"), vehicle("veh_2")])
    plan = solve(p)
    edited = copy.deepcopy(plan)
    first, second = edited.routes
    first.stops[-1:-1] = [s for s in second.stops if s.order_id]
    edited.routes = [first]
    assert "CAPACITY" in _kinds(p, edited)


def test_wrong_vehicle_for_a_skill() -> None:
    """A refrigerated order moved onto a plain van: SKILL."""
    fridge = replace(VAN, id="vty_f", skills=frozenset({"refrigerated"}))
    p = problem(
        [order("X", km(1, 0), skills=frozenset({"refrigerated"}))],
        [vehicle("veh_f", fridge), vehicle("veh_p")],
    )
    plan = solve(p)
    edited = copy.deepcopy(plan)
    edited.routes[0].vehicle_id = "veh_p"
    assert "SKILL" in _kinds(p, edited)


def test_missing_and_duplicated_orders() -> None:
    """Dropping a stop without listing it unassigned is MISSING; serving one twice is DUPLICATE."""
    p = problem([order("A", km(1, 0)), order("B", km(2, 0))])
    plan = solve(p)
    dropped = copy.deepcopy(plan)
    dropped.routes[0].stops = [s for s in dropped.routes[0].stops if s.external_ref != "A"]
    assert "MISSING" in _kinds(p, dropped)
    doubled = copy.deepcopy(plan)
    stops = doubled.routes[0].stops
    stops.insert(1, copy.deepcopy(stops[1]))
    assert "DUPLICATE" in _kinds(p, doubled)


def test_delivery_before_pickup_breaks_pairing() -> None:
    """Swapping a paired order's pickup and delivery: PAIRING."""
    shop = PairedPickup(location=km(3, 3), service_s=60)
    p = problem([order("P", km(-2, 1), kind=OrderKind.PAIRED, pickup=shop)])
    plan = solve(p)
    edited = copy.deepcopy(plan)
    stops = edited.routes[0].stops
    i = next(k for k, s in enumerate(stops) if s.type is StopType.PAIRED_PICKUP)
    j = next(k for k, s in enumerate(stops) if s.type is StopType.PAIRED_DELIVERY)
    stops[i], stops[j] = stops[j], stops[i]
    assert "PAIRING" in _kinds(p, edited)


def test_missing_break_and_claimed_impossible_times() -> None:
    """Removing the driver's break is BREAK; claiming an arrival earlier than driving allows is SCHEDULE."""
    p = problem([order("A", km(5, 0))], [vehicle(breaks=(Break(t(12), t(13), 1800),))])
    plan = solve(p)
    no_break = copy.deepcopy(plan)
    no_break.routes[0].stops = [s for s in no_break.routes[0].stops if s.type is not StopType.BREAK]
    assert "BREAK" in _kinds(p, no_break)
    rushed = copy.deepcopy(plan)
    stop = next(s for s in rushed.routes[0].stops if s.external_ref == "A")
    stop.arrival -= timedelta(minutes=30)
    assert "SCHEDULE" in _kinds(p, rushed)


def test_over_distance_and_over_shift() -> None:
    """Tightening the vehicle after planning: MAX_DISTANCE and SHIFT_LENGTH are reported."""
    p = problem([order("A", km(20, 0)), order("B", km(0, 20))])
    plan = solve(p)
    tight = problem(list(p.orders), [vehicle(max_distance_m=10_000, max_shift_s=1800)])
    assert {"MAX_DISTANCE", "SHIFT_LENGTH"} <= _kinds(tight, plan)


def test_a_pickup_points_visit_pays_its_handover_once() -> None:
    """Two orders to a point (each 310 s alone, of which 300 s handover) planned as one visit: the second stop takes
    10 s and the checker agrees (unshared problem: it applies the rule itself). Moved away from its point's first
    stop but still claiming 10 s, the stop is judged at its full 310 s: the stops after it claim impossible times."""
    at = km(2.2, 1)
    booked = [
        order(f"P{k}", at, windows=((10, 17),), pickup_point_id="pup_1", service_s=310, handover_s=300)
        for k in range(2)
    ]
    p = problem([order("A", km(2, 0)), order("B", km(2, 2)), order("C", km(0, 2)), *booked])
    plan = solve(p)  # the checker finds nothing: it applies the handover rule to the problem as given
    stops = plan.routes[0].stops
    refs = [s.external_ref for s in stops]
    assert refs[refs.index("P0") + 1] == "P1" and stops[refs.index("P1")].service_s == 10
    edited = copy.deepcopy(plan)
    stops = edited.routes[0].stops
    p1 = stops.pop(refs.index("P1"))
    stops.insert(len(stops) - 1, p1)  # last before the end, still 10 s
    m = default_provider(p).matrix([s.location for s in stops], VAN.profile)
    legs = [Leg(int(m.durations[k - 1][k]), int(m.distances[k - 1][k])) for k in range(1, len(stops))]
    edited.routes[0].stops = retime(stops, 1, legs)
    assert "SCHEDULE" in _kinds(p, edited)


def test_a_large_plan_is_checked_a_few_routes_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a batch limit of 12 places, the checker asks the provider for no matrix larger than that, and finds
    the same violations (a late stop moved to another route) as it does with one matrix for the plan."""
    import doorstep.optimize.check as checker
    from doorstep.optimize.check import check_plan
    from doorstep.routing import StraightLineProvider

    orders = [order(f"O{i}", km(i % 5, i // 5), windows=((8, 9),) if i == 0 else ()) for i in range(24)]
    p = problem(orders, [vehicle(f"veh_{k}") for k in range(4)])
    plan = solve(p, balance_max_stops=6)
    assert len(plan.routes) == 4
    edited = copy.deepcopy(plan)
    first = next(s for s in edited.routes[0].stops if s.order_id)
    edited.routes[0].stops.remove(first)
    edited.routes[-1].stops.insert(len(edited.routes[-1].stops) - 1, first)
    sizes: list[int] = []

    class Counting(StraightLineProvider):
        def matrix(
            self,
            points: Sequence[LatLng],
            profile: SpeedProfile,
            depart_at: datetime | None = None,
            *,
            avoid: frozenset[str] = NO_AVOID,
        ) -> Matrix:
            sizes.append(len(set(points)))
            return super().matrix(points, profile, depart_at, avoid=avoid)

    whole = check_plan(p, edited, Counting())
    assert len(sizes) == 1 and whole
    sizes.clear()
    monkeypatch.setattr(checker, "CHECK_BATCH_POINTS", 12)
    batched = check_plan(p, edited, Counting())
    assert len(sizes) > 1 and max(sizes) <= 12
    assert batched == whole
