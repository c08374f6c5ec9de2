"""Overflow to a local HTTP carrier, end to end through the API: the plan offers a remote order to the carrier,
the dispatcher confirms, the carrier quotes and books (a real HTTP server on 127.0.0.1), the order leaves its route,
and the carrier's signed status callbacks (a duplicate and a forged one among them) carry it to delivered through
the same order timeline, tracking page and customer messages as an own delivery. A carrier that times out
leaves the order on its route, flagged."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.domain.signing import verify
from tests.api.carrier_server import PDF, SECRET, CarrierServer, send_status
from tests.api.conftest import Tenant, make_tenant
from tests.api.notify_day import notify_settings
from tests.api.test_plans import SPOTS, plan_now, wait
from tests.notify.servers import SmsServer, SmtpServer

FAR = {"lat": 38.72, "lng": -8.76}  # about 30 km east of the tenant's depot


@pytest.fixture(scope="module")
def app(db_url: str) -> Iterator[TestClient]:
    """An app sending customer messages to local servers, whose carriers may live on 127.0.0.1."""
    smtp, sms = SmtpServer(), SmsServer()
    smtp.start()
    sms.start()
    settings = notify_settings(db_url, smtp, sms).model_copy(update={"carrier_allow_private": True})
    with TestClient(create_app(settings)) as c:
        yield c
    smtp.stop()
    sms.stop()


@pytest.fixture
def carrier_server() -> Iterator[CarrierServer]:
    """A local carrier for this test."""
    s = CarrierServer()
    yield s
    s.close()


def day(client: TestClient, t: Tenant) -> dict[str, str]:
    """Four orders in town and one 30 km out (its customer has an email), by reference -> id."""
    contact = {"name": "Ana", "email": "ana@example.com", "language": "en"}
    items = [t.order(f"N-{i}", location={"lat": SPOTS[i][0], "lng": SPOTS[i][1]}) for i in range(4)]
    items.append(t.order("FAR-1", location=FAR, contact=contact))
    r = client.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert r.status_code == 201, r.text
    return {o["external_ref"]: o["id"] for o in r.json()["orders"]}


def add_carrier(client: TestClient, t: Tenant, server: CarrierServer, **kw: Any) -> dict[str, Any]:
    """The local HTTP carrier: 60 km around the depot at 9.00 + 0.10 per km."""
    body = {
        "name": "CityCourier", "kind": "http", "endpoints": server.endpoints(), "secret": SECRET,
        "service_areas": [{"depot_id": t.ids["depot"], "radius_m": 60_000}],
        "price": {"base_cents": 900, "per_km_cents": 10}, "timeout_s": 2, "retries": 1, **kw,
    }  # fmt: skip
    r = client.post("/v1/carriers", json=body, headers=t.h())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def on_routes(plan: dict[str, Any]) -> set[str]:
    """Order ids on the plan's routes."""
    return {s["order_id"] for r in plan["routes"] for s in r["data"]["stops"] if s["order_id"]}


