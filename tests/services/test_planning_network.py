"""Planning on real road times from the Monaco network: unreachable orders, warnings, checks and road paths."""

from __future__ import annotations

from pathlib import Path

from doorstep.domain.geo import LatLng
from doorstep.domain.plan import UnassignedReason
from doorstep.optimize.options import SolveOptions
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE
from doorstep.services.operations.road_paths import route_paths
from doorstep.services.planning.planning import check, plan
from tests.factories import depot, order, problem, vehicle

SEA = LatLng(43.7300, 7.4500)
HUB = LatLng(43.7347, 7.4206)  # the port of Monaco


def monaco_problem(points: list[LatLng], extra: list[LatLng]) -> object:
    """One depot at the port, two vans, an order per point."""
    orders = [order(f"M{i:03d}", p) for i, p in enumerate([*points, *extra])]
    vans = [vehicle("veh_1"), vehicle("veh_2")]
    return problem(orders, vans, [depot("dep_a", HUB, timezone="Europe/Monaco")])


def test_order_in_the_sea_is_unassigned_as_unreachable(monaco_network: Path, monaco_points: list[LatLng]) -> None:
    """Exactly the orders far from a connected road (the sea one; a sample point on an isolated road) are
    UNREACHABLE, with W3001; the rest are planned on road times and pass the checker."""
    p = monaco_problem(monaco_points[:25], [SEA])
    provider = OsrmLocalProvider(monaco_network)
    m = provider.matrix([HUB, *monaco_points[:25], SEA], p.vehicles[0].type.profile)  # type: ignore[attr-defined]
    far = {f"M{int(w.loc[1]) - 1:03d}" for w in m.warnings if w.code == "W3001"}
    assert "M025" in far and len(far) < 5
    result = plan(p, provider=provider, options=SolveOptions(time_limit_s=3, max_iterations=200))  # type: ignore[arg-type]
    unreachable = {u.external_ref for u in result.unassigned if u.reason is UnassignedReason.UNREACHABLE}
    assert unreachable == far
    codes = {w.code for w in result.warnings}
    assert {"W3001", "W3002"} <= codes  # far from roads; vans on a car network
    assert result.stats.provider.startswith("osrm-local(monaco, car")
    assert check(p, result, provider) == []  # type: ignore[arg-type]
    for route in result.routes:
        assert 0 < route.duration_s < UNREACHABLE and 0 < route.distance_m < UNREACHABLE


def test_route_paths_follow_roads_with_attribution(monaco_network: Path, monaco_points: list[LatLng]) -> None:
    """Each route gets a road path through all its stops, credited to OpenStreetMap contributors."""
    p = monaco_problem(monaco_points[30:45], [])
    provider = OsrmLocalProvider(monaco_network)
    result = plan(p, provider=provider, options=SolveOptions(time_limit_s=2, max_iterations=100))  # type: ignore[arg-type]
    paths, attribution = route_paths(result, p, provider)  # type: ignore[arg-type]
    assert attribution == "© OpenStreetMap contributors"
    assert set(paths) == {r.id for r in result.routes}
    for route in result.routes:
        path = paths[route.id]
        assert len(path) > len(route.stops)
    assert route_paths(result, p, object()) == ({}, "")  # type: ignore[arg-type]
