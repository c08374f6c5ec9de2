"""Reading delivery status notifications (RFC 3464) as Postfix and Gmail write them, the VERP envelope sender and
the bounce mailbox's SMTP server (aiosmtpd on 127.0.0.1): only the bounce address is accepted, a report it cannot
record now is answered 451 so the sending server keeps it."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence

import pytest

from doorstep.notify.bounce_server import bounce_server
from doorstep.notify.dsn import for_bounce_address, read_report, verp_id, verp_sender
from tests.notify.dsn_samples import auto_reply, delayed_dsn, gmail_dsn, postfix_dsn
from tests.notify.servers import free_port

BOUNCES = "bounces@loja.example"
HEADERS = """From: Loja Exemplo <envios@loja.example>
To: ana@example.org
Subject: A sua encomenda sai hoje
Message-ID: <msg_01abc@loja.example>
Date: Mon, 07 Dec 2026 09:59:57 +0000"""


def test_postfix_user_unknown() -> None:
    """5.1.1 from a later hop: the failed address, its status and diagnostic, the reporting server and the
    returned Message-ID; the address is gone."""
    report = read_report(postfix_dsn("bounces+msg_01abc@loja.example", "ana@example.org", HEADERS))
    assert report is not None and report.reporting_mta == "mx1.example.org" and report.delayed == 0
    (failed,) = report.failed
    assert (failed.address, failed.original, failed.status, failed.gone) == (
        "ana@example.org", "ana@example.org", "5.1.1", True,
    )  # fmt: skip
    assert "User unknown in virtual mailbox table" in failed.diagnostic
    assert report.message_ids == ("<msg_01abc@loja.example>",)


def test_gmail_disabled_account_with_the_whole_original() -> None:
    """Gmail's 5.2.1 (account disabled) counts as gone; the Message-ID comes from the attached original, not
    from the report's own headers or its X-Original-Message-ID."""
    report = read_report(gmail_dsn(BOUNCES, "rui@gmail.example", HEADERS + "\n\nOlá Rui, a sua encomenda…"))
    assert report is not None
    (failed,) = report.failed
    assert (failed.address, failed.status, failed.gone) == ("rui@gmail.example", "5.2.1", True)
    assert failed.diagnostic.startswith("550-5.2.1 The email account that you tried to reach is disabled.")
    assert report.message_ids == ("<msg_01abc@loja.example>",)


def test_full_mailbox_is_a_failure_but_not_a_gone_address() -> None:
    """5.2.2 (mailbox full) fails this message; the address itself is not condemned."""
    raw = postfix_dsn(BOUNCES, "ana@example.org", HEADERS, status="5.2.2", diagnostic="552 5.2.2 Mailbox full")
    report = read_report(raw)
    assert report is not None and [(f.status, f.gone) for f in report.failed] == [("5.2.2", False)]


def test_delayed_and_not_a_report() -> None:
    """A delay warning has no failure (one delayed recipient); an auto-reply is not a report at all."""
    report = read_report(delayed_dsn(BOUNCES, "ana@example.org", HEADERS))
    assert report is not None and report.failed == () and report.delayed == 1
    assert read_report(auto_reply(BOUNCES)) is None
    assert read_report(b"") is None


def test_verp_round_trip() -> None:
    """Each email's envelope sender names it; only the bounce address and its VERP forms are ours."""
    sender = verp_sender(BOUNCES, "msg_01JBZ8Y3Q5")
    assert sender == "bounces+msg_01JBZ8Y3Q5@loja.example"
    assert verp_id(sender, BOUNCES) == "msg_01JBZ8Y3Q5" and verp_id(f"<{sender.upper()}>", BOUNCES) is not None
    assert verp_id("bounces+x;y@loja.example", BOUNCES) is None  # not an id
    assert verp_id("bounces+msg_1@other.example", BOUNCES) is None
    assert for_bounce_address("Bounces@Loja.example", BOUNCES) and for_bounce_address(sender, BOUNCES)
    assert not for_bounce_address("postmaster@loja.example", BOUNCES)


def test_the_bounce_mailbox_accepts_only_its_address_and_says_451_when_it_cannot_record() -> None:
    """Over SMTP: a report to the VERP address reaches ``deliver`` whole with its envelope recipient; another
    recipient is refused at RCPT (550); when ``deliver`` fails the answer is 451 (the sender keeps the report)."""
    got: list[tuple[bytes, Sequence[str]]] = []
    broken = False

    def deliver(raw: bytes, rcpts: Sequence[str]) -> str:
        if broken:
            raise RuntimeError("database down")
        got.append((raw, rcpts))
        return "recorded"

    port = free_port()
    server = bounce_server(BOUNCES, deliver, "127.0.0.1", port)
    server.start()
    try:
        raw = postfix_dsn("bounces+msg_01abc@loja.example", "ana@example.org", HEADERS)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("", ["bounces+msg_01abc@loja.example"], raw)
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                smtp.sendmail("", ["postmaster@loja.example"], raw)
            assert refused.value.recipients["postmaster@loja.example"][0] == 550
        assert len(got) == 1 and got[0][1] == ["bounces+msg_01abc@loja.example"]
        assert read_report(got[0][0]) == read_report(raw)
        broken = True
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp, pytest.raises(smtplib.SMTPDataError) as later:
            smtp.sendmail("", [BOUNCES], raw)
        assert later.value.smtp_code == 451
    finally:
        server.stop()
