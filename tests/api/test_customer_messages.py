"""Customer messages end to end: a real SMTP server and a Twilio-compatible SMS provider on 127.0.0.1 receive
exactly the expected messages per trigger, in each customer's language; unusable addresses are warned about
(W1210/W1211) and skipped; a provider down for a stretch loses and duplicates nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select

from doorstep.services.customer import notifications
from doorstep.services.customer.notifications import notify_customers, queue_messages
from doorstep.services.customer.notify_send import LEASE_S, _claim, send_due
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.store.models import EventRow, MessageRow
from tests.api.conftest import make_tenant, platform_of
from tests.api.notify_day import PUBLIC, CustomerDay, Notifying, customer_day, dispatch_all, messages, notifying, outbox
from tests.api.test_plans import wait

__all__ = ["notifying"]  # the module-scoped app fixture
SUBJECTS = {
    "en": "Your parcel O-0 is on its way", "fr": "Votre colis O-1 est en route", "de": "Ihr Paket O-2 ist unterwegs",
    "es": "Su paquete O-3 está en camino", "pt": "A sua encomenda O-4 está a caminho",
}  # fmt: skip


def _inbox(n: Notifying, day: CustomerDay) -> dict[str, list[EmailMessage]]:
    """The emails this tenant's customers received, by recipient."""
    out: dict[str, list[EmailMessage]] = {}
    for msg in n.smtp.inbox.messages:
        if day.t.org_id.lower() in str(msg["To"]):
            out.setdefault(str(msg["To"]), []).append(msg)
    return out


def _texts(n: Notifying, day: CustomerDay, numbers: set[str]) -> list[dict[str, str]]:
    """The SMS the provider accepted for these numbers with one of this tenant's texts (each carries a tracking
    link of its own). Every app of this worker shares one database and sends every tenant's due messages, so a
    message another module's tenant left queued may go out through this module's provider: not counted."""
    with platform_of(n.client).sessions() as s:
        mine = set(s.scalars(select(MessageRow.body_text).where(MessageRow.org_id == day.t.org_id)))
    return [r["form"] for r in n.sms.log.requests
            if r["status"] == 201 and r["form"]["To"] in numbers and r["form"]["Body"] in mine]  # fmt: skip


NUMBERS = {"+351912000000", "+351912000001", "+351912000002"}


def test_unusable_email_and_phone_are_warned_and_the_order_is_stored(notifying: Notifying) -> None:
    """W1210 for an email that cannot receive mail, W1211 for a number without its country code: both orders are
    created all the same, and no message ever goes to those addresses."""
    day = customer_day(notifying.client, dispatch=False)
    assert [(w["code"], w["loc"]) for w in day.warnings] == [
        ("W1211", ["orders", 3, "contact", "phone"]), ("W1210", ["orders", 5, "contact", "email"]),
    ]  # fmt: skip
    assert len(day.orders) == 6
    dispatch_all(notifying.client, day)
    assert [m["channel"] for m in messages(notifying.client, day, 3)] == ["email"]  # no SMS to 912 000 003
    assert messages(notifying.client, day, 5) == []  # no email, no phone: nothing


