"""Access zones: only allowed vehicle types serve stops inside, only in the zone's hours; the checker verifies it."""

from __future__ import annotations

from datetime import datetime, time

from doorstep.domain import Order
from doorstep.domain.plan import Plan
from doorstep.domain.zones import AccessZone
from doorstep.optimize.check import check_plan
from tests.factories import VehicleType, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import reasons, solve, visits

DIESEL = VehicleType(
    id="vty_d", name="Diesel", capacity={"parcels": 100}, cost_per_km_cents=30, cost_per_hour_cents=2000, fuel="diesel"
)
EV = replace(DIESEL, id="vty_ev", name="E-van", fuel="electric", fixed_cost_cents=50_000)
LEZ = AccessZone(
    id="zon_lez",
    name="Baixa LEZ",
    polygons=((tuple(km(x + 6, y) for x, y in ((-1, -1), (1, -1), (1, 1), (-1, 1))),),),
    vehicle_type_ids=frozenset({"vty_ev"}),
    hours=((time(6), time(11)),),
)


def _day() -> list[Order]:
    """Two orders inside the zone (6 km east of the depot), two outside."""
    return [
        order("in1", km(6.2, 0.3)),
        order("in2", km(5.6, -0.4), windows=((9, 14),)),
        order("out1", km(-3, 2)),
        order("out2", km(0, -4)),
    ]


def _served_by(result: Plan) -> dict[str, tuple[str, datetime]]:
    return {s.external_ref: (r.vehicle_id, s.start) for r in result.routes for s in r.stops if s.external_ref}


def test_without_the_zone_the_cheap_diesel_serves_everything() -> None:
    """The baseline: with no zone the electric van (fixed cost 500 EUR) stays home."""
    result = solve(problem(_day(), [vehicle("veh_d", DIESEL), vehicle("veh_e", EV)]))
    assert list(visits(result)) == ["veh_d"]


def test_low_emission_zone_sends_only_the_electric_van_inside_within_its_hours() -> None:
    """With the zone, both inside orders are served by the electric van (room for two parcels), starting between
    06:00 and 11:00 (in2 also inside its own 09:00-14:00 window); the diesel serves outside; the checker is clean."""
    small_ev = replace(EV, capacity={"parcels": 2})
    p = replace(problem(_day(), [vehicle("veh_d", DIESEL), vehicle("veh_e", small_ev)]), zones=(LEZ,))
    result = solve(p)
    assert reasons(result) == {}
    served = _served_by(result)
    assert served["in1"][0] == "veh_e" and served["in2"][0] == "veh_e"
    assert served["out1"][0] == "veh_d" and served["out2"][0] == "veh_d"
    assert t(8) <= served["in1"][1] <= t(11)
    assert t(9) <= served["in2"][1] <= t(11)
    assert check_plan(p, result) == []


def test_hours_move_a_stop_into_the_morning() -> None:
    """A van whose shift starts at 10:30 serves inside the zone by 11:00 at the latest (its first stop)."""
    p = replace(problem([order("in1", km(6.2, 0.3))], [vehicle("veh_e", EV, start=10)]), zones=(LEZ,))
    result = solve(p)
    start = _served_by(result)["in1"][1]
    assert t(10) <= start <= t(11)


def test_no_allowed_vehicle_is_access_zone() -> None:
    """With only the diesel van, the inside orders are unassigned with ACCESS_ZONE naming the zone and the
    allowed type; the outside ones are served."""
    p = replace(problem(_day(), [vehicle("veh_d", DIESEL)]), zones=(LEZ,))
    result = solve(p)
    assert reasons(result) == {"in1": "ACCESS_ZONE", "in2": "ACCESS_ZONE"}
    msg = {u.external_ref: u.message for u in result.unassigned}
    assert msg["in1"] == "in1: inside Baixa LEZ, where only vty_ev may serve, and no such vehicle can"
    assert result.unassigned[0].action.startswith("Add a vehicle of a type the zone allows")


def test_window_outside_the_hours_is_access_zone() -> None:
    """An inside order whose only window is 12:00-14:00 never meets 06:00-11:00: ACCESS_ZONE with the hours."""
    p = replace(problem([order("late", km(6.2, 0.3), windows=((12, 14),))], [vehicle("veh_e", EV)]), zones=(LEZ,))
    result = solve(p)
    assert [(u.reason.value, u.message) for u in result.unassigned] == [
        ("ACCESS_ZONE", "late: its time windows never meet Baixa LEZ's delivery hours (06:00-11:00)")
    ]


def test_checker_flags_wrong_vehicle_and_wrong_hours() -> None:
    """A plan made without the zone, checked with it: the diesel serving inside is an ACCESS_ZONE violation per
    inside order; the same stops served by the allowed type after 11:00 are too."""
    plain = problem(_day(), [vehicle("veh_d", DIESEL), vehicle("veh_e", EV)])
    result = solve(plain)
    zoned = replace(plain, zones=(LEZ,))
    found = check_plan(zoned, result)
    assert sorted((v.kind, v.order_id) for v in found) == [("ACCESS_ZONE", "ord_in1"), ("ACCESS_ZONE", "ord_in2")]
    assert "closed to vty_d" in found[0].message
    afternoon = replace(LEZ, hours=((time(6), time(8, 30)),), vehicle_type_ids=frozenset({"vty_d"}))
    late = check_plan(replace(plain, zones=(afternoon,)), result)
    assert sorted((v.kind, v.order_id) for v in late) == [("ACCESS_ZONE", "ord_in1"), ("ACCESS_ZONE", "ord_in2")]
    assert "outside Baixa LEZ's hours 06:00-08:30" in late[0].message


def test_zone_without_hours_restricts_vehicles_only() -> None:
    """A zone with no hours allows the electric van at any time (in2 keeps its own 09:00-14:00 window)."""
    anytime = replace(LEZ, hours=())
    p = replace(problem(_day(), [vehicle("veh_d", DIESEL), vehicle("veh_e", EV, start=12)]), zones=(anytime,))
    result = solve(p)
    served = _served_by(result)
    assert reasons(result) == {}
    assert served["in1"][0] == "veh_e" and served["in1"][1] >= t(12)
