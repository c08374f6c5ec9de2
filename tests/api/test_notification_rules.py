"""Notification rules per organization, end to end against a real SMTP server and the local SMS provider: the
defaults send what Doorstep always sent; rules switch triggers and channels; the new triggers (order confirmed,
arriving soon, delayed, feedback request) write their messages once; quiet hours hold messages; an SMS STOP
(signed webhook) and an email's unsubscribe link opt the address out; a provider's status callback bounces."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from doorstep.notify.twilio import signature
from doorstep.services.customer.notifications import queue_messages
from doorstep.services.customer.notify_send import send_due
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.store.models import EventRow, MessageRow
from tests.api.conftest import platform_of
from tests.api.notify_day import PUBLIC, Notifying, customer_day, messages, notifying
from tests.api.test_plans import wait

__all__ = ["notifying"]  # the module-scoped app fixture
TOKEN = "secret-token"  # the local SMS provider's auth token (tests/notify/servers.py)
RULES = "/v1/organization/notification-rules"


def _put(n: Notifying, h: dict[str, str], doc: dict[str, Any]) -> dict[str, Any]:
    r = n.client.put(RULES, json=doc, headers=h)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _rule(trigger: str, channels: list[str], **settings: int) -> dict[str, Any]:
    return {"trigger": trigger, "enabled": True, "channels": channels, **settings}


def test_defaults_are_todays_behaviour_and_a_valid_document_round_trips(notifying: Notifying) -> None:
    """Before an admin saves rules, the five original triggers, ready_for_pickup and address_changed are on on both
    channels and the others off; a saved document comes back with every trigger (an unlisted one off) and its
    settings' defaults."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    got = n.client.get(RULES, headers=day.t.h("read")).json()
    on = {r["trigger"]: r["channels"] for r in got["rules"] if r["enabled"]}
    assert on == {t: ["email", "sms"] for t in
                  ("out_for_delivery", "delivered", "delivery_failed", "rescheduled", "return_scheduled",
                   "ready_for_pickup", "address_changed")}  # fmt: skip
    assert len(got["rules"]) == 13 and got["quiet_hours"] is None and got["sender"]["colour"] == "#0b6e4f"
    saved = _put(n, day.t.h(), {"rules": [_rule("arriving_soon", ["sms"], stops_away=2)],
                                "quiet_hours": {"start": "22:00", "end": "07:30"},
                                "sender": {"name": "Loja", "colour": "#AA0000"}})  # fmt: skip
    soon = next(r for r in saved["rules"] if r["trigger"] == "arriving_soon")
    assert soon == {"trigger": "arriving_soon", "enabled": True, "channels": ["sms"], "stops_away": 2,
                    "minutes_away": 15, "threshold_minutes": None, "delay_minutes": None}  # fmt: skip
    assert [r["trigger"] for r in saved["rules"] if r["enabled"]] == ["arriving_soon"]
    assert saved["quiet_hours"] == {"start": "22:00", "end": "07:30"} and saved["sender"]["colour"] == "#aa0000"
    assert n.client.get(RULES, headers=day.t.h("read")).json() == saved
    assert n.client.put(RULES, json={"rules": []}, headers=day.t.h("read")).status_code == 403


