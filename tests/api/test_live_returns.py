"""Failed deliveries and returns end to end: re-attempt, return-to-sender after N attempts, customer returns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from doorstep.domain.returns import FailurePolicy, NextStep
from doorstep.domain.status import OrderStatus
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.operations.tracking import LivePolicy
from doorstep.services.orders.orders import set_order_status
from doorstep.services.returns import returns
from doorstep.services.returns.returns import Where
from tests.api import live_day
from tests.api.live_day import DAY_9_30, Day
from tests.api.test_live_replanning import checked

Maker = Callable[..., Day]
make_day = live_day.make_day  # the fixture


def fail_stop(day: Day, route: dict[str, Any], k: int, policy: LivePolicy) -> str:
    """The driver fails stop ``k`` of the route (not home): the stop event as the failure policy's handler of
    ``stop.failed`` passes it on (the event path itself: tests/services/test_event_bus.py)."""
    stop = route["data"]["stops"][k]
    returns.on_stop(day.p, day.t.org_id, {
        "type": "stop", "route_id": route["id"], "order_id": stop["order_id"], "status": "failed",
        "reason": "not_home", "at": DAY_9_30.isoformat(), "lat": stop["location"]["lat"],
        "lng": stop["location"]["lng"], "driver_id": "drv_test",
    }, policy.failure, policy.auto_approve)  # fmt: skip
    return str(stop["order_id"])


def orders_by_ref(day: Day) -> dict[str, dict[str, Any]]:
    """Every order of the tenant, by external_ref."""
    items = day.client.get("/v1/orders", params={"limit": 200}, headers=day.t.h()).json()["items"]
    return {o["external_ref"]: o for o in items}


def test_failure_leads_to_a_next_day_reattempt_once(make_day: Maker) -> None:
    """A failed delivery is failed, and a second attempt is created for the next day; a replayed event adds none."""
    day = make_day()
    policy = LivePolicy(FailurePolicy(same_day=False, max_attempts=3))
    oid = fail_stop(day, day.plan["routes"][0], 1, policy)
    fail_stop(day, day.plan["routes"][0], 1, policy)  # the same stop event again (offline replay)
    order = day.client.get(f"/v1/orders/{oid}", headers=day.t.h()).json()
    assert order["status"] == "failed"
    again = [o for ref, o in orders_by_ref(day).items() if ref == f"{order['external_ref']}#2"]
    assert len(again) == 1 and again[0]["date"] == "2025-06-18" and again[0]["status"] == "new"
    timeline = day.client.get(f"/v1/orders/{oid}/timeline", headers=day.t.h()).json()
    failed = [e for e in timeline if e["type"] == "delivery.failed"]
    assert len(failed) == 1 and failed[0]["data"]["lat"] is not None and failed[0]["actor"] == "drv_test"


def test_same_day_reattempt_is_inserted_into_a_live_route(make_day: Maker) -> None:
    """With the same-day policy and auto-approval the second attempt lands on a live route; the plan checks."""
    day = make_day()
    policy = LivePolicy(FailurePolicy(same_day=True, max_attempts=3), auto_approve=True)
    oid = fail_stop(day, day.plan["routes"][0], 1, policy)
    ref = day.client.get(f"/v1/orders/{oid}", headers=day.t.h()).json()["external_ref"]
    again = orders_by_ref(day)[f"{ref}#2"]
    assert again["status"] == "dispatched" and again["date"] == "2025-06-17"
    routed = [s.get("order_id") for r in day.routes() for s in r["data"]["stops"]]
    assert again["id"] in routed and oid in routed  # the failed stop stays where it happened
    checked(day)


def test_after_n_failures_the_parcel_returns_to_sender_and_is_received_by_scan(make_day: Maker) -> None:
    """Attempts 1..3 fail: two re-attempts, then return-to-sender; the depot scan receives it exactly once."""
    day = make_day()
    policy = FailurePolicy(same_day=False, max_attempts=3)
    oid = day.orders[0]
    ref = day.client.get(f"/v1/orders/{oid}", headers=day.t.h()).json()["external_ref"]
    steps = []
    for n in range(3):
        where = Where("drv_x", DAY_9_30 + timedelta(days=n), 38.72, -9.14)
        out = returns.handle_failure(day.p, day.t.org_id, oid, where, "not_home", policy)
        steps.append(out.step)
        oid = out.reattempt_order_id or oid
    assert steps == [NextStep.REATTEMPT_NEXT_DAY, NextStep.REATTEMPT_NEXT_DAY, NextStep.RETURN_TO_SENDER]
    assert orders_by_ref(day)[f"{ref}#3"]["date"] == "2025-06-19"
    listed = day.client.get("/v1/returns", params={"status": "in_transit"}, headers=day.t.h()).json()
    assert [r["barcode"] for r in listed] == [ref] and listed[0]["reason"] == "return_to_sender"
    scan = day.client.post("/v1/returns/receive", json={"barcodes": [ref, "NOPE"], "lat": 38.7, "lng": -9.1},
                           headers=day.t.h())  # fmt: skip
    assert scan.status_code == 200, scan.text
    assert [r["status"] for r in scan.json()["received"]] == ["received"]
    assert [e["code"] for e in scan.json()["errors"]] == ["E1453"]
    again = day.client.post("/v1/returns/receive", json={"barcodes": [ref]}, headers=day.t.h()).json()
    assert again["received"] == [] and again["errors"][0]["code"] == "E2133"
    history = day.client.get(f"/v1/returns/{listed[0]['id']}", headers=day.t.h()).json()["history"]
    assert [h["status"] for h in history] == ["in_transit", "received"] and history[1]["lat"] == 38.7


def _deliver(day: Day, order_id: str) -> None:
    with day.p.uow(day.actor) as uow:
        row = uow.orders.require(order_id)
        set_order_status(uow, EventRecorder(uow, "drv_test"), row, OrderStatus.DELIVERED, "order.delivered")
        uow.commit()


def test_customer_return_becomes_a_pickup_travels_back_and_is_received(make_day: Maker) -> None:
    """A return request on a live day is inserted as a pickup; completing it puts it in transit; the scan
    receives it; every step is in its history; the plan passes the checker after the insertion."""
    day = make_day()
    delivered = day.orders[0]
    _deliver(day, delivered)
    body = {"order_id": delivered, "date": "2025-06-17", "auto_approve": True,
            "time_windows": [{"start": "2025-06-17T10:00:00+01:00", "end": "2025-06-17T12:00:00+01:00"}]}  # fmt: skip
    real = day.client.app.state.platform  # type: ignore[attr-defined]
    real_clock = real.clock
    real.clock = day.p.clock
    try:
        r = day.client.post("/v1/returns", json=body, headers=day.t.h())
    finally:
        real.clock = real_clock
    assert r.status_code == 201, r.text
    ret = r.json()
    assert ret["status"] == "scheduled" and ret["pickup_order_id"]
    checked(day)
    dup = day.client.post("/v1/returns", json=body, headers=day.t.h())
    assert dup.status_code == 422 and dup.json()["error"]["code"] == "E1452"
    route = next(
        x for x in day.routes() if any(s.get("order_id") == ret["pickup_order_id"] for s in x["data"]["stops"])
    )
    returns.on_stop(day.p, day.t.org_id, {
        "type": "stop", "route_id": route["id"], "order_id": ret["pickup_order_id"], "status": "completed",
        "at": DAY_9_30.isoformat(), "lat": 38.73, "lng": -9.14, "driver_id": "drv_test",
    }, FailurePolicy(), False)  # fmt: skip
    assert day.client.get(f"/v1/returns/{ret['id']}", headers=day.t.h()).json()["status"] == "in_transit"
    scan = day.client.post("/v1/returns/receive", json={"barcodes": [ret["barcode"]]}, headers=day.t.h()).json()
    assert scan["errors"] == []
    steps = day.client.get(f"/v1/returns/{ret['id']}", headers=day.t.h()).json()["history"]
    assert [s["status"] for s in steps] == ["requested", "scheduled", "in_transit", "received"]
    assert all(s["at"] and s["actor"] for s in steps)


def test_a_refused_or_damaged_parcel_goes_back_at_once(make_day: Maker) -> None:
    """Another attempt cannot fix a refusal or a damaged parcel: the first failure returns it to the sender (a
    parcel nobody was home for is tried again)."""
    day = make_day()
    policy = FailurePolicy(same_day=False, max_attempts=3)
    where = Where("drv_x", DAY_9_30, 38.72, -9.14)
    refused = returns.handle_failure(day.p, day.t.org_id, day.orders[0], where, "refused", policy)
    damaged = returns.handle_failure(day.p, day.t.org_id, day.orders[1], where, "damaged", policy)
    not_home = returns.handle_failure(day.p, day.t.org_id, day.orders[2], where, "not_home", policy)
    assert [refused.step, damaged.step, not_home.step] == [
        NextStep.RETURN_TO_SENDER, NextStep.RETURN_TO_SENDER, NextStep.REATTEMPT_NEXT_DAY
    ]
    assert refused.reattempt_order_id is None and refused.return_id is not None
    assert not_home.reattempt_order_id is not None


def test_a_failed_return_pickup_is_tried_again_and_a_refused_one_given_up(make_day: Maker) -> None:
    """A customer's return whose pickup fails is recorded (pickup.failed) and picked up the next day, the return
    following the new attempt; a pickup refused by the customer is given up (nothing to carry back)."""
    day = make_day()
    delivered = day.orders[0]
    _deliver(day, delivered)
    body = {"order_id": delivered, "date": "2025-06-18"}
    ret = day.client.post("/v1/returns", json=body, headers=day.t.h()).json()
    pickup = ret["pickup_order_id"]
    policy = LivePolicy(FailurePolicy(same_day=False, max_attempts=3))
    returns.on_stop(day.p, day.t.org_id, {
        "type": "stop", "order_id": pickup, "status": "failed", "reason": "not_home", "at": DAY_9_30.isoformat(),
        "lat": 38.73, "lng": -9.14, "driver_id": "drv_test",
    }, policy.failure, policy.auto_approve)  # fmt: skip
    timeline = day.client.get(f"/v1/orders/{pickup}/timeline", headers=day.t.h()).json()
    failed = [e for e in timeline if e["type"] == "pickup.failed"]
    assert len(failed) == 1 and failed[0]["data"]["next"] == "reattempt_next_day"
    again = failed[0]["data"]["reattempt_order_id"]
    assert day.client.get(f"/v1/orders/{again}", headers=day.t.h()).json()["kind"] == "return"
    assert day.client.get(f"/v1/returns/{ret['id']}", headers=day.t.h()).json()["pickup_order_id"] == again
    where = Where("drv_x", DAY_9_30 + timedelta(days=1), 38.72, -9.14)
    out = returns.handle_failure(day.p, day.t.org_id, again, where, "refused", policy.failure)
    assert out.step is NextStep.GIVE_UP and out.reattempt_order_id is None and out.return_id is None
