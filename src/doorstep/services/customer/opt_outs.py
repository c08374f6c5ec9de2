"""Customers who asked for no more messages, and what providers report after a send: an SMS ``STOP`` (``START``
undoes it) through the provider's inbound webhook, an email's one-click unsubscribe link, an SMS status
callback saying a sent message never arrived (``bounced``), and an email address the recipient's mail server
refused (a bounce at RCPT: treated as an opt-out of the organization's emails)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.domain.contact import usable_phone
from doorstep.domain.ids import new_id
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import MessageRow, OptOutRow

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "PARAR", "ALTO"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
UNDELIVERED = frozenset({"undelivered", "failed"})  # the provider's final statuses of a message that never arrived


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """What an unsubscribe link opens: the address, whether it has opted out already, and the language of the
    email that carried the link (the page speaks it)."""

    org_id: str
    address: str
    done: bool
    language: str = "en"


def _orgs_that_messaged(p: Platform, channel: str, address: str) -> list[str]:
    with p.sessions() as s:
        q = select(MessageRow.org_id).where(MessageRow.channel == channel, MessageRow.recipient == address)
        return sorted(set(s.scalars(q.distinct())))


def _add(p: Platform, org_id: str, channel: str, address: str, source: str) -> None:
    with p.uow(org_id) as uow:
        exists = select(OptOutRow.id).where(
            OptOutRow.org_id == org_id, OptOutRow.channel == channel, OptOutRow.address == address
        )
        if uow.session.scalar(exists) is not None:
            return
        uow.session.add(OptOutRow(id=new_id("opt"), org_id=org_id, channel=channel, address=address, source=source))
        _hold_queued(uow.session, org_id, channel, address, "the customer opted out of this channel")
        try:
            uow.commit()
        except IntegrityError:  # the same opt-out recorded at the same moment: one is enough
            uow.session.rollback()


def _hold_queued(session: Session, org_id: str, channel: str, address: str, why: str) -> None:
    """Messages still queued to the address are not sent (failed, with the reason)."""
    session.execute(
        update(MessageRow)
        .where(MessageRow.org_id == org_id, MessageRow.channel == channel, MessageRow.recipient == address)
        .where(MessageRow.status == "queued")
        .values(status="failed", last_error=why)
    )


def bounce_email(session: Session, org_id: str, address: str) -> None:
    """In the caller's transaction (the one marking the message ``bounced``): the address joins the
    organization's email opt-outs (source ``bounce``) unless it is there already, and the emails still queued to
    it fail with the reason. A concurrent opt-out of the same address fails the caller's commit on the unique
    key: the caller runs again, and then finds it."""
    exists = select(OptOutRow.id).where(
        OptOutRow.org_id == org_id, OptOutRow.channel == "email", OptOutRow.address == address
    )
    if session.scalar(exists) is None:
        session.add(OptOutRow(id=new_id("opt"), org_id=org_id, channel="email", address=address, source="bounce"))
    why = "an earlier email to this address bounced: the organization sends it no more emails"
    _hold_queued(session, org_id, "email", address, why)


def sms_inbound(p: Platform, sender: str, body: str) -> str:
    """An SMS a customer sent to our number: ``STOP`` (and its usual synonyms) opts the number out of every
    organization that has texted it, ``START`` opts it back in; anything else is ignored. What was done."""
    word = body.strip().upper()
    phone = usable_phone(sender)
    if phone is None or (word not in STOP_WORDS and word not in START_WORDS):
        return "ignored"
    orgs = _orgs_that_messaged(p, "sms", phone)
    for org_id in orgs:
        if word in STOP_WORDS:
            _add(p, org_id, "sms", phone, "sms_stop")
        else:
            with p.uow(org_id) as uow:
                uow.session.execute(
                    delete(OptOutRow).where(
                        OptOutRow.org_id == org_id, OptOutRow.channel == "sms", OptOutRow.address == phone
                    )
                )
                uow.commit()
    return "opted_out" if word in STOP_WORDS else "opted_in"


def opened(p: Platform, token: str) -> Unsubscribe | None:
    """The address an unsubscribe link is for (None: no such link)."""
    if not token or len(token) > 64:
        return None
    with p.sessions() as s:
        row = s.scalars(select(MessageRow).where(MessageRow.unsubscribe_token == token).limit(1)).first()
        if row is None:
            return None
        q = select(OptOutRow.id).where(
            OptOutRow.org_id == row.org_id, OptOutRow.channel == "email", OptOutRow.address == row.recipient
        )
        return Unsubscribe(row.org_id, row.recipient, s.scalar(q) is not None, row.language)


def unsubscribe(p: Platform, token: str) -> Unsubscribe | None:
    """Opt the link's address out of the organization's emails (idempotent; None: no such link)."""
    found = opened(p, token)
    if found is None:
        return None
    _add(p, found.org_id, "email", found.address, "unsubscribe_link")
    return Unsubscribe(found.org_id, found.address, True, found.language)


def sms_status(p: Platform, sid: str, status: str, error_code: str = "") -> bool:
    """A provider's status callback: a sent SMS the provider could not deliver is ``bounced`` (with the
    provider's error code). Whether a message was marked."""
    if status not in UNDELIVERED or not sid:
        return False
    with p.sessions() as s:
        result = s.execute(
            update(MessageRow)
            .where(MessageRow.channel == "sms", MessageRow.provider_id == sid, MessageRow.status == "sent")
            .values(status="bounced", last_error=f"provider reported {status} {error_code}".strip())
        )
        s.commit()
        return bool(getattr(result, "rowcount", 0))
