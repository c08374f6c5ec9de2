"""Vehicles barred from an access zone do not drive through it (Monaco roads, the Place du Casino zone): the
planner gives each vehicle its own matrix, and the checker re-times and re-draws each route as its vehicle drives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import SpeedProfile, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.optimize.check import check_plan, check_route
from doorstep.optimize.decompose import check_issues
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.travel_keys import travel_key
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.services.planning.planning import plan
from tests.conftest import casino_zone
from tests.factories import VAN, depot, order, problem, vehicle

HUB = LatLng(43.7347, 7.4206)  # the port, west of the zone
WEST = [LatLng(43.736742, 7.422174), LatLng(43.7325, 7.4190), LatLng(43.7360, 7.4160)]
EAST = [LatLng(43.747326, 7.430597), LatLng(43.7440, 7.4330), LatLng(43.7490, 7.4350)]
TRUCK = VehicleType(
    id="vty_truck", name="Truck", capacity={"parcels": 100}, cost_per_km_cents=30, cost_per_hour_cents=2000,
    profile=SpeedProfile.TRUCK,
)  # fmt: skip
OPTIONS = SolveOptions(time_limit_s=3, max_iterations=200)


def _problem(vehicles: list[object]) -> Problem:
    """Orders on both sides of the zone (none inside), the depot at the port, the zone open to vans only."""
    orders = [order(f"w{i}", p) for i, p in enumerate(WEST)] + [order(f"e{i}", p) for i, p in enumerate(EAST)]
    p = problem(orders, vehicles, [depot("dep_a", HUB, timezone="Europe/Monaco")])  # type: ignore[arg-type]
    return replace(p, zones=(casino_zone(),))


def _enters(provider: OsrmLocalProvider, p: Problem, result: Plan, vehicle_id: str, avoid: frozenset[str]) -> bool:
    route = next(r for r in result.routes if r.vehicle_id == vehicle_id)
    legs = provider.route_legs([s.location for s in route.stops], SpeedProfile.TRUCK, avoid=avoid)
    assert legs is not None
    return any(p.zones[0].contains(pt) for leg in legs for pt in leg.path[1:-1])


@pytest.fixture(scope="module")
def zoned(monaco_zoned: Path) -> OsrmLocalProvider:
    """One engine on the zoned network for the module."""
    return OsrmLocalProvider(monaco_zoned)


def test_barred_truck_drives_around_the_zone(zoned: OsrmLocalProvider) -> None:
    """A van (allowed, room for 2) and a truck (barred) serve 6 orders on both sides: the truck serves at least
    4, its roads never enter the zone, no W3006 is raised and the checker (re-timing, ZONE_TRANSIT) is clean."""
    small_van = replace(VAN, capacity={"parcels": 2})
    p = _problem([vehicle("veh_van", small_van), vehicle("veh_truck", TRUCK)])
    assert travel_key(p, p.vehicles[1]) == "truck~avoid:zon_casino" and travel_key(p, p.vehicles[0]) == "van"
    result = plan(p, provider=zoned, options=OPTIONS)
    assert result.unassigned == []
    truck = next(r for r in result.routes if r.vehicle_id == "veh_truck")
    assert len([s for s in truck.stops if s.order_id]) >= 4
    assert not _enters(zoned, p, result, "veh_truck", frozenset({"zon_casino"}))
    assert "W3006" not in {w.code for w in result.warnings}
    assert check_plan(p, result, zoned) == []


def test_plan_timed_through_the_zone_is_flagged(zoned: OsrmLocalProvider, monaco_network: Path) -> None:
    """A truck's plan made as if it could cross the zone: on the zoned network the checker finds its claimed
    arrivals impossible (SCHEDULE); on a network built without the zone its roads cross it (ZONE_TRANSIT)."""
    p = _problem([vehicle("veh_truck", TRUCK)])
    free = plan(replace(p, zones=()), provider=zoned, options=OPTIONS)
    assert _enters(zoned, p, free, "veh_truck", frozenset())
    kinds = {v.kind for v in check_plan(p, free, zoned)}
    assert kinds == {"SCHEDULE"}
    plain = OsrmLocalProvider(monaco_network)
    transit = [v for v in check_plan(p, free, plain) if v.kind == "ZONE_TRANSIT"]
    assert transit and "drives through Casino, closed to vty_truck" in transit[0].message
    route = free.routes[0]
    assert [v.kind for v in check_route(p, route, plain, transit=True) if v.kind == "ZONE_TRANSIT"]
    assert not [v for v in check_route(p, route, plain) if v.kind == "ZONE_TRANSIT"]  # the fast default


def test_straight_line_plan_says_the_zone_is_not_avoided() -> None:
    """Without road geometry the plan carries W3006 for the zone the truck must avoid (and nothing is dropped)."""
    p = _problem([vehicle("veh_truck", TRUCK)])
    result = plan(p, provider=StraightLineProvider(), options=OPTIONS)
    assert [(w.code, w.id) for w in result.warnings if w.code == "W3006"] == [("W3006", "zon_casino")]
    assert result.unassigned == [] and check_plan(p, result, StraightLineProvider()) == []


def test_a_large_days_merged_check_does_not_call_a_known_zone_limit_a_bug(monaco_network: Path) -> None:
    """On a network built without the zone the truck's roads cross it: the merged-plan check of a large day
    reports it as W1747 (a bug) unless the plan already carries W3006 (this travel model cannot avoid the zone)."""
    p = _problem([vehicle("veh_truck", TRUCK)])
    plain = OsrmLocalProvider(monaco_network)
    free = plan(replace(p, zones=()), provider=plain, options=OPTIONS)
    free.warnings = [w for w in free.warnings if w.code != "W3006"]
    assert any("ZONE_TRANSIT" in i.message for i in check_issues(p, free, plain))
    free.warnings.append(Issue("W3006", "zon_casino: travel may drive through it", ("zones",), "zon_casino"))
    assert not any("ZONE_TRANSIT" in i.message for i in check_issues(p, free, plain))
