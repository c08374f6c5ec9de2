"""The customer tracking page and its JSON: opened from the link a customer received by email, in their
language; the arrival window narrows as the driver works the stops before theirs and never opens before the
booked window; no ETA after delivery or for a cancelled order; the driver only when next; the proof of delivery
(photo only where the organization allows); links that expire and can be revoked, all refused alike; no internal
id anywhere. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from doorstep.services.customer.tracking_links import NOT_FOUND
from tests.api.notify_day import CustomerDay, customer_day
from tests.api.test_live_api import sse_events
from tests.api.tracking_site import INTERNAL_ID, PUBLIC, Site, site

__all__ = ["site"]  # the module-scoped app fixture
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()


def _route_of(day: CustomerDay, k: int) -> tuple[int, list[str]]:
    """The route (index) that holds order k and its orders in visiting order."""
    for r, route in enumerate(day.plan["routes"]):
        orders = [s["order_id"] for s in route["data"]["stops"] if s.get("order_id")]
        if day.orders[k] in orders:
            return r, orders
    raise AssertionError(f"order {k} is on no route")


def _act(s: Site, day: CustomerDay, order_id: str, status: str, **body: Any) -> dict[str, Any]:
    """The driver of the order's route acts on its stop at the clock's time."""
    for r, tokens in enumerate(day.tokens):
        for route in s.client.get("/v1/driver/routes", headers=tokens).json()["routes"]:
            stop = next((x for x in route["stops"] if x["order_id"] == order_id), None)
            if stop is not None:
                payload = {"client_id": f"c-{order_id}-{status}", "status": status, "at": s.clock().isoformat(),
                           "position": {**stop["location"], "accuracy_m": 5}, **body}  # fmt: skip
                resp = s.client.post(f"/v1/driver/stops/{stop['id']}/events", json=payload, headers=day.tokens[r])
                assert resp.status_code in (200, 201), resp.text
                s.settle()
                out: dict[str, Any] = resp.json()
                return out
    raise AssertionError(f"order {order_id} is on no driver's route")


def _drive(s: Site, day: CustomerDay, r: int, lat: float, lng: float) -> None:
    """A GPS fix of route r's driver at the clock's time."""
    fix = {"client_id": f"fix-{s.clock().timestamp()}-{r}", "at": s.clock().isoformat(), "lat": lat, "lng": lng}
    body = {"route_id": day.plan["routes"][r]["id"], "positions": [fix]}
    resp = s.client.post("/v1/driver/positions", json=body, headers=day.tokens[r])
    assert resp.status_code == 200, resp.text
    s.settle()


def _day(s: Site) -> CustomerDay:
    """A dispatched day at 08:00 whose out-for-delivery emails were sent."""
    s.clock.at("08:00")
    day = customer_day(s.client)
    s.send_all(day)
    return day


def test_the_emailed_link_opens_the_customers_page_in_their_language(site: Site) -> None:
    """The out-for-delivery email links to ``PUBLIC/t/{token}``; the page is server-rendered HTML in the customer's
    language (Portuguese here), names the organization and the order, shows the timeline (planned and out for
    delivery reached) and the arrival window (widest margin: the route has not started), is not cached, and
    neither it nor its JSON names any internal id."""
    day = _day(site)
    token = site.token(day, 4)
    page = site.client.get(f"/t/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="pt">' in html and "Test courier" in html and "Encomenda O-4" in html
    assert "A sua encomenda está a caminho." in html and "Chegada prevista entre" in html
    v = site.view(token)
    assert (v["language"], v["status"], v["reference"], v["organization"]) == ("pt", "out_for_delivery", "O-4",
                                                                               "Test courier")  # fmt: skip
    assert [(x["step"], x["state"]) for x in v["steps"]] == [
        ("planned", "done"), ("out_for_delivery", "current"), ("arriving", "todo"), ("delivered", "todo"),
    ]  # fmt: skip
    assert v["eta"]["margin_minutes"] == 45 and v["eta"]["stops_before"] is None
    assert v["eta"]["text"] in html and v["driver"] is None and v["proof"] is None
    assert datetime.fromisoformat(v["eta"]["start"]) >= datetime.fromisoformat("2025-06-17T09:00:00+01:00")
    assert v["booked"] == "O seu horário reservado: 09:00 – 12:00"
    stream = site.client.get(f"/v1/track/{token}/stream?limit=1").text
    for text in (html, page.text, site.client.get(f"/v1/track/{token}").text, stream):
        assert INTERNAL_ID.findall(text) == []
    english = site.view(site.token(day, 0))
    assert english["language"] == "en" and english["steps"][1]["label"] == "Out for delivery"


def test_a_tampered_expired_or_revoked_link_is_one_and_the_same_404(site: Site) -> None:
    """A changed character, a truncated or made-up token, a link past its lifetime and a revoked link all answer
    404 E1451 with the same body (nothing says which part was wrong), as JSON, page and stream alike."""
    day = _day(site)
    token = site.token(day, 0)
    other = "A" if token[5] != "A" else "B"
    tampered, revoked_token = token[:5] + other + token[6:], site.token(day, 1)
    h = day.t.h()
    assert site.client.delete(f"/v1/live/orders/{day.orders[1]}/tracking-tokens", headers=h).json() == {"revoked": 1}
    bodies = set()
    for bad in (tampered, token[:-1], "x" * 32, "not-a-token", revoked_token):
        r = site.client.get(f"/v1/track/{bad}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "E1451", (bad, r.text)
        bodies.add(r.text)
        page = site.client.get(f"/t/{bad}", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        assert page.status_code == 404 and "Ce lien de suivi n&#39;existe pas" in page.text
        assert site.client.get(f"/v1/track/{bad}/stream").status_code == 404
    assert len(bodies) == 1 and NOT_FOUND in bodies.pop()
    assert site.view(token)["status"] == "out_for_delivery"  # the untouched link still works
    site.clock.later(days=3, seconds=1)  # links live 3 days
    try:
        expired = site.client.get(f"/v1/track/{token}")
        assert expired.status_code == 404 and expired.json()["error"]["code"] == "E1451"
    finally:
        site.clock.at("08:00")


def test_staff_issue_list_and_revoke_links_of_their_own_orders_only(site: Site) -> None:
    """A staff link opens the page at once; the order lists its links (the emailed one and the staff one, no
    token kept); revoking one link closes it and nothing else; another organization sees none of it (E1302)."""
    day = _day(site)
    h, order = day.t.h(), day.orders[2]
    link = site.client.post(f"/v1/live/orders/{order}/tracking-token", headers=day.t.h("read")).json()
    assert link["url"] == f"{PUBLIC}/t/{link['token']}" and link["api_url"] == f"/v1/track/{link['token']}"
    assert site.client.get(link["api_url"]).json()["reference"] == "O-2"
    listed = site.client.get(f"/v1/live/orders/{order}/tracking-tokens", headers=h).json()
    assert [x["issued_by"] for x in listed] == ["system", listed[1]["issued_by"]] and listed[1]["id"] == link["id"]
    assert listed[1]["issued_by"].startswith("key_")
    assert all("token" not in x for x in listed)
    assert site.client.delete(f"/v1/live/tracking-tokens/{link['id']}", headers=day.t.h("read")).status_code == 403
    assert site.client.delete(f"/v1/live/tracking-tokens/{link['id']}", headers=h).status_code == 204
    assert site.client.get(link["api_url"]).status_code == 404
    assert site.view(site.token(day, 2))["reference"] == "O-2"
    stranger = customer_day(site.client, dispatch=False)
    r = site.client.delete(f"/v1/live/tracking-tokens/{listed[0]['id']}", headers=stranger.t.h())
    assert r.status_code == 404 and r.json()["error"]["code"] == "E1302"
    r = site.client.post(f"/v1/live/orders/{order}/tracking-token", headers=stranger.t.h())
    assert r.status_code == 404


def test_the_window_narrows_as_the_driver_gets_closer_and_disappears_once_delivered(site: Site) -> None:
    """For the last stop of a three-stop route: ±45 min before the driver starts, then narrower with each stop
    served before it (±20 with two before, ±15 with one, ±10 when next), never opening before the booked 09:00
    and never before now; the driver's position only while this stop is next (never on another order's page);
    after delivery no window, the proof (recipient, safe place) and the timeline's delivery time."""
    day = _day(site)
    k_last = next(k for k in range(6) if _route_of(day, k)[1][-1] == day.orders[k])
    r, orders = _route_of(day, k_last)
    assert len(orders) == 3
    first = day.orders.index(orders[0])
    links = {k: site.client.post(f"/v1/live/orders/{day.orders[k]}/tracking-token", headers=day.t.h()).json()["token"]
             for k in (k_last, first)}  # fmt: skip
    mine, first_link = links[k_last], links[first]
    seen: list[tuple[int, int | None, datetime, datetime]] = []

    def look() -> dict[str, Any]:
        v = site.view(mine)
        start, end = datetime.fromisoformat(v["eta"]["start"]), datetime.fromisoformat(v["eta"]["end"])
        seen.append((v["eta"]["margin_minutes"], v["eta"]["stops_before"], start, end))
        assert start >= datetime.fromisoformat("2025-06-17T09:00:00+01:00") and start < end
        assert start >= site.clock() - timedelta(minutes=5)
        return v

    look()
    site.clock.at("09:00")
    depot = day.plan["routes"][r]["data"]["stops"][0]["location"]
    _drive(site, day, r, depot["lat"], depot["lng"])
    assert look()["driver"] is None
    assert site.view(first_link)["status"] == "arriving" and site.view(first_link)["driver"] is not None
    site.clock.at("09:40")
    _act(site, day, orders[0], "completed", proof={"recipient": "Ana"})
    assert look()["driver"] is None
    site.clock.at("10:05")
    _act(site, day, orders[1], "completed")
    stop = next(x for x in day.plan["routes"][r]["data"]["stops"] if x.get("order_id") == orders[1])
    _drive(site, day, r, stop["location"]["lat"], stop["location"]["lng"])
    v = look()
    assert (v["status"] == "arriving" and v["eta"]["progress"] == "You are the next stop") or v["language"] != "en"
    assert v["driver"] is not None and v["driver"]["lat"] == round(stop["location"]["lat"], 5)
    assert [(m, n) for m, n, *_ in seen] == [(45, None), (20, 2), (15, 1), (10, 0)]
    widths = [(e - start).total_seconds() for _, _, start, e in seen]
    assert widths[-1] < widths[1] < widths[0], seen
    site.clock.at("10:20")
    _act(site, day, orders[2], "completed", proof={"safe_place": "behind the blue gate", "photo": PNG})
    done = site.view(mine)
    assert done["status"] == "delivered" and done["eta"] is None and done["driver"] is None and done["booked"] == ""
    assert done["proof"]["left_at"].endswith("behind the blue gate") and done["proof"]["photo"] is False
    assert done["steps"][-1]["state"] == "current" and done["steps"][-1]["time"]
    assert 'aria-labelledby="eta-title" hidden>' in site.client.get(f"/t/{mine}").text
    assert site.client.get(f"/v1/track/{mine}/photo").status_code == 404
    first_done = site.view(first_link)
    assert first_done["proof"]["received_by"].endswith("Ana") and first_done["eta"] is None


