"""Rescheduling from the tracking page: only windows with a feasible insertion into that day's plan are offered
(today after the lead time, the next days where a van works); moving on a live route is a ``reschedule``
proposal applied at once (same day: re-inserted; another day: off the route), on no route the order changes
directly; a window that became infeasible is refused (E2172) with the windows still on offer; changes close at
the three-stop cut-off and for cancelled orders (E2171); the customer gets a confirmation in their language; no
internal id anywhere. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from doorstep.domain.geo import LatLng
from doorstep.domain.learned import LearnedTimes
from doorstep.domain.reach import ReachObservation, learn_reach
from doorstep.services.customer.notify_send import send_due
from doorstep.services.kernel.event_dispatch import dispatch_due
from doorstep.services.kernel.learned_times import save_learned
from doorstep.store.models import EventRow, SlotCountRow
from tests.api.conftest import make_tenant, platform_of
from tests.api.notify_day import CustomerDay, customer_day
from tests.api.slot_day import DAY, EVE, confirm, hold, offers, policy, put_policy
from tests.api.test_tracking_page import _drive, _driver_stop, _route_of
from tests.api.tracking_site import INTERNAL_ID, Site, site

__all__ = ["site"]  # the module-scoped app fixture
TODAY, TOMORROW = "2025-06-17", "2025-06-18"


def _day(s: Site) -> CustomerDay:
    """A dispatched day at 08:00 whose out-for-delivery emails were sent, and one van working 12:30-15:30
    tomorrow (so tomorrow offers exactly the windows that van can keep)."""
    s.clock.at("08:00")
    day = customer_day(s.client)
    s.send_all(day)
    shifts = s.client.get("/v1/shifts", params={"day": TODAY}, headers=day.t.h()).json()["items"]
    body = {"vehicle_id": shifts[0]["vehicle_id"], "day": TOMORROW, "start": f"{TOMORROW}T12:30:00+01:00",
            "end": f"{TOMORROW}T15:30:00+01:00"}  # fmt: skip
    assert s.client.post("/v1/shifts", json=body, headers=day.t.h()).status_code == 201
    return day


def _offer(s: Site, token: str) -> dict[str, Any]:
    r = s.client.get(f"/v1/track/{token}/reschedule")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store" and INTERNAL_ID.findall(r.text) == []
    out: dict[str, Any] = r.json()
    return out


def _windows(panel: dict[str, Any]) -> dict[str, list[str]]:
    """Day -> the windows on offer as ``HH:MM-HH:MM`` (local time)."""
    return {d["date"]: [f"{w['start'][11:16]}-{w['end'][11:16]}" for w in d["windows"]] for d in panel["days"]}


def _choose(s: Site, token: str, day: str, hours: str) -> Any:
    start, end = hours.split("-")
    body = {"start": f"{day}T{start}:00+01:00", "end": f"{day}T{end}:00+01:00"}
    return s.client.post(f"/v1/track/{token}/reschedule", json=body)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _order(s: Site, day: CustomerDay, k: int) -> dict[str, Any]:
    out: dict[str, Any] = s.client.get(f"/v1/orders/{day.orders[k]}", headers=day.t.h()).json()
    return out


def _rescheduled(s: Site, order_id: str) -> list[dict[str, Any]]:
    with platform_of(s.client).sessions() as db:
        q = select(EventRow).where(EventRow.subject_id == order_id, EventRow.type == "order.rescheduled")
        return [e.data for e in db.scalars(q.order_by(EventRow.at, EventRow.id))]


def _proposals(s: Site, day: CustomerDay, order_id: str) -> list[tuple[str, str]]:
    props = s.client.get("/v1/live/proposals", params={"plan_id": day.plan["id"]}, headers=day.t.h()).json()
    return [(x["kind"], x["status"]) for x in props if x["subject_id"] == order_id]


def test_only_windows_a_van_can_keep_are_offered(site: Site) -> None:
    """At 08:00 today offers the two-hour windows (no slot policy) from 10:00 that a van can still serve before
    its shift ends at 18:00 (not 18:00-20:00), never the order's own 09:00-12:00 (it is not a two-hour window
    anyway); tomorrow only the windows the 12:30-15:30 van reaches (12:00-14:00, 14:00-16:00), and no day
    without a shift. Labels are in the customer's language."""
    day = _day(site)
    panel = _offer(site, site.token(day, 1))  # French
    assert panel["open"] is True and panel["closed"] == "" and panel["timezone"] == "Europe/Lisbon"
    assert _windows(panel) == {
        TODAY: ["10:00-12:00", "12:00-14:00", "14:00-16:00", "16:00-18:00"],
        TOMORROW: ["12:00-14:00", "14:00-16:00"],
    }
    assert panel["days"][1]["label"] == "mercredi 18 juin 2025"
    assert panel["days"][1]["windows"][0]["label"] == "12:00 – 14:00"
    site.clock.at("11:05")  # later in the day: windows starting within the hour are gone
    assert _windows(_offer(site, site.token(day, 1)))[TODAY] == ["14:00-16:00", "16:00-18:00"]


