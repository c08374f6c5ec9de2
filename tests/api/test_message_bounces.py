"""Email bounces: a recipient the SMTP server refuses as unknown (550 at RCPT) marks the message ``bounced`` and
opts the address out of the organization's emails; the customer's other channel carries on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from doorstep.services.customer.notify_send import send_due
from doorstep.store.models import OptOutRow
from tests.api.conftest import platform_of
from tests.api.notify_day import Notifying, customer_day, dispatch_all, messages, notifying
from tests.api.test_customer_messages import _act, _inbox

__all__ = ["notifying"]  # the module-scoped app fixture


def test_a_refused_recipient_bounces_and_gets_no_more_emails(notifying: Notifying) -> None:
    """The SMTP server refuses order 1's address at RCPT (550): its email is ``bounced`` with the server's answer
    in the dispatcher's message list, every other customer's email is sent, the address is recorded as an opt-out
    (source ``bounce``), and the next trigger for that order sends its SMS but writes no email at all (the server
    was asked about the address once)."""
    n = notifying
    day = customer_day(n.client, dispatch=False)
    gone = day.email_of(1)
    n.smtp.inbox.refuse_rcpt[gone] = "550 5.1.1 <" + gone + ">: Recipient address rejected: User unknown"
    dispatch_all(n.client, day)
    first = messages(n.client, day, 1)
    assert [(m["channel"], m["status"], m["attempts"]) for m in first] == [
        ("email", "bounced", 1), ("sms", "sent", 1),
    ]  # fmt: skip
    assert "550" in first[0]["last_error"] and "User unknown" in first[0]["last_error"]
    others = [m for k in (0, 2, 3, 4) for m in messages(n.client, day, k) if m["channel"] == "email"]
    assert [m["status"] for m in others] == ["sent"] * 4
    assert sorted(_inbox(n, day)) == sorted(day.email_of(k) for k in (0, 2, 3, 4))
    with platform_of(n.client).sessions() as s:
        q = select(OptOutRow.channel, OptOutRow.address, OptOutRow.source).where(OptOutRow.org_id == day.t.org_id)
        assert list(s.execute(q)) == [("email", gone, "bounce")]
    _act(n, day, 1, "completed")
    after = messages(n.client, day, 1)
    assert [(m["trigger"], m["channel"], m["status"]) for m in after] == [
        ("out_for_delivery", "email", "bounced"), ("out_for_delivery", "sms", "sent"), ("delivered", "sms", "sent"),
    ]  # fmt: skip
    assert n.smtp.inbox.refused_rcpt.count(gone) == 1


def test_emails_already_queued_to_a_bounced_address_are_not_sent(notifying: Notifying) -> None:
    """Two emails to one address wait while the SMTP server is down; when it is back and refuses the address, the
    first bounces and the second fails with the reason, without being offered to the server."""
    n = notifying
    n.smtp.stop()
    try:
        day = customer_day(n.client)
        _act(n, day, 2, "completed")
    finally:
        n.smtp.start()
    gone = day.email_of(2)
    n.smtp.inbox.refuse_rcpt[gone] = "550 5.1.1 User unknown"
    later = replace(platform_of(n.client), clock=lambda: datetime.now(UTC) + timedelta(hours=2))
    send_due(later)
    emails = [m for m in messages(n.client, day, 2) if m["channel"] == "email"]
    assert [(m["trigger"], m["status"]) for m in emails] == [("out_for_delivery", "bounced"), ("delivered", "failed")]
    assert emails[1]["last_error"] == (
        "an earlier email to this address bounced: the organization sends it no more emails"
    )
    assert n.smtp.inbox.refused_rcpt.count(gone) == 1
