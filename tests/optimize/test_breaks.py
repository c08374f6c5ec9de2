"""Breaks: classes pool identical vans, a route takes each of its breaks once, the exact schedule keeps its promises."""

from __future__ import annotations

from doorstep.domain import Problem, StopType
from doorstep.optimize.breaks import BREAK_UNITS, break_classes
from doorstep.optimize.build import build_model
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.model import Visit
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.profiles import forbidden_values
from doorstep.routing import StraightLineProvider
from tests.factories import Break, TimeWindow, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import solve

LUNCH = Break(t(12), t(13, 30), 1800)


def _model(p: Problem):  # type: ignore[no-untyped-def]
    return build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set())


def test_identical_vans_with_the_same_lunch_share_one_type_and_one_profile() -> None:
    """Ten vans, each with the same lunch break: one pooled vehicle type, one routing profile, one break class."""
    vans = [vehicle(f"veh_{k}", breaks=(LUNCH,)) for k in range(10)]
    p = problem([order(f"O{i}", km(i % 5, i // 5)) for i in range(20)], vans)
    model = _model(p)
    assert len(model.profiles) == 1
    assert [len(vt.vehicles) for vt in model.vehicle_types] == [10]
    assert model.dims[-1] == "__brk0"
    assert model.vehicle_types[0].capacity[-1] == BREAK_UNITS


def test_vans_with_different_breaks_stay_apart_and_a_van_without_breaks_takes_none() -> None:
    """Two lunch windows and a van without a break: three types, one profile, room for a break only in the van's
    own class."""
    early = Break(t(11), t(12), 1800)
    vans = [vehicle("veh_a", breaks=(LUNCH,)), vehicle("veh_b", breaks=(early,)), vehicle("veh_c")]
    model = _model(problem([order("O1", km(1, 0))], vans))
    assert len(model.profiles) == 1
    caps = {tuple(model.vehicle_types[k].vehicles): model.vehicle_types[k].capacity[-2:] for k in range(3)}
    u = BREAK_UNITS
    assert caps == {(0,): [u, 0], (1,): [0, u], (2,): [0, 0]}


def test_two_identical_breaks_on_one_vehicle_are_two_classes() -> None:
    """A driver with two equal 15-minute pauses in the same window must take both: two classes, one each."""
    pause = Break(t(10), t(15), 900)
    classes = break_classes(problem([], [vehicle(breaks=(pause, pause)), vehicle("veh_2", breaks=(pause,))]))
    assert classes.of == {(0, 0): 0, (0, 1): 1, (1, 0): 0}


def test_break_clients_sit_at_order_addresses_spread_over_the_class() -> None:
    """Three break clients per van of a class, each at a copy of a real order address (no virtual teleport),
    reached from the depot and left for it on real arcs (a route can shrink to its break and close)."""
    vans = [vehicle(f"veh_{k}", breaks=(LUNCH,)) for k in range(4)]
    p = problem([order(f"O{i}", km(i, 0)) for i in range(30)], vans)
    model = _model(p)
    brk = [c for c in model.clients if c.kind is Visit.BREAK]
    assert len(brk) == 12
    assert all(model.points[c.loc] is not None for c in brk)
    assert len({c.loc for c in brk}) == 12
    addresses = {o.location for o in p.orders}
    assert all(model.points[c.loc] in addresses for c in brk)
    depot = 0
    forbid_s, _ = forbidden_values(p, build_geometry(p, StraightLineProvider()), "van")
    assert all(model.profiles[0].durations[depot, c.loc] < forbid_s for c in brk)
    assert all(model.profiles[0].durations[c.loc, depot] < forbid_s for c in brk)


def test_every_used_van_of_a_pool_takes_its_lunch_once() -> None:
    """Forty orders for four pooled vans with a lunch break: each route has exactly one break, in its window."""
    vans = [vehicle(f"veh_{k}", breaks=(LUNCH,), end=14) for k in range(4)]
    orders = [order(f"O{i}", km((i % 8) * 1.5, (i // 8) * 1.5), service_s=600) for i in range(40)]
    result = solve(problem(orders, vans))
    assert not result.unassigned
    for r in result.routes:
        pauses = [s for s in r.stops if s.type is StopType.BREAK]
        assert len(pauses) == 1
        assert LUNCH.start <= pauses[0].start <= LUNCH.end


def test_a_driver_early_for_the_break_drives_on_and_takes_it_at_the_next_stop() -> None:
    """Done with A by 09:00, B (40 min away) open 11:30-12:00, break 11:00-11:30: the driver drives on and takes
    the break at B from 11:00; waiting at A for the break and then driving would reach B after 12:00."""
    brk = Break(t(11), t(11, 30), 1800)
    a = order("A", km(1, 0), windows=((8, 9),))
    b = order("B", km(16, 0))
    b = replace(b, time_windows=(TimeWindow(t(11, 30), t(12)),))
    result = solve(problem([a, b], [vehicle(breaks=(brk,))]))
    stops = result.routes[0].stops
    pause = next(s for s in stops if s.type is StopType.BREAK)
    after = stops[stops.index(pause) + 1]
    assert after.external_ref == "B"
    assert pause.location == after.location
    assert pause.start == t(11)
    assert after.start == t(11, 30)