def test_every_problem_of_a_rules_document_is_reported_at_once(notifying: Notifying) -> None:
    """One refusal lists each problem with its code and place: E1460 unknown trigger, E1461 channels, E1462 a
    setting out of range or unknown and a repeated trigger, E1463 quiet hours, E1464 branding, E1465 logo; nothing is
    stored."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    doc = {
        "rules": [
            {"trigger": "teleported", "channels": ["email"]},
            {"trigger": "delivered", "channels": ["fax"]},
            {"trigger": "arriving_soon", "channels": ["sms"], "stops_away": 99, "colour": 1},
            {"trigger": "delayed", "channels": []},
            {"trigger": "delayed", "channels": ["sms"], "threshold_minutes": 0},
        ],
        "quiet_hours": {"start": "25:00", "end": "07:00"},
        "sender": {"name": "A\nB", "logo_url": "javascript:alert(1)", "colour": "green"},
    }
    r = n.client.put(RULES, json=doc, headers=day.t.h())
    assert r.status_code == 422, r.text
    details = [(d["code"], d["loc"]) for d in r.json()["error"]["details"]]
    assert details == [
        ("E1460", ["rules", 0, "trigger"]),
        ("E1461", ["rules", 1, "channels"]),
        ("E1462", ["rules", 2, "colour"]),
        ("E1462", ["rules", 2, "stops_away"]),
        ("E1461", ["rules", 3, "channels"]),
        ("E1462", ["rules", 4, "threshold_minutes"]),
        ("E1462", ["rules", 4, "trigger"]),
        ("E1463", ["quiet_hours", "start"]),
        ("E1464", ["sender", "name"]),
        ("E1465", ["sender", "logo_url"]),
        ("E1464", ["sender", "colour"]),
    ]
    assert r.json()["error"]["code"] == "E1000"
    assert n.client.get(RULES, headers=day.t.h("read")).json()["quiet_hours"] is None  # nothing stored


def test_rules_choose_triggers_and_channels(notifying: Notifying) -> None:
    """Order confirmed by email only: creating the orders writes one confirmation per usable email and no SMS;
    out for delivery switched off: dispatching sends nothing more; the branding's colour and logo are in the
    email's HTML and its text has an unsubscribe link."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    assert all(messages(n.client, day, k) == [] for k in range(6))  # confirmations were off when they were created
    _put(n, day.t.h(), {"rules": [_rule("order_confirmed", ["email"])],
                        "sender": {"name": "Loja Azul", "logo_url": "https://loja.example/l.png",
                                   "colour": "#123456"}})  # fmt: skip
    r = n.client.post("/v1/orders", json=day.t.order("N-1", contact={"name": "Rui", "email": "rui@example.org",
                      "phone": "+351 912 000 009", "language": "pt"}), headers=day.t.h())  # fmt: skip
    assert r.status_code == 201, r.text
    wait(n.client)
    listed = n.client.get(f"/v1/orders/{r.json()['id']}/messages", headers=day.t.h("read")).json()
    assert [(m["trigger"], m["channel"], m["status"]) for m in listed] == [("order_confirmed", "email", "sent")]
    mail = next(m for m in n.smtp.inbox.messages if m["To"] == "rui@example.org")
    assert mail["Subject"] == "Recebemos a sua encomenda N-1"
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "background:#123456" in html and 'src="https://loja.example/l.png"' in html and "Loja Azul" in html
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Deixar de receber estes e-mails: {PUBLIC}/u/" in text
    for route in day.plan["routes"]:
        version = n.client.get(f"/v1/routes/{route['id']}", headers=day.t.h()).json()["version"]
        n.client.post(f"/v1/routes/{route['id']}/dispatch", json={"version": version}, headers=day.t.h())
    wait(n.client)
    assert all(messages(n.client, day, k) == [] for k in range(6))  # out for delivery is off


def _eta_event(org_id: str, route_id: str, at: datetime, stops: list[tuple[str, int, int, int]]) -> EventRecord:
    """An ``eta.updated`` event as the ETA worker records it: (order, minutes ahead, stops before, late s)."""
    data = {"at": at.isoformat(), "stops": [
        {"order_id": o, "eta": (at + timedelta(minutes=m)).isoformat(), "stops_before": b, "late_s": late}
        for o, m, b, late in stops
    ]}  # fmt: skip
    return EventRecord("evt_test" + str(int(at.timestamp())), org_id, "eta.updated", route_id, "system", at,
                       data=data)  # fmt: skip


