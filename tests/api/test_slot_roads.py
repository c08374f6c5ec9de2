"""Slot offers on a real road network (the Monaco extract, embedded OSRM): an address on the roads gets windows
priced in road kilometres; one in the sea, inside the zone, gets no offers and the coded reason E3008."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.geo import LatLng, haversine_m
from tests.api.conftest import Tenant, make_tenant, platform_of

EVE = datetime.fromisoformat("2025-06-16T12:00:00+00:00")
DAY = "2025-06-17"
HUB: dict[str, Any] = {"name": "Port", "lat": 43.7347, "lng": 7.4206, "timezone": "Europe/Monaco"}
SEA = {"lat": 43.7300, "lng": 7.4500}


@pytest.fixture(scope="module")
def roads(db_url: str, monaco_network: Path) -> Iterator[TestClient]:
    """An app on the Monaco road network, its clock on the eve of the day."""
    settings = Settings(database_url=db_url, secret_key="test-secret", rate_limit_per_minute=1_000_000,
                        webhook_tick_s=0, slot_expiry_tick_s=0, network=monaco_network)  # fmt: skip
    with TestClient(create_app(settings)) as c:
        platform_of(c).clock = lambda: EVE
        yield c


def monaco_van(c: TestClient) -> tuple[Tenant, str]:
    """A tenant with a depot at the port of Monaco and a van there with a shift on DAY: the tenant, the depot id."""
    t = make_tenant(c)
    depot: str = c.post("/v1/depots", json=HUB, headers=t.h()).json()["id"]
    van = c.post("/v1/vehicles", json={"name": "Mon", "type_id": t.ids["type"], "depot_id": depot}, headers=t.h())
    shift = {"vehicle_id": van.json()["id"], "day": DAY, "start": f"{DAY}T08:00:00+02:00",
             "end": f"{DAY}T18:00:00+02:00"}  # fmt: skip
    assert c.post("/v1/shifts", json=shift, headers=t.h()).status_code == 201
    return t, depot


def _monaco(c: TestClient) -> Tenant:
    """A tenant whose van starts at the port of Monaco; a 3 km zone around it with 2-hour windows."""
    t, depot = monaco_van(c)
    policy = {"zones": [{"id": "mc", "depot_id": depot, "radius_m": 3000}],
              "templates": [{"id": "std", "zone_id": "mc", "start": "08:00", "end": "18:00", "length_min": 120,
                             "max_orders": 5}]}  # fmt: skip
    assert c.put("/v1/slots/policy", json=policy, headers=t.h()).status_code == 200
    return t


def test_offers_on_roads_and_none_in_the_sea(roads: TestClient, monaco_points: list[LatLng]) -> None:
    """A sample point on Monaco's roads gets the five windows, each adding more road than the straight line
    there and back; the sea point gets no offers and E3008."""
    t = _monaco(roads)
    spot = monaco_points[3]
    body = {"location": {"lat": spot.lat, "lng": spot.lng}, "date_from": DAY, "date_to": DAY}
    got = roads.post("/v1/slots/offers", json=body, headers=t.h("write")).json()
    assert got["reason"] is None and len(got["offers"]) == 5
    crow_km = 2 * haversine_m(LatLng(HUB["lat"], HUB["lng"]), spot) / 1000
    assert all(o["km_added"] >= crow_km for o in got["offers"])
    sea = roads.post("/v1/slots/offers", json={**body, "location": SEA}, headers=t.h("write")).json()
    assert sea["offers"] == [] and sea["reason"]["code"] == "E3008"
