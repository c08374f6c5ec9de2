"""The driver app API: login codes, own routes, idempotent stop actions with proof, coded refusals."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.domain.status import OrderStatus
from doorstep.services.kernel.access import system_actor
from tests.api.conftest import platform_of
from tests.api.driver_day import Day, login, make_day
from tests.api.test_plans import plan_now

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def day(client: TestClient) -> Day:
    """A fresh published two-route day for this test."""
    return make_day(client)


def cid() -> str:
    """A client id as the phone makes them."""
    return f"c-{uuid.uuid4().hex}"


def act(client: TestClient, day: Day, stop: dict[str, Any], status: str, k: int = 0, **kw: Any) -> Any:
    """Post one stop action as driver k."""
    body = {"client_id": kw.pop("client_id", cid()), "status": status, "at": datetime.now(UTC).isoformat(), **kw}
    return client.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=day.tokens[k])


def at_stop(stop: dict[str, Any], north_m: float = 0) -> dict[str, float]:
    """A position at the stop, or ``north_m`` metres north of it."""
    return {"lat": stop["location"]["lat"] + north_m / 111_195, "lng": stop["location"]["lng"], "accuracy_m": 8}


def test_login_code_works_once_and_tokens_are_checked(client: TestClient, day: Day) -> None:
    """A code is exchanged once (E1410 after), a forged token is E1411, and a read-only key cannot issue codes."""
    code = client.post(f"/v1/drivers/{day.drivers[0]}/login-codes", headers=day.t.h()).json()["code"]
    assert client.post("/v1/driver/session", json={"code": code.lower()}).status_code == 200
    again = client.post("/v1/driver/session", json={"code": code})
    assert again.status_code == 401 and again.json()["error"]["code"] == "E1410"
    forged = client.get("/v1/driver/routes", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "E1411"
    assert client.post(f"/v1/drivers/{day.drivers[0]}/login-codes", headers=day.t.h("read")).status_code == 403


def test_driver_sees_only_own_route_with_stop_details(client: TestClient, day: Day) -> None:
    """Each driver gets exactly their route, its order stops carrying address, contact, window and ETA."""
    for k in (0, 1):
        body = client.get("/v1/driver/routes", headers=day.tokens[k]).json()
        assert [r["id"] for r in body["routes"]] == [day.routes[k]["id"]]
        stops = day.stops(client, k)
        assert stops and all(s["status"] == "pending" and s["eta"] and s["window_end"] for s in stops)


def test_complete_with_proof_is_idempotent_and_dispatcher_sees_it_once(client: TestClient, day: Day) -> None:
    """Replaying a completion returns the first answer; the order is delivered once; the proof is readable."""
    stop = day.stops(client)[0]
    png = base64.b64encode(PNG).decode()
    proof = {"photo": png, "signature": "data:image/png;base64," + png, "barcodes": ["PKG-1"], "recipient": "Ana"}
    key = cid()
    first = act(client, day, stop, "completed", client_id=key, position=at_stop(stop, 20), proof=proof)
    assert first.status_code == 200, first.text
    again = act(client, day, stop, "completed", client_id=key, position=at_stop(stop, 20), proof=proof)
    assert again.json() == {**first.json(), "replayed": True}
    assert first.json()["flagged"] is False and first.json()["distance_m"] == 20
    events = client.get(f"/v1/routes/{day.routes[0]['id']}/stop-events", headers=day.t.h("read")).json()["events"]
    assert [e["status"] for e in events] == ["completed"]
    pr = events[0]["proof"]
    assert pr["recipient"] == "Ana" and pr["barcodes"] == ["PKG-1"]
    assert client.get(pr["photo"]["url"], headers=day.t.h("read")).content == PNG
    assert client.get(pr["signature"]["url"], headers=day.t.h("read")).content == PNG
    order = client.get(f"/v1/orders/{stop['order_id']}", headers=day.t.h("read")).json()
    assert order["status"] == "delivered"
    history = client.get(f"/v1/orders/{stop['order_id']}/timeline", headers=day.t.h("read")).json()
    assert [e["to_status"] for e in history].count("delivered") == 1
    other = act(client, day, stop, "failed", reason="not_home")
    assert other.status_code == 409 and other.json()["error"]["code"] == "E2111"
    reuse = act(client, day, day.stops(client)[1], "arrived", client_id=key)
    assert reuse.status_code == 409 and reuse.json()["error"]["code"] == "E2112"


def test_far_completion_is_flagged_and_failures_need_catalogue_reasons(client: TestClient, day: Day) -> None:
    """A completion 500 m away is stored with W1410; fail needs a catalogue reason and 'other' a note."""
    stops = day.stops(client)
    assert act(client, day, stops[0], "arrived", position=at_stop(stops[0])).json()["status"] == "arrived"
    far = act(client, day, stops[0], "completed", position=at_stop(stops[0], 500)).json()
    assert far["flagged"] is True and far["warnings"][0]["code"] == "W1410"
    bad = act(client, day, stops[1], "failed", reason="lazy")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "E1412"
    no_note = act(client, day, stops[1], "failed", reason="other")
    assert no_note.status_code == 422 and no_note.json()["error"]["code"] == "E1412"
    ok = act(client, day, stops[1], "failed", reason="other", note="dog at the gate")
    assert ok.status_code == 200
    order = client.get(f"/v1/orders/{stops[1]['order_id']}", headers=day.t.h("read")).json()
    assert order["status"] == "failed"


def test_bad_photos_other_drivers_stops_and_cancelled_orders_are_refused(client: TestClient, day: Day) -> None:
    """Not an image is E1414, too large E1413, another driver's stop E1416, a cancelled order still on the route
    E2110, and a stop its cancelled order was taken off 404 E1302."""
    stops = day.stops(client)
    text = base64.b64encode(b"hello, not a picture").decode()
    r = act(client, day, stops[0], "completed", proof={"photo": text})
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1414"
    big = base64.b64encode(b"\xff\xd8\xff" + bytes(2_100_000)).decode()
    r = act(client, day, stops[0], "completed", proof={"photo": big})
    assert r.status_code == 413 and r.json()["error"]["code"] == "E1413"
    sig = act(client, day, stops[0], "completed", proof={"signature": text})
    assert sig.json()["error"]["code"] == "E1415"
    theirs = day.stops(client, 1)[0]
    r = act(client, day, theirs, "arrived", k=0)
    assert r.status_code == 403 and r.json()["error"]["code"] == "E1416"
    with platform_of(client).uow(system_actor(day.t.org_id)) as uow:  # cancelled, its stop not yet taken off
        uow.orders.require(stops[1]["order_id"]).status = OrderStatus.CANCELLED.value
        uow.commit()
    r = act(client, day, stops[1], "completed")
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2110"
    assert client.post(f"/v1/orders/{stops[2]['order_id']}/cancel", headers=day.t.h()).status_code == 200
    route_url = f"/v1/routes/{day.routes[0]['id']}"
    deadline = time.monotonic() + 15  # the order.cancelled handler runs after the commit
    while stops[2]["order_id"] in [x.get("order_id") for x in client.get(route_url, headers=day.t.h()).json()[
        "data"]["stops"]] and time.monotonic() < deadline:  # fmt: skip
        time.sleep(0.2)
    r = act(client, day, stops[2], "completed")  # a direct cancel takes the stop off the route (order.cancelled)
    assert r.status_code == 404 and r.json()["error"]["code"] == "E1302"
    assert client.get(f"/v1/routes/{day.routes[0]['id']}/stop-events", headers=day.t.h()).json()["events"] == []
    assert login(client, day.t, day.drivers[0])  # a new code still works after refusals


def test_actions_on_a_superseded_route_are_refused(client: TestClient, day: Day) -> None:
    """After a re-plan is published the old route is superseded: its stops answer E2113."""
    stop = day.stops(client)[0]
    replan = plan_now(client, day.t)
    assert client.post(f"/v1/plans/{replan['id']}/publish", headers=day.t.h()).status_code == 200
    r = act(client, day, stop, "arrived")
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2113"
    assert client.get("/v1/driver/routes", headers=day.tokens[0]).json()["routes"] == []


def test_racing_actions_on_one_stop_finish_it_once(client: TestClient, day: Day) -> None:
    """Two copies of one action and two different actions sent at once: one completion, one order delivery."""
    from concurrent.futures import ThreadPoolExecutor

    from doorstep.domain.errors import DoorstepError
    from doorstep.domain.status import StopStatus
    from doorstep.services.driver.driver_auth import driver_actor
    from doorstep.services.driver.stop_actions import StopAction, record_action
    from tests.api.conftest import platform_of

    p, me = platform_of(client), driver_actor(day.t.org_id, day.drivers[0])
    stops = day.stops(client)
    now = datetime.now(UTC)

    def send(stop_id: str, key: str) -> str:
        try:
            return str(record_action(p, me, StopAction(key, stop_id, StopStatus.COMPLETED, now))["id"])
        except DoorstepError as exc:
            return exc.code

    with ThreadPoolExecutor(4) as pool:
        same = list(pool.map(lambda _: send(stops[0]["id"], "same-key-1"), range(4)))
        different = list(pool.map(lambda k: send(stops[1]["id"], f"key-{k}-abc"), range(4)))
    assert len(set(same)) == 1 and same[0].startswith("sev_")
    assert sum(x.startswith("sev_") for x in different) == 1 and set(different) - {"E2111"} == {
        x for x in different if x.startswith("sev_")
    }
    events = client.get(f"/v1/routes/{day.routes[0]['id']}/stop-events", headers=day.t.h()).json()["events"]
    assert sorted(e["stop_id"] for e in events) == sorted([stops[0]["id"], stops[1]["id"]])
    timeline = client.get(f"/v1/orders/{stops[1]['order_id']}/timeline", headers=day.t.h()).json()
    assert [e["to_status"] for e in timeline].count("delivered") == 1


def test_stop_actions_publish_the_shared_live_event(client: TestClient, day: Day) -> None:
    """Each stored action publishes one `stop` event on the org channel; a replay publishes nothing."""
    from doorstep.live.publish import RecordingPublisher
    from tests.api.conftest import platform_of

    p = platform_of(client)
    recorder = RecordingPublisher()
    p.live, saved = recorder, p.live
    try:
        stop = day.stops(client)[0]
        key = cid()
        act(client, day, stop, "failed", client_id=key, reason="no_access", position=at_stop(stop))
        act(client, day, stop, "failed", client_id=key, reason="no_access", position=at_stop(stop))
    finally:
        p.live = saved
    mine = [e for org, e in recorder.events if org == day.t.org_id]
    assert len(mine) == 1
    event = mine[0]
    assert set(event) == {"type", "route_id", "stop_id", "order_id", "status", "reason", "at", "lat", "lng"}
    assert (event["type"], event["stop_id"], event["status"], event["reason"]) == (
        "stop",
        stop["id"],
        "failed",
        "no_access",
    )
    assert event["route_id"] == day.routes[0]["id"] and event["lat"] == stop["location"]["lat"]


def test_an_event_dated_in_the_future_is_refused(client: TestClient, day: Day) -> None:
    """A stop event two days ahead of the server is 422 E1418 and changes nothing; 2 minutes ahead (drift) is fine."""
    stops = day.stops(client)
    ahead = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = act(client, day, stops[0], "arrived", at=ahead)
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1418", r.text
    assert day.stops(client)[0]["status"] == "pending"
    drift = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    assert act(client, day, stops[0], "arrived", at=drift).status_code == 200