def test_arriving_soon_and_delayed_follow_the_eta_updates_once_each(notifying: Notifying) -> None:
    """Arriving soon (SMS, 1 stop or 10 minutes away) goes to the next stop and to one 8 minutes away, not to one
    2 stops and 40 minutes away; delayed (email, 15 minutes past the window) goes to the stop 20 minutes late,
    not the one 5 minutes late; the same and later updates write nothing twice."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    _put(n, day.t.h(), {"rules": [_rule("arriving_soon", ["sms"], stops_away=1, minutes_away=10),
                                  _rule("delayed", ["email"], threshold_minutes=15)]})  # fmt: skip
    p = platform_of(n.client)
    o = day.orders
    at = datetime.now(UTC)
    first = _eta_event(day.t.org_id, "rte_x", at, [(o[0], 25, 0, 0), (o[1], 8, 3, 300), (o[2], 40, 2, 1200)])
    ids = queue_messages(p, first)
    assert len(ids) == 3
    with p.sessions() as s:
        rows = s.scalars(select(MessageRow).where(MessageRow.id.in_(ids))).all()
        got = sorted((day.orders.index(r.order_id), r.trigger, r.channel) for r in rows)
    assert got == [(0, "arriving_soon", "sms"), (1, "arriving_soon", "sms"), (2, "delayed", "email")]
    later = _eta_event(day.t.org_id, "rte_x", at + timedelta(minutes=5), [(o[1], 3, 0, 0), (o[2], 30, 1, 1800)])
    assert queue_messages(p, later) == [] and queue_messages(p, first) == []
    send_due(p)
    late_mail = next(m for m in n.smtp.inbox.messages if m["To"] == day.email_of(2))
    assert late_mail["Subject"] == "Ihr Paket O-2 verspätet sich"


def test_quiet_hours_hold_messages_until_they_end_and_feedback_waits_its_delay(notifying: Notifying) -> None:
    """With quiet hours around now (in the depot's zone), a confirmation is written but due at the quiet hours'
    end and not sent before; a feedback request is due the rule's delay after the delivery."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    p = platform_of(n.client)
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo("Europe/Lisbon"))
    start, end = (local - timedelta(hours=1)).strftime("%H:%M"), (local + timedelta(hours=2)).strftime("%H:%M")
    _put(n, day.t.h(), {"rules": [_rule("order_confirmed", ["email"])], "quiet_hours": {"start": start, "end": end}})
    r = n.client.post("/v1/orders", json=day.t.order("Q-1", contact={"email": "quiet@example.org"}), headers=day.t.h())
    assert r.status_code == 201, r.text
    wait(n.client)
    [msg] = n.client.get(f"/v1/orders/{r.json()['id']}/messages", headers=day.t.h("read")).json()
    due = datetime.fromisoformat(msg["next_attempt_at"])
    assert msg["status"] == "queued" and msg["attempts"] == 0
    assert due.astimezone(ZoneInfo("Europe/Lisbon")).strftime("%H:%M") == end and due > now + timedelta(hours=1)
    send_due(p)
    assert [m for m in n.smtp.inbox.messages if m["To"] == "quiet@example.org"] == []
    assert send_due(replace(p, clock=lambda: due + timedelta(seconds=1))) >= 1
    assert len([m for m in n.smtp.inbox.messages if m["To"] == "quiet@example.org"]) == 1
    _put(n, day.t.h(), {"rules": [_rule("feedback_request", ["email"], delay_minutes=90)]})
    done = EventRecord("evt_fb", day.t.org_id, "stop.completed", "stp_x", "driver", now,
                       data={"order_id": day.orders[0], "at": now.isoformat()})  # fmt: skip
    [fid] = queue_messages(p, done)
    with p.sessions() as s:
        row = s.get(MessageRow, fid)
        assert row is not None and row.trigger == "feedback_request" and row.next_attempt_at is not None
        assert abs(row.next_attempt_at - (now + timedelta(minutes=90))) < timedelta(seconds=1)


def _sms_webhook(n: Notifying, path: str, form: dict[str, str], sign: bool = True) -> Any:
    headers = {"X-Twilio-Signature": signature(TOKEN, PUBLIC + path, form) if sign else "forged"}
    return n.client.post(path, data=form, headers=headers)


