"""GET /v1/geocode/suggest: a partly typed address completed from the deployment's address index, for readers
(the dashboard) and a shop's publishable checkout key (from any origin), the organization's depots ranking the
streets; a deployment without an address index answers E3015."""

from __future__ import annotations

from fastapi.testclient import TestClient

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_lookup import LocalGeocoder
from tests.api.conftest import Tenant
from tests.api.test_publishable_key import _checkout_key

PORT_HERCULE = {"name": "Port Hercule", "lat": 43.7320, "lng": 7.4180, "timezone": "Europe/Monaco"}


def test_a_reader_gets_streets_then_houses_each_with_its_text(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """``Rue Gri`` gives the Rue Grimaldi of Monaco first for an organization with a depot at the port (another
    Rue Grimaldi lies in Roquebrune-Cap-Martin); ``6 Quai Antoine 1er`` gives that house, its text written number
    first and placed by an order where the suggestion is."""
    assert client.post("/v1/depots", json=PORT_HERCULE, headers=tenant.h()).status_code == 201
    r = client.get("/v1/geocode/suggest", params={"q": "Rue Gri"}, headers=tenant.h("read"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["geocoder"].startswith("network:")
    first = body["suggestions"][0]
    assert first["label"].startswith("Rue Grimaldi, ") and first["label"].endswith(", Monaco"), first
    assert first["precision"] == "street"
    assert "Roquebrune-Cap-Martin" in {s["label"].split(", ")[-1] for s in body["suggestions"]}
    house = client.get("/v1/geocode/suggest", params={"q": "6 Quai Antoine 1er", "limit": 3}, headers=tenant.h())
    (s,) = house.json()["suggestions"]
    assert (s["text"], s["precision"]) == ("6 Quai Antoine 1er, 98000 Monaco", "address")
    order = tenant.order("SUG-1", address=s["text"])
    del order["location"]
    made = client.post("/v1/orders", json=order, headers=tenant.h())
    assert made.status_code == 201, made.text
    at = made.json()["data"]["location"]
    assert haversine_m(LatLng(at["lat"], at["lng"]), LatLng(**s["location"])) < 1.0


def test_a_publishable_key_may_ask_from_any_origin(client: TestClient, tenant: Tenant, geocoder: LocalGeocoder) -> None:
    """The shop's address field asks with its publishable key, cross-origin (the preflight allows it); the same
    key still may not place an address with GET /v1/geocode (E4002)."""
    pk = {"Authorization": f"Bearer {_checkout_key(client, tenant)}", "Origin": "https://shop.example"}
    r = client.get("/v1/geocode/suggest", params={"q": "Avenue Princ", "limit": 2}, headers=pk)
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    assert len(r.json()["suggestions"]) == 2
    assert all(s["label"].startswith("Avenue Prince") for s in r.json()["suggestions"])
    pre = client.options(
        "/v1/geocode/suggest",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
    )  # fmt: skip
    assert pre.status_code in (200, 204) and pre.headers["access-control-allow-origin"] == "*"
    refused = client.get("/v1/geocode", params={"q": "6 Quai Antoine 1er"}, headers=pk)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "E4002"


def test_bad_asks_are_coded(client: TestClient, tenant: Tenant, geocoder: LocalGeocoder) -> None:
    """An empty or blank text and a limit out of 1..20 are 422 naming the field; a text that begins nothing is an
    empty list, not an error."""
    for params, field in (({"q": ""}, "q"), ({"q": "Rue", "limit": 0}, "limit"), ({"q": "Rue", "limit": 21}, "limit")):
        r = client.get("/v1/geocode/suggest", params=params, headers=tenant.h())
        assert r.status_code == 422, (params, r.text)
        assert field in str(r.json()["error"])
    blank = client.get("/v1/geocode/suggest", params={"q": "   "}, headers=tenant.h())
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "E1102"
    none = client.get("/v1/geocode/suggest", params={"q": "Qxzqy"}, headers=tenant.h())
    assert none.status_code == 200 and none.json()["suggestions"] == []


def test_without_an_address_index_it_is_e3015(client: TestClient, tenant: Tenant) -> None:
    r = client.get("/v1/geocode/suggest", params={"q": "Rue Gri"}, headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E3015"
