"""/v1/carriers: settings with coded errors, the address rule of endpoints, a manifest carrier through a day
(offer, confirm, manifest CSV, statuses by hand), and the state conflicts of offers, bookings and callbacks."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.api.carrier_server import SECRET, send_status
from tests.api.conftest import Tenant
from tests.api.test_plans import SPOTS, plan_now, wait

FAR = {"lat": 38.72, "lng": -8.76}  # about 30 km east of the tenant's depot


def manifest_carrier(client: TestClient, t: Tenant, **kw: Any) -> dict[str, Any]:
    """A manifest carrier serving 60 km around the depot at 9.00 + 0.10 per km."""
    area = {"depot_id": t.ids["depot"], "radius_m": 60_000}
    body = {"name": "Van Partner", "kind": "manifest", "service_areas": [area],
            "price": {"base_cents": 900, "per_km_cents": 10}, **kw}  # fmt: skip
    r = client.post("/v1/carriers", json=body, headers=t.h())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def remote_day(client: TestClient, t: Tenant) -> dict[str, str]:
    """Three orders in town and one 30 km out, by reference -> id."""
    items = [t.order(f"N-{i}", location={"lat": SPOTS[i][0], "lng": SPOTS[i][1]}) for i in range(3)]
    items.append(t.order("FAR-1", location=FAR, contact={"name": "Rui", "phone": "+351910000123"}))
    r = client.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert r.status_code == 201, r.text
    return {o["external_ref"]: o["id"] for o in r.json()["orders"]}


def test_crud_keeps_the_secret_write_only_and_versions(client: TestClient, tenant: Tenant) -> None:
    """Create, read, list, replace at a version (the secret kept when left out), delete; 404 E1302 afterwards."""
    body = {"name": "CityCourier", "kind": "http", "secret": SECRET,
            "endpoints": {"quote": "https://api.carrier.example/q", "book": "https://api.carrier.example/b"},
            "service_areas": [{"depot_id": tenant.ids["depot"], "radius_m": 30_000}], "cutoff": "14:00"}  # fmt: skip
    made = client.post("/v1/carriers", json=body, headers=tenant.h()).json()
    assert (made["name"], made["kind"], made["version"], made["has_secret"]) == ("CityCourier", "http", 1, True)
    assert "secret" not in made and SECRET not in str(made)
    assert [c["id"] for c in client.get("/v1/carriers", headers=tenant.h("read")).json()] == [made["id"]]
    replaced = client.put(f"/v1/carriers/{made['id']}", params={"version": 1},
                          json={**body, "secret": None, "cutoff": "15:30"}, headers=tenant.h())  # fmt: skip
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["version"], replaced.json()["cutoff"], replaced.json()["has_secret"]) == (
        2, "15:30", True,
    )  # fmt: skip
    stale = client.put(f"/v1/carriers/{made['id']}", params={"version": 1}, json=body, headers=tenant.h())
    assert stale.json()["error"]["code"] == "E2002"
    assert client.post("/v1/carriers", json=body, headers=tenant.h("write")).status_code == 403
    assert client.delete(f"/v1/carriers/{made['id']}", headers=tenant.h()).status_code == 204
    gone = client.get(f"/v1/carriers/{made['id']}", headers=tenant.h())
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "E1302")


def test_settings_report_every_problem_and_refuse_private_endpoints(client: TestClient, tenant: Tenant) -> None:
    """An HTTP carrier at 127.0.0.1 without a secret, with a bad area and price: 422 with E1642, E1644, E1645 and
    E1646 at once (endpoints on the own network need DOORSTEP_CARRIER_ALLOW_PRIVATE)."""
    body = {"name": "Local", "kind": "http",
            "endpoints": {"quote": "http://127.0.0.1:9/q", "book": "http://user:pw@carrier.example/b"},
            "service_areas": [{"depot_id": tenant.ids["depot"]}], "price": {"base_cents": -5}}  # fmt: skip
    r = client.post("/v1/carriers", json=body, headers=tenant.h())
    assert r.status_code == 422
    got = sorted((d["code"], tuple(d["loc"])) for d in r.json()["error"]["details"])
    assert got == [
        ("E1642", ("endpoints", "book")), ("E1642", ("endpoints", "quote")), ("E1644", ("secret",)),
        ("E1645", ("service_areas", 0)), ("E1646", ("price", "base_cents")),
    ]  # fmt: skip


def test_a_manifest_carrier_takes_the_remote_order_through_the_day(client: TestClient, tenant: Tenant) -> None:
    """The remote order is offered and confirmed (no HTTP: the manifest carrier books itself), appears on the
    day's manifest CSV, and the statuses entered by hand carry it to delivered; a closed booking refuses more
    (E2315) and an unknown order has no booking (404 E1652)."""
    ids = remote_day(client, tenant)
    carrier = manifest_carrier(client, tenant)
    plan = plan_now(client, tenant)
    far = ids["FAR-1"]
    assert [o["order_id"] for o in plan["carrier_offers"]] == [far]
    r = client.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=tenant.h())
    assert r.status_code == 200, r.text
    wait(client)
    text = client.get(f"/v1/carriers/{carrier['id']}/manifest", params={"date": "2025-06-17"}, headers=tenant.h())
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert [(x["reference"], x["order_ref"], x["name"], x["phone"], x["status"]) for x in rows] == [
        ("MAN-FAR-1", "FAR-1", "Rui", "+351910000123", "booked"),
    ]  # fmt: skip
    label = client.get(f"/v1/carriers/{carrier['id']}/bookings/{far}/label", headers=tenant.h())
    assert label.headers["content-type"] == "application/zpl" and b"^FDMAN-FAR-1^FS" in label.content
    for status in ("picked_up", "delivered"):
        hand = client.post(f"/v1/carriers/{carrier['id']}/bookings/{far}/status", json={"status": status},
                           headers=tenant.h("write"))  # fmt: skip
        assert hand.status_code == 200, hand.text
    assert client.get(f"/v1/orders/{far}", headers=tenant.h()).json()["status"] == "delivered"
    closed = client.post(f"/v1/carriers/{carrier['id']}/bookings/{far}/status", json={"status": "failed"},
                         headers=tenant.h())  # fmt: skip
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "E2315")
    unknown = client.post(f"/v1/carriers/{carrier['id']}/bookings/{ids['N-0']}/status", json={"status": "failed"},
                          headers=tenant.h())  # fmt: skip
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "E1652")
    held = client.delete(f"/v1/carriers/{carrier['id']}", headers=tenant.h())
    assert (held.status_code, held.json()["error"]["code"]) == (409, "E2312")


def test_offers_refuse_a_locked_route_and_a_carrier_that_cannot_take_the_order(
    client: TestClient, tenant: Tenant
) -> None:
    """Confirming on a locked route is E2311; after the carrier is deactivated it is E2313; an order without an
    offer is E2310."""
    ids = remote_day(client, tenant)
    carrier = manifest_carrier(client, tenant)
    plan = plan_now(client, tenant)
    far = ids["FAR-1"]
    route_id = plan["carrier_offers"][0]["route_id"]
    version = next(r["version"] for r in plan["routes"] if r["id"] == route_id)
    lock = client.post(f"/v1/routes/{route_id}/lock", json={"locked": True, "version": version}, headers=tenant.h())
    assert lock.status_code == 200, lock.text
    locked = client.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=tenant.h())
    assert (locked.status_code, locked.json()["error"]["code"]) == (409, "E2311")
    unlock = {"locked": False, "version": lock.json()["version"]}
    assert client.post(f"/v1/routes/{route_id}/lock", json=unlock, headers=tenant.h()).status_code == 200
    body = {"name": "Van Partner", "kind": "manifest", "active": False,
            "service_areas": [{"depot_id": tenant.ids["depot"], "radius_m": 60_000}]}  # fmt: skip
    assert client.put(f"/v1/carriers/{carrier['id']}", params={"version": 1}, json=body,
                      headers=tenant.h()).status_code == 200  # fmt: skip
    off = client.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=tenant.h())
    assert (off.status_code, off.json()["error"]["code"]) == (409, "E2313")
    none = client.post(f"/v1/plans/{plan['id']}/carrier-offers/{ids['N-0']}/confirm", headers=tenant.h())
    assert (none.status_code, none.json()["error"]["code"]) == (409, "E2310")


def test_callbacks_check_body_and_booking_and_hand_status_is_for_manifest_carriers(
    client: TestClient, tenant: Tenant
) -> None:
    """A signed callback with a bad body is 422 E1651 naming every problem; one naming no booking of the carrier
    is 404 E1652; a status by hand for an HTTP carrier is 409 E2314; an unknown carrier's callback is 401 E1650."""
    endpoints = {"quote": "https://api.carrier.example/q", "book": "https://api.carrier.example/b"}
    body = {"name": "CityCourier", "kind": "http", "secret": SECRET, "endpoints": endpoints}
    cid = client.post("/v1/carriers", json=body, headers=tenant.h()).json()["id"]
    bad = send_status(client, cid, {"status": "teleported", "at": "yesterday"})
    assert bad.status_code == 422
    assert sorted((d["code"], d["loc"][0]) for d in bad.json()["error"]["details"]) == [
        ("E1651", "at"), ("E1651", "booking_id"), ("E1651", "event_id"), ("E1651", "status"),
    ]  # fmt: skip
    nobody = send_status(client, cid, {"event_id": "x1", "booking_id": "CC-404", "status": "delivered"})
    assert (nobody.status_code, nobody.json()["error"]["code"]) == (404, "E1652")
    hand = client.post(f"/v1/carriers/{cid}/bookings/ord_x/status", json={"status": "delivered"}, headers=tenant.h())
    assert (hand.status_code, hand.json()["error"]["code"]) == (409, "E2314")
    ghost = send_status(client, "car_unknown", {"event_id": "x2", "booking_id": "CC-1", "status": "delivered"})
    assert (ghost.status_code, ghost.json()["error"]["code"]) == (401, "E1650")


def test_an_auto_confirming_carrier_is_booked_by_the_policy(client: TestClient, tenant: Tenant) -> None:
    """With auto_confirm the plan's offer is booked without a dispatcher: the order is off its route at once."""
    far = remote_day(client, tenant)["FAR-1"]
    carrier = manifest_carrier(client, tenant, auto_confirm=True)
    plan_now(client, tenant)
    wait(client)
    plan = client.get("/v1/plans", params={"date": "2025-06-17", "depot_id": tenant.ids["depot"]}, headers=tenant.h())
    latest = client.get(f"/v1/plans/{plan.json()[0]['id']}", headers=tenant.h()).json()
    assert [(o["order_id"], o["status"]) for o in latest["carrier_offers"]] == [(far, "booked")]
    assert far not in {s["order_id"] for r in latest["routes"] for s in r["data"]["stops"]}
    [booking] = client.get(f"/v1/carriers/{carrier['id']}/bookings", headers=tenant.h()).json()
    assert (booking["order_id"], booking["status"], booking["plan_id"]) == (far, "booked", latest["id"])