def test_sms_stop_opts_the_number_out_and_start_back_in(notifying: Notifying) -> None:
    """A signed inbound STOP from a number the organization texted opts it out: the next message to that order
    goes by email only; an unsigned webhook is refused (E4001) and changes nothing; START opts it back in."""
    n = notifying
    day = customer_day(n.client)
    p = platform_of(n.client)
    assert [m["channel"] for m in messages(n.client, day, 0)] == ["email", "sms"]
    forged = _sms_webhook(n, "/v1/sms/inbound", {"From": "+351912000000", "Body": "STOP"}, sign=False)
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "E4001"
    stop = _sms_webhook(n, "/v1/sms/inbound", {"From": "+351912000000", "To": "+351910000000", "Body": " stop "})
    assert stop.status_code == 200 and stop.json() == {"result": "opted_out"}
    done = EventRecord("evt_done0", day.t.org_id, "stop.completed", "stp_y", "driver", datetime.now(UTC),
                       data={"order_id": day.orders[0]})  # fmt: skip
    assert _queued(p, done) == ["email"]  # delivered: no SMS any more
    chat = _sms_webhook(n, "/v1/sms/inbound", {"From": "+351912000000", "Body": "hello"})
    assert chat.json() == {"result": "ignored"}
    start = _sms_webhook(n, "/v1/sms/inbound", {"From": "+351912000000", "Body": "START"})
    assert start.json() == {"result": "opted_in"}
    _put(n, day.t.h(), {"rules": [_rule("arriving_soon", ["sms"])]})
    soon = _eta_event(day.t.org_id, "rte_y", datetime.now(UTC), [(day.orders[0], 5, 0, 0)])
    assert _queued(p, soon) == ["sms"]


def _dispatch(n: Notifying, h: dict[str, str], route_id: str) -> None:
    version = n.client.get(f"/v1/routes/{route_id}", headers=h).json()["version"]
    assert n.client.post(f"/v1/routes/{route_id}/dispatch", json={"version": version}, headers=h).status_code == 200
    wait(n.client)


def _queued(p: Any, event: EventRecord) -> list[str]:
    """The channels of the messages the event writes now."""
    ids = queue_messages(p, event)
    with p.sessions() as s:
        return sorted(r.channel for r in s.scalars(select(MessageRow).where(MessageRow.id.in_(ids))))


def test_the_unsubscribe_link_opts_the_email_out_in_one_click(notifying: Notifying) -> None:
    """The link in an email opens a page with one button (opening it changes nothing); its POST opts the address
    out, queued emails to it are not sent and no new one is written; an unknown link is a 404."""
    n = notifying
    day = customer_day(n.client)
    p = platform_of(n.client)
    mail = next(m for m in n.smtp.inbox.messages if m["To"] == day.email_of(1))
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = next(w for w in text.split() if w.startswith(f"{PUBLIC}/u/"))
    path = link.removeprefix(PUBLIC)
    assert (mail["List-Unsubscribe"], mail["List-Unsubscribe-Post"]) == (f"<{link}>", "List-Unsubscribe=One-Click")
    page = n.client.get(path)
    assert page.status_code == 200 and "<button" in page.text and day.email_of(1) in page.text
    assert n.client.get(path).status_code == 200  # still not unsubscribed
    done = n.client.post(path)
    assert done.status_code == 200 and "Désabonnement effectué" in done.text  # order 1 speaks French
    assert "<button" not in n.client.get(path).text
    completed = EventRecord("evt_done1", day.t.org_id, "stop.completed", "stp_z", "driver", datetime.now(UTC),
                            data={"order_id": day.orders[1]})  # fmt: skip
    assert _queued(p, completed) == ["sms"]  # the delivered message: by SMS only now
    assert n.client.get("/u/not-a-token").status_code == 404


