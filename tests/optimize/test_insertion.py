"""Live insertion: a new order goes where it costs least, keeps every promise, and the checker agrees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.domain import Plan, Problem, StopType
from doorstep.domain.orders import Priority
from doorstep.domain.plan import Unassigned, UnassignedReason
from doorstep.optimize import planner
from doorstep.optimize.check import check_plan
from doorstep.optimize.insertion import LiveState, apply_insertion, propose_insertion
from doorstep.optimize.live_changes import remove_order
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.planner import reinsert
from doorstep.routing import StraightLineProvider
from doorstep.services.planning.planning import plan
from tests.factories import VAN, Break, OrderKind, PairedPickup, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import solve

LINE = [order("A", km(2, 0)), order("B", km(2, 2)), order("C", km(0, 2))]  # a square with the depot


def _refs(plan: Plan, vehicle_id: str = "veh_1") -> list[str]:
    route = next(r for r in plan.routes if r.vehicle_id == vehicle_id)
    return [s.external_ref for s in route.stops if s.external_ref]


def _insert_checked(p: Problem, plan: Plan, order_id: str, **kw: object) -> Plan:
    """Insert the order with the best proposal and assert the full checker accepts the new plan."""
    result = propose_insertion(p, plan, order_id, **kw)  # type: ignore[arg-type]
    assert result.proposals, result.unassigned
    new = apply_insertion(plan, result.proposals[0])
    assert check_plan(p, new) == []
    return new


def test_new_order_goes_between_its_neighbours() -> None:
    """On the square depot, A, B, C, an order halfway between A and B is inserted between them."""
    plan = solve(problem(LINE))
    assert _refs(plan) in (["A", "B", "C"], ["C", "B", "A"])
    new = order("N", km(2.1, 1))
    p = problem([*LINE, new])
    after = _insert_checked(p, plan, new.id)
    refs = _refs(after)
    assert abs(refs.index("N") - refs.index("A")) == 1 and abs(refs.index("N") - refs.index("B")) == 1
    assert after.stats.orders_assigned == 4


def test_proposal_lists_the_etas_it_moves() -> None:
    """Inserting a stop delays exactly the stops after it, and the proposal says by how much."""
    plan = solve(problem(LINE))
    new = order("N", km(2.1, 1))
    best = propose_insertion(problem([*LINE, new]), plan, new.id).proposals[0]
    later = [s.external_ref for s in best.route.stops[best.positions[0] + 1 :] if s.external_ref]
    assert [s.external_ref for s in best.shifted] == later and later
    assert all(s.after - s.before >= timedelta(seconds=new.service_s) for s in best.shifted)
    assert best.cost_delta_cents > 0 and best.distance_delta_m > 0


def test_fixed_stops_never_move() -> None:
    """With the start and the first two stops done, an order next to the first stop goes after them."""
    plan = solve(problem(LINE))
    route = plan.routes[0]
    new = order("N", route.stops[1].location)  # right where the first stop was
    p = problem([*LINE, new])
    result = propose_insertion(p, plan, new.id, state=LiveState(fixed={route.id: 3}))
    best = result.proposals[0]
    assert best.positions[0] >= 3
    assert [s.external_ref for s in best.route.stops[:3]] == [s.external_ref for s in route.stops[:3]]
    assert check_plan(p, apply_insertion(plan, best)) == []


def test_later_departure_when_the_driver_is_still_at_the_depot() -> None:
    """``now`` after the planned departure: no stop of the proposed route starts before ``now``."""
    plan = solve(problem(LINE))
    route = plan.routes[0]
    now = route.stops[0].departure + timedelta(minutes=30)
    new = order("N", km(0.5, 0.5))
    p = problem([*LINE, new])
    best = propose_insertion(p, plan, new.id, state=LiveState(now=now)).proposals[0]
    assert all(s.arrival >= now for s in best.route.stops[1:])
    assert check_plan(p, apply_insertion(plan, best)) == []


def test_time_window_decides_the_position() -> None:
    """An order at the depot's doorstep but with a late window is served last, not first."""
    plan = solve(problem(LINE))
    last = plan.routes[0].stops[-2].departure
    window = (last.hour + 2, last.hour + 3)
    new = order("N", km(0.1, 0), windows=(window,))
    p = problem([*LINE, new])
    after = _insert_checked(p, plan, new.id)
    assert _refs(after)[-1] == "N"
    stop = next(s for s in after.routes[0].stops if s.external_ref == "N")
    assert stop.start >= t(window[0])


