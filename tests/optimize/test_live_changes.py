"""Live changes keep the plan valid: cancellations, a vehicle out of service, re-sequencing what is left."""

from __future__ import annotations

from dataclasses import replace as dc_replace
from datetime import timedelta

import pytest

from doorstep.domain import Plan, Problem
from doorstep.domain.errors import DoorstepError
from doorstep.domain.orders import TimeWindow
from doorstep.optimize.check import check_plan
from doorstep.optimize.insertion import LiveState
from doorstep.optimize.live_changes import redistribute, remove_order
from doorstep.optimize.resequence import resequence
from tests.factories import Break, OrderKind, PairedPickup, km, order, problem, t, vehicle
from tests.optimize.conftest import solve

ORDERS = [order(f"O{i}", km(1 + i % 3, 1 + i // 3), windows=((9, 13),)) for i in range(9)]
FLEET = [vehicle("veh_1"), vehicle("veh_2")]


def _day() -> tuple[Problem, Plan]:
    p = problem(ORDERS, FLEET)
    return p, solve(p, balance_max_stops=5)


def _without(p: Problem, order_id: str) -> Problem:
    return dc_replace(p, orders=tuple(o for o in p.orders if o.id != order_id))


def test_cancelled_order_leaves_a_shorter_valid_route() -> None:
    """Removing a not-yet-served order shortens its route and the rest of the plan still passes the checker."""
    p, plan = _day()
    route = plan.routes[0]
    victim = route.stops[2].order_id
    assert victim is not None
    after = remove_order(_without(p, victim), plan, victim)
    assert check_plan(_without(p, victim), after) == []
    new_route = next(r for r in after.routes if r.id == route.id)
    assert victim not in new_route.order_ids
    assert new_route.distance_m <= route.distance_m and new_route.cost_cents < route.cost_cents


def test_a_done_stop_cannot_be_cancelled() -> None:
    """Cancelling an order whose stop is done answers E2101 and changes nothing."""
    p, plan = _day()
    route = plan.routes[0]
    done = route.stops[1].order_id
    assert done is not None
    with pytest.raises(DoorstepError) as exc:
        remove_order(_without(p, done), plan, done, state=LiveState(fixed={route.id: 2}))
    assert exc.value.code == "E2101"


def test_unknown_order_is_reported() -> None:
    """An order that is on no route is E2102."""
    p, plan = _day()
    with pytest.raises(DoorstepError) as exc:
        remove_order(p, plan, "ord_nope")
    assert exc.value.code == "E2102"


def test_vehicle_out_of_service_hands_its_open_stops_to_the_others() -> None:
    """A van breaking down after two stops: its other orders move to the second van; the plan stays valid."""
    p, plan = _day()
    first, second = plan.routes[0], plan.routes[1]
    state = LiveState(now=first.stops[2].departure, fixed={first.id: 3, second.id: 1})
    open_orders = [s.order_id for s in first.stops[3:] if s.order_id]
    assert len(open_orders) >= 2
    result = redistribute(p, plan, first.vehicle_id, state=state)
    assert result.moved
    assert set(result.moved) | {u.order_id for u in result.unassigned} == set(open_orders)
    assert all(v == second.vehicle_id for v in result.moved.values())
    assert check_plan(p, result.plan) == []
    kept = next(r for r in result.plan.routes if r.vehicle_id == first.vehicle_id)
    assert kept.order_ids == first.order_ids[:2]


def test_resequence_follows_a_customers_new_window() -> None:
    """A customer now available only late: re-sequencing moves their stop to the end and keeps the promise."""
    p, plan = _day()
    route = plan.routes[0]
    target = route.stops[1].order_id
    assert target is not None
    late = TimeWindow(t(15), t(16))
    changed = dc_replace(
        p, orders=tuple(dc_replace(o, time_windows=(late,)) if o.id == target else o for o in p.orders)
    )
    result = resequence(changed, plan, route.id)
    assert result.dropped == []
    assert result.route.order_ids[-1] == target
    stop = next(s for s in result.route.stops if s.order_id == target)
    assert late.start <= stop.start <= late.end
    new_plan = dc_replace(plan, routes=[result.route if r.id == route.id else r for r in plan.routes])
    assert check_plan(changed, new_plan) == []


def test_resequence_keeps_done_stops_breaks_and_pairs() -> None:
    """With the start and the pair's pickup done, the rest is re-ordered; the break and the delivery stay."""
    lunch = vehicle("veh_1", breaks=(Break(t(12), t(13), 1800),))
    shop = PairedPickup(location=km(0.5, 0.5), address="Shop", service_s=120)
    pair = order("P", km(3, 3), kind=OrderKind.PAIRED, pickup=shop)
    orders = [*ORDERS[:5], pair]
    p = problem(orders, [lunch])
    plan = solve(p)
    route = plan.routes[0]
    pick = next(k for k, s in enumerate(route.stops) if s.order_id == pair.id)
    state = LiveState(fixed={route.id: pick + 1}, now=route.stops[pick].departure)
    result = resequence(p, plan, route.id, state=state)
    assert result.route.stops[: pick + 1] == route.stops[: pick + 1]
    assert pair.id in result.route.order_ids and result.dropped == []
    assert sum(1 for s in result.route.stops if s.type.value == "break") == 1
    new_plan = dc_replace(plan, routes=[result.route])
    assert check_plan(p, new_plan) == []


def test_resequence_refuses_a_route_with_a_reload_ahead() -> None:
    """Re-sequencing across a reload at the depot is not supported yet and says so (E2103)."""
    small = vehicle("veh_1", vtype=dc_replace(FLEET[0].type, capacity={"parcels": 3}), reloads=True)
    p = problem(ORDERS[:6], [small])
    plan = solve(p)
    assert plan.routes[0].trips >= 2
    with pytest.raises(DoorstepError) as exc:
        resequence(p, plan, plan.routes[0].id)
    assert exc.value.code == "E2103"


def test_resequence_after_the_shift_ended_is_refused_with_a_code() -> None:
    """On a day that is over ("now" past the van's shift) there is no rest of the day to re-sequence: E2135, not a
    solver error about a vehicle that would start after its shift ends (a window change on a past day was a 500)."""
    p = problem(ORDERS[:4])
    plan = solve(p)
    route = plan.routes[0]
    late = LiveState(now=p.vehicles[0].shift_end + timedelta(hours=1))
    with pytest.raises(DoorstepError) as exc:
        resequence(p, plan, route.id, state=late)
    assert exc.value.code == "E2135"


def _visit_day() -> tuple[Problem, Plan]:
    """Three orders at a pickup point (310 s each alone, 300 s of it the point's handover) and two home orders,
    planned: one visit, the handover paid once."""
    at = km(2.2, 1)
    booked = [order(f"P{k}", at, windows=((10, 17),), pickup_point_id="pup_1", service_s=310, handover_s=300)
              for k in range(3)]  # fmt: skip
    p = problem([order("A", km(2, 0)), order("B", km(2, 2)), *booked])
    return p, solve(p)


def test_cancelling_a_visits_first_order_hands_its_handover_to_the_next() -> None:
    """With the visit's first order cancelled, the next one is first: its stop takes the handover again (310 s),
    the last keeps 10 s, and the checker accepts the route; cancelling the middle one changes no service time."""
    p, plan = _visit_day()
    services = {s.external_ref: s.service_s for s in plan.routes[0].stops if s.external_ref}
    assert (services["P0"], services["P1"], services["P2"]) == (310, 10, 10)
    after = remove_order(_without(p, "ord_P0"), plan, "ord_P0")
    kept = {s.external_ref: s.service_s for s in after.routes[0].stops if s.external_ref}
    assert (kept["P1"], kept["P2"]) == (310, 10)
    assert check_plan(_without(p, "ord_P0"), after) == []
    middle = remove_order(_without(p, "ord_P1"), plan, "ord_P1")
    assert {s.external_ref: s.service_s for s in middle.routes[0].stops if s.external_ref}["P2"] == 10
    assert check_plan(_without(p, "ord_P1"), middle) == []