def test_out_for_delivery_reaches_each_customer_once_in_their_language(notifying: Notifying) -> None:
    """Dispatching the routes sends one email per usable address (5) and one SMS per usable mobile (3), exactly:
    multipart text + HTML, subject and Content-Language in the customer's language, the ETA window inside the
    order's 09:00-12:00 window in Lisbon time, and a signed tracking link on the public URL."""
    n = notifying
    day = customer_day(n.client)
    inbox = _inbox(n, day)
    assert sorted(inbox) == sorted(day.email_of(k) for k in range(5)), outbox(n.client, day.t.org_id)
    assert all(len(v) == 1 for v in inbox.values())
    for k, lang in enumerate(("en", "fr", "de", "es", "pt")):
        msg = inbox[day.email_of(k)][0]
        assert (msg["Subject"], msg["Content-Language"]) == (SUBJECTS[lang], lang)
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert f"{PUBLIC}/t/" in text and f"Cliente {k}" in text
    assert "reach you on Tuesday, June 17, 2025, " in inbox[day.email_of(0)][0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    texts = _texts(n, day, NUMBERS | {"+351912000003"})
    assert sorted(t["To"] for t in texts) == sorted(NUMBERS)
    assert all(t["From"] == "+351910000000" and len(t["Body"]) < 320 for t in texts)
    listed = messages(n.client, day, 0)
    assert [(m["channel"], m["trigger"], m["status"], m["attempts"], m["language"]) for m in listed] == [
        ("email", "out_for_delivery", "sent", 1, "en"), ("sms", "out_for_delivery", "sent", 1, "en"),
    ]  # fmt: skip
    assert listed[0]["provider_id"] == f"<{listed[0]['id']}@loja.example>"
    assert listed[1]["provider_id"].startswith("SM") and listed[1]["recipient"] == "+351912000000"
    window = listed[0]["body_text"].split("June 17, 2025, ")[1].split(".")[0]
    start, end = (datetime.strptime(x.strip().replace("\u202f", " "), "%I:%M %p") for x in window.split("–"))
    assert datetime(1900, 1, 1, 9) <= start < end <= datetime(1900, 1, 1, 12)


def test_the_tracking_link_opens_the_customers_own_tracking(notifying: Notifying) -> None:
    """The link in a message opens that order's tracking (the page's JSON here; tests/api/test_tracking_page.py
    covers the page), and the email and the SMS of one trigger carry the same link."""
    day = customer_day(notifying.client)
    email, sms = messages(notifying.client, day, 0)
    token = email["body_text"].split(f"{PUBLIC}/t/")[1].split()[0]
    assert f"{PUBLIC}/t/{token}" in sms["body_text"]
    r = notifying.client.get(f"/v1/track/{token}")
    assert r.status_code == 200 and r.json()["reference"] == "O-0", r.text


def _stop_of(c: object, day: CustomerDay, order_id: str) -> tuple[int, dict[str, object]]:
    for k, tokens in enumerate(day.tokens):
        routes = c.get("/v1/driver/routes", headers=tokens).json()["routes"]  # type: ignore[attr-defined]
        for route in routes:
            for stop in route["stops"]:
                if stop["order_id"] == order_id:
                    return k, stop
    raise AssertionError(f"order {order_id} is on no route")


def _act(n: Notifying, day: CustomerDay, k: int, status: str, reason: str | None = None) -> None:
    driver, stop = _stop_of(n.client, day, day.orders[k])
    body = {"client_id": f"c-{day.orders[k]}-{status}", "status": status, "at": "2025-06-17T10:30:00+01:00",
            "reason": reason}  # fmt: skip
    r = n.client.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=day.tokens[driver])
    assert r.status_code in (200, 201), r.text
    wait(n.client)


