"""Coded validation of a whole Problem: every problem at once, errors and warnings apart."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from doorstep.domain import Break, DoorstepError, Issue, LatLng, OrderKind, Problem, TimeWindow, validate_problem
from doorstep.domain.errors import raise_if_errors
from doorstep.domain.orders import MAX_TIME_WINDOWS
from tests.factories import VAN, depot, km, order, problem, t, vehicle


def codes(issues: list[Issue]) -> list[str]:
    """The codes of the issues, in order."""
    return [i.code for i in issues]


def test_a_sound_problem_has_no_issues() -> None:
    """A depot, a van and two ordinary orders validate cleanly."""
    assert validate_problem(problem([order("A", km(1, 0)), order("B", km(0, 2), windows=((9, 11),))])) == []


def test_every_problem_is_reported_at_once_under_e1000() -> None:
    """Several independent errors come back together; raising them gives the E1000 envelope."""
    bad = problem(
        [
            order("A", LatLng(95.0, 200.0)),  # out of range either way
            order("B", km(1, 0), windows=((11, 9),)),  # backwards window
            order("C", km(1, 0), size={"parcels": -1}),  # negative
        ]
    )
    issues = validate_problem(bad)
    assert codes(issues) == ["E1105", "E1104", "E1107"]
    with pytest.raises(DoorstepError) as exc:
        raise_if_errors(issues)
    assert exc.value.code == "E1000"
    assert {d["id"] for d in exc.value.envelope()["error"]["details"]} == {"ord_A", "ord_B", "ord_C"}


def test_swapped_coordinates_are_recognised() -> None:
    """lat=138.74, lng=-9.15 is valid only when swapped: E1106 rather than E1105."""
    (issue,) = [i for i in validate_problem(problem([order("A", LatLng(138.74, -9.15))])) if i.code.startswith("E")]
    assert issue.code == "E1106" and issue.id == "ord_A"


def test_unknown_time_zone_is_e1113() -> None:
    """A depot with a time zone that is not an IANA name is rejected."""
    bad = problem([order("A", km(1, 0))], depots=[depot(timezone="Europe/Atlantis")])
    assert "E1113" in codes(validate_problem(bad))


def test_break_outside_the_shift_is_e1115() -> None:
    """A break whose window starts before the shift, or that cannot end inside it, is invalid."""
    early = vehicle(breaks=(Break(t(6), t(7), 1800),))
    late = vehicle("veh_2", breaks=(Break(t(17, 50), t(18), 1800),))
    issues = validate_problem(problem([order("A", km(1, 0))], [early, late]))
    assert [(i.code, i.id) for i in issues] == [("E1115", "veh_1"), ("E1115", "veh_2")]


def test_no_orders_and_no_vehicles() -> None:
    """An empty day is E1118; a day without vehicles E1117."""
    assert codes(validate_problem(Problem(depots=(depot(),), vehicles=(vehicle(),), orders=()))) == ["E1118"]
    assert "E1117" in codes(validate_problem(Problem(depots=(depot(),), vehicles=(), orders=(order("A", km(1, 0)),))))


def test_too_many_time_windows_is_e1121() -> None:
    """More than the supported number of windows per stop is refused with the limit in the message."""
    many = tuple((8 + k % 10, 8 + k % 10) for k in range(MAX_TIME_WINDOWS + 1))
    issues = validate_problem(problem([order("A", km(1, 0), windows=many)]))
    assert codes(issues) == ["E1121"]
    assert str(MAX_TIME_WINDOWS) in issues[0].message


def test_window_without_time_zone_is_e1103() -> None:
    """Naive datetimes are ambiguous: rejected."""
    naive = TimeWindow(t(9).replace(tzinfo=None), t(10).replace(tzinfo=None))
    o = replace(order("A", km(1, 0)), time_windows=(naive,))
    assert codes(validate_problem(problem([o]))) == ["E1103"]


def test_duplicate_ids_and_references_are_e1110() -> None:
    """Two orders with one id or one external_ref cannot both be kept."""
    a = order("A", km(1, 0))
    b = replace(order("B", km(2, 0)), external_ref="A")
    issues = validate_problem(problem([a, a, b]))
    assert codes(issues).count("E1110") == 2


def test_unknown_depot_for_order_and_vehicle_is_e1109() -> None:
    """Orders and vehicles must name depots of the problem."""
    issues = validate_problem(problem([order("A", km(1, 0), depot_id="dep_x")], [vehicle(dep="dep_y")]))
    assert sorted((i.code, i.id) for i in issues) == [("E1109", "ord_A"), ("E1109", "veh_1")]


def test_negative_limits_and_shift_backwards() -> None:
    """Negative vehicle limits are E1107; a shift ending before it starts is E1104."""
    v = vehicle(max_distance_m=-5, start=18, end=8)
    issues = validate_problem(problem([order("A", km(1, 0))], [v]))
    assert sorted(codes(issues)) == ["E1104", "E1107"]


def test_paired_order_without_pickup_is_e1112() -> None:
    """A store-to-door order needs the place it is collected from."""
    issues = validate_problem(problem([order("P", km(1, 0), kind=OrderKind.PAIRED)]))
    assert codes(issues) == ["E1112"]


def test_warnings_for_far_locations_missing_skills_and_oversize() -> None:
    """Far from every depot (W1201), a skill no vehicle has (W1204), larger than any vehicle (W1203)."""
    orders = [
        order("FAR", km(400, 0)),
        order("COLD", km(1, 0), skills=frozenset({"refrigerated"})),
        order("BIG", km(1, 0), size={"parcels": VAN.capacity["parcels"] + 1}),
    ]
    issues = validate_problem(problem(orders))
    assert [(i.code, i.id) for i in issues] == [("W1201", "ord_FAR"), ("W1204", "ord_COLD"), ("W1203", "ord_BIG")]
    assert raise_if_errors(issues) == issues  # warnings only: nothing raised


def test_window_check_respects_the_boundary() -> None:
    """A zero-length window (start == end) is valid; one second backwards is not."""
    same = replace(order("A", km(1, 0)), time_windows=(TimeWindow(t(9), t(9)),))
    back = replace(order("B", km(1, 0)), time_windows=(TimeWindow(t(9), t(9) - timedelta(seconds=1)),))
    assert codes(validate_problem(problem([same, back]))) == ["E1104"]


def test_a_handover_is_part_of_the_service_time() -> None:
    """handover_s is the share of service_s paid once per visit to a pickup point: negative is E1107, longer than
    the service time E1575, both reported with the other problems."""
    bad = problem([
        order("A", km(1, 0), pickup_point_id="pup_1", service_s=310, handover_s=-1),
        order("B", km(1, 0), pickup_point_id="pup_1", service_s=200, handover_s=300),
        order("C", km(1, 0), pickup_point_id="pup_1", service_s=310, handover_s=300),
    ])  # fmt: skip
    issues = validate_problem(bad)
    assert [(i.code, i.loc, i.id) for i in issues] == [
        ("E1107", ("orders", 0, "handover_s"), "ord_A"),
        ("E1575", ("orders", 1, "handover_s"), "ord_B"),
    ]