def test_an_undelivered_sms_reported_by_the_provider_is_bounced(notifying: Notifying) -> None:
    """The provider's signed status callback 'undelivered' for a sent SMS marks it bounced with the error code;
    'delivered' and unknown ids change nothing."""
    n = notifying
    day = customer_day(n.client)
    [sms] = [m for m in messages(n.client, day, 2) if m["channel"] == "sms"]
    assert sms["status"] == "sent"
    asked = [r["form"] for r in n.sms.log.requests if r["status"] == 201 and r["form"]["To"] == sms["recipient"]]
    assert asked and {f["StatusCallback"] for f in asked} == {f"{PUBLIC}/v1/sms/status"}  # where to report it
    ok = _sms_webhook(n, "/v1/sms/status", {"MessageSid": sms["provider_id"], "MessageStatus": "delivered"})
    assert ok.json() == {"result": "ignored"}
    bad = _sms_webhook(n, "/v1/sms/status", {"MessageSid": sms["provider_id"], "MessageStatus": "undelivered",
                                             "ErrorCode": "30003"})  # fmt: skip
    assert bad.json() == {"result": "bounced"}
    [after] = [m for m in messages(n.client, day, 2) if m["channel"] == "sms"]
    assert (after["status"], after["last_error"]) == ("bounced", "provider reported undelivered 30003")
    unknown = _sms_webhook(n, "/v1/sms/status", {"MessageSid": "SMnope", "MessageStatus": "failed"})
    assert unknown.json() == {"result": "ignored"}


def test_dispatch_records_eta_updates_and_the_next_stop_hears_it_is_arriving_soon(notifying: Notifying) -> None:
    """The real path: dispatching a route re-times it (operations), which records ``eta.updated`` with each
    remaining stop (published routes record none: the van is not out); with arriving soon on (email, the next
    stop) the first customer stop of each route with a usable email gets exactly one message, no other order."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    _put(n, day.t.h(), {"rules": [_rule("arriving_soon", ["email"], stops_away=1, minutes_away=0)]})
    p = platform_of(n.client)
    with p.sessions() as s:
        q = select(EventRow).where(EventRow.org_id == day.t.org_id, EventRow.type == "eta.updated")
        assert s.scalars(q).all() == []
    for route in day.plan["routes"]:
        _dispatch(n, day.t.h(), route["id"])
    p = platform_of(n.client)
    with p.sessions() as s:
        rows = s.scalars(select(EventRow).where(EventRow.org_id == day.t.org_id, EventRow.type == "eta.updated"))
        first = {e.subject_id: e.data["stops"][0]["order_id"] for e in rows}
    assert sorted(first) == sorted(r["id"] for r in day.plan["routes"])
    told = {k: [m["trigger"] for m in messages(n.client, day, k)] for k in range(6)}
    expected = {k: (["arriving_soon"] if day.orders[k] in first.values() and k != 5 else []) for k in range(6)}
    assert told == expected


def test_the_tracking_page_shows_the_sender_name_and_a_readable_brand_colour(notifying: Notifying) -> None:
    """The page's JSON names the rules' sender and its colour with the text colour that reads on it: white on a
    dark colour, near-black on a light one (WCAG contrast), the default green until rules name a colour."""
    n = notifying
    day = customer_day(n.client)
    token = n.client.post(f"/v1/live/orders/{day.orders[0]}/tracking-token", headers=day.t.h()).json()["token"]
    before = n.client.get(f"/v1/track/{token}").json()
    assert before["brand"] == {"colour": "#0b6e4f", "text": "#ffffff", "logo_url": ""}
    _put(n, day.t.h(), {"rules": [], "sender": {"name": "Loja Clara", "colour": "#F0F0F0"}})
    after = n.client.get(f"/v1/track/{token}").json()
    assert (after["organization"], after["brand"]) == (
        "Loja Clara", {"colour": "#f0f0f0", "text": "#111111", "logo_url": ""},
    )  # fmt: skip


def test_emails_come_from_the_rules_sender_name(notifying: Notifying) -> None:
    """With a sender name in the rules, the next email to a customer comes from that name (at the deployment's
    address); the emails before it kept the deployment's name."""
    n = notifying
    day = customer_day(n.client)
    p = platform_of(n.client)
    doc = n.client.get(RULES, headers=day.t.h()).json()
    _put(n, day.t.h(), {**doc, "sender": {**doc["sender"], "name": "Loja Verde"}})
    before = {m["Message-ID"] for m in n.smtp.inbox.messages}
    completed = EventRecord("evt_named", day.t.org_id, "stop.completed", "stp_n", "driver", datetime.now(UTC),
                            data={"order_id": day.orders[2]})  # fmt: skip
    assert "email" in _queued(p, completed)
    send_due(p)
    new = [m for m in n.smtp.inbox.messages if m["Message-ID"] not in before and m["To"] == day.email_of(2)]
    assert len(new) == 1 and new[0]["From"].startswith("Loja Verde <"), [m["From"] for m in new]


