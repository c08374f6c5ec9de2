"""Depot capacity: no depot ships more parcels a day than its capacity; orders move to a depot with room, and
with no room anywhere the least urgent are left out with DEPOT_CAPACITY; the checker counts parcels per depot."""

from __future__ import annotations

from collections import Counter

from doorstep.domain.depots import depot_loads, parcels_by_depot
from doorstep.domain.orders import Item, Priority
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.optimize.check import check_plan
from tests.factories import OrderKind, depot, km, order, problem, replace, vehicle
from tests.optimize.conftest import reasons, solve

EAST = km(12, 0)  # depot B, 12 km east of depot A


def _day(cap_a: int | None, cap_b: int | None, high: tuple[str, ...] = ()) -> Problem:
    """Eight orders around depot A, four around depot B; two vans at each depot; one parcel each."""
    near_a = [order(f"a{k}", km(k * 0.4 - 1.5, 1 + (k % 3) * 0.3)) for k in range(8)]
    near_b = [order(f"b{k}", km(12 + k * 0.4, -1 - (k % 2) * 0.4)) for k in range(4)]
    orders = [replace(o, priority=Priority.HIGH) if o.external_ref in high else o for o in near_a + near_b]
    depots = [depot("dep_a", capacity_parcels_per_day=cap_a), depot("dep_b", EAST, capacity_parcels_per_day=cap_b)]
    vans = [vehicle("veh_a1"), vehicle("veh_a2"), vehicle("veh_b1", dep="dep_b"), vehicle("veh_b2", dep="dep_b")]
    return problem(orders, vans, depots)


def _shipped(result: Plan) -> Counter[str]:
    return Counter(r.start_depot_id for r in result.routes for _ in r.order_ids)


def test_without_capacities_each_order_ships_from_its_nearest_depot() -> None:
    """The baseline: eight parcels leave depot A, four depot B."""
    result = solve(_day(None, None))
    assert reasons(result) == {}
    assert _shipped(result) == Counter({"dep_a": 8, "dep_b": 4})


def test_a_full_depot_sends_its_overflow_to_the_depot_with_room() -> None:
    """Depot A handles 5 parcels a day: at least three of its orders ship from B instead (the search may send B's
    vans for all of them once they go that way), every order is served, the checker agrees, and the per-depot
    report says what A handles against its 5."""
    p = _day(5, None)
    result = solve(p)
    assert reasons(result) == {}
    shipped = _shipped(result)
    assert shipped["dep_a"] <= 5 and shipped["dep_a"] + shipped["dep_b"] == 12
    loads = {x.depot_id: (x.parcels, x.capacity) for x in depot_loads(p, result)}
    assert loads == {"dep_a": (shipped["dep_a"], 5)}


def test_with_no_room_anywhere_the_least_urgent_are_left_out_with_depot_capacity() -> None:
    """A takes 5 and B 4 parcels: three of twelve orders are left out with DEPOT_CAPACITY, and the three urgent
    orders near A (HIGH) are all served."""
    p = _day(5, 4, high=("a1", "a4", "a6"))
    result = solve(p)
    left = reasons(result)
    assert sorted(left.values()) == ["DEPOT_CAPACITY"] * 3
    assert not {"a1", "a4", "a6"} & left.keys()
    assert parcels_by_depot(p, result.routes) == {"dep_a": 5, "dep_b": 4}
    message = next(u.message for u in result.unassigned)
    assert "is full" in message and "dep_a (5 parcels a day)" in message


def test_items_count_as_parcels_and_a_return_counts_where_it_comes_back() -> None:
    """An order listing 3 items counts 3 parcels; a return counts at the depot it is brought back to: with room
    for 4 at A, the 3-item delivery and one return fit, the second return is left out."""
    orders = [
        order("box", km(1, 1), size={}, items=(Item("shoes", 2), Item("socks", 1))),
        order("ret1", km(-1, 1), kind=OrderKind.RETURN),
        order("ret2", km(-1, -1), kind=OrderKind.RETURN),
    ]
    p = problem(orders, [vehicle()], [depot(capacity_parcels_per_day=4)])
    result = solve(p)
    assert list(reasons(result).values()) == ["DEPOT_CAPACITY"]
    assert parcels_by_depot(p, result.routes) == {"dep_a": 4}


def test_the_checker_refuses_a_plan_over_a_depots_capacity() -> None:
    """The plan made without the limit breaks it once the limit is set: DEPOT_CAPACITY, over by 3."""
    unlimited = _day(None, None)
    result = solve(unlimited)
    capped = replace(unlimited, depots=(replace(unlimited.depots[0], capacity_parcels_per_day=5), unlimited.depots[1]))
    found = [(v.kind, v.amount) for v in check_plan(capped, result)]
    assert found == [("DEPOT_CAPACITY", 3)]


def test_a_full_single_depot_leaves_out_the_farthest_of_equal_urgency() -> None:
    """One depot with room for 3 parcels a day and five normal orders 1 to 5 km out: the two farthest are left
    out (DEPOT_CAPACITY), and an urgent far order keeps its place over a normal near one."""
    orders = [order(f"k{d}", km(d, 0)) for d in range(1, 6)]
    p = problem(orders, [vehicle()], [depot(capacity_parcels_per_day=3)])
    assert reasons(solve(p)) == {"k4": "DEPOT_CAPACITY", "k5": "DEPOT_CAPACITY"}
    urgent = replace(p, orders=(*orders[:4], replace(orders[4], priority=Priority.HIGH)))
    assert reasons(solve(urgent)) == {"k3": "DEPOT_CAPACITY", "k4": "DEPOT_CAPACITY"}
