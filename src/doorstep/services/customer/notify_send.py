"""Sending queued customer messages: the ``notify.send`` job, and what a dispatcher sees of them.

A sender claims due messages with a lease (a concurrent sender skips them; a dead sender's lease expires), sends
each one, and records the outcome in one transaction right after the provider answered: sent (with the provider's
id), retried with exponential back-off while the provider is down, or failed (refused for good, or still failing
after ``NotifySettings.max_attempts``). A message is never written twice (see ``notifications``) and never sent
again once marked sent. The one window left: a process that dies between the provider accepting a message and the
commit of ``sent`` sends it again when its lease expires (at least once; the email keeps its Message-ID, so mail
clients can tell the copy).

An email whose recipient the mail server refused as unknown (SMTP 550/551/553 at RCPT) is ``bounced``, not
failed, and its address joins the organization's email opt-outs in the same transaction (``opt_outs``).

A message with a ``send_by`` still queued then (a driver invite whose code has expired) fails without reaching
the provider; one marked ``scrub`` (its text holds a login code) has its text removed when it is settled."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from doorstep.notify.channels import Email, Outcome, SendResult, Sms
from doorstep.notify.rules import from_stored
from doorstep.services.customer.opt_outs import bounce_email
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import MessageRow, OrganizationRow

log = logging.getLogger("doorstep.notify")
LEASE_S = 120  # far longer than one send (channel timeouts default to 10 s)
SCRUBBED = "(text removed once settled: it held a secret)"


def _claim(p: Platform, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(id, channel) of due messages of configured channels, leased to this sender until now + LEASE_S.

    The lease is a compare-and-set: the update takes a message only if it is still due and unleased when it is
    written, so two senders that read the same due messages (SQLite reads without row locks) never both get one.
    PostgreSQL also skips rows another sender has locked, so concurrent senders take different messages."""
    channels = list(p.channels.names())
    if not channels:
        return []
    due = (
        MessageRow.status == "queued",
        MessageRow.channel.in_(channels),
        or_(MessageRow.next_attempt_at.is_(None), MessageRow.next_attempt_at <= now),
        or_(MessageRow.lease_until.is_(None), MessageRow.lease_until < now),
    )
    with p.sessions() as s:
        q = select(MessageRow.id).where(*due).order_by(MessageRow.created_at, MessageRow.id).limit(limit)
        if s.bind is not None and s.bind.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        ids = list(s.scalars(q))
        if not ids:
            return []
        taken = s.execute(
            update(MessageRow)
            .where(MessageRow.id.in_(ids), *due)
            .values(lease_until=now + timedelta(seconds=LEASE_S))
            .returning(MessageRow.id, MessageRow.channel)
            .execution_options(synchronize_session=False)
        )
        channel_of = {row.id: row.channel for row in taken}
        s.commit()
    return [(i, channel_of[i]) for i in ids if i in channel_of]


def _sender_name(p: Platform, org_id: str) -> str:
    """The sender name of the organization's notification rules ('' when it names none)."""
    with p.sessions() as s:
        stored = s.scalar(select(OrganizationRow.notify_rules).where(OrganizationRow.id == org_id))
    return from_stored(stored).sender.name if stored is not None else ""


def _send(p: Platform, row: MessageRow) -> SendResult:
    if row.channel == "email" and p.channels.email is not None:
        leave = f"{p.channels.public_url}/u/{row.unsubscribe_token}" if row.unsubscribe_token else ""
        name = _sender_name(p, row.org_id)
        email = Email(row.id, row.recipient, row.subject, row.body_text, row.body_html, row.language, leave, name)
        return p.channels.email.send_email(email)
    if row.channel == "sms" and p.channels.sms is not None:
        return p.channels.sms.send_sms(Sms(row.id, row.recipient, row.body_text))
    return SendResult.retry(f"channel {row.channel} is not configured here")


def backoff(p: Platform, attempts: int) -> float:
    """Seconds to wait after ``attempts`` failed sends."""
    return float(min(p.notify.backoff_cap_s, p.notify.backoff_s * 2 ** max(0, attempts - 1)))


def _settle(p: Platform, message_id: str, result: SendResult) -> None:
    """Record the outcome (a bounce with its opt-out: once more when a concurrent opt-out took the key)."""
    try:
        _settle_once(p, message_id, result)
    except IntegrityError:
        if result.outcome is not Outcome.BOUNCED:
            raise
        _settle_once(p, message_id, result)


