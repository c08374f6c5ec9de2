"""Inviting a driver by SMS and email: a real SMTP server and a Twilio-compatible provider on 127.0.0.1 receive
exactly one message each, carrying a code that logs in to the driver app once; unusable or missing addresses and
unconfigured channels are refused with every problem at once; a provider down loses and duplicates nothing."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.domain.errors import DoorstepError
from doorstep.services.customer.notify_send import SCRUBBED, send_due
from doorstep.services.driver.driver_invite import invite
from doorstep.services.kernel.access import Actor, Permission, Role
from doorstep.store.models_messages import MessageRow
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.notify_day import PUBLIC, Notifying, notifying
from tests.api.test_plans import wait

__all__ = ["notifying"]  # the module-scoped app fixture
CODE = re.compile(r"\b([2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})\b")


def _driver(c: TestClient, t: Tenant, **kw: str) -> dict[str, Any]:
    r = c.post("/v1/drivers", json={"name": "Rita Costa", **kw}, headers=t.h())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _emails_to(n: Notifying, address: str) -> list[EmailMessage]:
    return [m for m in n.smtp.inbox.messages if str(m["To"]) == address]


def _texts_to(n: Notifying, number: str) -> list[dict[str, str]]:
    return [r["form"] for r in n.sms.log.requests if r["status"] == 201 and r["form"]["To"] == number]


def _calls_to(n: Notifying, number: str) -> int:
    """How many times the SMS provider was asked to send to ``number``, whatever it answered."""
    return sum(r["form"].get("To") == number for r in n.sms.log.requests if r["form"])


def _login(c: TestClient, code: str) -> int:
    return int(c.post("/v1/driver/session", json={"code": code}).status_code)


def test_invite_by_sms_and_email_delivers_one_code_that_logs_in_once(notifying: Notifying) -> None:
    """One SMS and one email, each with the same new code, its expiry and the driver app link, in the driver's
    language; the code opens a driver session once; the invites list says both were sent."""
    n, c = notifying, notifying.client
    t = make_tenant(c)
    email = f"rita.{t.org_id.lower()}@example.org"
    phone = f"+35191{uuid.uuid4().int % 10**7:07d}"
    drv = _driver(c, t, phone=phone.replace("+351", "+351 "), email=email, language="pt")
    assert drv["warnings"] == []
    r = c.post(f"/v1/drivers/{drv['id']}/invite", json={"channels": ["sms", "email"]}, headers=t.h("write"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert [(m["channel"], m["recipient"], m["status"], m["version"]) for m in body["messages"]] == [
        ("sms", phone, "queued", 1), ("email", email, "queued", 1),
    ]  # fmt: skip
    wait(c)
    mails, texts = _emails_to(n, email), _texts_to(n, phone)
    assert (len(mails), len(texts)) == (1, 1)
    text = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert mails[0]["Subject"] == "O seu código de acesso à aplicação do motorista"
    assert mails[0]["Content-Language"] == "pt"
    assert CODE.findall(text) == [body["code"]] and CODE.findall(texts[0]["Body"]) == [body["code"]]
    assert f"{PUBLIC}/driver" in text and f"{PUBLIC}/driver" in texts[0]["Body"]
    assert "Olá Rita Costa" in text and "de 20" in text  # the expiry day in Portuguese ("... de dezembro de 2026")
    assert _login(c, texts[0]["Body"].split(" é ")[1].split(" ")[0]) == 200
    again = c.post("/v1/driver/session", json={"code": body["code"]})
    assert (again.status_code, again.json()["error"]["code"]) == (401, "E1410")  # once
    listed = c.get(f"/v1/drivers/{drv['id']}/invites", headers=t.h("read")).json()
    assert [(m["channel"], m["status"], m["attempts"]) for m in listed] == [("email", "sent", 1), ("sms", "sent", 1)]
    assert all("body_text" not in m for m in listed)


def test_a_second_invite_is_a_new_message_and_a_new_code(notifying: Notifying) -> None:
    """Inviting again sends invite 2 (one more email, a different code); the first code still works once."""
    n, c = notifying, notifying.client
    t = make_tenant(c)
    email = f"joao.{t.org_id.lower()}@example.org"
    drv = _driver(c, t, email=email)
    first = c.post(f"/v1/drivers/{drv['id']}/invite", json={"channels": ["email", "email"]}, headers=t.h()).json()
    second = c.post(f"/v1/drivers/{drv['id']}/invite", json={"channels": ["email"]}, headers=t.h()).json()
    wait(c)
    assert [m["version"] for m in first["messages"] + second["messages"]] == [1, 2]
    codes = [CODE.findall(m.get_body(("plain",)).get_content())[0] for m in _emails_to(n, email)]  # type: ignore[union-attr]
    assert sorted(codes) == sorted([first["code"], second["code"]]) and first["code"] != second["code"]
    assert mails_subject(n, email) == ["Your driver app login code"] * 2
    assert _login(c, first["code"]) == 200


def mails_subject(n: Notifying, address: str) -> list[str]:
    """The subjects of the emails to one address."""
    return [str(m["Subject"]) for m in _emails_to(n, address)]


def test_unusable_and_missing_addresses_are_refused_all_at_once(notifying: Notifying) -> None:
    """A national phone number and an email without a domain are warned on the driver (W1211, W1210) and the
    invite names both channels (E1419); nothing is queued, no code is issued."""
    c = notifying.client
    t = make_tenant(c)
    drv = _driver(c, t, phone="912 000 111", email="rita-at-example")
    assert [(w["code"], w["loc"]) for w in drv["warnings"]] == [("W1210", ["email"]), ("W1211", ["phone"])]
    r = c.post(f"/v1/drivers/{drv['id']}/invite", json={"channels": ["sms", "email"]}, headers=t.h())
    assert r.status_code == 422, r.text
    details = r.json()["error"]["details"]
    assert [(d["code"], d["loc"]) for d in details] == [("E1419", ["channels", 0]), ("E1419", ["channels", 1])]
    bare = _driver(c, t)
    r = c.post(f"/v1/drivers/{bare['id']}/invite", json={"channels": ["sms"]}, headers=t.h())
    assert r.json()["error"]["code"] == "E1419" and "has no phone" in r.json()["error"]["message"]
    assert c.get(f"/v1/drivers/{drv['id']}/invites", headers=t.h()).json() == []


def _invited_while_sms_is_down(n: Notifying, prefix: str) -> tuple[Tenant, dict[str, object], str, dict[str, Any]]:
    """A new tenant's driver with a phone (``prefix`` and nine random digits) invited by SMS while the provider
    answers 503, after the send tried once: (tenant, driver, phone, the invite's answer)."""
    c = n.client
    t = make_tenant(c)
    phone = f"{prefix}{uuid.uuid4().int % 10**9:09d}"
    drv = _driver(c, t, phone=phone)
    n.sms.log.mode = "down"
    try:
        r = c.post(f"/v1/drivers/{drv['id']}/invite", json={"channels": ["sms"]}, headers=t.h())
        assert r.status_code == 201, r.text
        wait(c)
    finally:
        n.sms.log.mode = "ok"
    out: dict[str, Any] = r.json()
    return t, drv, phone, out


def test_an_sms_provider_down_delays_the_invite_without_losing_or_repeating_it(notifying: Notifying) -> None:
    """While the provider answers 503 the invite stays queued with its error; once it is back the next send
    delivers it exactly once."""
    n, c = notifying, notifying.client
    t, drv, phone, _ = _invited_while_sms_is_down(n, "+4915")
    listed = c.get(f"/v1/drivers/{drv['id']}/invites", headers=t.h()).json()
    assert [(m["status"], m["attempts"]) for m in listed] == [("queued", 1)] and "503" in listed[0]["last_error"]
    later = replace(platform_of(c), clock=lambda: datetime.now(UTC) + timedelta(hours=1))  # past the back-off
    assert send_due(later) >= 1
    send_due(later)
    assert len(_texts_to(n, phone)) == 1
    assert [m["status"] for m in c.get(f"/v1/drivers/{drv['id']}/invites", headers=t.h()).json()] == ["sent"]


def test_a_channel_not_configured_here_is_refused(client: TestClient) -> None:
    """Without an SMTP server or SMS provider configured, an invite on either channel is E1420 for each."""
    t = make_tenant(client)
    drv = _driver(client, t, phone="+351 912 345 678", email="rita@example.org")
    r = client.post(f"/v1/drivers/{drv['id']}/invite", json={"channels": ["email", "sms"]}, headers=t.h())
    assert r.status_code == 422, r.text
    assert [(d["code"], d["loc"]) for d in r.json()["error"]["details"]] == [
        ("E1420", ["channels", 0]), ("E1420", ["channels", 1]),
    ]  # fmt: skip


def _stored(c: TestClient, driver_id: str) -> list[MessageRow]:
    """The driver's invite messages as the outbox holds them (text included), oldest first."""
    with platform_of(c).sessions() as s:
        q = select(MessageRow).where(MessageRow.order_id == driver_id).order_by(MessageRow.version, MessageRow.channel)
        return list(s.scalars(q))


def test_the_code_leaves_the_outbox_once_the_invite_is_sent(notifying: Notifying) -> None:
    """The email and the SMS carry the code; once sent, their stored text no longer does (the messages table is
    readable by more people than the driver)."""
    n, c = notifying, notifying.client
    t = make_tenant(c)
    email, phone = f"ana.{t.org_id.lower()}@example.org", f"+35193{uuid.uuid4().int % 10**7:07d}"
    drv = _driver(c, t, email=email, phone=phone)
    code = c.post(f"/v1/drivers/{drv['id']}/invite", json={"channels": ["email", "sms"]}, headers=t.h()).json()["code"]
    wait(c)
    assert CODE.findall(_emails_to(n, email)[0].get_body(("plain",)).get_content()) == [code]  # type: ignore[union-attr]
    assert CODE.findall(_texts_to(n, phone)[0]["Body"]) == [code]
    sent = _stored(c, str(drv["id"]))
    assert [(m.channel, m.status) for m in sent] == [("email", "sent"), ("sms", "sent")]
    assert all(code not in m.body_text + m.body_html + m.subject for m in sent)
    assert [m.body_text for m in sent] == [SCRUBBED, SCRUBBED] and sent[0].body_html == ""


def test_an_invite_still_queued_when_its_code_expires_fails_unsent(notifying: Notifying) -> None:
    """With the SMS provider down for longer than the code lives, the invite is not sent late with a dead code:
    the next send after the expiry marks it failed without calling the provider, and its text is removed."""
    n, c = notifying, notifying.client
    t, drv, phone, invited = _invited_while_sms_is_down(n, "+4916")
    expires = datetime.fromisoformat(invited["expires_at"])
    [queued] = _stored(c, str(drv["id"]))
    assert (queued.status, queued.attempts, queued.send_by) == ("queued", 1, expires)
    assert invited["code"] in queued.body_text  # kept while it may still be sent
    calls = _calls_to(n, phone)
    assert calls == 1  # the attempt the provider refused
    expired = replace(platform_of(c), clock=lambda: expires + timedelta(seconds=1))
    send_due(expired)  # (it also sends other tests' due messages: the outbox is shared)
    assert _calls_to(n, phone) == calls and _texts_to(n, phone) == []  # the provider was not called
    [failed] = _stored(c, str(drv["id"]))
    assert (failed.status, failed.attempts, failed.body_text) == ("failed", 2, SCRUBBED)
    assert failed.last_error is not None and "not sent by" in failed.last_error
    listed = c.get(f"/v1/drivers/{drv['id']}/invites", headers=t.h()).json()
    assert [(m["status"], m["last_error"]) for m in listed] == [("failed", failed.last_error)]


def test_a_driver_gets_at_most_five_invites_an_hour(notifying: Notifying) -> None:
    """The sixth invite within an hour is refused 429 E4003 with Retry-After until the first leaves the hour, and
    issues no code and queues nothing; an hour after the first, one more goes."""
    n, c = notifying, notifying.client
    t = make_tenant(c)
    email = f"bea.{t.org_id.lower()}@example.org"
    drv = _driver(c, t, email=email)
    url = f"/v1/drivers/{drv['id']}/invite"
    first = datetime.now(UTC)
    for _ in range(5):
        assert c.post(url, json={"channels": ["email"]}, headers=t.h()).status_code == 201
    r = c.post(url, json={"channels": ["email"]}, headers=t.h())
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "E4003" and r.json()["error"]["details"][0]["loc"] == ["driver_id"]
    assert 3500 <= int(r.headers["Retry-After"]) <= 3600
    assert "5 invites in the last 60 minutes" in r.json()["error"]["message"]
    wait(c)
    assert len(_stored(c, str(drv["id"]))) == 5 and len(_emails_to(n, email)) == 5
    made = sorted(m.created_at for m in _stored(c, str(drv["id"])))
    assert first <= made[0]
    now = made[0] + timedelta(hours=1, microseconds=1)  # the first invite has just left the hour: room for one
    later = replace(platform_of(c), clock=lambda: now)
    actor = Actor(t.org_id, "usr_test", frozenset({Permission.READ, Permission.WRITE}), Role.DISPATCHER)
    assert invite(later, actor, str(drv["id"]), ["email"]).messages[0].version == 6
    with pytest.raises(DoorstepError) as refused:
        invite(later, actor, str(drv["id"]), ["email"])
    assert refused.value.code == "E4003"
    assert refused.value.retry_after_s == max(1, math.ceil((made[1] + timedelta(hours=1) - now).total_seconds()))