def test_an_overflowed_order_is_tracked_to_delivered_like_any_other(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """Offer -> confirm -> quote and book over HTTP -> off the route -> callbacks (duplicate ignored, forged one
    refused 401 E1650) -> delivered, with the timeline, the tracking page and the customer's messages."""
    t = make_tenant(app)
    ids = day(app, t)
    carrier = add_carrier(app, t, carrier_server)
    assert "secret" not in carrier and carrier["has_secret"] is True
    plan = plan_now(app, t)
    far = ids["FAR-1"]
    assert far in on_routes(plan)
    [offer] = plan["carrier_offers"]
    assert (offer["order_id"], offer["carrier_id"], offer["status"], offer["route_id"]) == (
        far, carrier["id"], "open", next(r["id"] for r in plan["routes"] if far in on_routes({"routes": [r]})),
    )  # fmt: skip
    assert offer["saving_cents"] == offer["route_cost_cents"] - offer["price_cents"] > 0
    assert offer["reason"] == f"cheaper by {offer['saving_cents'] / 100:.2f} €"

    r = app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h("write"))
    assert r.status_code == 200, r.text
    wait(app)  # the job carriers.book runs on the app's runner
    after = app.get(f"/v1/plans/{plan['id']}", headers=t.h()).json()
    assert (after["carrier_offers"][0]["status"], after["carrier_offers"][0]["error"]) == ("booked", None)
    assert after["carrier_offers"][0]["booking_id"] == r.json()["booking_id"] is not None
    assert carrier_server.paths() == ["/quote", "/book"]
    for _, _, headers, body in carrier_server.requests:  # we sign what we send, as the carrier signs to us
        assert verify(SECRET, headers["doorstep-signature"], body, int(time.time()))
    assert json.loads(carrier_server.requests[1][3])["quote_id"] == "q-FAR-1"
    assert far not in on_routes(after) and on_routes(after) == on_routes(plan) - {far}
    [booking] = app.get(f"/v1/carriers/{carrier['id']}/bookings", headers=t.h()).json()
    assert (booking["order_id"], booking["status"], booking["external_id"], booking["price_cents"]) == (
        far, "booked", "CC-1", offer["price_cents"],
    )  # fmt: skip
    assert app.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    assert app.get(f"/v1/orders/{far}", headers=t.h()).json()["status"] == "planned"  # the carrier's, still ours
    label = app.get(f"/v1/carriers/{carrier['id']}/bookings/{far}/label", headers=t.h())
    assert (label.status_code, label.headers["content-type"], label.content) == (200, "application/pdf", PDF)

    cid = carrier["id"]
    first = send_status(app, cid, {"event_id": "e1", "booking_id": "CC-1", "status": "picked_up"})
    assert (first.status_code, first.json()["applied"], first.json()["order_status"]) == (200, True, "dispatched")
    again = send_status(app, cid, {"event_id": "e1", "booking_id": "CC-1", "status": "picked_up"})
    assert (again.status_code, again.json()["duplicate"], again.json()["applied"]) == (200, True, False)
    forged = send_status(app, cid, {"event_id": "e9", "order_id": far, "status": "delivered"}, secret="x" * 20)
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "E1650")
    stale = send_status(app, cid, {"event_id": "e8", "order_id": far, "status": "delivered"},
                        at=int(time.time()) - 600)  # fmt: skip
    assert stale.status_code == 401
    assert app.get(f"/v1/orders/{far}", headers=t.h()).json()["status"] == "dispatched"
    send_status(app, cid, {"event_id": "e2", "order_id": far, "status": "out_for_delivery"})
    done = send_status(app, cid, {"event_id": "e3", "booking_id": "CC-1", "status": "delivered",
                                  "at": "2025-06-17T15:42:00+01:00"})  # fmt: skip
    assert (done.json()["applied"], done.json()["order_status"]) == (True, "delivered")
    wait(app)

    timeline = [(e["type"], e["to_status"]) for e in app.get(f"/v1/orders/{far}/timeline", headers=t.h()).json()]
    assert timeline == [
        ("order.created", "new"), ("carrier.booked", "booked"), ("order.planned", "planned"),
        ("order.dispatched", "dispatched"), ("carrier.status", "picked_up"), ("carrier.status", "out_for_delivery"),
        ("order.delivered", "delivered"), ("carrier.status", "delivered"),
    ]  # fmt: skip
    token = app.post(f"/v1/live/orders/{far}/tracking-token", headers=t.h()).json()["token"]
    page = app.get(f"/v1/track/{token}").json()
    assert page["status"] == "delivered"
    assert [(s["step"], s["state"]) for s in page["steps"]] == [
        ("planned", "done"), ("out_for_delivery", "done"), ("arriving", "done"), ("delivered", "current"),
    ]  # fmt: skip
    assert page["eta"] is None
    messages = app.get(f"/v1/orders/{far}/messages", headers=t.h()).json()
    assert sorted(m["trigger"] for m in messages) == ["delivered", "out_for_delivery"]


