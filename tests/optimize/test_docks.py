"""Loading docks: no more vans load at a depot at once than it has docks (at the start and at reloads); a van
waits for a free dock, or loads early when waiting would make it late; an order a delay makes impossible is left
out with DEPOT_DOCKS; the checker refuses overlapping loadings; a kept route's loading holds its dock."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from doorstep.domain.depots import loadings
from doorstep.domain.kept_loadings import KeptLoading
from doorstep.domain.plan import Plan, StopType
from doorstep.domain.problem import Problem
from doorstep.optimize import docks
from doorstep.optimize.check import check_plan
from tests.factories import VAN, depot, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import reasons, solve

SMALL = replace(VAN, capacity={"parcels": 3})
LOAD = timedelta(minutes=15)


def _nine(docks: int | None) -> Problem:
    """Nine one-parcel orders near the depot, three vans of three parcels each, 15 minutes to load a van."""
    orders = [order(f"o{k}", km(k % 4 - 2, k // 4 - 1)) for k in range(9)]
    vans = [vehicle(f"veh_{i}", SMALL) for i in range(3)]
    return problem(orders, vans, [depot(loading_s=900, docks=docks)])


def _departures(result: Plan) -> list[tuple[object, int | None]]:
    return sorted((r.stops[0].departure, r.stops[0].dock) for r in result.routes)


def test_without_docks_every_van_loads_at_once() -> None:
    """The baseline: all three vans load 08:00-08:15 and leave together."""
    result = solve(_nine(None))
    assert _departures(result) == [(t(8, 15), None)] * 3


def test_one_dock_staggers_the_departures_by_the_loading_time() -> None:
    """With one dock the vans leave at 08:15, 08:30 and 08:45, each from dock 1, every order served and the
    checker clean; no two loadings overlap."""
    result = solve(_nine(1))
    assert reasons(result) == {}
    assert _departures(result) == [(t(8, 15), 1), (t(8, 30), 1), (t(8, 45), 1)]
    spans = sorted((ld.start, ld.end) for ld in loadings(_nine(1), result.routes))
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_two_docks_load_two_vans_at_once() -> None:
    """With two docks two vans leave at 08:15 (docks 1 and 2) and the third at 08:30."""
    result = solve(_nine(2))
    assert _departures(result) == [(t(8, 15), 1), (t(8, 15), 2), (t(8, 30), 1)]


def test_the_checker_refuses_overlapping_loadings() -> None:
    """The plan made without a dock limit has three vans loading at 08:00: with one dock that is DEPOT_DOCKS,
    two over."""
    result = solve(_nine(None))
    found = [(v.kind, v.amount) for v in check_plan(_nine(1), result)]
    assert found == [("DEPOT_DOCKS", 2)]


def test_an_order_a_delay_makes_late_is_left_out_with_depot_docks() -> None:
    """Nine orders that must be reached by 08:35: with one dock the second van leaves at 08:30 and reaches one of
    its three orders in time, the third van none; the five are left out with DEPOT_DOCKS (naming the dock wait)
    and the plan is checker-clean."""
    orders = [order(f"o{k}", km(k % 4 - 2, k // 4 - 1), windows=((8, 8),)) for k in range(9)]
    orders = [replace(o, time_windows=(replace(o.time_windows[0], end=t(8, 35)),)) for o in orders]
    p = problem(orders, [vehicle(f"veh_{i}", SMALL) for i in range(3)], [depot(loading_s=900, docks=1)])
    result = solve(p)
    left = reasons(result)
    assert set(left.values()) == {"DEPOT_DOCKS"} and len(left) == 5
    assert sorted(r.stops[0].departure for r in result.routes) == [t(8, 15), t(8, 30)]
    assert all("waits for a free dock" in u.message for u in result.unassigned)
    assert check_plan(p, result) == []


def test_a_van_loads_early_when_waiting_for_the_dock_would_make_it_late() -> None:
    """Two vans both want to leave just before 10:00 for orders due by 10:05; one dock. The van whose shift starts
    at 09:40 has no room to load earlier, so the one whose shift starts at 07:00 loads just before it and waits;
    both orders are served."""
    early = order("early", km(1, 0), windows=((10, 10),))
    late = order("late", km(-1, 0), windows=((10, 10),))
    early = replace(early, time_windows=(replace(early.time_windows[0], end=t(10, 5)),))
    late = replace(late, time_windows=(replace(late.time_windows[0], end=t(10, 5)),))
    vans = [vehicle("veh_long", SMALL, start=7, max_stops=1), vehicle("veh_short", SMALL, max_stops=1)]
    vans[1] = replace(vans[1], shift_start=t(9, 40))
    p = problem([early, late], vans, [depot(loading_s=900, docks=1)])
    result = solve(p)
    assert reasons(result) == {}
    leave = {r.vehicle_id: r.stops[0].departure for r in result.routes}
    assert leave["veh_long"] == leave["veh_short"] - LOAD
    assert leave["veh_short"] - LOAD >= t(9, 40)


def test_reloads_take_a_dock_too() -> None:
    """A van that reloads loads again mid-day at the depot's dock: without a dock limit its reload (30 minutes)
    overlaps the loading of a van starting at 09:00; with one dock that van waits until the reload is loaded, the
    reload stop names its dock, and no two loadings overlap."""
    orders = [order(f"r{k}", km(k % 3 - 1, k // 3 - 1), windows=((8, 13),)) for k in range(9)]
    vans = [vehicle("veh_re", SMALL, reloads=True), vehicle("veh_2", SMALL, start=9, end=11)]
    free = problem(orders, vans, [depot(loading_s=1800)])
    assert [v.kind for v in check_plan(replace(free, depots=(depot(loading_s=1800, docks=1),)), solve(free))] == [
        "DEPOT_DOCKS"
    ]
    p = problem(orders, vans, [depot(loading_s=1800, docks=1)])
    result = solve(p)
    assert reasons(result) == {}
    routes = {r.vehicle_id: r for r in result.routes}
    reload = next(s for s in routes["veh_re"].stops if s.type is StopType.RELOAD)
    assert reload.dock == 1
    assert routes["veh_2"].stops[0].departure == reload.departure + timedelta(minutes=30)
    spans = sorted((ld.start, ld.end) for ld in loadings(p, result.routes))
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_an_order_a_dock_wait_takes_off_goes_to_a_route_with_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight orders due by 08:45 on three 4-parcel vans and one dock: the van that waits longest loses an order,
    which another route takes without moving any loading (without that second chance it is DEPOT_DOCKS)."""
    orders = [order(f"o{k}", km(k % 4 - 2, k // 4 - 1), windows=((8, 9),)) for k in range(8)]
    orders = [replace(o, time_windows=(replace(o.time_windows[0], end=t(8, 45)),)) for o in orders]
    orders.append(order("late", km(3, 3), windows=((10, 12),)))
    vans = [vehicle(f"veh_{i}", replace(VAN, capacity={"parcels": 4})) for i in range(3)]
    p = problem(orders, vans, [depot(loading_s=900, docks=1)])
    result = solve(p)
    assert reasons(result) == {}
    assert len({r.stops[0].departure for r in result.routes}) == len(result.routes)
    monkeypatch.setattr(docks, "_second_chance", lambda problem, plan, lost, provider: (plan, lost))
    assert list(reasons(solve(p)).values()) == ["DEPOT_DOCKS"]


def _kept(start: datetime, end: datetime, dock: int | None = None) -> tuple[KeptLoading, ...]:
    """One loading of a route a re-plan keeps, at the test depot."""
    return (KeptLoading(depot_id="dep_a", start=start, end=end, dock=dock, route_id="rte_kept"),)


def test_a_kept_loading_holds_the_only_dock() -> None:
    """A kept route loads at the only dock 08:00-08:15, where the first new van would load (the plan made without
    knowing it does, and the checker counting the kept loading calls that DEPOT_DOCKS, one over); knowing it, the
    new vans leave at 08:30, 08:45 and 09:00, all from dock 1, and the plan checks clean with it counted."""
    kept = replace(_nine(1), kept_loadings=_kept(t(8), t(8, 15)))
    blind = solve(_nine(1))
    assert _departures(blind)[0] == (t(8, 15), 1)
    assert [(v.kind, v.amount) for v in check_plan(kept, blind)] == [("DEPOT_DOCKS", 1)]
    result = solve(kept)
    assert reasons(result) == {}
    assert _departures(result) == [(t(8, 30), 1), (t(8, 45), 1), (t(9, 0), 1)]
    assert check_plan(kept, result) == []


def test_a_kept_loading_keeps_its_own_dock() -> None:
    """Two docks, a kept van on dock 2 from 08:00 to 08:15: one new van loads beside it on dock 1, the two others
    after it (08:15-08:30 on docks 1 and 2)."""
    result = solve(replace(_nine(2), kept_loadings=_kept(t(8), t(8, 15), dock=2)))
    assert _departures(result) == [(t(8, 15), 1), (t(8, 30), 1), (t(8, 30), 2)]
