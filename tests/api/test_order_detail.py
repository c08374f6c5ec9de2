"""An order's page from the API: the driver's actions on it with proofs, and cancelling with the effect shown first."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.api import driver_day
from tests.api.conftest import Tenant
from tests.api.live_day import publish_day


def _preview(client: TestClient, t: Tenant, order_id: str) -> Any:
    return client.post(f"/v1/orders/{order_id}/cancel/preview", headers=t.h("write"))


def test_cancel_preview_on_a_live_route_is_a_pending_proposal_and_changes_nothing(
    client: TestClient, tenant: Tenant
) -> None:
    """The preview names the live route and carries the pending proposal's cost and ETA moves; approving cancels."""
    plan = publish_day(client, tenant)
    route = plan["routes"][0]
    victim = route["data"]["stops"][1]["order_id"]
    r = _preview(client, tenant, victim)
    assert r.status_code == 200, r.text
    body = r.json()
    prop = client.get(f"/v1/live/proposals/{body['proposal_id']}", headers=tenant.h()).json()
    assert (prop["kind"], prop["subject_id"], prop["status"]) == ("cancel", victim, "pending")
    summary = prop["options"][0]
    assert body["route"] == {
        "route_id": route["id"], "plan_id": plan["id"], "vehicle_name": route["data"]["vehicle_name"],
        "status": "dispatched", "driver_id": None,
    }  # fmt: skip
    assert (body["currency"], body["cost_delta_cents"], body["vehicles"]) == (
        "EUR", summary["cost_delta_cents"], summary["vehicles"]
    )
    assert [(m["order_id"], m["shift_s"]) for m in body["moved"]] == [
        (a["order_id"], a["shift_s"]) for a in summary["affected"]
    ]
    assert client.get(f"/v1/orders/{victim}", headers=tenant.h()).json()["status"] == "dispatched"
    approved = client.post(f"/v1/live/proposals/{body['proposal_id']}/approve", json={}, headers=tenant.h())
    assert approved.json()["status"] == "applied"
    assert client.get(f"/v1/orders/{victim}", headers=tenant.h()).json()["status"] == "cancelled"
    stops = client.get(f"/v1/routes/{route['id']}", headers=tenant.h()).json()["data"]["stops"]
    assert victim not in [s.get("order_id") for s in stops]


def test_cancel_preview_of_an_order_on_no_route_changes_no_plan(client: TestClient, tenant: Tenant) -> None:
    """A new order is on no published route: no route, no proposal, no cost change, no ETA moves."""
    oid = client.post("/v1/orders", json=tenant.order(), headers=tenant.h()).json()["id"]
    body = _preview(client, tenant, oid).json()
    assert (body["route"], body["proposal_id"], body["cost_delta_cents"], body["moved"], body["status"]) == (
        None, None, 0, [], "new"
    )
    assert client.get("/v1/live/proposals", headers=tenant.h()).json() == []


def test_cancel_preview_of_a_cancelled_order_is_e2004(client: TestClient, tenant: Tenant) -> None:
    """An order that cannot be cancelled any more is refused by the preview as by the cancel (409 E2004)."""
    oid = client.post("/v1/orders", json=tenant.order(), headers=tenant.h()).json()["id"]
    client.post(f"/v1/orders/{oid}/cancel", headers=tenant.h())
    r = _preview(client, tenant, oid)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "E2004")


def test_cancel_preview_needs_write_access(client: TestClient, tenant: Tenant) -> None:
    """A read-only key cannot open a cancellation proposal (403 E4002)."""
    oid = client.post("/v1/orders", json=tenant.order(), headers=tenant.h()).json()["id"]
    r = client.post(f"/v1/orders/{oid}/cancel/preview", headers=tenant.h("read"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "E4002")


def test_order_stop_events_list_the_drivers_actions_with_their_proof(client: TestClient) -> None:
    """The order's stop events are the driver's arrival then completion, the completion with its recipient."""
    day = driver_day.make_day(client)
    stop = day.stops(client)[0]
    for status, extra in (("arrived", {}), ("completed", {"proof": {"recipient": "Ana at the door"}})):
        body = {"client_id": uuid.uuid4().hex, "status": status, "at": datetime.now(UTC).isoformat(), **extra}
        r = client.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=day.tokens[0])
        assert r.status_code == 200, r.text
    events = client.get(f"/v1/orders/{stop['order_id']}/stop-events", headers=day.t.h("read")).json()
    assert [(e["status"], e["driver_id"], e["route_id"]) for e in events] == [
        ("arrived", day.drivers[0], day.routes[0]["id"]), ("completed", day.drivers[0], day.routes[0]["id"])
    ]
    assert (events[0]["proof"], events[1]["proof"]["recipient"]) == (None, "Ana at the door")


def test_a_direct_cancel_takes_the_order_off_its_live_route(client: TestClient, tenant: Tenant) -> None:
    """POST /v1/orders/{id}/cancel on an order of a dispatched route: the order is cancelled and, through the
    order.cancelled handler, its stop leaves the route in a new route version (it used to stay on the route)."""
    plan = publish_day(client, tenant)
    route = plan["routes"][0]
    victim = route["data"]["stops"][1]["order_id"]
    before = client.get(f"/v1/routes/{route['id']}", headers=tenant.h()).json()
    r = client.post(f"/v1/orders/{victim}/cancel", headers=tenant.h("write"))
    assert r.status_code == 200, r.text
    assert client.get(f"/v1/orders/{victim}", headers=tenant.h()).json()["status"] == "cancelled"
    deadline = time.monotonic() + 15
    while True:
        after = client.get(f"/v1/routes/{route['id']}", headers=tenant.h()).json()
        if victim not in [s.get("order_id") for s in after["data"]["stops"]] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert victim not in [s.get("order_id") for s in after["data"]["stops"]]
    assert after["version"] == before["version"] + 1
    props = client.get("/v1/live/proposals", headers=tenant.h()).json()
    assert [(x["kind"], x["subject_id"], x["status"]) for x in props] == [("cancel", victim, "applied")]
