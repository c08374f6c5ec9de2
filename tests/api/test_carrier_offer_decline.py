"""What the screens need of carrier offers, through the API with a local HTTP carrier on 127.0.0.1: declining an
offer keeps the order with the fleet (and says so on its timeline); the customer's tracking page names the
carrier that has the parcel with its tracking link and number, only http(s) links, and a link a status callback
sends replaces the booking's."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.carrier_server import CarrierServer, send_status
from tests.api.conftest import Tenant, make_tenant
from tests.api.test_carrier_overflow import add_carrier, app, carrier_server, day, on_routes
from tests.api.test_plans import plan_now, wait

__all__ = ["app", "carrier_server"]  # the module's app (carriers on 127.0.0.1 allowed) and local carrier


def offered(client: TestClient, t: Tenant, server: CarrierServer) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A planned day whose remote order FAR-1 is offered to the local carrier: (plan, carrier, FAR-1's id)."""
    far = day(client, t)["FAR-1"]
    carrier = add_carrier(client, t, server)
    plan = plan_now(client, t)
    assert [o["order_id"] for o in plan["carrier_offers"]] == [far]
    return plan, carrier, far


def tracking(client: TestClient, t: Tenant, order_id: str) -> dict[str, Any]:
    """The order's tracking page content, as its customer's link shows it."""
    token = client.post(f"/v1/live/orders/{order_id}/tracking-token", headers=t.h()).json()["token"]
    page: dict[str, Any] = client.get(f"/v1/track/{token}").json()
    return page


def test_a_declined_offer_keeps_the_order_on_its_route_and_cannot_be_confirmed(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """Decline: the offer is declined, the order stays on its route and new, carrier.declined is on its timeline
    with the carrier and the price, the carrier was never asked; confirming or declining again is 409 E2310, and a
    read-only key may not decline (403)."""
    t = make_tenant(app)
    plan, carrier, far = offered(app, t, carrier_server)
    url = f"/v1/plans/{plan['id']}/carrier-offers/{far}"
    assert app.post(f"{url}/decline", headers=t.h("read")).status_code == 403
    r = app.post(f"{url}/decline", headers=t.h("write"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["order_id"], r.json()["booking_id"]) == ("declined", far, None)
    after = app.get(f"/v1/plans/{plan['id']}", headers=t.h()).json()
    assert [o["status"] for o in after["carrier_offers"]] == ["declined"]
    assert on_routes(after) == on_routes(plan) and far in on_routes(after)
    assert app.get(f"/v1/orders/{far}", headers=t.h()).json()["status"] == "new"
    events = app.get(f"/v1/orders/{far}/timeline", headers=t.h()).json()
    assert [(e["type"], e["to_status"]) for e in events] == [("order.created", "new"), ("carrier.declined", "declined")]
    assert (events[1]["data"]["carrier_id"], events[1]["data"]["price_cents"]) == (
        carrier["id"], plan["carrier_offers"][0]["price_cents"],
    )  # fmt: skip
    for action in ("confirm", "decline"):
        again = app.post(f"{url}/{action}", headers=t.h())
        assert (again.status_code, again.json()["error"]["code"]) == (409, "E2310"), action
    wait(app)
    assert carrier_server.requests == []
    unknown = app.post(f"/v1/plans/{plan['id']}/carrier-offers/ord_nope/decline", headers=t.h())
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (409, "E2310")


def test_a_booked_offer_cannot_be_declined_and_the_tracking_page_names_the_carrier(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """Once booked, declining is 409 E2310. The tracking page says "Delivered by CityCourier" with the link and
    number the booking answer gave (none before the booking); a callback's tracking_url replaces the link; a
    javascript: link in a callback is refused (422 E1651) and never shown."""
    t = make_tenant(app)
    plan, carrier, far = offered(app, t, carrier_server)
    assert tracking(app, t, far)["carrier"] is None  # ours until the carrier has it
    assert app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h()).status_code == 200
    wait(app)
    refused = app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/decline", headers=t.h())
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "E2310")
    assert tracking(app, t, far)["carrier"] == {
        "name": "CityCourier", "text": "Delivered by CityCourier", "url": "https://carrier.example/t/CC-1",
        "link": "Follow it on CityCourier's site", "reference": "Tracking number: CC-1",
    }  # fmt: skip

    bad = send_status(app, carrier["id"], {"event_id": "e1", "booking_id": "CC-1", "status": "picked_up",
                                           "tracking_url": "javascript:alert(1)"})  # fmt: skip
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "E1651")
    assert bad.json()["error"]["details"][0]["loc"] == ["tracking_url"]
    moved = send_status(app, carrier["id"], {"event_id": "e2", "booking_id": "CC-1", "status": "in_transit",
                                             "tracking_url": "https://track.example/CC-1?lang=en"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    page = tracking(app, t, far)
    assert (page["status"], page["carrier"]["url"]) == ("out_for_delivery", "https://track.example/CC-1?lang=en")
    [booking] = app.get(f"/v1/carriers/{carrier['id']}/bookings", headers=t.h()).json()
    assert booking["tracking_url"] == "https://track.example/CC-1?lang=en"


def test_a_non_web_tracking_link_from_the_booking_answer_is_dropped(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """A carrier answering a booking with a javascript: tracking URL: the booking keeps no link, the page names
    the carrier and its number without a link."""
    t = make_tenant(app)
    plan, _, far = offered(app, t, carrier_server)
    real = carrier_server.answer

    def answer(path: str, body: dict[str, Any]) -> dict[str, Any]:
        out = real(path, body)
        return {**out, "tracking_url": "javascript:alert(document.cookie)"} if path.startswith("/book") else out

    carrier_server.answer = answer  # type: ignore[method-assign]
    assert app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h()).status_code == 200
    wait(app)
    shown = tracking(app, t, far)["carrier"]
    assert (shown["url"], shown["link"], shown["reference"]) == ("", "", "Tracking number: CC-1")


def test_each_carrier_status_is_published_for_the_tracking_stream(
    app: TestClient, carrier_server: CarrierServer
) -> None:
    """A callback publishes one carrier_status event for the order on the organization's channel (what the
    order's tracking stream follows); its duplicate publishes nothing."""
    from doorstep.live.publish import RecordingPublisher
    from tests.api.conftest import platform_of

    t = make_tenant(app)
    plan, carrier, far = offered(app, t, carrier_server)
    assert app.post(f"/v1/plans/{plan['id']}/carrier-offers/{far}/confirm", headers=t.h()).status_code == 200
    wait(app)
    p = platform_of(app)
    recorder = RecordingPublisher()
    p.live, saved = recorder, p.live
    try:
        for _ in range(2):
            sent = send_status(app, carrier["id"], {"event_id": "p1", "booking_id": "CC-1", "status": "picked_up"})
            assert sent.status_code == 200, sent.text
    finally:
        p.live = saved
    booking = app.get(f"/v1/carriers/{carrier['id']}/bookings", headers=t.h()).json()[0]
    assert [e for org, e in recorder.events if org == t.org_id] == [{
        "type": "carrier_status", "order_id": far, "booking_id": booking["id"], "status": "picked_up",
        "order_status": "dispatched",
    }]  # fmt: skip