def _template(trigger: str, language: str, **sections: str) -> dict[str, str]:
    base = {"subject": "{{ order_ref }}", "sms": "{{ order_ref }} {{ tracking_url }}",
            "text": "{{ customer_name }}: {{ tracking_url }}", "html": "<p>{{ customer_name }}</p>"}  # fmt: skip
    return {"trigger": trigger, "language": language, **base, **sections}


def test_an_organizations_template_with_an_unknown_variable_is_refused_when_saved(notifying: Notifying) -> None:
    """Every problem of the templates at once — each unknown variable E1133 (two, in two sections), an unknown
    trigger E1460, a language without templates and an empty section E1466, a template that does not parse
    E1466 — and nothing is stored."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    bad = [
        _template("out_for_delivery", "pt", subject="{{ order_ref }} {{ coupon }}", html="<p>{{ discount }}</p>"),
        _template("never_heard_of", "xx", sms=""),
        _template("delivered", "en", text="{% if %}"),
    ]
    r = n.client.put(RULES, json={"rules": [], "templates": bad}, headers=day.t.h())
    assert r.status_code == 422, r.text
    found = sorted((d["code"], tuple(d["loc"]), d.get("id")) for d in r.json()["error"]["details"])
    assert found == [
        ("E1133", ("templates", 0), "coupon"), ("E1133", ("templates", 0), "discount"),
        ("E1460", ("templates", 1, "trigger"), None), ("E1466", ("templates", 1, "language"), None),
        ("E1466", ("templates", 1, "sms"), None), ("E1466", ("templates", 2), None),
    ]  # fmt: skip
    assert n.client.get(RULES, headers=day.t.h("read")).json()["templates"] == []


def test_an_organizations_own_template_words_its_messages_in_that_language(notifying: Notifying) -> None:
    """A Portuguese out-for-delivery template of the organization's own: the Portuguese customer's email uses it
    (subject, text, HTML, with the variables filled in), the English customer still gets Doorstep's wording; the
    saved document lists the template."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    own = _template("out_for_delivery", "pt", subject="A {{ order_ref }} sai hoje, {{ customer_name }}",
                    text="Siga aqui: {{ tracking_url }}", html="<p>Olá <b>{{ customer_name }}</b></p>")  # fmt: skip
    saved = _put(n, day.t.h(), {"rules": [_rule("out_for_delivery", ["email"])], "templates": [own]})
    assert saved["templates"] == [own]
    for route in day.plan["routes"]:
        version = n.client.get(f"/v1/routes/{route['id']}", headers=day.t.h()).json()["version"]
        n.client.post(f"/v1/routes/{route['id']}/dispatch", json={"version": version}, headers=day.t.h())
    wait(n.client)
    send_due(platform_of(n.client))
    pt = next(m for m in n.smtp.inbox.messages if m["To"] == day.email_of(4))  # order 4's customer speaks pt
    assert pt["Subject"] == "A O-4 sai hoje, Cliente 4"
    assert pt.get_body(("plain",)).get_content().startswith(f"Siga aqui: {PUBLIC}/t/")  # type: ignore[union-attr]
    assert "<p>Olá <b>Cliente 4</b></p>" in pt.get_body(("html",)).get_content()  # type: ignore[union-attr]
    en = next(m for m in n.smtp.inbox.messages if m["To"] == day.email_of(0))
    assert en["Subject"] == "Your parcel O-0 is on its way"
