"""A new place for an order on a live route (``relocate`` proposals through POST /v1/live/proposals): the stop
leaves its route and is inserted again at the new place, shown before it is approved; the order changes only when
it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from doorstep.store.models import StopRow
from tests.api import live_day
from tests.api.live_day import DAY_9_30, Day
from tests.api.test_live_replanning import checked, complete_first

Maker = Callable[..., Day]
make_day = live_day.make_day  # the fixture

NEW_PLACE = {"lat": 38.7335, "lng": -9.1375}  # among the day's other stops in Lisbon
MADRID = {"lat": 40.4168, "lng": -3.7038}  # 500 km away: no van gets there within the morning's windows


@pytest.fixture
def on_day(make_day: Maker, monkeypatch: pytest.MonkeyPatch) -> Day:
    """A published, dispatched day with room on both vans; the app's own clock reads 09:30 that day."""
    day = make_day(parcels=8)
    real = day.client.app.state.platform  # type: ignore[attr-defined]
    monkeypatch.setattr(real, "clock", lambda: DAY_9_30)
    day.p = real
    return day


def propose(day: Day, oid: str, **fields: Any) -> Any:
    """POST a relocate proposal for the order; the raw response."""
    body = {"plan_id": day.plan["id"], "kind": "relocate", "subject_id": oid, "auto_approve": False, **fields}
    return day.client.post("/v1/live/proposals", json=body, headers=day.t.h())


def order(day: Day, oid: str) -> dict[str, Any]:
    """The order as the API shows it now."""
    data: dict[str, Any] = day.client.get(f"/v1/orders/{oid}", headers=day.t.h()).json()
    return data


def versions(day: Day) -> dict[str, int]:
    """Each live route's version."""
    return {r["id"]: r["version"] for r in day.routes()}


def open_order(day: Day) -> str:
    """An order on the first route whose stop is not started (the route's first stop is done)."""
    route = day.plan["routes"][0]
    complete_first(day, route)
    return str(next(s["order_id"] for s in route["data"]["stops"][2:] if s.get("order_id")))


def test_relocating_a_dispatched_order_moves_its_stop_once_approved(on_day: Day) -> None:
    """The options name the vehicles, the cost and km change and the ETAs that move; nothing changes until one is
    approved. Option 2 applied: the stop is served at the new place on that vehicle's route, the stored plan passes
    the checker, the order has its new place, address and windows and a higher version, still dispatched."""
    day = on_day
    oid = open_order(day)
    before, routes_before = order(day, oid), versions(day)
    windows = [{"start": "10:30", "end": "12:30"}]
    r = propose(day, oid, location=NEW_PLACE, address="Rua Nova 7, Lisboa", windows=windows)
    assert r.status_code == 201, r.text
    prop = r.json()
    assert (prop["kind"], prop["status"], prop["subject_id"]) == ("relocate", "pending", oid)
    assert len(prop["options"]) == 2  # one per van, cheapest first
    names = {"Van A", "Van B"}
    for o in prop["options"]:
        assert set(o["vehicles"]) <= names and o["vehicle_name"] in o["vehicles"], o
        assert isinstance(o["cost_delta_cents"], int) and isinstance(o["distance_delta_m"], int)
        assert isinstance(o["affected"], list) and o["unassigned"] == []
        assert (o["order_id"], o["location"], o["address"]) == (oid, NEW_PLACE, "Rua Nova 7, Lisboa")
        assert o["windows"] == [{"start": "2025-06-17T10:30:00+01:00", "end": "2025-06-17T12:30:00+01:00"}]
    assert prop["options"][0]["cost_delta_cents"] <= prop["options"][1]["cost_delta_cents"]
    assert order(day, oid) == before and versions(day) == routes_before  # not yet
    second = prop["options"][1]
    ok = day.client.post(f"/v1/live/proposals/{prop['id']}/approve", json={"choice": 1}, headers=day.t.h())
    assert ok.status_code == 200 and ok.json()["status"] == "applied", ok.text
    route = next(r for r in day.routes() if any(s.get("order_id") == oid for s in r["data"]["stops"]))
    assert route["vehicle_id"] == second["vehicle_id"] and route["version"] > routes_before.get(route["id"], 0)
    stop = next(s for s in route["data"]["stops"] if s.get("order_id") == oid)
    assert stop["location"] == NEW_PLACE
    assert "10:30:00" <= stop["start"][11:19] <= "12:30:00"
    with day.p.uow(day.actor) as uow:
        (row,) = uow.stops.all(StopRow.order_id == oid)
        assert (row.route_id, row.lat, row.lng) == (route["id"], NEW_PLACE["lat"], NEW_PLACE["lng"])
    doc = checked(day)
    planned = next(o for o in doc["problem"]["orders"] if o["id"] == oid)
    assert planned["location"] == NEW_PLACE
    after = order(day, oid)
    assert after["status"] == "dispatched" and after["version"] == before["version"] + 1
    assert (after["data"]["location"], after["data"]["address"]) == (NEW_PLACE, "Rua Nova 7, Lisboa")
    assert after["data"]["time_windows"] == second["windows"]
    assert after["data"]["x-customer-changes"][-1]["from"]["lat"] == before["data"]["location"]["lat"]
    timeline = day.client.get(f"/v1/orders/{oid}/timeline", headers=day.t.h()).json()
    assert timeline[-1]["type"] == "order.updated" and timeline[-1]["data"]["change"] == "relocate"
    assert (timeline[-2]["type"], timeline[-2]["data"]) == (
        "order.relocated",
        {"address": "Rua Nova 7, Lisboa", "location": NEW_PLACE, "by": "dispatcher", "version": after["version"]},
    )