def test_full_van_opens_an_unused_vehicle() -> None:
    """When the only route is full, the order opens the spare van's route (and pays its fixed cost)."""
    small = replace(VAN, capacity={"parcels": 3}, fixed_cost_cents=5_000)
    fleet = [vehicle("veh_1", small), vehicle("veh_2", small)]
    plan = solve(problem(LINE, fleet))
    assert len(plan.routes) == 1
    new = order("N", km(2.5, 0))
    p = problem([*LINE, new], fleet)
    result = propose_insertion(p, plan, new.id)
    best = result.proposals[0]
    assert best.opens_route and best.cost_delta_cents >= 5_000
    assert check_plan(p, apply_insertion(plan, best)) == []


def test_a_spare_van_with_a_lunch_break_opens_with_its_break() -> None:
    """The spare van has a lunch break: the route the order opens carries it (where the driver is, in its window),
    so the checker accepts it; without the break every such route was refused and the order stayed out."""
    small = replace(VAN, capacity={"parcels": 3}, fixed_cost_cents=5_000)
    lunch = Break(t(12), t(13), 1800)
    fleet = [vehicle("veh_1", small, breaks=(lunch,)), vehicle("veh_2", small, breaks=(lunch,))]
    plan = solve(problem(LINE, fleet))
    assert len(plan.routes) == 1
    for late in (False, True):  # an order early in the day (break after it) and one after lunch (break before it)
        new = order("N", km(2.5, 0), windows=((14, 16),) if late else ((9, 10),))
        p = problem([*LINE, new], fleet)
        best = propose_insertion(p, plan, new.id).proposals[0]
        assert best.opens_route and best.vehicle_id == "veh_2"
        kinds = [s.type for s in best.route.stops]
        assert kinds.count(StopType.BREAK) == 1
        assert (kinds.index(StopType.BREAK) < kinds.index(StopType.DELIVERY)) is late
        assert check_plan(p, apply_insertion(plan, best)) == []


def test_a_store_to_door_pair_opens_the_spare_van_with_both_legs_and_its_break() -> None:
    """A pair (pickup at a shop, delivery at the door) that opens the spare van keeps both legs, pickup first,
    and the van's break; the checker accepts the plan (the break placement kept only the first leg before)."""
    small = replace(VAN, capacity={"parcels": 3}, fixed_cost_cents=5_000)
    lunch = Break(t(12), t(13), 1800)
    cold = frozenset({"refrigerated"})  # only the spare van has it
    fleet = [vehicle("veh_1", small, breaks=(lunch,)), vehicle("veh_2", small, breaks=(lunch,), skills=cold)]
    plan = solve(problem(LINE, fleet))
    assert [r.vehicle_id for r in plan.routes] == ["veh_1"]
    shop = PairedPickup(location=km(1, 1), address="Shop", service_s=120)
    pair = order("P", km(3, 1), kind=OrderKind.PAIRED, pickup=shop, skills=cold)
    p = problem([*LINE, pair], fleet)
    best = propose_insertion(p, plan, pair.id).proposals[0]
    assert best.opens_route
    kinds = [s.type for s in best.route.stops]
    assert kinds.count(StopType.BREAK) == 1
    assert kinds.index(StopType.PAIRED_PICKUP) < kinds.index(StopType.PAIRED_DELIVERY)
    assert check_plan(p, apply_insertion(plan, best)) == []


def test_no_vehicle_with_the_skill_is_a_reason() -> None:
    """An order needing a skill no vehicle has gets no proposal and the reason SKILL."""
    plan = solve(problem(LINE))
    new = order("N", km(2.5, 0), skills=frozenset({"refrigerated"}))
    result = propose_insertion(problem([*LINE, new]), plan, new.id)
    assert result.proposals == []
    assert result.unassigned is not None and result.unassigned.reason.value == "SKILL"


def test_window_already_past_is_a_time_window_reason() -> None:
    """An order whose window closed before any vehicle could get there cannot be inserted: TIME_WINDOW."""
    plan = solve(problem(LINE))
    new = order("N", km(2.5, 0), windows=((6, 7),))
    result = propose_insertion(problem([*LINE, new]), plan, new.id)
    assert result.proposals == []
    assert result.unassigned is not None and result.unassigned.reason.value == "TIME_WINDOW"


def test_store_to_door_pair_is_picked_up_before_it_is_delivered() -> None:
    """A paired order gets both stops on one route, pickup first, and the checker accepts it."""
    plan = solve(problem(LINE))
    shop = PairedPickup(location=km(1.5, 1), address="Shop", service_s=300)
    new = order("P", km(2.5, -1), kind=OrderKind.PAIRED, pickup=shop)
    p = problem([*LINE, new])
    after = _insert_checked(p, plan, new.id)
    types = [s.type for s in after.routes[0].stops if s.external_ref == "P"]
    assert types == [StopType.PAIRED_PICKUP, StopType.PAIRED_DELIVERY]