def test_a_window_that_passed_before_the_driver_set_off_is_not_shown(site: Site) -> None:
    """The route is dispatched but its driver has not set off (no position, no stop worked): in the morning the
    page shows the planned window; once that window has passed it shows no time at all (a window in the past
    would mislead) but says the time comes when the driver leaves, with the booked window; as soon as the
    driver sets off, a window from now on is back."""
    day = _day(site)
    r, _ = _route_of(day, 0)  # order 0's customer reads English
    token = site.client.post(f"/v1/live/orders/{day.orders[0]}/tracking-token", headers=day.t.h()).json()["token"]
    morning = site.view(token)
    assert morning["eta"] is not None and morning["next_step"] == ""
    late = datetime.fromisoformat(morning["eta"]["end"]) + timedelta(minutes=1)
    site.clock.at(late.astimezone(timezone(timedelta(hours=1))).strftime("%H:%M"))  # the day's local time
    waiting = site.view(token)
    assert waiting["eta"] is None and waiting["booked"].startswith("Your booked window:")
    assert waiting["next_step"] == ("Your driver has not set off yet: we will show the arrival time as soon as they "
                                    f"do. {waiting['booked']}")  # fmt: skip
    assert waiting["next_step"] in site.client.get(f"/t/{token}").text  # the page as served, before any script
    depot = day.plan["routes"][r]["data"]["stops"][0]["location"]
    _drive(site, day, r, depot["lat"], depot["lng"])
    going = site.view(token)
    assert going["eta"] is not None and going["next_step"] == ""
    assert datetime.fromisoformat(going["eta"]["end"]) > site.clock()