def test_a_day_the_depot_is_full_on_is_not_offered(site: Site) -> None:
    """The depot takes 2 parcels a day and tomorrow already has a 2-parcel order: tomorrow's windows go (a move
    would add the order's parcel there), today's stay (a move within its own day adds nothing); choosing
    tomorrow's window anyway is refused (E2172); cancelling tomorrow's order brings its windows back."""
    day = _day(site)
    c, t = site.client, day.t
    depot = c.get(f"/v1/depots/{t.ids['depot']}", headers=t.h()).json()
    keep = {k: depot[k] for k in ("name", "lat", "lng", "timezone", "address", "opens", "closes", "loading_s")}
    r = c.put(f"/v1/depots/{t.ids['depot']}?version={depot['version']}",
              json={**keep, "capacity_parcels_per_day": 2}, headers=t.h())  # fmt: skip
    assert r.status_code == 200, r.text
    big = c.post("/v1/orders", json=t.order(date=TOMORROW, size={"parcels": 2}, time_windows=[]), headers=t.h())
    assert big.status_code == 201, big.text
    windows = _windows(_offer(site, site.token(day, 1)))
    assert TOMORROW not in windows and windows[TODAY]
    assert _choose(site, site.token(day, 1), TOMORROW, "12:00-14:00").json()["error"]["code"] == "E2172"
    assert c.post(f"/v1/orders/{big.json()['id']}/cancel", headers=t.h()).status_code == 200
    assert _windows(_offer(site, site.token(day, 1)))[TOMORROW] == ["12:00-14:00", "14:00-16:00"]


