"""The live API: proposals over HTTP, the dispatcher's SSE stream and the customer's ETA stream."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.services.operations import live_view
from tests.api import live_day
from tests.api.live_day import DAY_9_30, Day

Maker = Callable[..., Day]
make_day = live_day.make_day  # the fixture


@pytest.fixture
def on_day(make_day: Maker, monkeypatch: pytest.MonkeyPatch) -> Day:
    """A published day; the app's own clock reads 09:30 that day."""
    day = make_day()
    real = day.client.app.state.platform  # type: ignore[attr-defined]
    monkeypatch.setattr(real, "clock", lambda: DAY_9_30)
    day.p = real
    return day


def sse_events(text: str) -> list[dict[str, Any]]:
    """The data of each event in an SSE body."""
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def stream_while(day: Day, url: str, headers: dict[str, str], act: Callable[[], None]) -> list[dict[str, Any]]:
    """Open the SSE ``url`` (with a limit) in a thread, run ``act`` once it is subscribed, return its events."""
    out: dict[str, str] = {}
    client, channel = day.client, f"org:{day.t.org_id}"
    broker = client.app.state.broker  # type: ignore[attr-defined]
    t = threading.Thread(target=lambda: out.update(body=client.get(url, headers=headers).text))
    t.start()
    deadline = time.monotonic() + 10
    while broker.subscribers(channel) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    act()
    t.join(20)
    assert not t.is_alive(), "the stream did not end"
    return sse_events(out["body"])


def test_proposal_over_http_then_approve(on_day: Day) -> None:
    """POST a proposal for a new order, see its summary, approve it; the route's version goes up."""
    day, c, h = on_day, on_day.client, on_day.t.h()
    oid = c.post("/v1/orders", json=day.t.order("LATE-1", location={"lat": 38.73, "lng": -9.14}), headers=h).json()[
        "id"
    ]
    r = c.post("/v1/live/proposals", json={"plan_id": day.plan["id"], "kind": "insert", "subject_id": oid}, headers=h)
    assert r.status_code == 201, r.text
    prop = r.json()
    assert prop["status"] == "pending" and prop["options"][0]["inserted"]
    pending = c.get("/v1/live/proposals", params={"status": "pending"}, headers=h).json()
    assert [p["id"] for p in pending] == [prop["id"]]
    ok = c.post(f"/v1/live/proposals/{prop['id']}/approve", json={"choice": 0}, headers=h)
    assert ok.status_code == 200 and ok.json()["status"] == "applied"
    again = c.post(f"/v1/live/proposals/{prop['id']}/reject", headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "E2132"
    assert c.get(f"/v1/orders/{oid}", headers=h).json()["status"] == "dispatched"


def test_bad_proposals_are_coded(on_day: Day) -> None:
    """A planned order cannot be inserted (E1450); a plan that is not published takes no live change (E2130)."""
    day, c, h = on_day, on_day.client, on_day.t.h()
    body = {"plan_id": day.plan["id"], "kind": "insert", "subject_id": day.orders[0]}
    r = c.post("/v1/live/proposals", json=body, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1450"
    other = c.post(
        "/v1/plans",
        json={"depot_id": day.t.ids["depot"], "date": "2025-06-17", "options": {"time_limit_s": 1}},
        headers=h,
    ).json()
    r = c.post("/v1/live/proposals", json={**body, "plan_id": other["id"]}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2130"
    read_only = c.post("/v1/live/proposals", json=body, headers=day.t.h("read"))
    assert read_only.status_code == 403


def test_dispatcher_stream_sends_snapshot_then_position_and_eta(on_day: Day) -> None:
    """The SSE stream starts with the snapshot, then relays a driver position and the ETA it caused."""
    day, c = on_day, on_day.client
    route = day.plan["routes"][0]
    first = route["data"]["stops"][1]["location"]

    def drive() -> None:
        day.p.live.publish(day.t.org_id, {
            "type": "position", "route_id": route["id"], "driver_id": None, "lat": first["lat"], "lng": first["lng"],
            "at": DAY_9_30.isoformat(), "accuracy_m": 10,
        })  # fmt: skip

    events = stream_while(day, "/v1/live/stream?limit=3&date=2025-06-17", day.t.h("read"), drive)
    assert [e["type"] for e in events] == ["snapshot", "position", "eta"]
    assert {r["id"] for r in events[0]["routes"]} == {r["id"] for r in day.plan["routes"]}
    assert events[2]["route_id"] == route["id"] and events[2]["stops"]
    snap = c.get("/v1/live/snapshot", headers=day.t.h("read")).json()
    mine = next(r for r in snap["routes"] if r["id"] == route["id"])
    assert mine["position"]["lat"] == first["lat"] and mine["etas"]
    stops = [s for s in route["data"]["stops"] if s.get("order_id")]
    assert mine["refs"] == {s["order_id"]: s["external_ref"] for s in stops}  # alerts and proofs name orders so


def test_event_published_while_the_snapshot_is_read_follows_it(
    on_day: Day, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event that happens while the stream's first snapshot is being read is not lost: the stream subscribes
    before it reads the snapshot (it read the snapshot first, so such an event fell between the two)."""
    day = on_day
    route = day.plan["routes"][0]
    loc = route["data"]["stops"][1]["location"]
    real = live_view.snapshot

    def busy_snapshot(*args: Any, **kwargs: Any) -> dict[str, Any]:
        snap = real(*args, **kwargs)
        day.p.live.publish(day.t.org_id, {"type": "position", "route_id": route["id"], "driver_id": None,
                                          "lat": loc["lat"], "lng": loc["lng"], "at": DAY_9_30.isoformat(),
                                          "accuracy_m": 10})  # fmt: skip
        return snap

    monkeypatch.setattr(live_view, "snapshot", busy_snapshot)
    events = stream_while(day, "/v1/live/stream?limit=2&date=2025-06-17", day.t.h("read"), lambda: None)
    assert [e["type"] for e in events] == ["snapshot", "position"]
    assert events[1]["route_id"] == route["id"]


def test_stream_needs_authentication(client: TestClient) -> None:
    """Without credentials the stream is refused (E4001)."""
    r = client.get("/v1/live/stream?limit=1")
    assert r.status_code == 401 and r.json()["error"]["code"] == "E4001"


def test_customer_stream_shows_only_their_own_page(on_day: Day) -> None:
    """A tracking link opens one order's stream: the customer's page again when their route moves, never another
    stop's data nor an internal id; a made-up token is 404 E1451."""
    day, c = on_day, on_day.client
    route = day.plan["routes"][0]
    mine = route["data"]["stops"][2]
    tok = c.post(f"/v1/live/orders/{mine['order_id']}/tracking-token", headers=day.t.h("read")).json()
    assert c.get(tok["api_url"]).json()["reference"] == mine["external_ref"]

    def drive() -> None:
        loc = route["data"]["stops"][1]["location"]
        day.p.live.publish(day.t.org_id, {"type": "position", "route_id": route["id"], "lat": loc["lat"],
                                          "lng": loc["lng"], "at": DAY_9_30.isoformat()})  # fmt: skip

    events = stream_while(day, tok["stream"] + "?limit=1", {}, drive)
    assert [e["type"] for e in events] == ["tracking"]
    assert all(e["reference"] == mine["external_ref"] for e in events)
    assert not any(k.endswith("_id") for e in events for k in e)
    bad = c.get("/v1/track/not-a-token")
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "E1451"