def test_breaks_stay_in_their_window() -> None:
    """A route with a lunch break takes a new order without pushing the break out of its window."""
    lunch = vehicle(breaks=(Break(t(12), t(12, 30), 1800),))
    orders = [order(f"O{i}", km(1 + i % 4, i // 4), windows=((9 + i // 3, 12 + i // 3),)) for i in range(12)]
    plan = solve(problem(orders, [lunch]))
    new = order("N", km(2.2, 1.1))
    _insert_checked(problem([*orders, new], [lunch]), plan, new.id)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.integers(8, 15)), min_size=2, max_size=10),
    st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.integers(8, 16)),
)
def test_any_insertion_passes_the_checker(spots: list[tuple[float, float, int]], new: tuple[float, float, int]) -> None:
    """Any day with 2-10 windowed orders and one more: a proposal, when there is one, passes the full checker."""
    orders = [order(f"O{i}", km(x, y), windows=((h, h + 2),)) for i, (x, y, h) in enumerate(spots)]
    fleet = [vehicle("veh_1"), vehicle("veh_2", start=9, end=17)]
    plan = solve(problem(orders, fleet), max_iterations=100)
    extra = order("N", km(new[0], new[1]), windows=((new[2], new[2] + 2),))
    p = problem([*orders, extra], fleet)
    result = propose_insertion(p, plan, extra.id)
    if result.proposals:
        assert check_plan(p, apply_insertion(plan, result.proposals[0])) == []
    else:
        assert result.unassigned is not None


def test_orders_taken_off_by_repair_get_a_second_chance() -> None:
    """An order left unassigned (as the repair step does) is re-inserted, on an unused van if need be."""
    fleet = [vehicle("veh_1"), vehicle("veh_2")]
    p = problem(LINE, fleet)
    plan = solve(p)
    victim = plan.routes[0].order_ids[0]
    cut = remove_order(p, plan, victim)
    cut.unassigned.append(Unassigned(victim, victim, UnassignedReason.FLEET_FULL, "taken off", "retry"))
    assert check_plan(p, cut) == []
    again = reinsert(p, cut, [victim], StraightLineProvider())
    assert again.unassigned == [] and check_plan(p, again) == []


def _search_leaves_out(monkeypatch: pytest.MonkeyPatch, refs: set[str]) -> None:
    """Make the planner's search leave ``refs`` out, as a search cut off by its time limit does."""
    assemble = planner._assemble

    def cut(p: Problem, *args: object) -> Plan:
        plan = assemble(p, *args)  # type: ignore[arg-type]
        served = {s.order_id for r in plan.routes for s in r.stops}
        for o in p.orders:
            if o.external_ref in refs and o.id in served:
                plan = remove_order(p, plan, o.id)
                plan.unassigned.append(Unassigned(o.id, o.external_ref, UnassignedReason.TIME_LIMIT, "cut", "retry"))
        return plan

    monkeypatch.setattr(planner, "_assemble", cut)


