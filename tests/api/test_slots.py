"""Delivery slots through the API on SQLite and PostgreSQL: the policy with every problem at once, offers priced
against the day, holds keeping the slot's maximum, confirmation into an order (idempotent), expiry freeing the
place (at read time and by the named job) and the recorded events."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from doorstep.services.kernel.job_registry import run_job
from doorstep.store.models import EventRow, SlotCountRow, SlotHoldRow, SlotOfferRow
from tests.api.conftest import Tenant, platform_of
from tests.api.slot_day import DAY, FAR, NEAR, confirm, eve, hold, offers, policy, put_policy

__all__ = ["eve"]


def _age(client: TestClient, model: type[SlotHoldRow] | type[SlotOfferRow], row_id: str, field: str) -> None:
    """Move a hold's or offer's expiry into the past (time passing, without waiting)."""
    p = platform_of(client)
    with p.sessions() as s:
        s.execute(update(model).where(model.id == row_id).values({field: p.clock() - timedelta(seconds=1)}))
        s.commit()


def _events(client: TestClient, subject: str) -> list[str]:
    with platform_of(client).sessions() as s:
        q = select(EventRow.type).where(EventRow.subject_id == subject).order_by(EventRow.at, EventRow.id)
        return list(s.scalars(q))


def _taken(client: TestClient, t: Tenant, key_part: str) -> int:
    with platform_of(client).sessions() as s:
        rows = s.scalars(select(SlotCountRow).where(SlotCountRow.org_id == t.org_id))
        return sum(r.taken for r in rows if key_part in r.slot_key)


def test_policy_reports_every_problem_at_once(client: TestClient, tenant: Tenant) -> None:
    """A policy with five mistakes answers 422 E1000 listing each with its code and path; nothing is stored."""
    doc = policy(tenant)
    doc["zones"].append({"id": "lx", "depot_id": "dep_nope", "radius_m": 100})  # repeated id, unknown depot
    doc["templates"][0].update(start="25:00", length_min=5)
    doc["templates"][1]["zone_id"] = "nowhere"
    r = client.put("/v1/slots/policy", json=doc, headers=tenant.h())
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "E1000"
    found = sorted((d["code"], tuple(d["loc"])) for d in err["details"])
    assert found == [
        ("E1109", ("zones", 1, "depot_id")),
        ("E1550", ("templates", 0, "length_min")),
        ("E1550", ("templates", 0, "start")),
        ("E1550", ("templates", 1, "zone_id")),
        ("E1550", ("zones", 1, "id")),
    ]
    assert client.get("/v1/slots/policy", headers=tenant.h()).json()["error"]["code"] == "E2250"


def test_policy_is_versioned_and_needs_manage(client: TestClient, tenant: Tenant) -> None:
    """The first PUT stores version 1, a PUT at a stale version is E2002, a write-scoped key may not change it."""
    first = put_policy(client, tenant, policy(tenant))
    assert first["version"] == 1 and first["policy"]["templates"][0]["max_orders"] == 5
    assert put_policy(client, tenant, policy(tenant, max_orders=7), version=1)["version"] == 2
    stale = client.put("/v1/slots/policy?version=1", json=policy(tenant), headers=tenant.h())
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "E2002"
    denied = client.put("/v1/slots/policy?version=2", json=policy(tenant), headers=tenant.h("write"))
    assert denied.status_code == 403
    got = client.get("/v1/slots/policy", headers=tenant.h("read")).json()
    assert got["version"] == 2 and got["policy"]["templates"][0]["max_orders"] == 7


def test_offers_on_an_unplanned_day(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """Every window the one van can keep within its 08-18 shift is offered, priced, cheapest first, with places
    left and the price list's price; windows past the shift are not offered."""
    put_policy(client, tenant, policy(tenant))
    res = offers(client, tenant)
    assert res["zone_id"] == "lx" and res["reason"] is None and res["ranking"] == "cheapest"
    got = sorted((o["service_level"], o["start"][11:16], o["end"][11:16]) for o in res["offers"])
    std = [("standard", f"{h:02d}:00", f"{h + 2:02d}:00") for h in (8, 10, 12, 14, 16)]
    prem = [("premium", f"{h:02d}:00", f"{h + 1:02d}:00") for h in (9, 10, 11, 12)]
    assert got == sorted(std + prem)
    costs = [o["cost_cents"] for o in res["offers"]]
    assert costs == sorted(costs) and all(c > 0 for c in costs)
    for o in res["offers"]:
        assert o["capacity_left"] == (5 if o["service_level"] == "standard" else 2)
        assert o["price_cents"] == (499 if o["service_level"] == "standard" else 899)
        assert o["start"].endswith("+01:00") and o["km_added"] > 5  # depot -> 3.5 km -> depot, by road
        assert o["green"] is False


