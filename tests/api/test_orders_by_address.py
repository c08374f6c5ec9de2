"""Orders given by address only, on a deployment whose road network carries an address index: one, bulk, edited
and uploaded; what cannot be placed is refused with every problem at once and nothing stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_lookup import LocalGeocoder
from tests.api.conftest import Tenant
from tests.api.driver_day import login
from tests.api.pickup_day import make_point
from tests.api.slot_day import DAY, eve, policy, put_policy
from tests.api.test_plans import FAST, wait

__all__ = ["eve"]  # the clock fixture


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


def test_the_address_search_lists_candidates_with_their_issues(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """GET /v1/geocode (a read key): the location an order would get, every candidate and its issues; a miss is
    200 with E1134 and no location; a blank query 422."""
    found = client.get("/v1/geocode", params={"q": "6 Quai Antoine 1er, Monaco"}, headers=tenant.h("read"))
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["geocoder"] == geocoder.name and body["issues"] == [] and not body["ambiguous"]
    assert body["matches"][0]["precision"] == "address" and body["location"] == body["matches"][0]["location"]
    street = client.get("/v1/geocode", params={"q": "Avenue Princesse Grace"}, headers=tenant.h("read")).json()
    assert [i["code"] for i in street["issues"]] == ["W1212"] and street["matches"][0]["precision"] == "street"
    miss = client.get("/v1/geocode", params={"q": "Zyxwvutstraße 3"}, headers=tenant.h("read")).json()
    assert miss["location"] is None and miss["matches"] == [] and miss["issues"][0]["code"] == "E1134"
    assert client.get("/v1/geocode", params={"q": ""}, headers=tenant.h("read")).status_code == 422


def test_the_address_search_without_an_index_is_409_e3015(client: TestClient, tenant: Tenant) -> None:
    """A deployment without an address index says so, with the code to act on."""
    r = client.get("/v1/geocode", params={"q": "6 Quai Antoine 1er"}, headers=tenant.h("read"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "E3015"


def _monaco_slots(client: TestClient, tenant: Tenant, **extra: Any) -> Tenant:
    """A Monaco depot with a van on the slot test day and a delivery-slot policy around it."""
    depot = _monaco(client, tenant)
    van = {"name": "Van MC", "type_id": tenant.ids["type"], "depot_id": depot}
    vid = client.post("/v1/vehicles", json=van, headers=tenant.h()).json()["id"]
    shift = {"vehicle_id": vid, "day": DAY, "start": f"{DAY}T08:00:00+02:00", "end": f"{DAY}T18:00:00+02:00"}
    assert client.post("/v1/shifts", json=shift, headers=tenant.h()).status_code == 201
    here = Tenant(tenant.org_id, tenant.email, tenant.keys, {**tenant.ids, "depot": depot})
    put_policy(client, here, {**_monaco_policy(here), **extra})
    return here


def _monaco_policy(here: Tenant) -> dict[str, Any]:
    """The slot tests' policy with its zone around the Monaco depot."""
    doc = policy(here)
    doc["zones"][0].update(id="mc", name="Monaco", radius_m=5_000)
    for tpl in doc["templates"]:
        tpl["zone_id"] = "mc"
    return doc


ASK = {"date_from": DAY, "date_to": DAY, "parcels": 1}


def _offers_by_address(c: TestClient, h: dict[str, str], address: str, at: LatLng) -> dict[str, Any]:
    """The offers for ``address``, checked to be the windows of the place ``at`` (where it should be placed);
    the answer."""
    by_text = c.post("/v1/slots/offers", json={**ASK, "address": address}, headers=h)
    assert by_text.status_code == 200, by_text.text
    by_point = c.post("/v1/slots/offers", json={**ASK, "location": {"lat": at.lat, "lng": at.lng}}, headers=h).json()
    windows = sorted((o["service_level"], o["start"], o["end"]) for o in by_text.json()["offers"])
    assert windows and windows == sorted((o["service_level"], o["start"], o["end"]) for o in by_point["offers"])
    assert by_point["placed"] is None
    out: dict[str, Any] = by_text.json()
    return out


def test_checkout_offers_for_an_address_are_those_of_its_place(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder, eve: datetime
) -> None:
    """POST /v1/slots/offers with ``address``: the same windows as for the place it is placed at, and ``placed``
    says where and how exactly; a street-level place carries W1212's text; an unknown address is 422 E1134;
    address and location together E1551."""
    here = _monaco_slots(client, tenant)
    house = geocoder.geocode("6 Quai Antoine 1er").best
    assert house is not None
    ask, h = ASK, here.h("write")
    placed = _offers_by_address(client, h, "6 Quai Antoine 1er, Monaco", house.location)["placed"]
    assert placed["precision"] == "address" and placed["warning"] is None
    at = {"lat": house.location.lat, "lng": house.location.lng}
    assert (placed["lat"], placed["lng"]) == (at["lat"], at["lng"])
    street = client.post("/v1/slots/offers", json={**ask, "address": "Avenue Princesse Grace"}, headers=h).json()
    assert street["placed"]["precision"] == "street" and "on its street" in street["placed"]["warning"]
    miss = client.post("/v1/slots/offers", json={**ask, "address": "Zyxwvutstraße 3"}, headers=h)
    assert miss.status_code == 422 and miss.json()["error"]["code"] == "E1134"
    both = client.post("/v1/slots/offers", json={**ask, "address": "x", "location": at}, headers=h)
    assert both.status_code == 422 and both.json()["error"]["code"] == "E1551"


