"""The dispatcher side fed by the real driver API: stop actions reach the ETA worker, the failure policy and the
live stream; an approved insertion reaches the driver's app."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.driver_day import make_day as driver_day
from tests.api.live_day import DAY_9_30
from tests.api.test_driver_api import act, at_stop


def settle(client: TestClient) -> None:
    """Let the ETA worker finish what the requests queued."""
    assert client.app.state.eta_runner.wait_idle(30)  # type: ignore[attr-defined]


def test_failed_stop_in_the_driver_app_creates_a_next_day_reattempt(client: TestClient) -> None:
    """A failure posted by the driver app goes through the ETA worker to the failure policy (next day by
    default); the route's ETAs are stored; replaying the action adds nothing."""
    day = driver_day(client)
    stop = day.stops(client)[0]
    body: dict[str, Any] = {"reason": "not_home", "position": at_stop(stop), "client_id": "c-fail-once"}
    assert act(client, day, stop, "failed", **body).status_code in (200, 201)
    assert act(client, day, stop, "failed", **body).status_code in (200, 201)  # offline replay
    settle(client)
    order = client.get(f"/v1/orders/{stop['order_id']}", headers=day.t.h()).json()
    items = client.get("/v1/orders", params={"limit": 200}, headers=day.t.h()).json()["items"]
    again = [o for o in items if o["external_ref"] == f"{order['external_ref']}#2"]
    assert len(again) == 1 and again[0]["date"] == "2025-06-18"
    snap = client.get("/v1/live/snapshot", headers=day.t.h("read")).json()
    route = next(r for r in snap["routes"] if r["id"] == day.routes[0]["id"])
    assert route["done"] == 1 and route["outcomes"][stop["order_id"]] == "failed" and route["etas"]


def test_a_live_change_reaches_the_driver_app(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cancellation applied to a live route (vans full: an insertion would find no place) disappears from its
    driver's app, and the route has a new version."""
    day = driver_day(client)
    monkeypatch.setattr(client.app.state.platform, "clock", lambda: DAY_9_30)  # type: ignore[attr-defined]
    new = day.t.order("SAME-DAY-1", location={"lat": 38.726, "lng": -9.141})
    oid = client.post("/v1/orders", json=new, headers=day.t.h()).json()["id"]
    full = client.post("/v1/live/proposals", json={"plan_id": day.plan["id"], "kind": "insert", "subject_id": oid,
                                                   "auto_approve": True}, headers=day.t.h()).json()  # fmt: skip
    assert full["status"] == "pending" and full["options"][0]["inserted"] is False
    assert full["options"][0]["unassigned"][0]["reason"] in ("CAPACITY", "FLEET_FULL")
    victim = day.stops(client)[1]["order_id"]
    body = {"plan_id": day.plan["id"], "kind": "cancel", "subject_id": victim, "auto_approve": True}
    r = client.post("/v1/live/proposals", json=body, headers=day.t.h())
    assert r.status_code == 201 and r.json()["status"] == "applied", r.text
    assert victim not in {s["order_id"] for s in day.stops(client)}
    version = client.get(f"/v1/routes/{day.routes[0]['id']}", headers=day.t.h()).json()["version"]
    assert version > day.routes[0]["version"]
