"""A pickup point's day booked at checkout, end to end: two customers take the point's offer, hold and confirm;
the day is planned, published and dispatched; completing the point's stops in the driver app sends each customer
exactly one ready-for-pickup email through the local SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.api.conftest import make_tenant, platform_of
from tests.api.notify_day import Notifying, notifying
from tests.api.pickup_day import dispatch_day, make_point
from tests.api.slot_day import DAY, EVE, policy, put_policy
from tests.api.test_driver_api import at_stop, cid
from tests.api.test_plans import wait

__all__ = ["notifying"]  # the module-scoped app fixture


def test_two_checkout_orders_to_a_point_get_one_ready_email_each(
    notifying: Notifying, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offers + hold + confirm twice on the eve (the second offer has one place fewer), then plan, publish,
    dispatch and complete the point's two stops: one ready_for_pickup email per order, none 'delivered'."""
    n, c = notifying, notifying.client
    t = make_tenant(c)
    put_policy(c, t, {**policy(t), "service_levels": [{"id": "pickup", "kind": "pickup"}]})
    pt = make_point(c, t)
    emails = [f"{name}.{t.org_id.lower()}@example.org" for name in ("ana", "rui")]
    monkeypatch.setattr(platform_of(c), "clock", lambda: EVE)
    orders, left = [], []
    for k, email in enumerate(emails):
        body = {"pickup_point_id": pt["id"], "date_from": DAY, "date_to": DAY, "parcels": 1}
        (offer,) = c.post("/v1/slots/offers", json=body, headers=t.h("write")).json()["offers"]
        left.append(offer["capacity_left"])
        held = c.post("/v1/slots/holds", json={"offer_id": offer["id"]}, headers=t.h("write"))
        assert held.status_code == 201, held.text
        customer = {"name": f"Customer {k}", "email": email, "language": "en", "external_ref": f"CK-{k}"}
        done = c.post(f"/v1/slots/holds/{held.json()['id']}/confirm", json=customer, headers=t.h("write"))
        assert done.status_code == 201, done.text
        orders.append(done.json()["order_id"])
    assert left == [10, 9]
    monkeypatch.undo()
    app = dispatch_day(c, t)
    (route,) = c.get("/v1/driver/routes", headers=app).json()["routes"]
    stops = [s for s in route["stops"] if s["order_id"]]
    assert sorted(s["order_id"] for s in stops) == sorted(orders)
    for stop in stops:
        body = {"client_id": cid(), "status": "completed", "at": datetime.now(UTC).isoformat(),
                "position": at_stop(stop)}  # fmt: skip
        resp = c.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=app)
        assert resp.status_code == 200, resp.text
    wait(c)
    inbox = [(str(m["To"]), str(m["Subject"])) for m in n.smtp.inbox.messages if t.org_id.lower() in str(m["To"])]
    assert sorted(x for x in inbox if "pickup" in x[1] or "delivered" in x[1].lower()) == [
        (emails[0], "Your parcel CK-0 is ready for pickup"),
        (emails[1], "Your parcel CK-1 is ready for pickup"),
    ]
    triggers = sorted(m["trigger"] for o in orders for m in c.get(f"/v1/orders/{o}/messages", headers=t.h()).json())
    assert triggers.count("ready_for_pickup") == 2 and "delivered" not in triggers
