"""GET /v1/routes/{id}/trail?matched=true end to end: positions posted by the driver app, matched on the
deployment's Monaco road network, remembered between asks; E2140 without a network, E3012 as a 422."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.cache import CachedProvider
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.route_geometry import joined_path
from doorstep.routing.traffic import TrafficModel, TrafficProvider
from doorstep.routing.trail_match import Fix
from doorstep.services.driver.trail_matching import TRAIL_CACHE
from tests.api.conftest import platform_of
from tests.api.driver_day import Day, make_day
from tests.routing.trails import drive, length_m

SEA = [LatLng(43.7300, 7.4500), LatLng(43.7290, 7.4560), LatLng(43.7280, 7.4620)]


@pytest.fixture
def day(client: TestClient) -> Day:
    """A fresh published two-route day for this test."""
    return make_day(client)


@pytest.fixture(scope="module")
def monaco(monaco_network: Path) -> OsrmLocalProvider:
    """The Monaco road network, loaded once for the module."""
    return OsrmLocalProvider(monaco_network)


@pytest.fixture
def with_network(client: TestClient, day: Day, monaco: OsrmLocalProvider, tmp_path: Path) -> Iterator[None]:
    """Once the day is planned, the test app's deployment runs on the Monaco network (wrapped in the matrix cache
    and traffic, as a deployment may be) for the test."""
    p = platform_of(client)
    client.app.state.eta_runner.wait_idle(30)  # type: ignore[attr-defined]
    roads = TrafficProvider(CachedProvider(monaco, tmp_path / "m.sqlite"), TrafficModel())
    saved, p.travel.network = p.travel.network, roads
    try:
        yield
    finally:
        client.app.state.eta_runner.wait_idle(30)  # type: ignore[attr-defined]
        p.travel.network = saved


def post(client: TestClient, day: Day, k: int, fixes: list[Fix], prefix: str, end: int | None = None) -> None:
    """Send the fixes from route k's driver app, stamped so that ``end`` (default: the last fix) is a minute ago."""
    shift = datetime.now(UTC).timestamp() - 60 - (fixes[-1].at if end is None else end)
    body = {"route_id": day.routes[k]["id"], "positions": [
        {"client_id": f"{prefix}-fix-{i:05d}", "lat": f.point.lat, "lng": f.point.lng, "accuracy_m": f.accuracy_m,
         "at": datetime.fromtimestamp(f.at + shift, UTC).isoformat()}
        for i, f in enumerate(fixes)
    ]}  # fmt: skip
    r = client.post("/v1/driver/positions", json=body, headers=day.tokens[k])
    assert r.status_code == 200 and r.json()["stored"] == len(fixes), r.text[:300]


def trail(client: TestClient, day: Day, k: int, matched: bool = True) -> Any:
    """The dispatcher's GET of route k's trail."""
    q = "?matched=true" if matched else ""
    return client.get(f"/v1/routes/{day.routes[k]['id']}/trail{q}", headers=day.t.h("read"))


@pytest.mark.usefixtures("with_network")
def test_a_driven_trail_comes_back_on_the_roads_with_its_distance(
    client: TestClient, day: Day, monaco: OsrmLocalProvider, monaco_points: list[LatLng]
) -> None:
    """Fixes posted along a real road path come back as one line of [lat, lng] near them, the driven distance
    within 3 % of the path, high confidence; asking again is served from the cache, a grown trail too."""
    legs = monaco.route_legs(monaco_points[10:14], SpeedProfile.CAR)
    assert legs is not None
    path = joined_path(legs)
    fixes = drive(path, start=0)
    post(client, day, 0, fixes[:300], "a", end=fixes[-1].at)
    r = trail(client, day, 0)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["positions"]) == 300 and set(body["matched"]) >= {"lines", "distance_m", "confidence"}
    m = body["matched"]
    assert len(m["lines"]) == 1 and len(m["lines"][0][0]) == 2 and m["confidence"] > 0.8
    assert "OpenStreetMap" in m["attribution"] and len(m["unmatched"]) < 6
    first_line_start = LatLng(*m["lines"][0][0])
    assert abs(first_line_start.lat - fixes[0].point.lat) < 0.0003
    misses = TRAIL_CACHE.misses
    assert trail(client, day, 0).json()["matched"] == m and TRAIL_CACHE.misses == misses
    post(client, day, 0, fixes[300:], "b")
    grown = trail(client, day, 0).json()["matched"]
    # the old last chunk and the new ones were matched, the others came from the cache
    assert TRAIL_CACHE.misses - misses == len(grown["chunks"]) - len(m["chunks"]) + 1 < len(grown["chunks"])
    assert abs(grown["distance_m"] - length_m(path)) < 0.03 * length_m(path)
    assert grown["distance_m"] > m["distance_m"] and grown["chunks"][0] == m["chunks"][0]
    plain = trail(client, day, 0, matched=False).json()
    assert "matched" not in plain and len(plain["positions"]) == len(fixes)


@pytest.mark.usefixtures("with_network")
def test_a_trail_off_every_road_is_a_coded_422(client: TestClient, day: Day) -> None:
    """Fixes only in the sea: E3012 with status 422 (not a server error); an empty trail is no error."""
    assert trail(client, day, 1).json()["matched"]["lines"] == []
    post(client, day, 1, [Fix(p, 30 * k, 10.0) for k, p in enumerate(SEA)], "s")
    r = trail(client, day, 1)
    assert r.status_code == 422 and r.json()["error"]["code"] == "E3012", r.text


def test_without_a_road_network_matching_is_e2140(client: TestClient, day: Day) -> None:
    """The straight-line deployment answers matched=true with E2140 naming DOORSTEP_NETWORK; the raw trail works."""
    assert platform_of(client).travel.network is None
    post(client, day, 0, drive([LatLng(38.72, -9.14), LatLng(38.73, -9.14)], start=0), "n")
    r = trail(client, day, 0)
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2140"
    assert "DOORSTEP_NETWORK" in r.json()["error"]["message"]
    assert trail(client, day, 0, matched=False).status_code == 200
