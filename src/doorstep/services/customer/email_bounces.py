"""Late email bounces: a delivery status notification (``notify.dsn``) about an email that was ``sent`` marks it
``bounced`` with the report's status and diagnostic, as a refusal at submission does (``notify_send``); when the
status says the address itself is no good (no such mailbox, bad domain, account disabled) the address also joins
the organization's email opt-outs (``opt_outs.bounce_email``). The email is found by the VERP envelope recipient
(``bounce+<message id>@``) or, failing that, by the Message-ID the report returns. A report about no email of
ours, or one that only says "delayed", changes nothing. Recording one report twice changes nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from doorstep.notify.dsn import DeliveryReport, FailedRecipient, read_report, verp_id
from doorstep.services.customer.notify_send import SCRUBBED
from doorstep.services.customer.opt_outs import bounce_email
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import MessageRow


@dataclass
class BounceOutcome:
    """What one report did: the messages marked bounced, the addresses opted out, or why nothing."""

    marked: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    ignored: str | None = None


def _failure_for(row: MessageRow, report: DeliveryReport) -> tuple[FailedRecipient, bool]:
    """The report's failure about this message's recipient (whether it names that address), else its first."""
    to = row.recipient.lower()
    for f in report.failed:
        if to in (f.address.lower(), f.original.lower()):
            return f, True
    return report.failed[0], False


def _mark(p: Platform, report: DeliveryReport, ids: Sequence[str]) -> BounceOutcome:
    out = BounceOutcome()
    found = [MessageRow.id.in_(ids)] if ids else []
    if report.message_ids:
        found.append(MessageRow.provider_id.in_(report.message_ids))
    with p.sessions() as s:
        rows = s.scalars(select(MessageRow).where(MessageRow.channel == "email", or_(*found))).all()
        for row in rows:
            if row.status != "sent":  # queued, failed or bounced already: a report again changes nothing
                continue
            failure, named = _failure_for(row, report)
            row.status, row.updated_at = "bounced", p.clock()
            row.last_error = f"bounced later ({failure.status}) by {report.reporting_mta or 'a mail server'}: " + (
                failure.diagnostic or "no diagnostic"
            )[:1800]  # fmt: skip
            if row.scrub:
                row.body_text, row.body_html = SCRUBBED, ""
            out.marked.append(row.id)
            if named and failure.gone:
                s.flush()
                bounce_email(s, row.org_id, row.recipient)
                out.opted_out.append(row.recipient)
        s.commit()
    if not out.marked:
        out.ignored = "already recorded" if rows else "about no email sent from here"
    return out


def record_report(p: Platform, raw: bytes, envelope_to: Sequence[str] = (), bounce_address: str | None = None) -> (
    BounceOutcome
):  # fmt: skip
    """Apply one email received at the bounce address (``raw``: the whole message; ``envelope_to``: its RCPT TO
    addresses, which carry the VERP id when ``bounce_address`` is set)."""
    report = read_report(raw)
    if report is None:
        return BounceOutcome(ignored="not a delivery status notification")
    if not report.failed:
        return BounceOutcome(ignored="no permanent failure (delayed or delivered)")
    ids = [i for i in (verp_id(r, bounce_address) for r in envelope_to if bounce_address) if i is not None]
    if not ids and not report.message_ids:
        return BounceOutcome(ignored="names no email: no VERP address and no Message-ID returned")
    try:
        return _mark(p, report, ids)
    except IntegrityError:  # a concurrent opt-out of the same address took the key: once more, then it is there
        return _mark(p, report, ids)