def test_rejecting_a_relocation_leaves_everything_as_it_was(on_day: Day) -> None:
    """Rejected: the order keeps its place and version, no route gets a new version."""
    day = on_day
    oid = open_order(day)
    before, routes_before = order(day, oid), versions(day)
    prop = propose(day, oid, location=NEW_PLACE, address="Rua Nova 7, Lisboa").json()
    r = day.client.post(f"/v1/live/proposals/{prop['id']}/reject", headers=day.t.h())
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert order(day, oid) == before and versions(day) == routes_before
    assert prop["options"][0]["windows"] == before["data"]["time_windows"]  # no windows given: kept


def test_a_place_no_route_can_reach_is_e2136(on_day: Day) -> None:
    """A new place no van reaches within the order's windows is E2136 (409), with the reason; nothing is stored."""
    day = on_day
    oid = open_order(day)
    before, routes_before = order(day, oid), versions(day)
    r = propose(day, oid, location=MADRID, address="Puerta del Sol, Madrid")
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert (err["code"], err["details"][0]["loc"], err["details"][0]["id"]) == ("E2136", ["location"], oid)
    assert "TIME_WINDOW" in err["message"]
    assert day.client.get("/v1/live/proposals", headers=day.t.h()).json() == []
    assert order(day, oid) == before and versions(day) == routes_before


def test_a_bad_new_place_reports_every_problem_at_once(on_day: Day) -> None:
    """Latitude and longitude out of range (E1105 each) and a bad window time (E1103) come back together; a
    relocation without a place is E1301."""
    day = on_day
    oid = open_order(day)
    r = propose(day, oid, location={"lat": 98.5, "lng": -200}, windows=[{"start": "noon", "end": "13:00"}])
    assert r.status_code == 422, r.text
    found = [(d["code"], d["loc"]) for d in r.json()["error"]["details"]]
    assert found == [("E1105", ["location", "lat"]), ("E1105", ["location", "lng"]),
                     ("E1103", ["windows", 0, "start"])]  # fmt: skip
    r = propose(day, oid, address="Rua Nova 7")
    assert r.status_code == 422 and [d["code"] for d in r.json()["error"]["details"]] == ["E1301"]
    assert r.json()["error"]["details"][0]["loc"] == ["location"]


def test_a_done_stop_cannot_be_relocated(on_day: Day) -> None:
    """The order of a completed stop keeps its place: E2101 (409), nothing stored."""
    day = on_day
    done = complete_first(day, day.plan["routes"][0])
    before = order(day, done)
    r = propose(day, done, location=NEW_PLACE, address="Rua Nova 7, Lisboa")
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2101", r.text
    assert order(day, done) == before