def test_delivered_and_failed_deliveries_are_told_with_time_reason_and_next_step(notifying: Notifying) -> None:
    """A completed stop sends 'delivered' with the local time; a failed one sends 'delivery failed' with the
    reason and the next attempt's day, in the customer's language; each exactly once, even when the driver's
    phone sends the same action again."""
    n = notifying
    day = customer_day(n.client)
    _act(n, day, 0, "completed")
    _act(n, day, 0, "completed")  # an offline replay: same client id
    _act(n, day, 4, "failed", "not_home")
    inbox = _inbox(n, day)
    assert [m["Subject"] for m in inbox[day.email_of(0)]] == ["Your parcel O-0 is on its way",
                                                             "Your parcel O-0 was delivered"]  # fmt: skip
    delivered = inbox[day.email_of(0)][1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "was delivered on Tuesday, June 17, 2025 at 10:30\u202fAM" in delivered
    assert [m["Subject"] for m in inbox[day.email_of(4)]] == [
        "A sua encomenda O-4 está a caminho", "Não foi possível entregar a sua encomenda O-4",
    ]  # fmt: skip
    failed = inbox[day.email_of(4)][1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "porque não estava ninguém em casa. Tentaremos de novo quarta-feira, 18 de junho de 2025." in failed
    assert [(m["trigger"], m["channel"]) for m in messages(n.client, day, 0)] == [
        ("out_for_delivery", "email"), ("out_for_delivery", "sms"), ("delivered", "email"), ("delivered", "sms"),
    ]  # fmt: skip
    assert len(_texts(n, day, {"+351912000000"})) == 2


def test_an_smtp_server_down_for_a_stretch_loses_nothing_and_duplicates_nothing(notifying: Notifying) -> None:
    """With the SMTP server down, the dispatch still succeeds and the emails stay queued with their error and a
    back-off (the SMS go out); once the server is back, one run sends every email, exactly once; more runs
    send nothing."""
    n = notifying
    n.smtp.stop()
    try:
        day = customer_day(n.client)
        queued = [m for k in range(5) for m in messages(n.client, day, k) if m["channel"] == "email"]
        # each route's dispatch tried one email, found the server down and left the rest for the next run
        assert [m["status"] for m in queued] == ["queued"] * 5, outbox(n.client, day.t.org_id)
        assert sorted(m["attempts"] for m in queued) == [0, 0, 0, 1, 1]
        assert all("ConnectionRefusedError" in m["last_error"] for m in queued if m["attempts"])
        assert len(_texts(n, day, NUMBERS)) == 3
        p = platform_of(n.client)
        send_due(p)  # the tried ones wait out their back-off; the next one finds the server down
        again = [m for k in range(5) for m in messages(n.client, day, k) if m["channel"] == "email"]
        assert sorted(m["attempts"] for m in again) == [0, 0, 1, 1, 1]
    finally:
        n.smtp.start()
    later = replace(p, clock=lambda: datetime.now(UTC) + timedelta(minutes=5))
    send_due(later)  # (the counts it returns include other tests' tenants in this database: not asserted on)
    assert sum(len(v) for v in _inbox(n, day).values()) == 5  # one run sent every email
    send_due(later)
    send_due(replace(p, clock=lambda: datetime.now(UTC) + timedelta(days=1)))
    inbox = _inbox(n, day)  # more runs sent none again
    assert sorted(inbox) == sorted(day.email_of(k) for k in range(5)) and all(len(v) == 1 for v in inbox.values())
    final = [m for k in range(5) for m in messages(n.client, day, k) if m["channel"] == "email"]
    assert [m["status"] for m in final] == ["sent"] * 5 and all(m["last_error"] is None for m in final)


def _dispatched(n: Notifying, day: CustomerDay) -> list[EventRecord]:
    """The day's ``route.dispatched`` events as their handlers get them."""
    with platform_of(n.client).sessions() as s:
        rows = s.scalars(select(EventRow).where(EventRow.org_id == day.t.org_id, EventRow.type == "route.dispatched"))
        return [EventRecord(e.id, e.org_id, e.type, e.subject_id, e.actor, e.at, data=dict(e.data)) for e in rows]


def test_handling_the_same_event_again_creates_no_message(notifying: Notifying) -> None:
    """Running the message handler again on a dispatched route (a retried handling, a redelivered job) writes
    no message and sends nothing: the de-duplication key (order, trigger, version, channel) holds."""
    n = notifying
    day = customer_day(n.client)
    p = platform_of(n.client)
    events = _dispatched(n, day)
    with p.sessions() as s:
        before = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.org_id == day.t.org_id))
    assert len(events) == 2 and before == 8
    sent_before = len(n.smtp.inbox.messages)
    for event in events:
        assert queue_messages(p, event) == []
        notify_customers(p, event)
    wait(n.client)
    with p.sessions() as s:
        after = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.org_id == day.t.org_id))
    assert after == 8 and len(n.smtp.inbox.messages) == sent_before


