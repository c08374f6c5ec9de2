"""Typed answers keep the JSON the services give: keys only some answers carry stay absent, nulls stay, and
timestamps keep their ``+00:00`` text (api/schemas_live.py, schemas_driver_records.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.services.driver import driver_records, trail_matching
from doorstep.services.kernel.access import system_actor
from doorstep.services.operations import live_view, replanning
from tests.api import driver_day, live_day
from tests.api.conftest import platform_of
from tests.api.live_day import DAY_9_30, Day
from tests.api.test_driver_api import act, at_stop
from tests.api.test_driver_positions import fixes

make_day = live_day.make_day  # the fixture


def plain(value: Any) -> Any:
    """The JSON text of a service's view, read back (what the API answered before its answers were typed)."""
    return json.loads(json.dumps(value))


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The body less one key."""
    return {k: v for k, v in body.items() if k != key}


@pytest.fixture
def on_day(make_day: Any, monkeypatch: pytest.MonkeyPatch) -> Day:
    """A published day; the app's own clock reads 09:30 that day."""
    day: Day = make_day()
    real = day.client.app.state.platform  # type: ignore[attr-defined]
    monkeypatch.setattr(real, "clock", lambda: DAY_9_30)
    day.p = real
    return day


def test_proposal_options_keep_the_keys_of_their_kind_only(on_day: Day) -> None:
    """An insert's option has ``inserted`` and no ``windows``; a cancel's has ``order_id`` and no ``inserted``;
    a proposal, the list and the snapshot equal the service's view exactly."""
    day, c, h = on_day, on_day.client, on_day.t.h()
    oid = c.post("/v1/orders", json=day.t.order("LATE-1", location={"lat": 38.73, "lng": -9.14}), headers=h).json()
    insert = c.post("/v1/live/proposals", json={"plan_id": day.plan["id"], "kind": "insert", "subject_id": oid["id"]},
                    headers=h)  # fmt: skip
    cancel = c.post("/v1/live/proposals", json={"plan_id": day.plan["id"], "kind": "cancel",
                                                 "subject_id": day.orders[0]}, headers=h)  # fmt: skip
    assert insert.status_code == 201 and cancel.status_code == 201, insert.text + cancel.text
    ins, can = insert.json(), cancel.json()
    assert ins["options"][0]["inserted"] is True and "windows" not in ins["options"][0]
    assert can["options"][0]["order_id"] == day.orders[0] and "inserted" not in can["options"][0]
    assert ins["decided_at"] is None and ins["created_at"] == DAY_9_30.isoformat()  # its offset, not a "Z"
    for answer in (ins, can):
        got = c.get(f"/v1/live/proposals/{answer['id']}", headers=h).json()
        assert got == plain(live_view.proposal_view(replanning.get_proposal(day.p, day.actor, answer["id"])))
        # read back, created_at is the stored UTC instant (as before); the rest is the answer of the create
        assert without(answer, "created_at") == without(got, "created_at")
    listed = c.get("/v1/live/proposals", params={"plan_id": day.plan["id"]}, headers=h).json()
    assert sorted(p["id"] for p in listed) == sorted([ins["id"], can["id"]])
    snapshot = c.get("/v1/live/snapshot", headers=h).json()
    expected = plain(live_view.snapshot(day.p, day.actor))
    assert without(snapshot, "at") == without(expected, "at")


def test_trail_stop_events_and_positions_are_the_services_views(client: TestClient) -> None:
    """A trail not asked to be matched has no ``matched`` key; the route's stop events (with their null proof and
    scan) and the latest positions are the services' views, timestamps as ``+00:00`` text."""
    day = driver_day.make_day(client)
    route_id, h = day.routes[0]["id"], day.t.h("read")
    batch = fixes(3, datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5), "typed")
    sent = client.post("/v1/driver/positions", json={"route_id": route_id, "positions": batch}, headers=day.tokens[0])
    assert sent.status_code == 200, sent.text
    stop = day.stops(client)[0]
    assert act(client, day, stop, "arrived", position=at_stop(stop)).status_code == 200
    p, actor = platform_of(client), system_actor(day.t.org_id)

    trail = client.get(f"/v1/routes/{route_id}/trail", headers=h).json()
    assert set(trail) == {"route_id", "positions"}
    assert [f["at"] for f in trail["positions"]] == [f["at"] for f in batch]  # sent with +00:00, kept so
    assert trail == plain(trail_matching.route_trail_view(p, actor, route_id))

    events = client.get(f"/v1/routes/{route_id}/stop-events", headers=h).json()
    assert [e["status"] for e in events["events"]] == ["arrived"] and events["events"][0]["proof"] is None
    assert events == {"route_id": route_id, "events": plain(driver_records.route_stop_events(p, actor, route_id))}

    latest = client.get("/v1/positions/latest", headers=h).json()
    assert latest == {"positions": plain(driver_records.latest_positions(p, actor))}
    assert [x["at"] for x in latest["positions"]] == [batch[-1]["at"]]
