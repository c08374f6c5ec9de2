"""Webhooks against a real local HTTP receiver: signatures, retries on a schedule, log, redelivery, disabling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.domain.signing import sign, verify
from doorstep.services.kernel.webhook_targets import system_resolver
from doorstep.services.webhooks.webhooks import BACKOFF_S, MAX_ATTEMPTS, deliver_due
from tests.api.conftest import Tenant, make_tenant, platform_of


class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers with ``status``."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver for this test."""
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _subscribe(client: TestClient, t: Tenant, url: str, types: list[str]) -> dict[str, Any]:
    r = client.post("/v1/webhooks", json={"url": url, "event_types": types}, headers=t.h())
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_signature_round_trip_and_replay_window() -> None:
    """verify accepts the signed body within 5 minutes and refuses another body, secret or an old timestamp."""
    body = b'{"type":"order.created"}'
    header = sign("whsec_x", 1_750_000_000, body)
    assert verify("whsec_x", header, body, now=1_750_000_100)
    assert not verify("whsec_x", header, body + b" ", now=1_750_000_100)
    assert not verify("whsec_y", header, body, now=1_750_000_100)
    assert not verify("whsec_x", header, body, now=1_750_000_000 + 301)
    assert not verify("whsec_x", "garbage", body, now=1_750_000_000)


def test_events_are_delivered_signed(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    """order.created reaches the receiver with a valid signature over timestamp + body; other types are not sent."""
    sub = _subscribe(client, tenant, receiver.url, ["order.created"])
    oid = client.post("/v1/orders", json=tenant.order("W-1"), headers=tenant.h()).json()["id"]
    client.post(f"/v1/orders/{oid}/cancel", headers=tenant.h())
    assert deliver_due(platform_of(client)) == 1
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert verify(sub["secret"], headers["doorstep-signature"], body, now=int(time.time()))
    event = json.loads(body)
    assert (
        event["type"] == "order.created" and event["subject_id"] == oid and headers["doorstep-event"] == "order.created"
    )
    log = client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=tenant.h()).json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 1, 200)]
    assert deliver_due(platform_of(client)) == 0


def test_failures_retry_on_a_schedule_then_disable(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    """A failing receiver is retried only when each backoff has passed (> 24 h in all), then the subscription
    is disabled; after a fix, enabling it and redelivering succeeds."""
    receiver.status = 500
    sub = _subscribe(client, tenant, receiver.url, ["*"])
    client.post("/v1/orders", json=tenant.order("F-1"), headers=tenant.h())
    p = platform_of(client)
    now = p.clock()
    assert deliver_due(p, now) == 1
    assert deliver_due(p, now + timedelta(seconds=BACKOFF_S[0] - 1)) == 0  # not due yet: nothing sent
    total = 0
    for wait in BACKOFF_S:
        total += wait
        assert deliver_due(p, now + timedelta(seconds=total)) == 1
    assert total >= 24 * 3600
    assert len(receiver.requests) == MAX_ATTEMPTS
    state = client.get("/v1/webhooks", headers=tenant.h()).json()[0]
    assert state["active"] is False and "failed" in state["disabled_reason"]
    log = client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=tenant.h()).json()
    assert log[0]["status"] == "failed" and log[0]["attempts"] == MAX_ATTEMPTS and log[0]["last_status_code"] == 500
    client.post("/v1/orders", json=tenant.order("F-2"), headers=tenant.h())
    assert deliver_due(p, now + timedelta(days=3)) == 0  # disabled: nothing is sent
    receiver.status = 204
    assert client.post(f"/v1/webhooks/{sub['id']}/enable", headers=tenant.h()).json()["active"] is True
    r = client.post(f"/v1/webhook-deliveries/{log[0]['id']}/redeliver", headers=tenant.h())
    assert r.status_code == 202
    assert deliver_due(p, now + timedelta(days=3)) == 2  # the F-2 event and the redelivery
    statuses = [d["status"] for d in client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=tenant.h()).json()]
    assert statuses.count("delivered") == 2


def test_unreachable_receiver_is_recorded(client: TestClient, tenant: Tenant) -> None:
    """A refused connection is a failed attempt with the error in the log and a next attempt scheduled."""
    sub = _subscribe(client, tenant, "http://127.0.0.1:9/closed", ["order.created"])
    client.post("/v1/orders", json=tenant.order("N-1"), headers=tenant.h())
    deliver_due(platform_of(client))
    d = client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=tenant.h()).json()[0]
    assert d["status"] == "pending" and d["attempts"] == 1 and d["last_status_code"] is None
    assert "Connect" in d["last_error"] and d["next_attempt_at"] is not None


