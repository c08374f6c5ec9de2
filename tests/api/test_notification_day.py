"""A simulated day of customer messages end to end: every rule on, a real SMTP server and the local SMS provider,
the sending done by a separate process (``tests/notify/sender_process.py``) that is killed with SIGKILL mid-day
while both providers are down; a second sender takes over once the providers are back. Every order receives
exactly the expected messages per trigger and channel, in its language: nothing lost, nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.api.app import create_app
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import EventHandlingRow, MessageRow
from tests.api.conftest import make_tenant, platform_of
from tests.api.driver_day import login
from tests.api.notify_day import LANGUAGES, PUBLIC, customer, notify_settings
from tests.api.test_plans import SPOTS, plan_now, two_vans, wait
from tests.notify.servers import SmsServer, SmtpServer

ROOT = Path(__file__).resolve().parents[2]
TRIGGERS = ("order_confirmed", "scheduled", "out_for_delivery", "arriving_soon", "delivered", "feedback_request")
EMAILS, PHONES = range(5), range(3)  # orders with a usable email / mobile (tests/api/notify_day.customer)
SUBJECT = {  # the out-for-delivery subject in each customer's language
    "en": "Your parcel O-{k} is on its way", "fr": "Votre colis O-{k} est en route",
    "de": "Ihr Paket O-{k} ist unterwegs", "es": "Su paquete O-{k} está en camino",
    "pt": "A sua encomenda O-{k} está a caminho",
}  # fmt: skip


class QueueOnly:
    """The API process's runner minus ``notify.send``: messages are written here and sent by the other process."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Run every job but the sender."""
        if name != "notify.send":
            self.inner.submit(platform, name, kwargs)


def _sender(db_url: str, smtp: SmtpServer, sms: SmsServer) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.notify.sender_process", db_url, smtp.url, sms.url, PUBLIC],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _until(what: str, check: Callable[[], bool], state: Callable[[], object] = str, deadline_s: float = 120) -> None:
    """Wait for a condition (the machine is loaded: a generous deadline, checked often); on time-out, say what
    ``state`` shows."""
    end = time.monotonic() + deadline_s
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting until {what}: {state()}")
        time.sleep(0.1)


def _all_sent(p: Platform, org_id: str, count: int) -> bool:
    """Whether the organization has ``count`` messages, all sent."""
    rows = _rows(p, org_id)
    return len(rows) == count and {m.status for m in rows} == {"sent"}


def _summary(p: Platform, org_id: str) -> str:
    """What a timed-out wait reports: (trigger, channel, status, attempts) → messages, and the event handlings
    that failed (a failed handling is retried by the periodic sweep, which this app does not run)."""
    with p.sessions() as s:
        q = select(EventHandlingRow).where(EventHandlingRow.org_id == org_id, EventHandlingRow.attempts > 0)
        failed = [(h.handler, h.status, h.last_error) for h in s.scalars(q)]
    return f"{Counter((m.trigger, m.channel, m.status, m.attempts) for m in _rows(p, org_id))}, failed: {failed}"


def _rows(p: Platform, org_id: str) -> list[MessageRow]:
    with p.sessions() as s:
        return list(s.scalars(select(MessageRow).where(MessageRow.org_id == org_id)))


@pytest.fixture
def app(db_url: str) -> Iterator[tuple[TestClient, SmtpServer, SmsServer]]:
    """The API process (queueing only) with its servers."""
    smtp, sms = SmtpServer(), SmsServer()
    smtp.start()
    sms.start()
    with TestClient(create_app(notify_settings(db_url, smtp, sms))) as c:
        p = platform_of(c)
        p.runner = QueueOnly(p.runner)
        yield c, smtp, sms
    smtp.stop()
    sms.stop()


def _every_rule_on(c: TestClient, h: dict[str, str]) -> None:
    rules = [{"trigger": t, "enabled": True, "channels": ["email", "sms"]} for t in TRIGGERS]
    rules[3] |= {"stops_away": 1, "minutes_away": 0}  # arriving soon: the next stop only
    rules[5] |= {"delay_minutes": 0}
    r = c.put("/v1/organization/notification-rules", json={"rules": rules}, headers=h)
    assert r.status_code == 200, r.text


