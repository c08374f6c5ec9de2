"""The pickup service level of the slot policy (SQLite and PostgreSQL): offers for a pickup point are its open days
with room (spanning the opening hours), holds take the parcels' place at the point, confirming makes an order to
the point with its opening periods as windows; a full, closed or unoffered point answers no offers with a code."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.store.models import SlotHoldRow
from tests.api.conftest import Tenant, platform_of
from tests.api.pickup_day import make_point, point_order
from tests.api.slot_day import DAY, EVE, NEAR, confirm, eve, hold, policy, put_policy
from tests.api.test_plans import plan_now

__all__ = ["eve"]  # the clock fixture

PICKUP = {"id": "pickup", "kind": "pickup", "price_cents": 199}


def _offers(c: TestClient, t: Tenant, point_id: str, **kw: Any) -> dict[str, Any]:
    body = {"pickup_point_id": point_id, "date_from": DAY, "date_to": DAY, "parcels": 1, **kw}
    r = c.post("/v1/slots/offers", json=body, headers=t.h("write"))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _with_pickup(c: TestClient, t: Tenant, version: int | None = None) -> None:
    put_policy(c, t, {**policy(t), "service_levels": [PICKUP]}, version)


def test_point_offer_hold_confirm_makes_an_order_to_the_point(
    client: TestClient, tenant: Tenant, eve: datetime
) -> None:
    """One offer for the point's open day (10:00-17:00 local, 10 parcels left, its price); held and confirmed it is
    an order to the point whose windows are its opening periods; confirming again replays the same order; the
    door offers of the same policy stay without the pickup level."""
    _with_pickup(client, tenant)
    pt = make_point(client, tenant)
    res = _offers(client, tenant, pt["id"])
    assert res["reason"] is None and res["pickup_point_id"] == pt["id"] and res["zone_id"] is None
    (offer,) = res["offers"]
    assert (offer["start"], offer["end"], offer["service_level"], offer["capacity_left"], offer["price_cents"]) == (
        "2025-06-17T10:00:00+01:00", "2025-06-17T17:00:00+01:00", "pickup", 10, 199,
    )  # fmt: skip
    assert offer["pickup_point_id"] == pt["id"] and offer["zone_id"] is None and offer["kind"] == "pickup"
    h = hold(client, tenant, offer["id"])
    assert h.status_code == 201, h.text
    assert _offers(client, tenant, pt["id"])["offers"][0]["capacity_left"] == 9  # the live hold takes its place
    first = confirm(client, tenant, h.json()["id"])
    assert first.status_code == 201, first.text
    again = confirm(client, tenant, h.json()["id"])
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["order_id"] == first.json()["order_id"]
    order = client.get(f"/v1/orders/{first.json()['order_id']}", headers=tenant.h()).json()
    data = order["data"]
    assert data["pickup_point_id"] == pt["id"] and data["location"] == {"lat": 38.7139, "lng": -9.1394}
    assert [(w["start"], w["end"]) for w in data["time_windows"]] == [
        ("2025-06-17T10:00:00+01:00", "2025-06-17T13:00:00+01:00"),
        ("2025-06-17T14:00:00+01:00", "2025-06-17T17:00:00+01:00"),
    ]
    assert data["service_s"] == 300 + 10 and order["date"] == DAY
    assert _offers(client, tenant, pt["id"])["offers"][0]["capacity_left"] == 9  # the order now, not the hold
    door = client.post("/v1/slots/offers", json={"location": NEAR, "date_from": DAY, "date_to": DAY},
                       headers=tenant.h("write")).json()  # fmt: skip
    assert door["offers"] and {o["service_level"] for o in door["offers"]} == {"standard", "premium"}


def test_full_closed_or_unoffered_point_answers_no_offers_with_a_code(
    client: TestClient, tenant: Tenant, eve: datetime
) -> None:
    """A point full that day offers nothing (E2271), also to a hold made on an offer taken before it filled; a
    closed day E1573; a policy without a pickup level E1554; location and point together E1551."""
    pt = make_point(client, tenant, capacity_parcels=2)
    put_policy(client, tenant, policy(tenant))
    assert _offers(client, tenant, pt["id"])["reason"]["code"] == "E1554"
    _with_pickup(client, tenant, version=1)
    early = _offers(client, tenant, pt["id"])["offers"][0]["id"]
    assert client.post("/v1/orders", json=point_order(tenant, pt["id"]), headers=tenant.h()).status_code == 201
    last = _offers(client, tenant, pt["id"])["offers"][0]
    assert last["capacity_left"] == 1 and hold(client, tenant, last["id"]).status_code == 201
    full = _offers(client, tenant, pt["id"])
    assert full["offers"] == [] and full["reason"]["code"] == "E2271"
    late = hold(client, tenant, early)
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2271"
    also = client.post("/v1/orders", json=point_order(tenant, pt["id"]), headers=tenant.h())
    assert also.status_code == 409 and also.json()["error"]["code"] == "E2271"  # the live hold counts
    closed = _offers(client, tenant, pt["id"], date_from="2025-06-21", date_to="2025-06-22")  # a weekend
    assert closed["offers"] == [] and closed["reason"]["code"] == "E1573"
    both = client.post("/v1/slots/offers", json={"pickup_point_id": pt["id"], "location": NEAR, "date_from": DAY,
                                                 "date_to": DAY}, headers=tenant.h("write"))  # fmt: skip
    assert both.status_code == 422 and both.json()["error"]["code"] == "E1551"


def test_a_hold_past_its_time_takes_no_place_before_the_expiry_job(
    client: TestClient, tenant: Tenant, eve: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pickup hold counts against the point's capacity while live; once the clock is past its expiry (no expiry
    job ran: the hold is still stored as held) its parcels are free for offers, a customer's switch, an order and
    an order's change alike (read-time expiry, as for delivery windows)."""
    c, t = client, tenant
    _with_pickup(c, t)
    pt = make_point(c, t, capacity_parcels=3)
    first = c.post("/v1/orders", json=point_order(t, pt["id"]), headers=t.h())
    assert first.status_code == 201, first.text
    offer = _offers(c, t, pt["id"], parcels=2)["offers"][0]
    h = hold(c, t, offer["id"])
    assert h.status_code == 201, h.text
    home = c.post("/v1/orders", json=t.order(), headers=t.h()).json()["id"]
    token = c.post(f"/v1/live/orders/{home}/tracking-token", headers=t.h()).json()["token"]
    live = c.post("/v1/orders", json=point_order(t, pt["id"]), headers=t.h())
    assert live.status_code == 409 and live.json()["error"]["code"] == "E2271"  # 1 booked + 2 held of 3
    assert c.get(f"/v1/track/{token}/pickup-points").json() == []  # no room for the home order's parcel
    later = EVE + timedelta(minutes=11)  # the hold expired at EVE + 10 min
    monkeypatch.setattr(platform_of(c), "clock", lambda: later)
    with platform_of(c).sessions() as s:
        held = s.get(SlotHoldRow, h.json()["id"])
        assert held is not None and held.status == "held"
    assert _offers(c, t, pt["id"])["offers"][0]["capacity_left"] == 2
    assert [x["id"] for x in c.get(f"/v1/track/{token}/pickup-points").json()] == [pt["id"]]
    grown = {**point_order(t, pt["id"], first.json()["external_ref"]), "size": {"parcels": 3}, "version": 1}
    changed = c.put(f"/v1/orders/{first.json()['id']}", json=grown, headers=t.h())
    assert changed.status_code == 200, changed.text  # its 3 parcels fit: the expired hold's 2 are free
    back = c.put(f"/v1/orders/{first.json()['id']}", json={**grown, "size": {"parcels": 1}, "version": 2},
                 headers=t.h())  # fmt: skip
    assert back.status_code == 200, back.text
    again = c.post("/v1/orders", json=point_order(t, pt["id"], size={"parcels": 2}), headers=t.h())
    assert again.status_code == 201, again.text
    with platform_of(c).sessions() as s:
        held = s.get(SlotHoldRow, h.json()["id"])
        assert held is not None and held.status == "held"  # nothing expired it: each check read the time


