"""Every unassigned order carries the specific reason found by checking, and a suggested action."""

from __future__ import annotations

from doorstep.domain import ExplicitMatrices, LatLng, Problem, UnassignedReason
from doorstep.domain.plan import Unassigned
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.planner import _check_fleet_full
from doorstep.optimize.reasons import ACTIONS, not_full
from doorstep.routing import UNREACHABLE, StraightLineProvider
from tests.factories import VAN, Priority, depot, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import reasons, solve


def _one(p: Problem) -> tuple[str, str]:
    result = solve(p)
    assert len(result.unassigned) == 1
    u = result.unassigned[0]
    assert u.action
    return u.reason.value, u.message


def test_skill_nobody_has() -> None:
    """An order needing a crane no vehicle has: SKILL, naming the skill."""
    reason, msg = _one(problem([order("A", km(1, 0), skills=frozenset({"crane"}))]))
    assert reason == "SKILL" and "crane" in msg


def test_order_for_a_depot_without_vehicles() -> None:
    """An order tied to a depot no vehicle starts from: NO_VEHICLE."""
    p = problem([order("A", km(1, 0), depot_id="dep_b")], depots=[depot(), depot("dep_b", at=km(5, 5))])
    assert _one(p)[0] == "NO_VEHICLE"


def test_larger_than_any_vehicle() -> None:
    """A 500-parcel order and 100-parcel vans: CAPACITY."""
    reason, msg = _one(problem([order("A", km(1, 0), size={"parcels": 500})]))
    assert reason == "CAPACITY" and "500" in msg


def test_window_before_every_shift() -> None:
    """A 06:00-07:00 window and 08:00 shifts: TIME_WINDOW with local clock times in the message."""
    reason, msg = _one(problem([order("A", km(1, 0), windows=((6, 7),))]))
    assert reason == "TIME_WINDOW" and "07:00" in msg


def test_ready_too_late_for_its_window() -> None:
    """Goods ready at 12:00 for a 09:00-10:00 window: RELEASE_TIME."""
    assert _one(problem([order("A", km(1, 0), windows=((9, 10),), release_at=t(12))]))[0] == "RELEASE_TIME"


def test_too_far_for_the_shift() -> None:
    """An order 200 km away with a 10-hour shift and a 2-hour route cap: SHIFT_LENGTH."""
    p = problem([order("A", km(200, 0))], [vehicle(max_shift_s=7200)])
    assert _one(p)[0] == "SHIFT_LENGTH"


def test_beyond_max_distance() -> None:
    """An order 30 km out and a 40 km distance cap: MAX_DISTANCE."""
    assert _one(problem([order("A", km(30, 0))], [vehicle(max_distance_m=40_000)]))[0] == "MAX_DISTANCE"


def test_unreachable_in_the_travel_matrix() -> None:
    """No road to the stop (unreachable entry in the matrix): UNREACHABLE, never a zero-length trip."""
    d, a, b = LatLng(38.7, -9.1), LatLng(38.71, -9.1), LatLng(38.72, -9.1)
    big = UNREACHABLE
    m = ExplicitMatrices(
        points=(d, a, b),
        durations={"*": [[0, 100, big], [100, 0, big], [big, big, 0]]},
        distances={"*": [[0, 900, big], [900, 0, big], [big, big, 0]]},
    )
    base = problem([order("A", a), order("B", b)], depots=[depot(at=d)])
    p = Problem(depots=base.depots, vehicles=base.vehicles, orders=base.orders, matrices=m)
    assert reasons(solve(p)) == {"B": "UNREACHABLE"}


def test_fleet_full_names_the_capacity_shortfall() -> None:
    """Feasible alone but not together: FLEET_FULL, saying by how much the fleet's capacity is short."""
    small = replace(VAN, capacity={"parcels": 2})
    result = solve(problem([order(f"O{i}", km(1, i * 0.1)) for i in range(3)], [vehicle(vtype=small)]))
    assert [u.reason for u in result.unassigned] == [UnassignedReason.FLEET_FULL]
    assert "parcels by 1" in result.unassigned[0].message


def test_optional_order_not_worth_it() -> None:
    """An optional order worth less than its detour: NOT_WORTH_IT with its value in the message."""
    o = order("O", km(25, 0), priority=Priority.OPTIONAL, value_cents=3)
    reason, msg = _one(problem([order("N", km(1, 0)), o]))
    assert reason == "NOT_WORTH_IT" and "3 cents" in msg


def test_fleet_full_only_when_no_unused_vehicle_could_serve_the_order() -> None:
    """An order left out while a vehicle sits unused is TIME_LIMIT naming that vehicle, and the plan warns
    W1208; with that vehicle in use it stays FLEET_FULL."""
    orders = [order(f"O{i}", km(1 + i, 0)) for i in range(4)]
    p = problem(orders, [vehicle("veh_1"), vehicle("veh_2")])
    result = solve(p)
    geo = build_geometry(p, StraightLineProvider())
    left = Unassigned("ord_O3", "O3", UnassignedReason.FLEET_FULL, "O3: full", ACTIONS[UnassignedReason.FLEET_FULL])
    assert not_full(p, geo, left, {0, 1}) == left
    moved = not_full(p, geo, left, {0})
    assert moved.reason is UnassignedReason.TIME_LIMIT
    assert "veh_2 is unused" in moved.message
    result.routes = [r for r in result.routes if "ord_O3" not in r.order_ids]
    result.unassigned = [left]
    _check_fleet_full(p, geo, result)
    assert [u.reason for u in result.unassigned] == [UnassignedReason.TIME_LIMIT]
    assert [w.code for w in result.warnings] == ["W1208"]


def test_a_search_cut_off_while_improving_does_not_blame_the_fleet() -> None:
    """Every vehicle in use, but the search was still improving when time ran out: TIME_LIMIT, not FLEET_FULL."""
    p = problem([order(f"O{i}", km(1 + i, 0)) for i in range(3)], [vehicle("veh_1")])
    geo = build_geometry(p, StraightLineProvider())
    left = Unassigned("ord_O2", "O2", UnassignedReason.FLEET_FULL, "O2: full", ACTIONS[UnassignedReason.FLEET_FULL])
    assert not_full(p, geo, left, {0}, converged=True) == left
    cut = not_full(p, geo, left, {0}, converged=False)
    assert (cut.reason, cut.message) == (
        UnassignedReason.TIME_LIMIT,
        "O2: the search ran out of time while its plan was still improving",
    )