def _settle_once(p: Platform, message_id: str, result: SendResult) -> None:
    now = p.clock()
    with p.sessions() as s:
        row = s.get(MessageRow, message_id)
        if row is None or row.status != "queued":
            return
        row.attempts += 1
        row.lease_until, row.updated_at = None, now
        if result.outcome is Outcome.SENT:
            row.status, row.provider_id, row.sent_at, row.last_error = "sent", result.provider_id, now, None
            row.next_attempt_at = None
        elif result.outcome is Outcome.BOUNCED and row.channel == "email":
            row.status, row.last_error, row.next_attempt_at = "bounced", result.error, None
            s.flush()  # the message is bounced before the queued ones to the address fail
            bounce_email(s, row.org_id, row.recipient)
        elif result.outcome in (Outcome.PERMANENT, Outcome.BOUNCED) or row.attempts >= p.notify.max_attempts:
            row.status, row.last_error, row.next_attempt_at = "failed", result.error, None
        else:
            row.last_error = result.error
            wait = result.retry_after_s if result.retry_after_s is not None else backoff(p, row.attempts)
            row.next_attempt_at = now + timedelta(seconds=wait)
        if row.scrub and row.status != "queued":
            row.body_text, row.body_html = SCRUBBED, ""
        s.commit()


def _stale(row: MessageRow, now: datetime) -> SendResult | None:
    """A message past its ``send_by`` fails without reaching the provider (its content no longer holds)."""
    if row.send_by is None or now < row.send_by:
        return None
    return SendResult.permanent(f"not sent by {row.send_by.isoformat(timespec='seconds')}: no longer worth sending")


def _hold(p: Platform, message_id: str, claimed: datetime) -> MessageRow | None:
    """Renew this sender's lease right before sending (compare-and-set on the lease it claimed): None when
    another sender took the message meanwhile or it is no longer queued."""
    now = p.clock()
    with p.sessions() as s:
        moved = s.execute(
            update(MessageRow)
            .where(MessageRow.id == message_id, MessageRow.status == "queued", MessageRow.lease_until == claimed)
            .values(lease_until=now + timedelta(seconds=LEASE_S))
        )
        s.commit()
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return s.get(MessageRow, message_id)


def _release(p: Platform, ids: list[str]) -> None:
    """Give back claimed messages this sender did not try (their channel is down now): due again next time."""
    if ids:
        with p.sessions() as s:
            s.execute(update(MessageRow).where(MessageRow.id.in_(ids)).values(lease_until=None))
            s.commit()


@job("notify.send")
def send_due(p: Platform, limit: int = 100) -> int:
    """Send the due queued messages, ``limit`` claimed at a time, until none is due (or a channel failed, or the
    run has taken half a lease); the number sent now. A backlog of older messages (another tenant's, a provider
    that was down) is worked through in the same run instead of leaving the newest for the next tick. After a
    channel fails with a retryable error, the rest of its messages wait for the next run instead of each waiting
    out a timeout. Each send waits for its channel's rate (``limits``); messages whose turn would come after the
    lease is over are given back for the next run. A provider's ``Retry-After`` shuts the channel for that long in
    this process."""
    sent, started = 0, time.monotonic()
    while True:
        n, claimed, stopped = _send_batch(p, limit)
        sent += n
        if claimed < limit or stopped or time.monotonic() - started > LEASE_S / 2:
            return sent


def _send_batch(p: Platform, limit: int) -> tuple[int, int, bool]:
    """One claim of up to ``limit`` due messages, sent: (sent, claimed, whether a channel stopped the batch)."""
    now = p.clock()
    claimed = _claim(p, now, limit)
    lease = now + timedelta(seconds=LEASE_S)
    deadline = time.monotonic() + LEASE_S * 0.75  # a rate slot later than this: give the message back
    sent, down, skipped = 0, set[str](), list[str]()
    limits = p.channels.limits
    for message_id, channel in claimed:
        if channel in down:
            skipped.append(message_id)
            continue
        row = _hold(p, message_id, lease)
        if row is None:
            continue
        if (stale := _stale(row, p.clock())) is not None:
            _settle(p, message_id, stale)
            continue
        if not limits.acquire(channel, deadline):  # right before the provider call: its clock is what counts
            down.add(channel)
            skipped.append(message_id)
            continue
        result = _send(p, row)
        if result.outcome is not Outcome.SENT:
            log.warning("message %s (%s to order %s): %s", row.id, row.channel, row.order_id, result.error)
        if result.outcome is Outcome.RETRY:
            down.add(channel)
            if result.retry_after_s is not None:
                limits.hold(channel, result.retry_after_s)
        _settle(p, message_id, result)
        sent += result.outcome is Outcome.SENT
    _release(p, skipped)
    return sent, len(claimed), bool(down)


def messages_of(p: Platform, actor: Actor, order_id: str) -> list[MessageRow]:
    """Every message about one order, oldest first (E1302 for an order of another organization or none)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.orders.require(order_id, ("order_id",))
        q = uow.messages.query().where(MessageRow.order_id == order_id)
        return list(uow.session.scalars(q.order_by(MessageRow.created_at, MessageRow.id)))
