"""Late bounces (SQLite and PostgreSQL): with ``DOORSTEP_BOUNCE_ADDRESS`` set, every customer email goes out with
its VERP envelope sender; a delivery status notification that comes back to the bounce mailbox (the real SMTP
server of ``doorstep bounces serve``, or a pipe into ``doorstep bounces read -``) marks the email ``bounced``; an
address that no longer exists is opted out of the organization's emails, a full mailbox is not; a delay warning,
an auto-reply or the same report again change nothing."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.api.app import create_app
from doorstep.notify.bounce_server import bounce_server
from doorstep.services.customer.email_bounces import record_report
from doorstep.store.models import OptOutRow
from tests.api.conftest import platform_of
from tests.api.notify_day import CustomerDay, Notifying, customer_day, messages, notify_settings
from tests.api.test_customer_messages import _act
from tests.notify.dsn_samples import auto_reply, delayed_dsn, postfix_dsn
from tests.notify.servers import SmsServer, SmtpServer, free_port

BOUNCES = "bounces@loja.example"


@pytest.fixture(scope="module")
def notifying(db_url: str) -> Iterator[Notifying]:
    """An app sending customer messages to local servers, late bounces to ``BOUNCES``."""
    smtp, sms = SmtpServer(), SmsServer()
    smtp.start()
    sms.start()
    settings = notify_settings(db_url, smtp, sms).model_copy(update={"bounce_address": BOUNCES})
    with TestClient(create_app(settings)) as c:
        yield Notifying(c, smtp, sms)
    smtp.stop()
    sms.stop()


def _sent_email(n: Notifying, day: CustomerDay, k: int) -> tuple[dict[str, object], EmailMessage, str]:
    """Order k's out-for-delivery email: as the API lists it, as the SMTP server received it, its envelope sender."""
    (row,) = [m for m in messages(n.client, day, k) if m["channel"] == "email"]
    assert row["status"] == "sent", row
    for msg, (mail_from, _) in zip(n.smtp.inbox.messages, n.smtp.inbox.envelopes, strict=True):
        if str(msg["Message-ID"]) == row["provider_id"]:
            return row, msg, mail_from
    raise AssertionError(f"{row['provider_id']} not in the inbox")


def _headers(msg: EmailMessage) -> str:
    return "".join(f"{k}: {v}\n" for k, v in msg.items())


def _opt_outs(n: Notifying, day: CustomerDay) -> list[tuple[str, str, str]]:
    with platform_of(n.client).sessions() as s:
        q = select(OptOutRow.channel, OptOutRow.address, OptOutRow.source).where(OptOutRow.org_id == day.t.org_id)
        return sorted((str(a), str(b), str(c)) for a, b, c in s.execute(q))


def test_a_report_to_the_bounce_mailbox_bounces_the_email_and_opts_the_address_out(notifying: Notifying) -> None:
    """Order 1's email went out as bounces+<its id>@…; Postfix's 5.1.1 report, sent over SMTP to that address,
    marks it bounced with the status, reporting server and diagnostic, and opts the address out: the next
    trigger sends the SMS and no email. The same report again changes nothing; other recipients are refused."""
    n = notifying
    p = platform_of(n.client)
    day = customer_day(n.client)
    row, msg, mail_from = _sent_email(n, day, 1)
    assert mail_from == f"bounces+{row['id']}@loja.example"
    assert str(msg["From"]) == "Loja Exemplo <envios@loja.example>"  # what the customer sees is unchanged

    def deliver(raw: bytes, rcpts: Sequence[str]) -> str:
        return str(record_report(p, raw, rcpts, BOUNCES))

    port = free_port()
    server = bounce_server(BOUNCES, deliver, "127.0.0.1", port)
    server.start()
    try:
        report = postfix_dsn(mail_from, day.email_of(1), _headers(msg))
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("", [mail_from], report)
            smtp.sendmail("", [mail_from], report)  # the same report twice: one bounce, one opt-out
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("", [f"customer1@{day.t.org_id.lower()}.example"], report)
    finally:
        server.stop()
    (bounced,) = [m for m in messages(n.client, day, 1) if m["channel"] == "email"]
    assert bounced["status"] == "bounced"
    assert str(bounced["last_error"]).startswith("bounced later (5.1.1) by mx1.example.org: 550 5.1.1 <")
    assert _opt_outs(n, day) == [("email", day.email_of(1), "bounce")]
    _act(n, day, 1, "completed")
    after = [(m["trigger"], m["channel"], m["status"]) for m in messages(n.client, day, 1)]
    assert after == [("out_for_delivery", "email", "bounced"), ("out_for_delivery", "sms", "sent"),
                     ("delivered", "sms", "sent")]  # fmt: skip


def test_reports_piped_into_the_cli(notifying: Notifying, db_url: str) -> None:
    """``doorstep bounces read -`` in its own process on the same database: a full mailbox (5.2.2) sent to the
    plain bounce address, found by the Message-ID it returns, bounces that email without an opt-out; a delay
    warning and an auto-reply change nothing."""
    n = notifying
    day = customer_day(n.client)
    env = {**os.environ, "DOORSTEP_DATABASE_URL": db_url, "DOORSTEP_BOUNCE_ADDRESS": BOUNCES}

    def read(raw: bytes) -> str:
        cmd = [str(Path(sys.executable).with_name("doorstep")), "bounces", "read", "-"]
        done = subprocess.run(cmd, input=raw, env=env, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode()

    _, msg2, _ = _sent_email(n, day, 2)
    full = postfix_dsn(BOUNCES, day.email_of(2), _headers(msg2), status="5.2.2",
                       diagnostic="552 5.2.2 <{rcpt}>: Mailbox full")  # fmt: skip
    said = read(full)
    assert said.startswith("-: bounced msg_") and "opted out" not in said
    assert "ignored: already recorded" in read(full)  # the same report again
    _, msg3, _ = _sent_email(n, day, 3)
    assert "ignored: no permanent failure" in read(delayed_dsn(BOUNCES, day.email_of(3), _headers(msg3)))
    assert "ignored: not a delivery status notification" in read(auto_reply(BOUNCES))
    statuses = {k: [m["status"] for m in messages(n.client, day, k) if m["channel"] == "email"] for k in (2, 3)}
    assert statuses == {2: ["bounced"], 3: ["sent"]}
    (bounced,) = [m for m in messages(n.client, day, 2) if m["channel"] == "email"]
    assert "(5.2.2)" in str(bounced["last_error"]) and "Mailbox full" in str(bounced["last_error"])
    assert _opt_outs(n, day) == []


def test_the_command_without_a_bounce_address_says_so() -> None:
    """``doorstep bounces read`` with no DOORSTEP_BOUNCE_ADDRESS exits 2 with E1012 and what to set."""
    env = {k: v for k, v in os.environ.items() if k != "DOORSTEP_BOUNCE_ADDRESS"}
    cmd = [str(Path(sys.executable).with_name("doorstep")), "bounces", "read", "-"]
    done = subprocess.run(cmd, input=b"", env=env, capture_output=True, timeout=120, check=False)
    said = done.stderr.decode()
    assert done.returncode == 2 and "E1012" in said and "DOORSTEP_BOUNCE_ADDRESS" in said, said