def test_a_postcode_alone_gives_checkout_windows_and_no_order(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder, eve: datetime
) -> None:
    """'98000 Monaco' names no street: the checkout's offers are those of the middle of the postcode's area
    (``placed`` says so, precision ``postcode`` with W1212's text); an order given only that is 422 E1136 at its
    address, and nothing is stored."""
    here = _monaco_slots(client, tenant)
    area = geocoder.geocode("98000 Monaco").best
    assert area is not None
    placed = _offers_by_address(client, here.h("write"), "98000 Monaco", area.location)["placed"]
    assert (placed["precision"], placed["label"]) == ("postcode", "98000 Monaco")
    assert "in the middle of its postcode's area" in placed["warning"]
    depot = _monaco(client, tenant)
    before = client.get("/v1/orders", headers=tenant.h()).json()["items"]
    r = client.post("/v1/orders", json=_by_address(tenant, depot, "PC-1", "98000 Monaco"), headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1136", r.text
    assert r.json()["error"]["details"][0]["loc"] == ["address"]
    assert client.get("/v1/orders", headers=tenant.h()).json()["items"] == before


def test_pickup_points_near_an_address_are_those_near_its_place(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder, eve: datetime
) -> None:
    """POST /v1/slots/pickup-points with ``address``: the points near where it is placed (the same list as for
    that location) and ``placed``; neither place nor address is E1551."""
    here = _monaco_slots(client, tenant, service_levels=[{"id": "pickup", "kind": "pickup"}])
    house = geocoder.geocode("6 Quai Antoine 1er").best
    assert house is not None
    make_point(client, here, name="Tabac du Port", lat=house.location.lat + 0.002, lng=house.location.lng)
    h = here.h("write")
    by_text = client.post("/v1/slots/pickup-points", json={"address": "6 Quai Antoine 1er, Monaco"}, headers=h)
    assert by_text.status_code == 200, by_text.text
    at = {"lat": house.location.lat, "lng": house.location.lng}
    by_point = client.post("/v1/slots/pickup-points", json={"location": at}, headers=h).json()
    assert [p["name"] for p in by_text.json()["points"]] == [p["name"] for p in by_point["points"]] == ["Tabac du Port"]
    assert by_text.json()["placed"]["precision"] == "address" and by_point["placed"] is None
    neither = client.post("/v1/slots/pickup-points", json={}, headers=h)
    assert neither.status_code == 422 and neither.json()["error"]["code"] == "E1551"


def test_an_order_placed_from_its_address_records_how(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """``data.geocoded`` says how exactly Doorstep placed the order (and with what label); an order given
    coordinates has none, and a later edit with coordinates drops it."""
    depot = _monaco(client, tenant)
    street = client.post("/v1/orders", json=_by_address(tenant, depot, "H-1", "Avenue Princesse Grace 21"),
                         headers=tenant.h()).json()  # fmt: skip
    assert street["data"]["geocoded"]["precision"] == "street"
    assert street["data"]["geocoded"]["label"].startswith("Avenue Princesse Grace")
    house = client.post("/v1/orders", json=_by_address(tenant, depot, "H-2", "6 Quai Antoine 1er"),
                        headers=tenant.h()).json()  # fmt: skip
    assert house["data"]["geocoded"]["precision"] == "address"
    given = client.post("/v1/orders", json=tenant.order("H-3", depot_id=depot, address="Avenue Princesse Grace"),
                        headers=tenant.h()).json()  # fmt: skip
    assert "geocoded" not in given["data"]
    edit = {**tenant.order("H-1", depot_id=depot, address="Avenue Princesse Grace 21"), "version": street["version"]}
    moved = client.put(f"/v1/orders/{street['id']}", json=edit, headers=tenant.h()).json()
    assert "geocoded" not in moved["data"]


def test_the_driver_app_says_how_exactly_each_pin_was_placed(
    client: TestClient, tenant: Tenant, geocoder: LocalGeocoder
) -> None:
    """A published Monaco day of orders by address: the driver's stops carry ``pin`` (``address`` at the house,
    ``street`` on its street only); an order given coordinates has none."""
    here = _monaco_slots(client, tenant)
    orders = [_by_address(here, here.ids["depot"], "D-1", "6 Quai Antoine 1er, Monaco"),
              _by_address(here, here.ids["depot"], "D-2", "Avenue Princesse Grace 21"),
              here.order("D-3", depot_id=here.ids["depot"], location={"lat": 43.7390, "lng": 7.4270})]  # fmt: skip
    assert client.post("/v1/orders/bulk", json={"orders": orders}, headers=here.h()).status_code == 201
    r = client.post("/v1/plans", json={"depot_id": here.ids["depot"], "date": DAY, "options": FAST}, headers=here.h())
    assert r.status_code == 202, r.text
    wait(client)
    plan = client.get(f"/v1/plans/{r.json()['id']}", headers=here.h()).json()
    assert plan["status"] == "succeeded" and len(plan["routes"]) == 1, plan
    assert client.post(f"/v1/plans/{plan['id']}/publish", headers=here.h()).status_code == 200
    drv = client.post("/v1/drivers", json={"name": "Marc"}, headers=here.h()).json()["id"]
    route = plan["routes"][0]
    assigned = client.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}, headers=here.h())
    assert assigned.status_code == 200, assigned.text
    body = client.get("/v1/driver/routes", headers=login(client, here, drv)).json()
    stops = {s["external_ref"]: s for r in body["routes"] for s in r["stops"] if s["order_id"]}
    assert {k: s["pin"] for k, s in stops.items()} == {"D-1": "address", "D-2": "street", "D-3": None}