def test_the_photo_shows_only_where_the_organization_allows_it(site: Site) -> None:
    """A delivery photo stays private until an admin switches the organization's tracking photo on (a read or
    write key may not); then the page offers it and the photo link serves it."""
    day = _day(site)
    token = site.client.post(f"/v1/live/orders/{day.orders[0]}/tracking-token", headers=day.t.h()).json()["token"]
    site.clock.at("10:00")
    _act(site, day, day.orders[0], "completed", proof={"photo": PNG, "recipient": "Rui"})
    assert site.view(token)["proof"]["photo"] is False
    assert site.client.get(f"/v1/track/{token}/photo").status_code == 404
    on = {"tracking_photo": True}
    assert site.client.put("/v1/organization/settings", json=on, headers=day.t.h("write")).status_code == 403
    r = site.client.put("/v1/organization/settings", json=on, headers=day.t.h())
    assert r.status_code == 200 and r.json() == {"name": "Test courier", "tracking_photo": True}
    assert site.client.get("/v1/organization/settings", headers=day.t.h("read")).json()["tracking_photo"] is True
    assert site.view(token)["proof"]["photo"] is True
    photo = site.client.get(f"/v1/track/{token}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert f'src="/v1/track/{token}/photo"' in site.client.get(f"/t/{token}").text


def test_a_cancelled_order_says_so_and_shows_no_window(site: Site) -> None:
    """The cancelled order's page says it was cancelled, in the customer's language, with no arrival window and
    a timeline that ends at the cancellation."""
    day = _day(site)
    token = site.token(day, 1)  # French
    r = site.client.post(f"/v1/orders/{day.orders[1]}/cancel", headers=day.t.h())
    assert r.status_code == 200, r.text
    site.settle()
    v = site.view(token)
    assert v["status"] == "cancelled" and v["eta"] is None and v["driver"] is None and v["booked"] == ""
    assert v["headline"].startswith("Cette livraison a été annulée")
    assert [x["step"] for x in v["steps"]][-1] == "cancelled" and v["steps"][-1]["state"] == "current"
    assert "Cette livraison a été annulée" in site.client.get(f"/t/{token}").text


def test_the_stream_sends_the_customers_page_again_when_their_route_moves(site: Site) -> None:
    """The stream starts with the page's content and sends it again when a stop of the order's route is worked;
    it never carries another order's data nor an internal id."""
    day = _day(site)
    _, orders = _route_of(day, 0)
    k = day.orders.index(orders[-1])
    token = site.client.post(f"/v1/live/orders/{day.orders[k]}/tracking-token", headers=day.t.h()).json()["token"]
    out: dict[str, str] = {}
    th = threading.Thread(target=lambda: out.update(body=site.client.get(f"/v1/track/{token}/stream?limit=2").text))
    th.start()
    broker = site.client.app.state.broker  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while broker.subscribers(f"org:{day.t.org_id}") == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    site.clock.at("09:30")
    _act(site, day, orders[0], "completed")
    th.join(20)
    assert not th.is_alive()
    events = sse_events(out["body"])
    assert [e["type"] for e in events] == ["tracking", "tracking"]
    assert events[0]["eta"]["stops_before"] is None and events[1]["eta"]["stops_before"] == len(orders) - 2
    assert INTERNAL_ID.findall(out["body"]) == [] and all(e["reference"] == f"O-{k}" for e in events)


def test_feedback_opens_after_delivery_checks_everything_at_once_and_replaces_itself(site: Site) -> None:
    """Before delivery a rating is refused (409 E2170); bad input answers every problem at once (E1454 rating,
    E1455 each unknown tag, E1456 a comment over 1,000 characters); a good rating is stored with the route and
    driver that delivered the order and recorded as ``feedback.received``; sending again replaces it (one per
    order); staff read it by delivery day and on the order, other organizations do not."""
    day = _day(site)
    token = site.token(day, 3)
    early = site.client.post(f"/v1/track/{token}/feedback", json={"rating": 5})
    assert early.status_code == 409 and early.json()["error"]["code"] == "E2170"
    site.clock.at("10:00")
    _act(site, day, day.orders[3], "completed", proof={"recipient": "Ana"})
    assert site.view(token)["feedback"]["open"] is True
    wrong = {"rating": 6, "tags": ["on_time", "rude", "shouty"], "comment": "x" * 1001}
    bad = site.client.post(f"/v1/track/{token}/feedback", json=wrong)
    assert bad.status_code == 422
    details = bad.json()["error"]["details"]
    assert [(d["code"], d["loc"]) for d in details] == [
        ("E1454", ["rating"]), ("E1455", ["tags", 1]), ("E1455", ["tags", 2]), ("E1456", ["comment"]),
    ]  # fmt: skip
    zero = site.client.post(f"/v1/track/{token}/feedback", json={"rating": 0})
    assert zero.json()["error"]["code"] == "E1454"
    body = {"rating": 4, "tags": ["on_time", "friendly", "on_time"], "comment": " Obrigado! "}
    good = site.client.post(f"/v1/track/{token}/feedback", json=body)
    assert good.status_code == 200, good.text
    assert {k: good.json()[k] for k in ("rating", "tags", "comment", "revisions")} == {
        "rating": 4, "tags": ["on_time", "friendly"], "comment": "Obrigado!", "revisions": 1,
    }  # fmt: skip
    again = site.client.post(f"/v1/track/{token}/feedback", json={"rating": 5, "tags": ["careful"]})
    assert again.status_code == 200 and again.json()["revisions"] == 2
    v = site.view(token)["feedback"]
    assert (v["rating"], v["tags"], v["comment"]) == (5, ["careful"], "")
    route, _ = _route_of(day, 3)
    listed = site.client.get("/v1/feedback", params={"from": "2025-06-17", "to": "2025-06-17"}, headers=day.t.h("read"))
    assert listed.status_code == 200, listed.text
    mine = [f for f in listed.json() if f["order_id"] == day.orders[3]]
    assert len(mine) == 1 and mine[0]["rating"] == 5 and mine[0]["external_ref"] == "O-3"
    assert (mine[0]["route_id"], mine[0]["driver_id"]) == (day.plan["routes"][route]["id"], day.drivers[route])
    assert mine[0]["day"] == "2025-06-17" and mine[0]["language"] == "es"
    later = site.client.get("/v1/feedback", params={"from": "2025-06-18"}, headers=day.t.h("read")).json()
    assert later == []
    one = site.client.get(f"/v1/orders/{day.orders[3]}/feedback", headers=day.t.h("read")).json()
    assert one["id"] == mine[0]["id"] and one["revisions"] == 2
    assert site.client.get(f"/v1/orders/{day.orders[0]}/feedback", headers=day.t.h("read")).json() is None
    timeline = site.client.get(f"/v1/orders/{day.orders[3]}/timeline", headers=day.t.h("read")).json()
    rated = [e for e in timeline if e["type"] == "feedback.received"]
    assert [e["data"]["rating"] for e in rated] == [4, 5] and rated[0]["actor"] == "customer"
    stranger = customer_day(site.client, dispatch=False)
    assert site.client.get(f"/v1/orders/{day.orders[3]}/feedback", headers=stranger.t.h()).status_code == 404
    assert site.client.get("/v1/feedback", headers=stranger.t.h()).json() == []


def _driver_stop(s: Site, day: CustomerDay, order_id: str) -> dict[str, Any] | None:
    """The order's stop as its driver's app shows it (None: on no driver's route)."""
    for tokens in day.tokens:
        for route in s.client.get("/v1/driver/routes", headers=tokens).json()["routes"]:
            for stop in route["stops"]:
                if stop["order_id"] == order_id:
                    out: dict[str, Any] = stop
                    return out
    return None


def test_the_customer_leaves_instructions_until_the_driver_is_three_stops_away(site: Site) -> None:
    """Before the driver starts, instructions and a safe-place permission are an ``instructions`` proposal
    applied at once: the page and the driver's app show them, the dispatcher sees the applied proposal; too long
    is refused with both problems (E1457); once the driver has started and the stop is within three (two stops
    before it) changes are closed (409 E2171) and the page says so."""
    day = _day(site)
    r, orders = _route_of(day, 0)
    token = site.client.post(f"/v1/live/orders/{orders[-1]}/tracking-token", headers=day.t.h()).json()["token"]
    assert site.view(token)["changes"] == {"open": True, "instructions": "", "safe_place_allowed": False,
                                           "safe_place": "", "closed": "", "pickup": False,
                                           "address": False}  # fmt: skip
    long = {"instructions": "x" * 501, "safe_place_allowed": True, "safe_place": "y" * 201}
    bad = site.client.put(f"/v1/track/{token}/instructions", json=long)
    assert bad.status_code == 422
    assert [(d["code"], d["loc"]) for d in bad.json()["error"]["details"]] == [("E1457", ["instructions"]),
                                                                               ("E1457", ["safe_place"])]  # fmt: skip
    body = {"instructions": "Ring twice", "safe_place_allowed": True, "safe_place": "behind the blue gate"}
    r_ = site.client.put(f"/v1/track/{token}/instructions", json=body)
    assert r_.status_code == 200, r_.text
    assert r_.json()["changes"]["instructions"] == "Ring twice" and r_.json()["changes"]["safe_place_allowed"]
    stop = _driver_stop(site, day, orders[-1])
    assert stop is not None and stop["instructions"] == "Ring twice"
    assert stop["safe_place"] == {"allowed": True, "where": "behind the blue gate"}
    props = site.client.get("/v1/live/proposals", params={"plan_id": day.plan["id"]}, headers=day.t.h()).json()
    mine = [x for x in props if x["subject_id"] == orders[-1]]
    assert [(x["kind"], x["status"], x["decided_by"]) for x in mine] == [("instructions", "applied", "customer")]
    site.clock.at("09:00")
    depot = day.plan["routes"][r]["data"]["stops"][0]["location"]
    _drive(site, day, r, depot["lat"], depot["lng"])
    closed = site.view(token)
    assert closed["eta"]["stops_before"] == 2 and closed["changes"]["open"] is False
    assert closed["changes"]["closed"].startswith("Your driver is nearly there") or closed["language"] != "en"
    refused = site.client.put(f"/v1/track/{token}/instructions", json={"instructions": "Leave it anywhere"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "E2171"
    late = site.client.post(f"/v1/track/{token}/not-home")
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2171"
    assert 'aria-labelledby="changes-title" hidden>' in site.client.get(f"/t/{token}").text


def test_not_home_today_takes_the_order_off_the_route_and_moves_it_to_the_next_day(site: Site) -> None:
    """"I'm not home today" before the driver is three stops away: a ``not_home`` proposal applied at once takes
    the stop off the route (the driver's app no longer lists it, the route has a new version), the order is new
    again on the next day with its windows a day later, and the page says where the delivery moved; an order on
    no route moves directly."""
    day = _day(site)
    token = site.token(day, 0)
    order = day.orders[0]
    r, _ = _route_of(day, 0)
    version = site.client.get(f"/v1/routes/{day.plan['routes'][r]['id']}", headers=day.t.h()).json()["version"]
    moved = site.client.post(f"/v1/track/{token}/not-home")
    assert moved.status_code == 200, moved.text
    v = moved.json()
    assert v["status"] == "new" and v["eta"] is None
    assert v["headline"] == "You are not home today: your delivery moves to Wednesday, June 18, 2025."
    got = site.client.get(f"/v1/orders/{order}", headers=day.t.h()).json()
    assert (got["status"], got["date"]) == ("new", "2025-06-18")
    assert got["data"]["time_windows"][0]["start"].startswith("2025-06-18T09:00")
    assert _driver_stop(site, day, order) is None
    after = site.client.get(f"/v1/routes/{day.plan['routes'][r]['id']}", headers=day.t.h()).json()["version"]
    assert after > version
    props = site.client.get("/v1/live/proposals", params={"plan_id": day.plan["id"]}, headers=day.t.h()).json()
    assert [(x["kind"], x["status"]) for x in props if x["subject_id"] == order] == [("not_home", "applied")]
    again = site.client.post(f"/v1/track/{token}/not-home").json()  # on no route now: moves directly
    assert again["headline"].endswith("Thursday, June 19, 2025.")
