"""The customer's move to another address from the tracking page (SQLite and PostgreSQL), on the Monaco network's
address index: suggestions only near the address booked; a new order moves directly, the former place logged; on
a dispatched route it is a ``relocate`` proposal applied at once and the driver's stop moves; an address not
found, a postcode alone, one too far and a pickup-point order are refused with their codes and nothing moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.services.customer.address_change import MAX_MOVE_M
from tests.api.conftest import Tenant, platform_of
from tests.api.pickup_day import dispatch_day, make_point, point_order

HOME = {"lat": 43.745539, "lng": 7.414646}  # a customer in Monaco (../shared/osm/monaco_points_300.json, #281)
HOUSE = "6 Quai Antoine 1er, 98000 Monaco"  # 1.7 km from HOME, a house of the index
FAR = "Rue Grimaldi, Roquebrune-Cap-Martin"  # 4.5 km from HOME


def _token(c: TestClient, t: Tenant, order_id: str) -> str:
    r = c.post(f"/v1/live/orders/{order_id}/tracking-token", headers=t.h())
    assert r.status_code in (200, 201), r.text
    return str(r.json()["token"])


def _in_monaco(c: TestClient, t: Tenant) -> None:
    """The tenant's depot moved to Port Hercule (its van and shift stay), so its van can drive the Monaco day."""
    depot = c.get(f"/v1/depots/{t.ids['depot']}", headers=t.h()).json()
    body = {"name": "Port Hercule", "lat": 43.7320, "lng": 7.4180, "timezone": depot["timezone"]}
    moved = c.put(f"/v1/depots/{t.ids['depot']}?version={depot['version']}", json=body, headers=t.h())
    assert moved.status_code == 200, moved.text


def _code(r: Any) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


def test_a_new_order_moves_to_a_suggested_address_nearby(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """The page offers the move; suggestions list only addresses within 3 km of the one booked (Monaco's Rue
    Grimaldi, not Roquebrune's); the suggested house is taken: the order's place and address change, its version
    goes up and the former place is logged. Not found (E1134), a postcode alone (E1136) and an address 4.5 km
    from the one booked (E2173, even after a first move towards it) change nothing."""
    c, t = client, tenant
    made = c.post("/v1/orders", json=t.order("HOME-1", location=HOME), headers=t.h())
    assert made.status_code == 201, made.text
    order_id = made.json()["id"]
    token = _token(c, t, order_id)
    assert c.get(f"/v1/track/{token}").json()["changes"]["address"] is True
    asked = c.get(f"/v1/track/{token}/address-suggestions", params={"q": "Rue Gri"})
    assert asked.status_code == 200, asked.text
    assert asked.headers["cache-control"] == "no-store"
    texts = [s["text"] for s in asked.json()["suggestions"]]
    assert texts and all("Roquebrune" not in x for x in texts) and any("Rue Grimaldi" in x for x in texts)
    assert "Rue Grimaldi, Roquebrune-Cap-Martin" in [s.text for s in geocoder.suggest("Rue Gri")]  # it exists
    house = c.get(f"/v1/track/{token}/address-suggestions", params={"q": "6 Quai Antoine 1er"}).json()
    (suggested,) = house["suggestions"]
    assert suggested["text"] == HOUSE
    for text, code in (("Zyxwvutstraße 3", (422, "E1134")), ("98000", (422, "E1136")), (FAR, (409, "E2173"))):
        assert _code(c.post(f"/v1/track/{token}/address", json={"address": text})) == code, text
    assert c.get(f"/v1/orders/{order_id}", headers=t.h()).json()["version"] == 1  # nothing moved
    moved = c.post(f"/v1/track/{token}/address", json={"address": suggested["text"]})
    assert moved.status_code == 200, moved.text
    order = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    assert order["version"] == 2 and order["data"]["address"] == HOUSE
    assert order["data"]["location"] == suggested["location"]
    assert order["data"]["x-customer-changes"][-1] == {"kind": "relocate", "from": {**HOME, "address": "",
                                                                                     "pickup_point_id": None}}
    # the limit counts from the address booked, not from the one moved to (a chain of moves goes nowhere)
    assert haversine_m(LatLng(**suggested["location"]), LatLng(**HOME)) < MAX_MOVE_M
    assert _code(c.post(f"/v1/track/{token}/address", json={"address": FAR})) == (409, "E2173")
    again = c.post(f"/v1/track/{token}/address", json={"address": HOUSE})
    assert again.status_code == 200 and c.get(f"/v1/orders/{order_id}", headers=t.h()).json()["version"] == 2


def test_on_a_dispatched_route_the_stop_moves_to_the_new_address(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """Out for delivery in Monaco, the move is a ``relocate`` proposal applied at once, decided by the customer:
    the order and the driver's stop are at the new house, within the order's window."""
    c, t = client, tenant
    _in_monaco(c, t)
    order_id = c.post("/v1/orders", json=t.order("HOME-2", location=HOME), headers=t.h()).json()["id"]
    c.post("/v1/orders", json=t.order("NEXT-1", location={"lat": 43.7390, "lng": 7.4250}), headers=t.h())
    p = platform_of(c)
    real_clock = p.clock
    try:
        p.clock = lambda: datetime.fromisoformat("2025-06-17T07:30:00+01:00")  # before the van leaves
        phone = dispatch_day(c, t)
        token = _token(c, t, order_id)
        assert c.get(f"/v1/track/{token}").json()["changes"]["address"] is True
        moved = c.post(f"/v1/track/{token}/address", json={"address": HOUSE})
    finally:
        p.clock = real_clock
    assert moved.status_code == 200, moved.text
    house = geocoder.geocode(HOUSE).best
    assert house is not None
    order = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    assert LatLng(**order["data"]["location"]) == house.location and order["data"]["address"] == HOUSE
    (route,) = c.get("/v1/driver/routes", headers=phone).json()["routes"]
    stop = next(s for s in route["stops"] if s.get("order_id") == order_id)
    assert LatLng(stop["location"]["lat"], stop["location"]["lng"]) == house.location
    plan_id = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["plan_id"]
    props = c.get("/v1/live/proposals", params={"plan_id": plan_id}, headers=t.h()).json()
    mine = [x for x in props if x["subject_id"] == order_id]
    assert [(x["kind"], x["status"], x["decided_by"]) for x in mine] == [("relocate", "applied", "customer")]


def test_a_pickup_point_order_cannot_move_and_without_an_index_nothing_is_offered(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """An order to a pickup point is not a door: no move on offer, E2174 for the move and the suggestions; a
    deployment without an address index offers none either and answers E3015."""
    c, t = client, tenant
    point = make_point(c, t)
    order_id = c.post("/v1/orders", json=point_order(t, point["id"]), headers=t.h()).json()["id"]
    token = _token(c, t, order_id)
    assert c.get(f"/v1/track/{token}").json()["changes"]["address"] is False
    assert _code(c.post(f"/v1/track/{token}/address", json={"address": HOUSE})) == (409, "E2174")
    assert _code(c.get(f"/v1/track/{token}/address-suggestions", params={"q": "Rue Gri"})) == (409, "E2174")
    home_token = _token(c, t, c.post("/v1/orders", json=t.order("HOME-3"), headers=t.h()).json()["id"])
    assert c.get(f"/v1/track/{home_token}").json()["changes"]["address"] is True
    platform_of(c).geocoder = None  # a deployment without an address index (the fixture restores nothing else)
    assert c.get(f"/v1/track/{home_token}").json()["changes"]["address"] is False
    assert _code(c.post(f"/v1/track/{home_token}/address", json={"address": HOUSE})) == (409, "E3015")