def test_a_day_of_messages_survives_a_killed_sender_and_providers_down(
    app: tuple[TestClient, SmtpServer, SmsServer], db_url: str
) -> None:
    """Six customers (five emails, three mobiles), every trigger on: confirmed, scheduled, out for delivery,
    arriving soon (each order in turn as the driver works the route), delivered, feedback request. The first
    sender is killed (SIGKILL) holding a day's dispatch messages while SMTP and SMS are down; the stops are done
    meanwhile; a new sender sends everything once the providers are back. Each order has exactly one sent
    message per trigger and usable channel, the inbox one email per message (its language's subject), the SMS
    provider one text per message."""
    c, smtp, sms = app
    p = platform_of(c)
    t = make_tenant(c)
    _every_rule_on(c, t.h())
    two_vans(c, t, parcels=3)
    items = [t.order(f"O-{k}", location={"lat": SPOTS[k][0], "lng": SPOTS[k][1]}, contact=customer(t, k))
             for k in range(6)]  # fmt: skip
    orders = [o["id"] for o in c.post("/v1/orders/bulk", json={"orders": items}, headers=t.h()).json()["orders"]]
    plan = plan_now(c, t)
    assert plan["status"] == "succeeded" and plan["unassigned"] == [], plan
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    tokens = []
    for k, route in enumerate(plan["routes"]):
        drv = c.post("/v1/drivers", json={"name": f"Driver {k}"}, headers=t.h()).json()["id"]
        assert c.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1},
                      headers=t.h()).status_code == 200  # fmt: skip
        tokens.append(login(c, t, drv))
    wait(c)
    first = _sender(db_url, smtp, sms)
    try:
        _until("confirmations and schedules are written and sent", lambda: _all_sent(p, t.org_id, 2 * (5 + 3)),
               lambda: _summary(p, t.org_id))  # fmt: skip
        smtp.stop()
        sms.log.mode = "down"
        for route in plan["routes"]:
            version = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["version"]
            assert c.post(f"/v1/routes/{route['id']}/dispatch", json={"version": version},
                          headers=t.h()).status_code == 200  # fmt: skip
        wait(c)
        _until("the first sender has tried the dispatch messages",
               lambda: any(m.attempts and m.status == "queued" for m in _rows(p, t.org_id)))  # fmt: skip
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    assert first.returncode == -signal.SIGKILL
    _drive_every_stop(c, tokens)
    second = _sender(db_url, smtp, sms)
    try:
        time.sleep(2)  # the second sender meets the providers still down
        smtp.start()
        sms.log.mode = "ok"
        expected = len(TRIGGERS) * (len(EMAILS) + len(PHONES))
        _until("every message is written and sent", lambda: _all_sent(p, t.org_id, expected),
               lambda: f"{_summary(p, t.org_id)}, sender exit code {second.poll()}")  # fmt: skip
        time.sleep(1)  # a duplicate would show now
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(30)
    _check_counts(p, t.org_id, orders, smtp, sms)


def _drive_every_stop(c: TestClient, tokens: list[dict[str, str]]) -> None:
    """Each driver completes their stops in order (each stop brings the next one's arriving-soon)."""
    for headers in tokens:
        for route in c.get("/v1/driver/routes", headers=headers).json()["routes"]:
            for n, stop in enumerate(s for s in route["stops"] if s.get("order_id")):
                body = {"client_id": f"c-{stop['id']}", "status": "completed",
                        "at": f"2025-06-17T10:{10 + n:02d}:00+01:00"}  # fmt: skip
                r = c.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=headers)
                assert r.status_code in (200, 201), r.text
                _settle(c)


def _settle(c: TestClient) -> None:
    """Let the ETA worker re-time the route after a stop, then the jobs it started (event handlers writing
    messages): the driver does the next stop only once the day has caught up with the last one."""
    app: Any = c.app
    assert app.state.eta_runner.wait_idle(60) and app.state.runner.wait_idle(60)


def _check_counts(p: Platform, org_id: str, orders: list[str], smtp: SmtpServer, sms: SmsServer) -> None:
    rows = _rows(p, org_id)
    per = Counter((orders.index(m.order_id), m.trigger, m.channel) for m in rows)
    want = Counter({(k, tr, ch): 1 for k in range(6) for tr in TRIGGERS for ch in ("email", "sms")
                    if (k in EMAILS if ch == "email" else k in PHONES)})  # fmt: skip
    assert per == want
    assert all(m.language == (LANGUAGES[orders.index(m.order_id)] or "en") for m in rows)
    ids = {f"<{m.id}@loja.example>" for m in rows if m.channel == "email"}
    mails = [m for m in smtp.inbox.messages if m["Message-ID"] in ids]
    assert sorted(m["Message-ID"] for m in mails) == sorted(ids)  # every email once: none lost, none twice
    for k in EMAILS:
        subjects = [str(m["Subject"]) for m in mails if m["To"] == f"customer{k}.{org_id.lower()}@example.org"]
        assert len(subjects) == len(TRIGGERS) and SUBJECT[LANGUAGES[k] or "en"].format(k=k) in subjects
    sids = {m.provider_id for m in rows if m.channel == "sms"}
    texts = [r for r in sms.log.requests if r["status"] == 201 and r["form"]["To"] in
             {"+351912000000", "+351912000001", "+351912000002"}]  # fmt: skip
    assert len(texts) == len(sids) == len(TRIGGERS) * len(PHONES)