def test_a_carrier_that_times_out_leaves_the_order_on_its_route_flagged(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """The carrier answers after the 0.3 s timeout (twice: one retry): the offer is not_booked with the error,
    the order stays on its route and new, its timeline says so; once the carrier answers, confirming again books."""
    t = make_tenant(app)
    far = day(app, t)["FAR-1"]
    carrier = add_carrier(app, t, carrier_server, timeout_s=0.3, retries=1)
    plan = plan_now(app, t)
    carrier_server.delay_s = 1.0
    assert app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h()).status_code == 200
    wait(app)
    offer = app.get(f"/v1/plans/{plan['id']}", headers=t.h()).json()["carrier_offers"][0]
    assert offer["status"] == "not_booked" and "ReadTimeout" in offer["error"]
    assert carrier_server.paths() == ["/quote", "/quote"]  # the call and its one retry
    assert far in on_routes(app.get(f"/v1/plans/{plan['id']}", headers=t.h()).json())
    assert app.get(f"/v1/orders/{far}", headers=t.h()).json()["status"] == "new"
    types = [e["type"] for e in app.get(f"/v1/orders/{far}/timeline", headers=t.h()).json()]
    assert types == ["order.created", "carrier.not_booked"]
    [booking] = app.get(f"/v1/carriers/{carrier['id']}/bookings", headers=t.h()).json()
    assert (booking["status"], booking["attempts"]) == ("not_booked", 1)
    assert "ReadTimeout" in booking["last_error"]

    carrier_server.delay_s = 0.0
    again = app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h())
    wait(app)
    assert again.status_code == 200
    after = app.get(f"/v1/plans/{plan['id']}", headers=t.h()).json()
    assert after["carrier_offers"][0]["status"] == "booked" and far not in on_routes(after)
    twice = app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h())
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "E2310")


def test_a_polled_status_applies_once_and_a_cancelled_order_goes_back_to_the_carrier(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """Refreshing asks the carrier's status endpoint (in transit: the order is dispatched; asked again, nothing
    changes); cancelling the order cancels the booking at the carrier and records it."""
    t = make_tenant(app)
    far = day(app, t)["FAR-1"]
    carrier = add_carrier(app, t, carrier_server)
    plan = plan_now(app, t)
    assert app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h()).status_code == 200
    wait(app)
    url = f"/v1/carriers/{carrier['id']}/bookings/{far}/refresh"
    first, second = app.post(url, headers=t.h()).json(), app.post(url, headers=t.h()).json()
    assert (first["applied"], first["order_status"]) == (True, "dispatched")
    assert (second["applied"], second["order_status"]) == (False, "dispatched")
    assert app.post(f"/v1/orders/{far}/cancel", headers=t.h()).status_code == 200
    wait(app)
    assert carrier_server.paths() == ["/quote", "/book", "/status", "/status", "/cancel"]
    assert json.loads(carrier_server.requests[-1][3]) == {"booking_id": "CC-1"}
    [booking] = app.get(f"/v1/carriers/{carrier['id']}/bookings", headers=t.h()).json()
    assert booking["status"] == "cancelled"
    types = [e["type"] for e in app.get(f"/v1/orders/{far}/timeline", headers=t.h()).json()]
    assert types[-2:] == ["order.cancelled", "carrier.cancelled"]
    closed = app.post(url, headers=t.h())
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "E2315")


def test_a_failed_carrier_delivery_fails_the_order_with_the_carriers_reason(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """The carrier reports a failed attempt (not home): the order fails as an own delivery would, the customer is
    told with that reason, the tracking page says failed, and a late "delivered" is recorded but not applied."""
    t = make_tenant(app)
    far = day(app, t)["FAR-1"]
    carrier = add_carrier(app, t, carrier_server)
    plan = plan_now(app, t)
    assert app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h()).status_code == 200
    wait(app)
    failed = send_status(app, carrier["id"], {"event_id": "f1", "order_id": far, "status": "failed",
                                              "detail": "not_home"})  # fmt: skip
    assert (failed.json()["applied"], failed.json()["order_status"]) == (True, "failed")
    late = send_status(app, carrier["id"], {"event_id": "f2", "order_id": far, "status": "delivered"})
    assert (late.status_code, late.json()["applied"], late.json()["order_status"]) == (200, False, "failed")
    wait(app)
    types = [(e["type"], e["to_status"]) for e in app.get(f"/v1/orders/{far}/timeline", headers=t.h()).json()]
    assert types[-4:] == [
        ("order.dispatched", "dispatched"), ("order.failed", "failed"), ("carrier.status", "failed"),
        ("carrier.status", "delivered"),
    ]  # fmt: skip
    [message] = app.get(f"/v1/orders/{far}/messages", headers=t.h()).json()
    assert message["trigger"] == "delivery_failed" and "home" in message["body_text"].lower()
    token = app.post(f"/v1/live/orders/{far}/tracking-token", headers=t.h()).json()["token"]
    assert app.get(f"/v1/track/{token}").json()["status"] == "failed"
    [booking] = app.get(f"/v1/carriers/{carrier['id']}/bookings", headers=t.h()).json()
    assert (booking["status"], booking["carrier_status"]) == ("failed", "failed")
