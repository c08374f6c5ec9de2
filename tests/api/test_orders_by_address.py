"""Orders given by address only, on a deployment whose road network carries an address index: one, bulk, edited
and uploaded; what cannot be placed is refused with every problem at once and nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_lookup import LocalGeocoder
from tests.api.conftest import Tenant, platform_of


@pytest.fixture
def geocoder(client: TestClient, monaco_network: Path) -> Iterator[LocalGeocoder]:
    """The app's geocoder for this test: the Monaco network's index (as DOORSTEP_NETWORK would give it)."""
    p = platform_of(client)
    coder = LocalGeocoder(monaco_network)
    p.geocoder = coder
    try:
        yield coder
    finally:
        p.geocoder = None


def _monaco(client: TestClient, tenant: Tenant) -> str:
    depot = {"name": "Port Hercule", "lat": 43.7320, "lng": 7.4180, "timezone": "Europe/Monaco"}
    r = client.post("/v1/depots", json=depot, headers=tenant.h())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _by_address(tenant: Tenant, depot: str, ref: str, address: str) -> dict[str, Any]:
    body = tenant.order(ref, depot_id=depot, address=address)
    del body["location"]
    return body


def _at(order: dict[str, Any]) -> LatLng:
    return LatLng(order["data"]["location"]["lat"], order["data"]["location"]["lng"])


def test_an_order_by_address_is_placed_and_warned_when_approximate(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """At its house: 201 with no warning; on its street: 201 with W1212 at ``address``; both stored placed."""
    depot = _monaco(client, tenant)
    house = geocoder.geocode("6 Quai Antoine 1er").best
    assert house is not None
    r = client.post(
        "/v1/orders", json=_by_address(tenant, depot, "G-1", "6 Quai Antoine 1er, Monaco"), headers=tenant.h()
    )
    assert r.status_code == 201, r.text
    assert haversine_m(_at(r.json()), house.location) < 1.0 and r.json()["warnings"] == []
    assert r.json()["data"]["address"] == "6 Quai Antoine 1er, Monaco"
    street = client.post("/v1/orders", json=_by_address(tenant, depot, "G-2", "Avenue Princesse Grace 21"),
                         headers=tenant.h())  # fmt: skip
    assert street.status_code == 201, street.text
    assert [(w["code"], w["loc"]) for w in street.json()["warnings"]] == [("W1212", ["address"])]
    stored = client.get(f"/v1/orders/{street.json()['id']}", headers=tenant.h()).json()
    assert _at(stored) == _at(street.json())


def test_a_bulk_with_addresses_that_cannot_be_placed_stores_nothing(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """One good, one unknown street (E1134) and one with neither location nor address (E1102): 422 naming both
    items, no order stored."""
    depot = _monaco(client, tenant)
    blank = _by_address(tenant, depot, "K-3", "")
    items = [_by_address(tenant, depot, "K-1", "6 Quai Antoine 1er"),
             _by_address(tenant, depot, "K-2", "Zyxwvutstraße 3, Monaco"), blank]  # fmt: skip
    r = client.post("/v1/orders/bulk", json={"orders": items}, headers=tenant.h())
    assert r.status_code == 422, r.text
    found = {(d["code"], tuple(d["loc"])) for d in r.json()["error"]["details"]}
    assert found == {("E1134", ("orders", 1, "address")), ("E1102", ("orders", 2, "location"))}
    assert client.get("/v1/orders", headers=tenant.h()).json()["items"] == []


def test_an_edit_to_a_new_address_moves_the_order(client: TestClient, tenant: Tenant, geocoder: LocalGeocoder) -> None:
    """PUT with another address and no location places the order again."""
    depot = _monaco(client, tenant)
    made = client.post("/v1/orders", json=_by_address(tenant, depot, "E-1", "Avenue Princesse Grace"),
                       headers=tenant.h()).json()  # fmt: skip
    edit = {**_by_address(tenant, depot, "E-1", "6 Quai Antoine 1er"), "version": made["version"]}
    moved = client.put(f"/v1/orders/{made['id']}", json=edit, headers=tenant.h())
    assert moved.status_code == 200, moved.text
    house = geocoder.geocode("6 Quai Antoine 1er").best
    assert house is not None and haversine_m(_at(moved.json()), house.location) < 1.0


def test_an_uploaded_table_without_coordinates_is_placed_row_by_row(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """The upload takes an address-only CSV: placed rows stored, an unknown street skipped with its E1134."""
    depot = _monaco(client, tenant)
    csv = 'ref,address,parcels\nU-1,"6 Quai Antoine 1er, Monaco",1\nU-2,"Zyxwvutstraße 3",1\n'
    files = {"file": ("orders.csv", csv.encode())}
    r = client.post("/v1/orders/import", files=files, data={"depot_id": depot, "date": "2025-06-17"},
                    headers=tenant.h())  # fmt: skip
    assert r.status_code == 200, r.text
    report = r.json()
    assert [c["external_ref"] for c in report["created"]] == ["U-1"]
    assert [s["loc"] for s in report["skipped"]] == [["row", 3]] and "E1134" in report["skipped"][0]["message"]


def test_without_a_geocoder_an_address_alone_is_e1102_saying_so(client: TestClient, tenant: Tenant) -> None:
    """No address index on this deployment: the error says an address cannot place the order here."""
    body = tenant.order("N-1", address="6 Quai Antoine 1er")
    del body["location"]
    r = client.post("/v1/orders", json=body, headers=tenant.h())
    assert r.status_code == 422
    detail = r.json()["error"]["details"][0]
    assert detail["code"] == "E1102" and "no geocoder" in detail["message"]
