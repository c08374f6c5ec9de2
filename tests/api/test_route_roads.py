"""GET /v1/routes/{id}/path: a planned route drawn along the deployment's roads (the Monaco extract, embedded
OSRM), the same roads the plan's distances were measured on; remembered between asks; E2141 without a network
and E2142 when a stop lies off it."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.services.dispatch.route_roads import PATHS, Key, PathCache
from doorstep.services.kernel.access import system_actor
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.test_plans import FAST, add_orders, plan_now, wait
from tests.api.test_slot_roads import DAY, monaco_van


@pytest.fixture(scope="module")
def roads(db_url: str, monaco_network: Path) -> Iterator[TestClient]:
    """An app on the Monaco road network."""
    settings = Settings(database_url=db_url, secret_key="test-secret", rate_limit_per_minute=1_000_000,
                        webhook_tick_s=0, slot_expiry_tick_s=0, network=monaco_network)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        yield c


def _monaco_day(c: TestClient, points: list[LatLng]) -> tuple[Tenant, list[dict[str, Any]]]:
    """Eight orders at points on Monaco's roads, planned for one van from the port: the plan's routes."""
    t, depot = monaco_van(c)
    orders = [t.order(f"M-{i}", depot_id=depot, location={"lat": q.lat, "lng": q.lng}) for i, q in enumerate(points)]
    assert c.post("/v1/orders/bulk", json={"orders": orders}, headers=t.h()).status_code == 201
    r = c.post("/v1/plans", json={"depot_id": depot, "date": DAY, "options": FAST}, headers=t.h())
    assert r.status_code == 202, r.text
    wait(c)
    plan = c.get(f"/v1/plans/{r.json()['id']}", headers=t.h()).json()
    assert plan["status"] == "succeeded" and not plan["unassigned"], (plan["status"], plan.get("error"))
    return t, plan["routes"]


def _places(route: dict[str, Any]) -> list[LatLng]:
    out: list[LatLng] = []
    for s in route["data"]["stops"]:
        q = LatLng(s["location"]["lat"], s["location"]["lng"])
        if not out or out[-1] != q:
            out.append(q)
    return out


def test_a_route_is_drawn_along_the_roads_it_was_planned_on(roads: TestClient, monaco_points: list[LatLng]) -> None:
    """One leg per pair of consecutive stop places, each from near the one to near the other (the roads' nearest
    points), many points per leg (turns, not a straight line), as long as the plan's own road distance, longer
    than the straight lines; the attribution credits OpenStreetMap; asking again is served from memory."""
    t, routes = _monaco_day(roads, monaco_points[40:48])
    route = routes[0]
    hits = PATHS.hits
    r = roads.get(f"/v1/routes/{route['id']}/path", headers=t.h("read"))
    assert r.status_code == 200, r.text
    body = r.json()
    places = _places(route)
    assert body["route_id"] == route["id"] and body["stops"] == len(places)
    assert len(body["legs"]) == len(places) - 1 and body["avoided_zones"] == [] and body["profile"] == "van"
    for leg, (a, b) in zip(body["legs"], pairwise(places), strict=True):
        assert haversine_m(LatLng(*leg[0]), a) < 60 and haversine_m(LatLng(*leg[-1]), b) < 60, (leg[0], a)
    assert sum(len(leg) for leg in body["legs"]) > 3 * len(places)
    planned = sum(s["travel_m"] for s in route["data"]["stops"])
    assert abs(body["distance_m"] - planned) <= max(50, 0.02 * planned), (body["distance_m"], planned)
    crow = sum(haversine_m(a, b) for a, b in pairwise(places))
    assert body["distance_m"] > crow and body["duration_s"] > 0
    assert "OpenStreetMap" in body["attribution"]
    again = roads.get(f"/v1/routes/{route['id']}/path", headers=t.h("read"))
    assert again.json() == body and PATHS.hits == hits + 1


def test_a_stop_off_the_network_is_e2142_and_a_route_of_another_organization_is_not_found(
    roads: TestClient, monaco_points: list[LatLng]
) -> None:
    """A stop moved far outside the extract (Lisbon) cannot be joined: 409 E2142 naming the route; another
    organization's key gets 404 for the route."""
    t, routes = _monaco_day(roads, monaco_points[60:64])
    route = routes[0]
    p = platform_of(roads)
    with p.uow(system_actor(t.org_id)) as uow:
        row = uow.routes.require(route["id"])
        stops = [dict(s) for s in row.data["stops"]]
        stops[1] = {**stops[1], "location": {"lat": 38.7372, "lng": -9.1034}}
        row.data = {**row.data, "stops": stops}
        uow.commit()
    r = roads.get(f"/v1/routes/{route['id']}/path", headers=t.h("read"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2142", r.text
    assert route["id"] in r.json()["error"]["message"]
    other = make_tenant(roads)
    assert roads.get(f"/v1/routes/{route['id']}/path", headers=other.h("read")).status_code == 404


def test_without_a_road_network_the_path_is_e2141(client: TestClient, tenant: Tenant) -> None:
    """On the straight-line model there are no roads to draw: 409 E2141, which the maps read as "keep the
    straight lines"."""
    add_orders(client, tenant, 3)
    plan = plan_now(client, tenant)
    r = client.get(f"/v1/routes/{plan['routes'][0]['id']}/path", headers=tenant.h("read"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2141", r.text


def test_the_path_memory_keeps_the_newest_paths_and_what_cannot_be_joined() -> None:
    """Past its size the least recently asked path goes first; a route the network cannot join is remembered as
    such (None), so it is not routed again on every ask."""
    memory = PathCache(size=2)
    keys: list[Key] = [(1, SpeedProfile.VAN, frozenset(), (LatLng(43.7, 7.4 + k / 100),)) for k in range(3)]
    memory.put(keys[0], {"legs": [[[43.7, 7.4]]]})
    memory.put(keys[1], None)
    assert memory.get(keys[0]) == (True, {"legs": [[[43.7, 7.4]]]})  # now the most recent
    memory.put(keys[2], {"legs": []})
    assert memory.get(keys[1]) == (False, None) and memory.get(keys[0])[0] and memory.get(keys[2])[0]
    memory.put(keys[1], None)
    assert memory.get(keys[1]) == (True, None) and memory.hits == 4
