"""``true`` and ``false`` are not numbers: a body field that asks for a number refuses them (E1301 at the field)
instead of reading 1 or 0 as Pydantic's lax mode would (the stateful fuzz test found ``"lng": true`` accepted as
a longitude of 1). A field that takes a boolean still does."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant


def test_booleans_where_numbers_are_asked_for_are_refused(client: TestClient, tenant: Tenant) -> None:
    r = client.post("/v1/returns/receive", json={"barcodes": ["X-1"], "lat": 38.7, "lng": True}, headers=tenant.h())
    assert r.status_code == 422, r.text
    [problem] = r.json()["error"]["details"]
    assert (problem["code"], problem["loc"]) == ("E1301", ["body", "lng"]) and "valid number" in problem["message"]
    order = tenant.order("BOOL-1")
    bad = {**order, "location": {"lat": False, "lng": -9.14}, "size": {"parcels": True}}
    r = client.post("/v1/orders", json=bad, headers=tenant.h())
    assert r.status_code == 422, r.text
    locs = sorted(tuple(d["loc"]) for d in r.json()["error"]["details"])
    assert locs == [("body", "location", "lat"), ("body", "size", "parcels")]  # in a mapping too; all at once
    assert client.post("/v1/orders", json=order, headers=tenant.h()).status_code == 201  # numbers still pass
    ok = client.post("/v1/returns/receive", json={"barcodes": ["X-1"], "lat": 38.7, "lng": -9.1}, headers=tenant.h())
    assert ok.status_code == 200, ok.text

