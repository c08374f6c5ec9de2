"""Same-day and express service levels as data in the slot policy (SQLite and PostgreSQL): every bad value reported
at once; today's windows offered with their level and price, filtered by the levels asked for, counted per zone
and day; the same-day cut-off closes offers and holds; a confirmed same-day order on a published day becomes a
pending insert proposal on the live plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, platform_of
from tests.api.live_day import Day, make_day
from tests.api.slot_day import policy, put_policy
from tests.api.test_plans import wait

__all__ = ["make_day"]
DAY = "2025-06-17"
NEAR = {"lat": 38.72, "lng": -9.14}
LEVELS = [
    {"id": "same_day", "kind": "same_day", "cutoff": "14:00", "until": "18:00", "max_orders": 1, "price_cents": 990},
    {"id": "express", "kind": "express", "within_min": 180, "max_orders": 3, "price_cents": 1490},
]


def _at(client: TestClient, monkeypatch: pytest.MonkeyPatch, local: str) -> None:
    """The app's clock at a Lisbon local time of the day (UTC+1 in June)."""
    when = datetime.fromisoformat(f"{DAY}T{local}{':00' if len(local) == 5 else ''}+01:00")
    monkeypatch.setattr(platform_of(client), "clock", lambda: when)


def _offers(c: TestClient, t: Tenant, **kw: Any) -> list[dict[str, Any]]:
    body = {"location": NEAR, "date_from": DAY, "date_to": DAY, "parcels": 1, **kw}
    r = c.post("/v1/slots/offers", json=body, headers=t.h("write"))
    assert r.status_code == 200, r.text
    return list(r.json()["offers"])


def _levels_day(make_day: Callable[..., Day], client: TestClient) -> Day:
    day = make_day()
    put_policy(client, day.t, {**policy(day.t), "service_levels": LEVELS})
    return day


def test_levels_report_every_problem_at_once(client: TestClient, tenant: Tenant) -> None:
    """A bad kind, a same-day level without cut-off and ending before it, a too short express, an id taken by a
    template and an unknown zone: 422 E1000 listing each at its path; nothing stored."""
    bad = [
        {"id": "x", "kind": "overnight", "max_orders": 1},
        {"id": "sd", "kind": "same_day", "until": "12:00", "max_orders": 1},
        {"id": "sd2", "kind": "same_day", "cutoff": "14:00", "until": "13:00", "max_orders": 1},
        {"id": "std", "kind": "express", "within_min": 10, "max_orders": 0, "zone_ids": ["nowhere"]},
    ]
    r = client.put("/v1/slots/policy", json={**policy(tenant), "service_levels": bad}, headers=tenant.h())
    assert r.status_code == 422, r.text
    found = sorted((d["code"], tuple(d["loc"])) for d in r.json()["error"]["details"])
    assert found == [
        ("E1550", ("service_levels", 0, "kind")),
        ("E1550", ("service_levels", 1, "cutoff")),
        ("E1550", ("service_levels", 2, "until")),
        ("E1550", ("service_levels", 3, "id")),
        ("E1550", ("service_levels", 3, "max_orders")),
        ("E1550", ("service_levels", 3, "within_min")),
        ("E1550", ("service_levels", 3, "zone_ids")),
    ]
    assert client.get("/v1/slots/policy", headers=tenant.h()).json()["error"]["code"] == "E2250"


