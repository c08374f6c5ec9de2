"""Pickup points near an address for a checkout (SQLite and PostgreSQL): ``POST /v1/slots/pickup-points`` lists the
organization's active points within ``within_m`` of the location, nearest first, up to ``limit``; a publishable key
may ask and then ask for a listed point's days; nothing to list has its code (E1554, E2274); bad fields are all
reported at once; another organization's points are never listed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.geo import LatLng, haversine_m
from tests.api.conftest import Tenant, make_tenant
from tests.api.pickup_day import make_point
from tests.api.slot_day import DAY, NEAR, eve, policy, put_policy

__all__ = ["eve"]  # the clock fixture

PICKUP = {"id": "pickup", "kind": "pickup", "price_cents": 199}
ROSSIO = (38.7139, -9.1394)  # about 700 m from NEAR
CHIADO = (38.7107, -9.1425)  # about 1.1 km
BELEM = (38.6979, -9.2064)  # about 6.2 km


def _near(c: TestClient, headers: dict[str, str], **kw: Any) -> Any:
    return c.post("/v1/slots/pickup-points", json={"location": NEAR, **kw}, headers=headers)


def _points(c: TestClient, t: Tenant) -> dict[str, str]:
    """Four points: two active near NEAR, one inactive near, one active far; their ids by name."""
    made = {
        "Chiado": make_point(c, t, name="Chiado", lat=CHIADO[0], lng=CHIADO[1], kind="locker",
                             hours={"tue": [["00:00", "24:00"]]}),
        "Rossio": make_point(c, t, name="Rossio", lat=ROSSIO[0], lng=ROSSIO[1]),
        "Closed": make_point(c, t, name="Closed", lat=ROSSIO[0], lng=ROSSIO[1] + 0.0005, active=False),
        "Belem": make_point(c, t, name="Belem", lat=BELEM[0], lng=BELEM[1]),
    }  # fmt: skip
    return {k: v["id"] for k, v in made.items()}


def test_nearest_active_points_first_within_the_distance(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """Rossio then Chiado (the inactive one and Belem, 6 km away, not listed) with their straight-line metres,
    kind, address and hours; a larger ``within_m`` adds Belem last; ``limit`` cuts the list."""
    put_policy(client, tenant, {**policy(tenant), "service_levels": [PICKUP]})
    ids = _points(client, tenant)
    r = _near(client, tenant.h("write"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["reason"] is None
    assert [p["name"] for p in body["points"]] == ["Rossio", "Chiado"]
    rossio, chiado = body["points"]
    here = LatLng(NEAR["lat"], NEAR["lng"])
    assert rossio["distance_m"] == round(haversine_m(here, LatLng(*ROSSIO)))
    assert 600 < rossio["distance_m"] < chiado["distance_m"] < 1_500
    assert (rossio["id"], rossio["kind"]) == (ids["Rossio"], "counter")
    assert rossio["address"] == "Praça Dom Pedro IV 20, Lisboa"
    assert chiado["kind"] == "locker" and chiado["hours"] == {"tue": [["00:00", "24:00"]]}
    far = _near(client, tenant.h("write"), within_m=10_000).json()["points"]
    assert [p["name"] for p in far] == ["Rossio", "Chiado", "Belem"] and 6_000 < far[2]["distance_m"] < 7_000
    assert [p["name"] for p in _near(client, tenant.h("write"), limit=1).json()["points"]] == ["Rossio"]


def test_a_publishable_key_lists_points_and_asks_for_a_point_s_days(
    client: TestClient, tenant: Tenant, eve: datetime
) -> None:
    """The checkout's path: near points with the publishable key, then the nearest point's offers with it."""
    put_policy(client, tenant, {**policy(tenant), "service_levels": [PICKUP]})
    _points(client, tenant)
    r = client.post("/v1/api-keys", json={"name": "shop", "scopes": ["checkout"]}, headers=tenant.h())
    pk = {"Authorization": f"Bearer {r.json()['secret']}"}
    near = _near(client, pk)
    assert near.status_code == 200, near.text
    first = near.json()["points"][0]
    body = {"pickup_point_id": first["id"], "date_from": DAY, "date_to": DAY, "parcels": 1}
    offers = client.post("/v1/slots/offers", json=body, headers=pk)
    assert offers.status_code == 200, offers.text
    (offer,) = offers.json()["offers"]
    assert (offer["pickup_point_id"], offer["kind"], offer["price_cents"]) == (first["id"], "pickup", 199)


def test_nothing_to_list_has_its_code(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """No pickup level in the policy: E1554 (points or not); a level but none within 100 m: E2274."""
    put_policy(client, tenant, policy(tenant))
    _points(client, tenant)
    r = _near(client, tenant.h("write"))
    assert r.status_code == 200 and r.json()["points"] == [] and r.json()["reason"]["code"] == "E1554"
    put_policy(client, tenant, {**policy(tenant), "service_levels": [PICKUP]}, 1)
    none = _near(client, tenant.h("write"), within_m=100).json()
    assert none["points"] == [] and none["reason"]["code"] == "E2274"
    assert "100 m" in none["reason"]["message"] and none["reason"]["action"]


def test_bad_fields_are_reported_at_once(client: TestClient, tenant: Tenant) -> None:
    """A latitude past the pole, a radius too small and a zero limit: 422 E1301 with the three fields."""
    body = {"location": {"lat": 91, "lng": -9.14}, "within_m": 50, "limit": 0}
    r = client.post("/v1/slots/pickup-points", json=body, headers=tenant.h("write"))
    assert r.status_code == 422, r.text
    details = r.json()["error"]["details"]
    assert {d["code"] for d in details} == {"E1301"}
    assert sorted(tuple(d["loc"]) for d in details) == [("body", "limit"), ("body", "location", "lat"),
                                                        ("body", "within_m")]  # fmt: skip


def test_another_organization_s_points_are_not_listed(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """Two organizations with points at the same place: each lists only its own."""
    other = make_tenant(client)
    for t in (tenant, other):
        put_policy(client, t, {**policy(t), "service_levels": [PICKUP]})
    mine = make_point(client, tenant, name="Mine")["id"]
    theirs = make_point(client, other, name="Theirs")["id"]
    assert [p["id"] for p in _near(client, tenant.h("write")).json()["points"]] == [mine]
    assert [p["id"] for p in _near(client, other.h("write")).json()["points"]] == [theirs]