def test_orders_the_search_left_out_get_a_second_chance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders the search had not placed when it stopped are inserted after it, the urgent one first, and the
    plan stays checker-clean; an optional order is not forced in."""
    _search_leaves_out(monkeypatch, {"A", "B", "C"})
    orders = [
        order("A", km(2, 0)),
        order("B", km(2, 2), priority=Priority.HIGH),
        order("C", km(0, 2), priority=Priority.OPTIONAL),
    ]
    p = problem(orders, [vehicle("veh_1")])
    got = plan(p, options=SolveOptions(max_iterations=50))
    assert check_plan(p, got) == []
    assert {s.external_ref for r in got.routes for s in r.stops if s.external_ref} == {"A", "B"}
    assert [u.external_ref for u in got.unassigned] == ["C"]
    left = [Unassigned(o.id, o.external_ref, UnassignedReason.TIME_LIMIT, "", "") for o in reversed(orders)]
    assert planner._second_chance(p, replace(got, unassigned=left), {}) == ["ord_B", "ord_A"]
    assert planner._second_chance(p, replace(got, unassigned=left), {1: left[1]}) == ["ord_A"]


def test_an_order_no_route_can_take_gets_room_by_a_swap() -> None:
    """A full van and a van that cannot reach the order: the order left out goes in where a nearby stop was,
    and that stop moves to the other van; nothing served is lost and the checker agrees."""
    small = replace(VAN, capacity={"parcels": 2})
    near, far, left = order("A", km(1, 0)), order("B", km(14, 0)), order("C", km(14, 1))
    full, short = vehicle("veh_1", vtype=small), vehicle("veh_2", vtype=small, start=8, end=9)
    before = solve(problem([near, far], [full]))  # veh_1 carries A and B: full
    p = problem([near, far, left], [full, short])
    before.unassigned.append(Unassigned(left.id, "C", UnassignedReason.TIME_LIMIT, "cut", "retry"))
    assert check_plan(p, before) == []
    assert planner._fitting(p, before, left.id, StraightLineProvider(), None) is None  # no plain insertion
    after = reinsert(p, before, [left.id], StraightLineProvider())
    assert check_plan(p, after) == [] and after.unassigned == []
    assert {r.vehicle_id: set(r.order_ids) for r in after.routes} == {"veh_1": {"ord_B", "ord_C"}, "veh_2": {"ord_A"}}


@pytest.mark.parametrize("beside", ["F", "M"])
def test_a_fleet_without_rates_ranks_insertions_by_the_time_they_add(beside: str) -> None:
    """Every insertion costs nothing when the vehicle types have no rates; the options then come by the route time
    they add (then km), not in the order the vehicles are listed: the van next door first, whichever it is."""
    free = replace(VAN, id="vty_free", cost_per_km_cents=0, cost_per_hour_cents=0, fixed_cost_cents=0)
    vans = [vehicle("veh_1", free), vehicle("veh_2", free)]
    spots = {"F": km(-12, 0), "M": km(12, 0)}
    two = [order(ref, spots[ref], windows=((9, 10),)) for ref in spots]  # 24 km apart in the same hour: a van each
    routes = solve(problem(two, vans))
    holders = {r.vehicle_id: _refs(routes, r.vehicle_id) for r in routes.routes}
    assert sorted(holders.values()) == [["F"], ["M"]]
    new = order("N", replace(spots[beside], lat=spots[beside].lat + 0.002))  # 200 m from its neighbour
    result = propose_insertion(problem([*two, new], vans), routes, new.id)
    assert len(result.proposals) == 2
    assert result.proposals[0].vehicle_id == next(v for v, refs in holders.items() if refs == [beside])
    assert result.proposals[0].duration_delta_s < result.proposals[1].duration_delta_s


def _point_day() -> tuple[Problem, Plan]:
    """LINE plus two orders to a pickup point between A and B (310 s each alone, 300 s of it the handover), planned
    as one visit."""
    at = km(2.2, 1)
    booked = [order(f"P{k}", at, windows=((10, 17),), pickup_point_id="pup_1", service_s=310, handover_s=300)
              for k in range(2)]  # fmt: skip
    p = problem([*LINE, *booked])
    return p, solve(p)


def test_an_order_to_a_pickup_point_joins_the_points_visit() -> None:
    """A new order to the point goes right after the point's two stops: no driving, only its parcel's 10 s (the
    300 s handover is paid once per visit), nothing added to the distance; the checker accepts the route."""
    base, plan = _point_day()
    new = order("P9", km(2.2, 1), windows=((10, 17),), pickup_point_id="pup_1", service_s=310, handover_s=300)
    p = replace(base, orders=(*base.orders, new))
    best = propose_insertion(p, plan, new.id).proposals[0]
    refs = [s.external_ref for s in best.route.stops]
    assert refs[refs.index("P0") : refs.index("P0") + 3] == ["P0", "P1", "P9"]
    stop = best.route.stops[best.positions[0]]
    assert (stop.service_s, stop.travel_s, best.distance_delta_m, best.duration_delta_s) == (10, 0, 0, 10)
    assert check_plan(p, apply_insertion(plan, best)) == []


def test_no_stop_is_put_inside_a_points_visit() -> None:
    """A home delivery at the point's very address (no point named) is inserted before or after the visit, never
    between two of its orders; and an order to the point whose window closes before the visit is served apart
    (its own stop with the full handover), not squeezed in front of the visit."""
    base, plan = _point_day()
    home = order("H", km(2.2, 1))
    p = replace(base, orders=(*base.orders, home))
    for prop in propose_insertion(p, plan, home.id).proposals:
        refs = [s.external_ref for s in prop.route.stops]
        assert refs.index("P1") == refs.index("P0") + 1
        assert check_plan(p, apply_insertion(plan, prop)) == []
    assert next(s for s in plan.routes[0].stops if s.external_ref == "P0").start >= t(10)
    early = order("PE", km(2.2, 1), windows=((9, 10),), pickup_point_id="pup_1", service_s=310, handover_s=300)
    p2 = replace(base, orders=(*base.orders, early))
    best = propose_insertion(p2, plan, early.id).proposals[0]
    refs = [s.external_ref for s in best.route.stops]
    assert refs.index("P0") != refs.index("PE") + 1 and best.route.stops[best.positions[0]].service_s == 310
    assert check_plan(p2, apply_insertion(plan, best)) == []
