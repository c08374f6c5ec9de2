"""Position batches: screened, stored once, every stored or known client id acknowledged, refusals coded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.live.publish import RecordingPublisher
from tests.api.conftest import platform_of
from tests.api.driver_day import Day, make_day


@pytest.fixture
def day(client: TestClient) -> Day:
    """A fresh published two-route day for this test."""
    return make_day(client)


def fixes(n: int, start: datetime, prefix: str) -> list[dict[str, Any]]:
    """n fixes 10 s apart moving 50 m north each time."""
    return [
        {"client_id": f"{prefix}-fix-{k:04d}", "at": (start + timedelta(seconds=10 * k)).isoformat(),
         "lat": 38.72 + k * 50 / 111_195, "lng": -9.14, "accuracy_m": 10}
        for k in range(n)
    ]  # fmt: skip


def test_batches_store_once_ack_duplicates_and_code_refusals(client: TestClient, day: Day) -> None:
    """A replayed batch stores nothing new; future, old and jumping fixes get E1401/E1402/E1403."""
    p = platform_of(client)
    recorder = RecordingPublisher()
    p.live, saved = recorder, p.live
    try:
        now = datetime.now(UTC)
        batch = fixes(20, now - timedelta(minutes=10), "a")
        body = {"route_id": day.routes[0]["id"], "positions": batch}
        first = client.post("/v1/driver/positions", json=body, headers=day.tokens[0]).json()
        assert first["stored"] == 20 and len(first["acknowledged"]) == 20 and first["refused"] == []
        replay = client.post("/v1/driver/positions", json=body, headers=day.tokens[0]).json()
        assert replay["stored"] == 0 and sorted(replay["duplicates"]) == sorted(first["acknowledged"])
        bad = [
            {"client_id": "b-future", "at": (now + timedelta(hours=1)).isoformat(), "lat": 38.72, "lng": -9.14},
            {"client_id": "b-oldfix", "at": (now - timedelta(days=2)).isoformat(), "lat": 38.72, "lng": -9.14},
            {"client_id": "b-jumped", "at": now.isoformat(), "lat": 40.0, "lng": -9.14},
        ]
        r = client.post("/v1/driver/positions", json={"positions": bad}, headers=day.tokens[0]).json()
        codes = {x["client_id"]: x["issues"][0]["code"] for x in r["refused"]}
        assert codes == {"b-future": "E1401", "b-oldfix": "E1402", "b-jumped": "E1403"} and r["acknowledged"] == []
    finally:
        p.live = saved
    trail = client.get(f"/v1/routes/{day.routes[0]['id']}/trail", headers=day.t.h("read")).json()["positions"]
    assert len(trail) == 20 and trail[-1]["lat"] == batch[-1]["lat"]
    latest = client.get("/v1/positions/latest", headers=day.t.h("read")).json()["positions"]
    assert [(x["driver_id"], x["lat"]) for x in latest] == [(day.drivers[0], batch[-1]["lat"])]
    events = [e for org, e in recorder.events if org == day.t.org_id]
    assert len(events) == 1 and events[0]["type"] == "position" and events[0]["route_id"] == day.routes[0]["id"]


def test_oversized_batch_and_other_routes(client: TestClient, day: Day) -> None:
    """More than 1,000 fixes is E1417; a route id of another driver is not attached to the trail."""
    now = datetime.now(UTC) - timedelta(hours=1)
    r = client.post("/v1/driver/positions", json={"positions": fixes(1001, now, "x")}, headers=day.tokens[0])
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1417"
    body = {"route_id": day.routes[1]["id"], "positions": fixes(3, now, "y")}
    assert client.post("/v1/driver/positions", json=body, headers=day.tokens[0]).json()["stored"] == 3
    trail = client.get(f"/v1/routes/{day.routes[1]['id']}/trail", headers=day.t.h("read")).json()["positions"]
    assert trail == []
