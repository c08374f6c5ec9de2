"""The driver app's live stream: changes to the driver's own routes and their ETAs, nothing of other drivers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from doorstep.services.operations.live_day import live_rows
from doorstep.store.models import RouteLiveRow
from tests.api.driver_day import make_day
from tests.api.test_live_api import sse_events


def stream_while(
    client: TestClient, org_id: str, url: str, headers: dict[str, str], act: Callable[[], None]
) -> list[dict[str, Any]]:
    """Open the driver stream (with a limit) in a thread, run ``act`` once it is subscribed, return its events."""
    out: dict[str, str] = {}
    broker = client.app.state.broker  # type: ignore[attr-defined]
    t = threading.Thread(target=lambda: out.update(body=client.get(url, headers=headers).text))
    t.start()
    deadline = time.monotonic() + 10
    while broker.subscribers(f"org:{org_id}") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    act()
    t.join(20)
    assert not t.is_alive(), "the stream did not end"
    return sse_events(out["body"])


def _dispatch(client: TestClient, h: dict[str, str], route: dict[str, Any]) -> None:
    now = client.get(f"/v1/routes/{route['id']}", headers=h).json()
    r = client.post(f"/v1/routes/{route['id']}/dispatch", json={"version": now["version"]}, headers=h)
    assert r.status_code == 200, r.text


def test_a_driver_hears_their_own_route_change_and_eta_only(client: TestClient) -> None:
    """Dispatching the other driver's route and a position on it reach nobody else; dispatching this driver's
    route sends ``route_changed`` and the fresh ``eta`` of that route."""
    day = make_day(client)
    mine, other = day.routes[0], day.routes[1]
    h = day.t.h()

    def act() -> None:
        _dispatch(client, h, other)
        loc = other["data"]["stops"][1]["location"]
        client.app.state.platform.live.publish(day.t.org_id, {  # type: ignore[attr-defined]
            "type": "position", "route_id": other["id"], "lat": loc["lat"], "lng": loc["lng"],
        })  # fmt: skip
        _dispatch(client, h, mine)

    events = stream_while(client, day.t.org_id, "/v1/driver/stream?limit=3", day.tokens[0], act)
    assert [e["type"] for e in events] == ["routes", "route_changed", "eta"]
    assert set(events[0]["routes"]) == {mine["id"]}
    assert events[1]["route_id"] == mine["id"] and events[1]["version"] == mine["version"] + 2
    assert events[2]["route_id"] == mine["id"] and events[2]["stops"]


def test_a_route_given_to_the_driver_reaches_their_app(client: TestClient) -> None:
    """When the dispatcher gives the driver another route, its ``route_changed`` reaches the driver's stream."""
    day = make_day(client)
    moved = day.routes[1]
    h = day.t.h()

    def act() -> None:
        now = client.get(f"/v1/routes/{moved['id']}", headers=h).json()
        body = {"driver_id": day.drivers[0], "version": now["version"]}
        assert client.post(f"/v1/routes/{moved['id']}/assign", json=body, headers=h).status_code == 200

    events = stream_while(client, day.t.org_id, "/v1/driver/stream?limit=2", day.tokens[0], act)
    assert [e["type"] for e in events] == ["routes", "route_changed"]
    assert events[1]["route_id"] == moved["id"]


def test_the_stream_needs_a_driver_session(client: TestClient) -> None:
    """Without a driver token the stream is refused (E1411)."""
    r = client.get("/v1/driver/stream?limit=1")
    assert r.status_code == 401 and r.json()["error"]["code"] == "E1411"


def test_the_app_reads_the_live_etas_not_the_plans(client: TestClient) -> None:
    """Once a route is dispatched its ETAs are the ETA worker's (re-timed from now), and the driver's route list
    shows those, stop by stop, instead of the planned arrivals."""
    day = make_day(client)
    route = day.routes[0]
    _dispatch(client, day.t.h(), route)
    p = client.app.state.platform  # type: ignore[attr-defined]
    with p.uow(day.t.org_id) as uow:
        live = live_rows(uow).first(RouteLiveRow.route_id == route["id"])
        assert live is not None and live.etas
        expected = {e["order_id"]: e["eta"] for e in live.etas if e.get("order_id")}
    shown = {s["order_id"]: s["eta"] for s in day.stops(client, 0)}
    assert shown == expected
    planned = {s["order_id"]: s["arrival"] for s in route["data"]["stops"] if s.get("order_id")}
    assert shown != planned  # the plan's day is in the past: re-timed from now, every ETA moved