def test_point_offers_are_priced_by_bringing_the_parcels_there(
    client: TestClient, tenant: Tenant, eve: datetime
) -> None:
    """A point no van visits that day costs the drive there and back (kilometres added, not green); once an order
    to the point is booked, the forecast day already stops there and the next parcel joins that visit: no
    kilometre added, green, a few cents (its 10 s at the van's hourly cost); the same on the published plan. A
    level without its own price takes the price list's line for it."""
    c, t = client, tenant
    put_policy(c, t, {**policy(t), "service_levels": [{"id": "pickup", "kind": "pickup"}],
                      "prices": [{"service_level": "pickup", "length_min": 60, "price_cents": 249}]})  # fmt: skip
    pt = make_point(c, t)
    (alone,) = _offers(c, t, pt["id"])["offers"]
    assert alone["km_added"] > 5 and alone["cost_cents"] > 50 and alone["green"] is False
    assert alone["price_cents"] == 249
    assert c.post("/v1/orders", json=point_order(t, pt["id"]), headers=t.h()).status_code == 201
    (joined,) = _offers(c, t, pt["id"])["offers"]
    assert (joined["km_added"], joined["green"], joined["price_cents"]) == (0.0, True, 249)
    assert 0 <= joined["cost_cents"] <= 10  # 10 s at 20 EUR an hour, rounded
    plan = plan_now(c, t)
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    (published,) = _offers(c, t, pt["id"])["offers"]
    assert (published["km_added"], published["green"]) == (0.0, True) and published["cost_cents"] <= 10


