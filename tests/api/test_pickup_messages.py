"""Ready for pickup: when the driver completes the stops at a pickup point, each order's customer gets exactly one
message per usable channel, in their language, naming the point, its address and opening hours."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from fastapi.testclient import TestClient

from doorstep.services.customer.notifications import queue_messages
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.store.models import EventRow
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.notify_day import Notifying, notifying
from tests.api.pickup_day import dispatch_day, make_point, point_order
from tests.api.test_driver_api import at_stop, cid
from tests.api.test_plans import SPOTS, wait

__all__ = ["notifying"]  # the module-scoped app fixture


def _inbox(n: Notifying, t: Tenant) -> list[EmailMessage]:
    return [m for m in n.smtp.inbox.messages if t.org_id.lower() in str(m["To"])]


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _dispatched_day(c: TestClient, t: Tenant, orders: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
    """Create the orders, plan, publish, assign a driver and dispatch; the order ids and the driver app's headers."""
    r = c.post("/v1/orders/bulk", json={"orders": orders}, headers=t.h())
    assert r.status_code == 201, r.text
    return [o["id"] for o in r.json()["orders"]], dispatch_day(c, t)


def test_ready_for_pickup_once_per_order_in_its_language(notifying: Notifying) -> None:
    """Two orders to a point and one to a door, one route: completing the point's stops sends one ready-for-pickup
    email per point order (English and Portuguese, with the point's name, address and hours) and no 'delivered';
    the door order gets its 'delivered'; handling the completion events again writes nothing new."""
    n, c = notifying, notifying.client
    t = make_tenant(c)
    pt = make_point(c, t)
    contacts = [
        {"name": "Ana", "email": f"ana.{t.org_id.lower()}@example.org", "language": "en"},
        {"name": "Rita", "email": f"rita.{t.org_id.lower()}@example.org", "language": "pt-PT"},
        {"name": "Rui", "email": f"rui.{t.org_id.lower()}@example.org", "language": "pt"},
    ]
    orders = [point_order(t, pt["id"], f"P-{k}", contact=contacts[k]) for k in range(2)]
    orders.append(t.order("D-0", location={"lat": SPOTS[0][0], "lng": SPOTS[0][1]}, contact=contacts[2]))
    ids, app = _dispatched_day(c, t, orders)
    (route,) = c.get("/v1/driver/routes", headers=app).json()["routes"]
    for stop in (s for s in route["stops"] if s["order_id"]):
        body = {
            "client_id": cid(),
            "status": "completed",
            "at": datetime.now(UTC).isoformat(),
            "position": at_stop(stop),
        }
        resp = c.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=app)
        assert resp.status_code == 200, resp.text
    wait(c)
    inbox = _inbox(n, t)
    ready = sorted(
        (str(m["To"]), str(m["Subject"]))
        for m in inbox
        if "pickup" in str(m["Subject"]) or "levantar" in str(m["Subject"])
    )
    assert ready == [
        (contacts[0]["email"], "Your parcel P-0 is ready for pickup"),
        (contacts[1]["email"], "A sua encomenda P-1 está pronta a levantar"),
    ]
    ana = next(m for m in inbox if str(m["To"]) == contacts[0]["email"] and "pickup" in str(m["Subject"]))
    text = _body(ana)
    assert "Papelaria Rossio" in text and "Praça Dom Pedro IV 20, Lisboa" in text
    assert "Mon–Fri 10:00–13:00, 14:00–17:00" in text
    rita = next(m for m in inbox if str(m["To"]) == contacts[1]["email"] and "levantar" in str(m["Subject"]))
    assert "seg–sex 10:00–13:00, 14:00–17:00" in _body(rita)
    point_triggers = [
        m["trigger"]
        for oid in ids[:2]
        for m in c.get(f"/v1/orders/{oid}/messages", headers=t.h()).json()
        if m["trigger"] not in ("out_for_delivery",)
    ]
    assert point_triggers == ["ready_for_pickup", "ready_for_pickup"]
    door = [m["trigger"] for m in c.get(f"/v1/orders/{ids[2]}/messages", headers=t.h()).json()]
    assert "delivered" in door and "ready_for_pickup" not in door
    p = platform_of(c)
    with p.uow(t.org_id) as uow:
        events = (
            uow.session.query(EventRow).filter(EventRow.org_id == t.org_id, EventRow.type == "stop.completed").all()
        )
        records = [EventRecord(e.id, e.org_id, e.type, e.subject_id, e.actor, e.at, data=dict(e.data)) for e in events]
    assert len(records) == 3
    assert [queue_messages(p, r) for r in records] == [[], [], []]  # once per order: the de-duplication key