def test_a_handler_racing_another_for_the_same_messages_writes_none_and_does_not_fail(
    notifying: Notifying, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two handlers that call for the same message at once (two ``eta.updated`` of one route in two threads) both
    find none written; the one that commits second meets the de-duplication key. It reads again and writes
    nothing, instead of failing: a failed handling waits for the periodic sweep, and the messages of the rest of
    its event with it."""
    n = notifying
    day = customer_day(n.client)
    p = platform_of(n.client)
    events = _dispatched(n, day)
    real, reads = notifications._existing, []

    def read_before_the_other_committed(*args: Any) -> set[tuple[str, int, str]]:
        reads.append(args)
        return set() if len(reads) == 1 else real(*args)

    monkeypatch.setattr(notifications, "_existing", read_before_the_other_committed)
    assert queue_messages(p, events[0]) == []
    assert len(reads) >= 2  # the first write met the key, the second read saw the other's messages
    with p.sessions() as s:
        count = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.org_id == day.t.org_id))
    assert count == 8


def test_a_sender_that_died_holding_messages_is_taken_over_after_its_lease(notifying: Notifying) -> None:
    """Messages claimed by a sender that then died are not sent by another sender while the lease runs, and are
    sent once after it expires."""
    n = notifying
    n.smtp.stop()
    try:
        day = customer_day(n.client)
    finally:
        n.smtp.start()
    p = platform_of(n.client)
    soon = datetime.now(UTC) + timedelta(minutes=5)
    at = replace(p, clock=lambda: soon)
    claimed = _claim(at, soon, 100)  # the sender dies here, holding them
    assert sorted(c for _, c in claimed).count("email") >= 5
    assert send_due(at) == 0
    after = replace(p, clock=lambda: soon + timedelta(seconds=LEASE_S + 1))
    assert send_due(after) >= len(claimed)  # (and any other tenant's message that came due meanwhile)
    assert all(len(v) == 1 for v in _inbox(n, day).values()) and len(_inbox(n, day)) == 5


def test_one_run_works_through_a_backlog_older_than_the_new_messages(notifying: Notifying) -> None:
    """250 due emails older than a day's dispatch (a provider that was down all morning): the send the dispatch
    asks for takes them in order, 100 at a time, and reaches the new out-for-delivery emails in the same run."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    p = platform_of(n.client)
    old = datetime.now(UTC) - timedelta(hours=3)
    with p.sessions() as s:
        for k in range(250):
            s.add(MessageRow(
                id=f"msg_backlog{k:04d}{day.t.org_id[-8:]}", org_id=day.t.org_id, order_id=day.orders[5],
                event_id="evt_backlog", trigger="delivered", version=k + 1, channel="email",
                recipient=f"backlog{k}.{day.t.org_id.lower()}@example.org", language="en", subject="Delivered",
                body_text="Delivered.", body_html="<p>Delivered.</p>", status="queued", attempts=0,
                next_attempt_at=None, lease_until=None, last_error=None, provider_id=None, sent_at=None,
                created_at=old, updated_at=old,
            ))  # fmt: skip
        s.commit()
    dispatch_all(n.client, day)  # each route's handler asks for one send job
    inbox = _inbox(n, day)
    assert sorted(a for a in inbox if a.startswith("customer")) == sorted(day.email_of(k) for k in range(5))
    assert len([a for a in inbox if a.startswith("backlog")]) == 250 and all(len(v) == 1 for v in inbox.values())


def test_messages_of_another_organization_are_not_found(notifying: Notifying) -> None:
    """An order id of another tenant answers 404 E1302 (no hint that it exists)."""
    day = customer_day(notifying.client, dispatch=False)
    other = make_tenant(notifying.client)
    r = notifying.client.get(f"/v1/orders/{day.orders[0]}/messages", headers=other.h())
    assert r.status_code == 404 and r.json()["error"]["code"] == "E1302"


def test_a_scheduled_return_pickup_is_told_with_its_day_and_window(notifying: Notifying) -> None:
    """A customer's return inserted into the live day (auto-approved) sends 'return scheduled' once, in the
    customer's language, with the pickup's day and window in local time."""
    n = notifying
    day = customer_day(n.client)
    _act(n, day, 1, "completed")
    body = {"order_id": day.orders[1], "date": "2025-06-17", "auto_approve": True,
            "time_windows": [{"start": "2025-06-17T14:00:00+01:00", "end": "2025-06-17T16:00:00+01:00"}]}  # fmt: skip
    p = platform_of(n.client)
    real_clock = p.clock
    p.clock = lambda: datetime.fromisoformat("2025-06-17T10:45:00+01:00")  # the live day's "now"
    try:
        r = n.client.post("/v1/returns", json=body, headers=day.t.h())
    finally:
        p.clock = real_clock
    assert r.status_code == 201 and r.json()["status"] == "scheduled", r.text
    wait(n.client)
    subjects = [m["Subject"] for m in _inbox(n, day)[day.email_of(1)]]
    assert subjects == ["Votre colis O-1 est en route", "Votre colis O-1 a été livré", "Le retour de O-1 est planifié"]
    text = _inbox(n, day)[day.email_of(1)][2].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "le mardi 17 juin 2025, 14:00 – 16:00." in text
    assert [m["trigger"] for m in messages(n.client, day, 1) if m["channel"] == "email"] == [
        "out_for_delivery", "delivered", "return_scheduled",
    ]  # fmt: skip