def test_point_days_rank_by_the_policy_and_a_day_no_van_reaches_is_not_offered(
    client: TestClient, tenant: Tenant, eve: datetime
) -> None:
    """Two days with a van's shift: on the second a van already goes to the point, so under the cheapest-first
    policy that day is offered first; a point open only after the vans' shifts end gets no offer, with E2273."""
    c, t = client, tenant
    _with_pickup(c, t)
    shift = {"vehicle_id": t.ids["vehicle"], "day": "2025-06-18", "start": "2025-06-18T08:00:00+01:00",
             "end": "2025-06-18T18:00:00+01:00"}  # fmt: skip
    assert c.post("/v1/shifts", json=shift, headers=t.h()).status_code == 201
    pt = make_point(c, t)
    made = c.post("/v1/orders", json=point_order(t, pt["id"], date="2025-06-18"), headers=t.h())
    assert made.status_code == 201, made.text
    res = _offers(c, t, pt["id"], date_to="2025-06-18")
    assert res["ranking"] == "cheapest"
    assert [(o["start"][:10], o["green"]) for o in res["offers"]] == [("2025-06-18", True), ("2025-06-17", False)]
    assert res["offers"][0]["cost_cents"] < res["offers"][1]["cost_cents"]
    evening = make_point(c, t, name="Cacifo Noite", kind="locker", hours={"tue": [["19:00", "22:00"]]})
    late = _offers(c, t, evening["id"])
    assert late["offers"] == [] and late["reason"]["code"] == "E2273"


def test_utilisation_lists_each_points_open_days_with_parcels_booked_and_held(
    client: TestClient, tenant: Tenant, eve: datetime
) -> None:
    """Per point and open day: capacity, parcels of its orders (a cancelled one frees its place), of live holds,
    free and the share taken; a point closed that day or inactive is left out; points are listed before any slot
    policy is set too."""
    c, t = client, tenant
    pt = make_point(c, t)
    make_point(c, t, name="Fechado", active=False)
    make_point(c, t, name="Sábado", hours={"sat": [["10:00", "13:00"]]})
    for parcels in (1, 2, 4):
        made = c.post("/v1/orders", json=point_order(t, pt["id"], size={"parcels": parcels}), headers=t.h())
        assert made.status_code == 201, made.text
    assert c.post(f"/v1/orders/{made.json()['id']}/cancel", headers=t.h()).status_code == 200
    url = f"/v1/slots/utilisation?date_from={DAY}&date_to=2025-06-18"
    before = c.get(url, headers=t.h("read")).json()
    assert before["policy_set"] is False and [(x["name"], x["booked_parcels"]) for x in before["points"]] == [
        ("Papelaria Rossio", 3), ("Papelaria Rossio", 0),
    ]  # fmt: skip
    _with_pickup(c, t)
    assert hold(c, t, _offers(c, t, pt["id"], parcels=3)["offers"][0]["id"]).status_code == 201
    points = c.get(url, headers=t.h("read")).json()["points"]
    fields = ("date", "capacity_parcels", "booked_parcels", "held_parcels", "free_parcels", "utilisation")
    assert [tuple(x[f] for f in fields) for x in points] == [(DAY, 10, 3, 3, 4, 0.6), ("2025-06-18", 10, 0, 0, 10, 0.0)]
    assert {(x["pickup_point_id"], x["kind"], x["active"], x["depot_id"]) for x in points} == {
        (pt["id"], "counter", True, t.ids["depot"])
    }