def test_same_day_and_express_windows_today(
    make_day: Callable[..., Day], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 10:05 the same-day window runs 10:15-18:00 and the express one 10:15-13:15, each with its level and
    price; asking for express only gives just that; past the 14:00 cut-off only express is offered."""
    day = _levels_day(make_day, client)
    _at(client, monkeypatch, "10:05")
    got = {o["service_level"]: o for o in _offers(client, day.t) if o["service_level"] in ("same_day", "express")}
    assert (got["same_day"]["start"], got["same_day"]["end"]) == (f"{DAY}T10:15:00+01:00", f"{DAY}T18:00:00+01:00")
    assert (got["express"]["start"], got["express"]["end"]) == (f"{DAY}T10:15:00+01:00", f"{DAY}T13:15:00+01:00")
    assert (got["same_day"]["price_cents"], got["express"]["price_cents"]) == (990, 1490)
    assert got["same_day"]["capacity_left"] == 1 and got["express"]["capacity_left"] == 3
    kinds = {o["service_level"]: o["kind"] for o in _offers(client, day.t)}
    assert kinds == {**{k: "scheduled" for k in kinds if k not in got}, "same_day": "same_day", "express": "express"}
    assert "scheduled" in kinds.values()  # the day's windows are offered too
    only = _offers(client, day.t, service_levels=["express"])
    assert [o["service_level"] for o in only] == ["express"]
    _at(client, monkeypatch, "14:00")
    late = {o["service_level"] for o in _offers(client, day.t)}
    assert "same_day" not in late and "express" in late


def test_same_day_ordered_at_night_starts_with_the_first_shift(
    make_day: Callable[..., Day], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ordered at 00:48 on a day whose vans start at 08:00: the same-day window runs 08:00-18:00 (not 01:00-18:00,
    a promise no van could start keeping); express keeps its meaning (within 3 h of the order), which no shift
    covers at night, so it is not offered."""
    day = _levels_day(make_day, client)
    _at(client, monkeypatch, "00:48")
    got = {o["service_level"]: o for o in _offers(client, day.t) if o["service_level"] in ("same_day", "express")}
    assert set(got) == {"same_day"}
    assert (got["same_day"]["start"], got["same_day"]["end"]) == (f"{DAY}T08:00:00+01:00", f"{DAY}T18:00:00+01:00")
    _at(client, monkeypatch, "09:50")  # once the vans are out, the next quarter hour again
    later = next(o for o in _offers(client, day.t) if o["service_level"] == "same_day")
    assert later["start"] == f"{DAY}T10:00:00+01:00"


def test_same_day_hold_is_counted_per_day_closes_at_the_cutoff_and_goes_live(
    make_day: Callable[..., Day], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one same-day place taken, the next offers (later that day) have no same-day window; the confirmed
    order is a pending insert proposal on the published plan."""
    day = _levels_day(make_day, client)
    _at(client, monkeypatch, "10:06")
    same_day = next(o for o in _offers(client, day.t) if o["service_level"] == "same_day")
    assert same_day["start"] == f"{DAY}T10:15:00+01:00"
    hold = client.post("/v1/slots/holds", json={"offer_id": same_day["id"]}, headers=day.t.h("write"))
    assert hold.status_code == 201, hold.text
    _at(client, monkeypatch, "10:15:30")  # the hold lives until 10:16; today's window now starts 10:30: same count
    express = next(o for o in _offers(client, day.t) if o["service_level"] == "express")
    assert express["start"] == f"{DAY}T10:30:00+01:00"
    assert "same_day" not in {o["service_level"] for o in _offers(client, day.t)}
    done = client.post(f"/v1/slots/holds/{hold.json()['id']}/confirm", json={"name": "Ana"}, headers=day.t.h("write"))
    assert done.status_code == 201, done.text
    order_id = done.json()["order_id"]
    wait(client)  # the proposal is made by the slot.confirmed handler, a background job
    props = client.get(f"/v1/live/proposals?plan_id={day.plan['id']}", headers=day.t.h()).json()
    inserts = [(pr["kind"], pr["subject_id"], pr["status"]) for pr in props if pr["subject_id"] == order_id]
    assert inserts == [("insert", order_id, "pending")]


def test_same_day_offer_held_after_the_cutoff_is_closed(
    make_day: Callable[..., Day], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A same-day window offered at 13:55 and held at 14:01 (the offer itself still valid) is E2255."""
    day = _levels_day(make_day, client)
    _at(client, monkeypatch, "13:55")
    same_day = next(o for o in _offers(client, day.t) if o["service_level"] == "same_day")
    _at(client, monkeypatch, "14:01")
    late = client.post("/v1/slots/holds", json={"offer_id": same_day["id"]}, headers=day.t.h("write"))
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2255"


def test_utilisation_counts_same_day_and_express_per_zone_and_day(
    make_day: Callable[..., Day], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The utilisation view lists each level once per zone and day, with the count its offers use: a same-day
    hold and an express hold at 10:06 show as held on their rows (the same-day one then full), the same-day row
    closing at its 14:00 cut-off; the zone's totals include them."""
    day = _levels_day(make_day, client)
    _at(client, monkeypatch, "10:06")
    offered = {o["service_level"]: o for o in _offers(client, day.t) if o["service_level"] in ("same_day", "express")}
    for level in ("same_day", "express"):
        r = client.post("/v1/slots/holds", json={"offer_id": offered[level]["id"]}, headers=day.t.h("write"))
        assert r.status_code == 201, r.text
    r = client.get(f"/v1/slots/utilisation?date_from={DAY}&date_to={DAY}", headers=day.t.h("read"))
    assert r.status_code == 200, r.text
    [zd] = r.json()["days"]
    rows = {s["kind"]: [x for x in zd["slots"] if x["kind"] == s["kind"]] for s in zd["slots"]}
    [same_day], [express] = rows["same_day"], rows["express"]
    assert (same_day["service_level"], same_day["start"], same_day["end"], same_day["closes"]) == (
        "same_day", f"{DAY}T00:00:00+01:00", f"{DAY}T18:00:00+01:00", f"{DAY}T14:00:00+01:00",
    )  # fmt: skip
    assert (same_day["max_orders"], same_day["confirmed"], same_day["held"], same_day["free"]) == (1, 0, 1, 0)
    assert (express["service_level"], express["max_orders"], express["held"], express["free"]) == ("express", 3, 1, 2)
    assert express["end"] == "2025-06-18T00:00:00+01:00"
    scheduled = rows["scheduled"]
    assert scheduled and zd["max_orders"] == sum(s["max_orders"] for s in scheduled) + 1 + 3
    assert zd["held"] == 2 and sum(s["held"] for s in scheduled) == 0
    later = client.get("/v1/slots/utilisation?date_from=2025-06-18&date_to=2025-06-18", headers=day.t.h("read"))
    [next_day] = later.json()["days"]
    kinds = [(s["kind"], s["held"]) for s in next_day["slots"]]
    assert kinds[-2:] == [("express", 0), ("same_day", 0)]  # after the windows, by id
    assert {k for k, _ in kinds[:-2]} == {"scheduled"}