def test_offers_reasons_and_refusals(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """No policy: E2250; outside every zone: no offers with E1552; too big for any van: E1553 naming the limit;
    a backwards date range: E1551."""
    body = {"location": NEAR, "date_from": DAY, "date_to": DAY, "parcels": 1}
    none = client.post("/v1/slots/offers", json=body, headers=tenant.h("write"))
    assert none.status_code == 409 and none.json()["error"]["code"] == "E2250"
    put_policy(client, tenant, policy(tenant))
    far = offers(client, tenant, FAR)
    assert far["offers"] == [] and far["reason"]["code"] == "E1552"
    big = client.post("/v1/slots/offers", json={**body, "parcels": 101}, headers=tenant.h("write"))
    assert big.status_code == 422 and big.json()["error"]["code"] == "E1553"
    assert "101 parcels (the largest vehicle takes 100)" in big.json()["error"]["message"]
    back = client.post("/v1/slots/offers", json={**body, "date_from": "2025-06-18"}, headers=tenant.h("write"))
    assert back.status_code == 422 and back.json()["error"]["code"] == "E1551"


def test_blackout_and_cutoff_close_windows(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """A blackout date offers nothing; a cut-off reaching back past now closes exactly the windows it covers."""
    put_policy(client, tenant, {**policy(tenant), "blackouts": [{"date": DAY}]})
    assert offers(client, tenant)["offers"] == []
    # noon UTC on the eve; the std window at 08:00 local (07:00 UTC) closes 19 h before it starts
    doc = policy(tenant, cutoff_min=19 * 60 + 1)
    put_policy(client, tenant, doc, version=1)
    std = sorted(o["start"][11:16] for o in offers(client, tenant)["offers"] if o["service_level"] == "standard")
    assert std == ["10:00", "12:00", "14:00", "16:00"]


def test_hold_confirm_and_replay(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """A hold takes a place (capacity_left drops), confirming makes an order with that window and the
    customer's details; confirming again returns the same order; the events slot.held and slot.confirmed are
    recorded; holding the same offer twice is E2254."""
    put_policy(client, tenant, policy(tenant))
    offer = next(o for o in offers(client, tenant)["offers"] if o["service_level"] == "premium")
    h = hold(client, tenant, offer["id"])
    assert h.status_code == 201, h.text
    held = h.json()
    assert held["status"] == "held" and held["order_id"] is None
    twice = hold(client, tenant, offer["id"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "E2254"
    again = next(o for o in offers(client, tenant)["offers"] if o["start"] == offer["start"]
                 and o["service_level"] == "premium")  # fmt: skip
    assert again["capacity_left"] == offer["capacity_left"] - 1
    first = confirm(client, tenant, held["id"])
    assert first.status_code == 201, first.text
    done = first.json()
    assert done["replayed"] is False and done["hold"]["status"] == "confirmed"
    second = confirm(client, tenant, held["id"])
    assert second.status_code == 200 and second.json()["order_id"] == done["order_id"]
    assert second.json()["replayed"] is True
    stored = client.get(f"/v1/orders/{done['order_id']}", headers=tenant.h()).json()
    assert stored["status"] == "new" and stored["date"] == DAY
    order = stored["data"]
    assert order["contact"]["name"] == "Ana Lima" and order["address"] == "Rua Augusta 1"
    window = order["time_windows"][0]
    assert (datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])) == (
        datetime.fromisoformat(offer["start"]),
        datetime.fromisoformat(offer["end"]),
    )
    assert _events(client, held["id"]) == ["slot.held", "slot.confirmed"]
    assert _taken(client, tenant, "|prem|") == 1


def test_slot_maximum_refuses_the_next_hold(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """With a maximum of one order, the second hold on the same window is E2252 and the window is no longer
    offered."""
    put_policy(client, tenant, policy(tenant, max_orders=1))
    pick = next(o for o in offers(client, tenant)["offers"] if o["service_level"] == "standard")
    other = next(o for o in offers(client, tenant)["offers"] if o["start"] == pick["start"]
                 and o["service_level"] == "standard")  # fmt: skip
    assert hold(client, tenant, pick["id"]).status_code == 201
    full = hold(client, tenant, other["id"])
    assert full.status_code == 409 and full.json()["error"]["code"] == "E2252"
    left = [o["start"] for o in offers(client, tenant)["offers"] if o["service_level"] == "standard"]
    assert pick["start"] not in left and len(left) == 4


def test_expired_hold_frees_its_place_at_read_time(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """A hold past its time confirms as E2253, reads as expired, and its place goes to the next checkout."""
    put_policy(client, tenant, policy(tenant, max_orders=1))
    pick = next(o for o in offers(client, tenant)["offers"] if o["service_level"] == "standard")
    h = hold(client, tenant, pick["id"]).json()
    _age(client, SlotHoldRow, h["id"], "expires_at")
    assert client.get(f"/v1/slots/holds/{h['id']}", headers=tenant.h()).json()["status"] == "expired"
    late = confirm(client, tenant, h["id"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2253"
    again = next(o for o in offers(client, tenant)["offers"] if o["start"] == pick["start"]
                 and o["service_level"] == "standard")  # fmt: skip
    assert again["capacity_left"] == 1
    assert hold(client, tenant, again["id"]).status_code == 201
    assert _events(client, h["id"]) == ["slot.held", "slot.expired"]
    assert _taken(client, tenant, "|std|") == 1


def test_expiry_job_frees_places(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """The named job slots.expire marks due holds expired once (running it twice changes nothing more) and gives
    their places back."""
    put_policy(client, tenant, policy(tenant))
    picks = [o for o in offers(client, tenant)["offers"] if o["service_level"] == "standard"][:2]
    held = [hold(client, tenant, o["id"]).json() for o in picks]
    _age(client, SlotHoldRow, held[0]["id"], "expires_at")
    run_job(platform_of(client), "slots.expire", {})
    run_job(platform_of(client), "slots.expire", {})
    states = [client.get(f"/v1/slots/holds/{h['id']}", headers=tenant.h()).json()["status"] for h in held]
    assert states == ["expired", "held"]
    assert _events(client, held[0]["id"]) == ["slot.held", "slot.expired"]
    assert _taken(client, tenant, "|std|") == 1


def test_expired_offer_and_closed_window(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """An offer past its lifetime is E2251; an offer whose window passed its cut-off since is E2255."""
    put_policy(client, tenant, policy(tenant))
    a, b = offers(client, tenant)["offers"][:2]
    _age(client, SlotOfferRow, a["id"], "expires_at")
    old = hold(client, tenant, a["id"])
    assert old.status_code == 409 and old.json()["error"]["code"] == "E2251"
    _age(client, SlotOfferRow, b["id"], "start")
    closed = hold(client, tenant, b["id"])
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "E2255"


@pytest.mark.parametrize("ranking", ["earliest", "greenest"])
def test_ranking_follows_the_policy(client: TestClient, tenant: Tenant, eve: datetime, ranking: str) -> None:
    """Earliest ranks by start; greenest by kilometres added."""
    put_policy(client, tenant, {**policy(tenant), "ranking": ranking})
    got = offers(client, tenant)["offers"]
    key = "start" if ranking == "earliest" else "km_added"
    values = [datetime.fromisoformat(o[key]) if key == "start" else o[key] for o in got]
    assert values == sorted(values) and len(got) == 9


def test_cancelling_a_slot_order_frees_its_place(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """A confirmed slot order that is cancelled gives its place back (the hold reads released) once."""
    put_policy(client, tenant, policy(tenant, max_orders=1))
    pick = next(o for o in offers(client, tenant)["offers"] if o["service_level"] == "standard")
    h = hold(client, tenant, pick["id"]).json()
    order_id = confirm(client, tenant, h["id"]).json()["order_id"]
    std = [o["start"] for o in offers(client, tenant)["offers"] if o["service_level"] == "standard"]
    assert pick["start"] not in std
    assert client.post(f"/v1/orders/{order_id}/cancel", headers=tenant.h()).status_code == 200
    assert client.get(f"/v1/slots/holds/{h['id']}", headers=tenant.h()).json()["status"] == "released"
    again = [o for o in offers(client, tenant)["offers"] if o["start"] == pick["start"]]
    assert [o["capacity_left"] for o in again if o["service_level"] == "standard"] == [1]
    assert _taken(client, tenant, "|std|") == 0


def test_offer_request_problems_are_reported_together(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """A date out of range and a 15-day span are E1551 each, with their paths, in one answer."""
    put_policy(client, tenant, policy(tenant))
    body = {"location": NEAR, "date_from": "1999-12-31", "date_to": "2025-06-17", "parcels": 1}
    r = client.post("/v1/slots/offers", json=body, headers=tenant.h("write"))
    assert r.status_code == 422 and [d["loc"] for d in r.json()["error"]["details"]] == [["date_from"]]
    long = {**body, "date_from": "2025-06-01", "date_to": "2025-06-15"}
    r = client.post("/v1/slots/offers", json=long, headers=tenant.h("write"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1551"
    assert "15 days asked; at most 14" in r.json()["error"]["message"]


def test_utilisation_per_zone_and_day(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """Each window of the day with its maximum, confirmed and held orders and free places; the zone's totals and
    utilisation follow; a blacked-out day is absent; a range over 31 days is E1551."""
    put_policy(client, tenant, {**policy(tenant), "blackouts": [{"date": "2025-06-18"}]})
    std = sorted((o for o in offers(client, tenant)["offers"] if o["service_level"] == "standard"),
                 key=lambda o: o["start"])  # fmt: skip
    confirm(client, tenant, hold(client, tenant, std[0]["id"]).json()["id"])
    assert hold(client, tenant, std[1]["id"]).status_code == 201
    r = client.get("/v1/slots/utilisation?date_from=2025-06-17&date_to=2025-06-18", headers=tenant.h("read"))
    assert r.status_code == 200, r.text
    days = r.json()["days"]
    assert [(d["zone_id"], d["date"]) for d in days] == [("lx", DAY)]
    day = days[0]
    assert (day["max_orders"], day["confirmed"], day["held"]) == (6 * 5 + 4 * 2, 1, 1)
    assert day["utilisation"] == round(2 / 38, 4)
    by_start = {(s["template_id"], s["start"]): s for s in day["slots"]}
    first, second = by_start[("std", std[0]["start"])], by_start[("std", std[1]["start"])]
    assert (first["confirmed"], first["held"], first["free"]) == (1, 0, 4)
    assert (second["confirmed"], second["held"], second["free"]) == (0, 1, 4)
    bad = client.get("/v1/slots/utilisation?date_from=2025-06-01&date_to=2025-07-15", headers=tenant.h())
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "E1551"


def test_utilisation_before_a_policy_is_empty(client: TestClient, tenant: Tenant) -> None:
    """Without a policy the view answers no days and says so (a fresh organization's dashboard page loads)."""
    r = client.get("/v1/slots/utilisation?date_from=2025-06-17&date_to=2025-06-17", headers=tenant.h("read"))
    assert r.status_code == 200 and r.json() == {"days": [], "policy_set": False, "points": []}


def test_confirm_with_a_taken_reference_changes_nothing(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """A confirm naming another order's external_ref is E2007 and the hold stays held (no order, no event)."""
    put_policy(client, tenant, policy(tenant))
    assert client.post("/v1/orders", json=tenant.order("SHOP-1"), headers=tenant.h()).status_code == 201
    h = hold(client, tenant, offers(client, tenant)["offers"][0]["id"]).json()
    body = {"name": "Ana", "external_ref": "SHOP-1"}
    r = client.post(f"/v1/slots/holds/{h['id']}/confirm", json=body, headers=tenant.h("write"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2007"
    assert client.get(f"/v1/slots/holds/{h['id']}", headers=tenant.h()).json()["status"] == "held"
    assert _events(client, h["id"]) == ["slot.held"]
    assert confirm(client, tenant, h["id"]).status_code == 201


def test_a_hold_survives_a_restart(
    client: TestClient, tenant: Tenant, eve: datetime, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hold made on one app is confirmed through a new app on the same database (holds are rows)."""
    from doorstep.api.app import create_app
    from doorstep.config import Settings

    put_policy(client, tenant, policy(tenant))
    h = hold(client, tenant, offers(client, tenant)["offers"][0]["id"]).json()
    settings = Settings(database_url=db_url, secret_key="test-secret", rate_limit_per_minute=1_000_000,
                        webhook_tick_s=0, slot_expiry_tick_s=0)  # fmt: skip
    with TestClient(create_app(settings)) as again:
        monkeypatch.setattr(platform_of(again), "clock", lambda: eve)
        assert again.get(f"/v1/slots/holds/{h['id']}", headers=tenant.h()).json()["status"] == "held"
        done = confirm(again, tenant, h["id"])
        assert done.status_code == 201, done.text
    assert client.get(f"/v1/slots/holds/{h['id']}", headers=tenant.h()).json()["order_id"] == done.json()["order_id"]


def test_removing_the_policy_stops_offers_but_not_holds(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """DELETE /v1/slots/policy (admins): offers answer E2250 afterwards, a hold made before still confirms with
    the removed policy's service time gone to the default; deleting twice is E2250."""
    put_policy(client, tenant, {**policy(tenant), "service_s": 300})
    h = hold(client, tenant, offers(client, tenant)["offers"][0]["id"]).json()
    assert client.delete("/v1/slots/policy", headers=tenant.h("write")).status_code == 403
    assert client.delete("/v1/slots/policy", headers=tenant.h()).status_code == 204
    body = {"location": NEAR, "date_from": DAY, "date_to": DAY}
    assert client.post("/v1/slots/offers", json=body, headers=tenant.h("write")).json()["error"]["code"] == "E2250"
    done = confirm(client, tenant, h["id"])
    assert done.status_code == 201, done.text
    order = client.get(f"/v1/orders/{done.json()['order_id']}", headers=tenant.h()).json()["data"]
    assert order["service_s"] == 120
    again = client.delete("/v1/slots/policy", headers=tenant.h())
    assert again.status_code == 409 and again.json()["error"]["code"] == "E2250"