def test_moving_within_the_live_day_reinserts_the_stop_with_its_new_window(site: Site) -> None:
    """On a dispatched route, another window today is a ``reschedule`` proposal applied at once: the stop is on a
    route again (the driver's app shows it) with the new window, the route has a new version, the page shows the
    new booked window, ``order.rescheduled`` is recorded and the customer gets a confirmation email."""
    day = _day(site)
    token, order = site.token(day, 0), day.orders[0]
    r, _ = _route_of(day, 0)
    route_id = day.plan["routes"][r]["id"]
    version = site.client.get(f"/v1/routes/{route_id}", headers=day.t.h()).json()["version"]
    moved = _choose(site, token, TODAY, "14:00-16:00")
    assert moved.status_code == 200, moved.text
    v = moved.json()
    assert v["status"] == "out_for_delivery" and v["booked"] == "Your booked window: 2:00\u202fPM – 4:00\u202fPM"
    assert INTERNAL_ID.findall(moved.text) == []
    assert _order(site, day, 0)["data"]["time_windows"] == [
        {"start": f"{TODAY}T14:00:00+01:00", "end": f"{TODAY}T16:00:00+01:00"}
    ]
    site.settle()
    stop = _driver_stop(site, day, order)
    assert stop is not None and _at(stop["window_start"]) == _at(f"{TODAY}T14:00:00+01:00")
    routes = [site.client.get(f"/v1/routes/{x['id']}", headers=day.t.h()).json() for x in day.plan["routes"]]
    planned = [x for rt in routes for x in rt["data"]["stops"] if x.get("order_id") == order]
    assert len(planned) == 1  # on exactly one route, served inside the new window
    served = _at(planned[0]["departure"]) - timedelta(seconds=planned[0]["service_s"])
    assert _at(f"{TODAY}T14:00:00+01:00") <= served <= _at(f"{TODAY}T16:00:00+01:00")
    assert site.client.get(f"/v1/routes/{route_id}", headers=day.t.h()).json()["version"] > version
    assert _proposals(site, day, order) == [("reschedule", "applied")]
    assert [(e["from_day"], e["day"], e["window"]["start"]) for e in _rescheduled(site, order)] == [
        (TODAY, TODAY, f"{TODAY}T14:00:00+01:00")
    ]
    site.settle()
    site.send_all(day)
    mails = [m for m in site.smtp.inbox.messages if str(m["To"]) == day.email_of(0)]
    assert [str(m["Subject"]) for m in mails][-1] == "Your delivery of O-0 moves to Tuesday, June 17, 2025"
    assert "2:00\u202fPM – 4:00\u202fPM" in mails[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_moving_to_another_day_takes_it_off_the_route_then_changes_directly(site: Site) -> None:
    """To tomorrow: the proposal takes the stop off today's route and the order is ``new`` tomorrow with the
    chosen window; moving again (now on no route) changes the order directly, without a proposal; each move is
    recorded and confirmed in the customer's language (German)."""
    day = _day(site)
    token, order = site.token(day, 2), day.orders[2]
    moved = _choose(site, token, TOMORROW, "12:00-14:00")
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "new"
    assert moved.json()["headline"] == "Ihre Lieferung wird auf Mittwoch, 18. Juni 2025, 12:00 – 14:00 verschoben."
    got = _order(site, day, 2)
    assert (got["status"], got["date"]) == ("new", TOMORROW)
    assert _driver_stop(site, day, order) is None
    assert _proposals(site, day, order) == [("reschedule", "applied")]
    assert _windows(_offer(site, token))[TOMORROW] == ["14:00-16:00"]  # its own window is not offered again
    again = _choose(site, token, TOMORROW, "14:00-16:00")
    assert again.status_code == 200, again.text
    got = _order(site, day, 2)
    assert (got["status"], got["date"], got["data"]["time_windows"][0]["start"]) == (
        "new", TOMORROW, f"{TOMORROW}T14:00:00+01:00",
    )  # fmt: skip
    assert _proposals(site, day, order) == [("reschedule", "applied")]  # the second move needed none
    assert [e["window"]["start"][11:16] for e in _rescheduled(site, order)] == ["12:00", "14:00"]
    site.settle()
    platform = site.client.app.state.platform  # type: ignore[attr-defined]
    confirmation = "Ihre Lieferung von O-2 kommt am Mittwoch, 18. Juni 2025"

    def confirmations() -> list[str]:
        subjects = [str(m["Subject"]) for m in site.smtp.inbox.messages if str(m["To"]) == day.email_of(2)]
        return [s for s in subjects if s == confirmation]

    # both confirmations go out, once each; a handler or a send that failed under load (SQLite busy, SMTP slow)
    # is retried after its back-off, so the test's pinned clock is moved on until they are due again
    for _ in range(6):
        dispatch_due(platform)
        send_due(platform)
        if len(confirmations()) >= 2:
            break
        site.clock.later(minutes=15)
    assert confirmations() == [confirmation] * 2


def test_a_window_that_became_infeasible_is_refused_with_the_windows_still_on_offer(site: Site) -> None:
    """Tomorrow's van takes three parcels: once three orders are booked for tomorrow its windows are no longer
    feasible, so choosing one offered before is refused (409 E2172) with the windows still on offer (today's
    only), and the order is unchanged; a window never offered is refused alike."""
    day = _day(site)
    token = site.token(day, 3)
    assert TOMORROW in _windows(_offer(site, token))
    items = [day.t.order(f"T-{k}", date=TOMORROW, time_windows=[{"start": "12:30", "end": "15:30"}])
             for k in range(3)]  # fmt: skip
    assert site.client.post("/v1/orders/bulk", json={"orders": items}, headers=day.t.h()).status_code == 201
    refused = _choose(site, token, TOMORROW, "12:00-14:00")
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"]["code"] == "E2172" and INTERNAL_ID.findall(refused.text) == []
    assert _windows(body["reschedule"]) == _windows(_offer(site, token))
    assert list(_windows(body["reschedule"])) == [TODAY]
    assert _order(site, day, 3)["date"] == TODAY
    never = _choose(site, token, TODAY, "18:00-20:00")
    assert never.status_code == 409 and never.json()["error"]["code"] == "E2172"
    assert _rescheduled(site, day.orders[3]) == []


def test_changes_close_at_the_cut_off_and_for_a_cancelled_order(site: Site) -> None:
    """Once the driver has started and the stop is within three, the panel is closed with the reason and moving
    is refused (409 E2171); a cancelled order's link is refused alike."""
    day = _day(site)
    r, orders = _route_of(day, 0)
    token = site.client.post(f"/v1/live/orders/{orders[-1]}/tracking-token", headers=day.t.h()).json()["token"]
    assert _offer(site, token)["open"] is True
    site.clock.at("09:00")
    depot = day.plan["routes"][r]["data"]["stops"][0]["location"]
    _drive(site, day, r, depot["lat"], depot["lng"])
    closed = _offer(site, token)
    assert closed["open"] is False and closed["days"] == [] and closed["closed"] != ""
    refused = _choose(site, token, TODAY, "14:00-16:00")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "E2171"
    cancelled_token = site.token(day, 4)
    assert site.client.post(f"/v1/orders/{day.orders[4]}/cancel", headers=day.t.h()).status_code == 200
    assert _offer(site, cancelled_token)["open"] is False
    gone = _choose(site, cancelled_token, TOMORROW, "12:00-14:00")
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "E2171"
    assert "cancelled" in gone.json()["error"]["message"]


def _taken(s: Site, org_id: str) -> dict[str, int]:
    with platform_of(s.client).sessions() as db:
        return {r.slot_key: r.taken for r in db.scalars(select(SlotCountRow).where(SlotCountRow.org_id == org_id))}


def test_with_a_slot_policy_the_policys_windows_are_offered_and_the_slot_place_follows(site: Site) -> None:
    """An order booked through a standard slot (10:00-12:00) the eve before: the panel offers the policy's
    standard windows the van can keep within its 08:00-18:00 shift (not premium ones, not its own, nothing after
    the shift); moving to 14:00-16:00 (no route yet: directly) moves the hold and its place to the new slot."""
    site.clock.now = EVE
    t = make_tenant(site.client)
    put_policy(site.client, t, policy(t))
    offered = offers(site.client, t)["offers"]
    ten = next(o for o in offered if o["service_level"] == "standard" and o["start"][11:16] == "10:00")
    held = hold(site.client, t, ten["id"]).json()
    order_id = confirm(site.client, t, held["id"]).json()["order_id"]
    token = site.client.post(f"/v1/live/orders/{order_id}/tracking-token", headers=t.h()).json()["token"]
    assert _taken(site, t.org_id) == {"lx|std|2025-06-17T09:00Z": 1}
    assert _windows(_offer(site, token)) == {DAY: ["08:00-10:00", "12:00-14:00", "14:00-16:00", "16:00-18:00"]}
    moved = _choose(site, token, DAY, "14:00-16:00")
    assert moved.status_code == 200, moved.text
    assert _taken(site, t.org_id) == {"lx|std|2025-06-17T09:00Z": 0, "lx|std|2025-06-17T13:00Z": 1}
    got = site.client.get(f"/v1/slots/holds/{held['id']}", headers=t.h()).json()
    assert (got["status"], _at(got["start"]), _at(got["end"])) == (
        "confirmed", _at(f"{DAY}T14:00:00+01:00"), _at(f"{DAY}T16:00:00+01:00"),
    )  # fmt: skip
    order = site.client.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    assert order["data"]["time_windows"] == [{"start": f"{DAY}T14:00:00+01:00", "end": f"{DAY}T16:00:00+01:00"}]


def test_with_learned_times_the_windows_the_address_is_reached_in_are_suggested(site: Site) -> None:
    """The address was reached 10 of 10 times on Tuesdays 14-16 and 0 of 10 at 10-12: with learned times on,
    today's 14:00-16:00 is the one suggested, with the note in the customer's language; off, none is."""
    day = _day(site)
    p = platform_of(site.client)
    loc = _order(site, day, 1)["data"]["location"]
    where = LatLng(loc["lat"], loc["lng"])
    attempts = [ReachObservation(where, 1, 14, True)] * 10 + [ReachObservation(where, 1, 10, False)] * 10
    with p.uow(day.t.org_id) as uow:
        save_learned(uow, LearnedTimes(learned_at=_at(f"{TODAY}T06:00:00+01:00"), reach=learn_reach(attempts)))
        uow.commit()
    before, p.travel.learned = p.travel.learned, True
    try:
        panel = _offer(site, site.token(day, 1))  # French
    finally:
        p.travel.learned = before
    marked = [(d["date"], w["start"][11:16], w["note"]) for d in panel["days"] for w in d["windows"] if w["suggested"]]
    assert marked == [(TODAY, "14:00", "vous êtes souvent là")]
    assert all(w["note"] == "" for d in panel["days"] for w in d["windows"] if not w["suggested"])
    off = _offer(site, site.token(day, 1))
    assert _windows(off) == _windows(panel) and not any(w["suggested"] for d in off["days"] for w in d["windows"])