def test_webhook_management_is_admin_only_and_per_organization(client: TestClient, tenant: Tenant) -> None:
    """A write-scoped key cannot subscribe; bad event types are E1111; other organizations see nothing."""
    body = {"url": "https://example.com/h", "event_types": ["order.created"]}
    assert client.post("/v1/webhooks", json=body, headers=tenant.h("write")).status_code == 403
    r = client.post("/v1/webhooks", json={**body, "event_types": ["order.eaten"]}, headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1111"
    sub = _subscribe(client, tenant, "https://example.com/h", ["order.created"])
    other = make_tenant(client)
    assert client.get("/v1/webhooks", headers=other.h()).json() == []
    assert client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=other.h()).status_code == 404
    assert client.delete(f"/v1/webhooks/{sub['id']}", headers=other.h()).status_code == 404
    assert client.delete(f"/v1/webhooks/{sub['id']}", headers=tenant.h()).status_code == 204


def test_plan_lifecycle_events_reach_subscribers(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    """A planning job announces plan.queued, plan.started and plan.completed, in that order."""
    from tests.api.test_plans import add_orders, plan_now

    _subscribe(client, tenant, receiver.url, ["plan.queued", "plan.started", "plan.completed", "plan.failed"])
    add_orders(client, tenant, 3)
    plan = plan_now(client, tenant)
    assert deliver_due(platform_of(client)) == 3
    events = [json.loads(body) for _, body in receiver.requests]
    assert [e["type"] for e in events] == ["plan.queued", "plan.started", "plan.completed"]
    assert {e["subject_id"] for e in events} == {plan["id"]}
    assert events[-1]["data"]["orders_assigned"] == 3


def test_private_targets_are_refused_and_never_contacted(
    client: TestClient, tenant: Tenant, receiver: Receiver
) -> None:
    """Without DOORSTEP_WEBHOOK_ALLOW_PRIVATE: subscribing to 127.0.0.1 is E1131; a subscription whose name
    resolves to 127.0.0.1 at delivery time is logged as not sent, and the receiver gets nothing."""
    p = platform_of(client)
    port = receiver.server.server_address[1]
    p.webhooks.allow_private = False
    p.webhooks.resolver = lambda host, _port: ["127.0.0.1"] if host == "hooks.example.com" else ["93.184.216.34"]
    try:
        r = client.post("/v1/webhooks", json={"url": receiver.url, "event_types": ["*"]}, headers=tenant.h())
        assert r.status_code == 422 and r.json()["error"]["code"] == "E1131"
        sub = _subscribe(client, tenant, f"http://hooks.example.com:{port}/hook", ["order.created"])
        assert client.post("/v1/orders", json=tenant.order("SSRF-1"), headers=tenant.h()).status_code == 201
        deliver_due(p)
        logged = client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=tenant.h()).json()
        assert logged[0]["last_error"].startswith("not sent: the address is not public")
        assert logged[0]["last_status_code"] is None
        assert receiver.requests == []
    finally:
        p.webhooks.allow_private = True
        p.webhooks.resolver = system_resolver


def test_concurrent_ticks_deliver_each_event_once(client: TestClient, tenant: Tenant, receiver: Receiver) -> None:
    """Four ticks at once (several API processes each run one) over 30 due deliveries: the receiver gets each
    delivery once (told apart by its Doorstep-Delivery id), and the ticks' counts add up to 30."""
    _subscribe(client, tenant, receiver.url, ["order.created"])
    for i in range(30):
        assert client.post("/v1/orders", json=tenant.order(f"C-{i}"), headers=tenant.h()).status_code == 201
    p = platform_of(client)
    start, counts = threading.Barrier(4), list[int]()

    def tick() -> None:
        start.wait()
        counts.append(deliver_due(p, batch=10) + deliver_due(p, batch=10) + deliver_due(p, batch=10))

    ticks = [threading.Thread(target=tick) for _ in range(4)]
    for th in ticks:
        th.start()
    for th in ticks:
        th.join(timeout=60)
    ids = [headers["doorstep-delivery"] for headers, _ in receiver.requests]
    assert sorted({i for i in ids if ids.count(i) > 1}) == [], f"{len(ids)} requests for 30 deliveries"
    assert (len(ids), sum(counts)) == (30, 30)
