"""Greener routes: CO2 per route and plan, the CO2 price in the objective, electric vans with range and charging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain import Order, emissions
from doorstep.domain.errors import DoorstepError
from doorstep.domain.plan import StopType
from doorstep.optimize.check import check_plan, check_route
from doorstep.optimize.options import SolveOptions
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.services.planning.retime import retime
from tests.factories import VehicleType, km, order, problem, replace, vehicle
from tests.optimize.conftest import reasons, solve, visits

EV = VehicleType(
    id="vty_ev",
    name="E-van",
    capacity={"parcels": 100},
    cost_per_km_cents=30,
    cost_per_hour_cents=2000,
    fuel="electric",
    range_m=80_000,
    reserve_m=10_000,
    charge_s=1800,
)
DIESEL = VehicleType(
    id="vty_d", name="Diesel", capacity={"parcels": 100}, cost_per_km_cents=30, cost_per_hour_cents=2000, fuel="diesel"
)


def _metres(a: object, b: object) -> int:
    return int(StraightLineProvider().matrix([a, b], EV.profile).distances[0, 1])  # type: ignore[list-item]


def _two_clusters() -> list[Order]:
    """Three orders 20 km east and three 20 km west: one trip to both is longer than 70 km."""
    east = [order(f"e{i}", km(20 + i * 0.5, 0)) for i in range(3)]
    west = [order(f"w{i}", km(-20 - i * 0.5, 0)) for i in range(3)]
    return east + west


def test_co2_of_a_route_is_its_distance_times_the_fuel_factor() -> None:
    """A route's co2_g is its metres x the fuel's g/km (diesel 225.9, electric 57.25), and the plan's the sum."""
    orders = [order("a", km(3, 0)), order("b", km(0, 4))]
    for vtype, g_per_km in ((DIESEL, 225.9), (replace(EV, range_m=None), 57.25)):
        result = solve(problem(orders, [vehicle(vtype=vtype)]))
        route = result.routes[0]
        assert route.co2_g == round(route.distance_m * g_per_km / 1000)
        assert result.stats.co2_g == route.co2_g


def test_co2_figures_by_hand() -> None:
    """10 km diesel is 2.259 kg (225.9 g/km), 20 km electric 1.145 kg (57.25 g/km), a cargo bike 0; no fuel is
    counted as diesel."""
    assert emissions.co2_g(10_000, "diesel") == 2259
    assert emissions.co2_g(20_000, "electric") == 1145
    assert emissions.co2_g(10_000, "none") == 0
    assert emissions.co2_g(10_000, None) == 2259
    assert emissions.g_to_kg(2259) == 2.259


def test_co2_price_prefers_the_electric_van() -> None:
    """Without a CO2 price the cheaper diesel van serves; at 100 cents/kg the electric van (fixed cost 2 EUR more)
    costs less and serves instead."""
    orders = [order(f"o{i}", km(8 + i, 3)) for i in range(4)]
    ev = replace(EV, range_m=None, reserve_m=0, charge_s=0, fixed_cost_cents=700)
    diesel = replace(DIESEL, fixed_cost_cents=500)
    fleet = [vehicle("veh_d", diesel), vehicle("veh_e", ev)]
    plain = solve(problem(orders, fleet))
    priced = solve(problem(orders, fleet), co2_cost_cents_per_kg=100)
    assert [r.vehicle_id for r in plain.routes] == ["veh_d"]
    assert [r.vehicle_id for r in priced.routes] == ["veh_e"]
    assert priced.stats.co2_g < plain.stats.co2_g


def test_co2_price_must_be_in_range() -> None:
    """A negative CO2 price is an E1119 option error."""
    with pytest.raises(DoorstepError) as exc:
        SolveOptions(co2_cost_cents_per_kg=-1).validate()
    assert [i.code for i in exc.value.issues] == ["E1119"]


def test_range_forces_a_charge_stop() -> None:
    """An electric van (70 km per charge) serving two clusters 40 km apart returns to charge between them: the
    charge is a reload lasting the charging time, every trip is within range less reserve, the plan checks clean."""
    p = problem(_two_clusters(), [vehicle(vtype=EV)])
    result = solve(p)
    assert reasons(result) == {}
    (route,) = result.routes
    kinds = [s.type for s in route.stops]
    assert kinds.count(StopType.RELOAD) == 1
    assert route.trips == 2
    charge = route.stops[kinds.index(StopType.RELOAD)]
    assert int((charge.departure - charge.arrival).total_seconds()) == EV.charge_s
    trips, metres = [], 0
    for b in route.stops[1:]:
        metres += b.travel_m
        if b.type in (StopType.RELOAD, StopType.END):
            trips.append(metres)
            metres = 0
    assert all(m <= 70_000 for m in trips), trips
    assert sum(trips) > 70_000  # one trip could not have served both clusters
    before = {s.external_ref for s in route.stops[: kinds.index(StopType.RELOAD)] if s.external_ref}
    assert before in ({"e0", "e1", "e2"}, {"w0", "w1", "w2"})  # one cluster per charge


def test_checker_flags_a_trip_beyond_range_and_a_short_charge() -> None:
    """The checker reports RANGE for a trip longer than range less reserve, and SCHEDULE when the charge is cut
    short (the next stop claims an arrival the charging time does not allow)."""
    p = problem(_two_clusters(), [vehicle(vtype=EV)])
    result = solve(p)
    no_range = replace(EV, range_m=200_000)
    one_trip = solve(problem(_two_clusters(), [vehicle(vtype=no_range)]))
    assert one_trip.routes[0].trips == 1
    assert [v.kind for v in check_plan(p, one_trip)] == ["RANGE"]
    route = result.routes[0]
    k = next(i for i, s in enumerate(route.stops) if s.type is StopType.RELOAD)
    route.stops[k].departure = route.stops[k].arrival  # no charging
    for s in route.stops[k + 1 :]:
        s.arrival -= timedelta(seconds=EV.charge_s)
    kinds = {v.kind for v in check_plan(p, result)}
    assert "SCHEDULE" in kinds


def test_order_out_of_range_is_range() -> None:
    """An order 30 km away (a 78 km round trip) cannot be served by a 70 km-per-charge van: RANGE, with the
    metres named; a diesel van in the fleet serves it."""
    far = [order("far", km(30, 0))]
    alone = solve(problem(far, [vehicle(vtype=EV)]))
    assert reasons(alone) == {"far": "RANGE"}
    metres = _metres(km(0, 0), km(30, 0)) * 2
    assert alone.unassigned[0].message == (
        f"far: a round trip of {metres} m exceeds the 70000 m it drives on one charge (range less reserve)"
    )
    both = solve(problem(far, [vehicle("veh_e", EV), vehicle("veh_d", DIESEL)]))
    assert visits(both) == {"veh_d": ["far"]}


def test_bounded_reloads_bound_the_route() -> None:
    """With no reload allowed, an electric van drives at most one charge: the farther cluster is left out."""
    p = problem(_two_clusters(), [vehicle(vtype=EV, max_reloads=0)])
    result = solve(p)
    assert len(result.unassigned) == 3
    assert result.routes[0].trips == 1


def test_retiming_a_route_keeps_the_charge() -> None:
    """Re-timing an electric van's route (a manual edit's path) keeps loading plus charging at the reload, and
    the route still checks clean."""
    p = problem(_two_clusters(), [vehicle(vtype=EV)])
    route = solve(p).routes[0]
    again = retime(p, route)
    charge = next(s for s in again.stops if s.type is StopType.RELOAD)
    assert charge.service_s == EV.charge_s
    assert check_route(p, again) == []
