"""Inviting a driver: a new one-time login code sent to the driver by SMS and/or email.

The code, its event and one message per channel are written in one transaction to the ``messages`` outbox that
customer messages use, then the ``notify.send`` job sends them (retried while a provider is down, never twice).
A message's ``order_id`` holds the driver's id here (its subject) and ``version`` numbers the driver's invites,
so the outbox's de-duplication key (subject, trigger, version, channel) keeps one message per invite and channel.
A driver gets at most ``INVITES_PER_WINDOW`` invites an hour; each message must be sent before its code expires
(``send_by``) and has its text removed once settled (``scrub``), see ``notify_send``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from doorstep.domain.contact import usable_email, usable_phone
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.notify.invite import Invite, compose_invite
from doorstep.notify.render import Rendered
from doorstep.notify.triggers import Trigger
from doorstep.services.driver.driver_auth import IssuedCode, add_code
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import DepotRow, DriverRow, MessageRow
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.notify")
CHANNELS = ("sms", "email")
INVITES_PER_WINDOW = 5  # invites of one driver ...
INVITE_WINDOW = timedelta(hours=1)  # ... in this rolling window


@dataclass(frozen=True, slots=True)
class Invited:
    """The code sent and the queued messages that carry it."""

    issued: IssuedCode
    messages: list[MessageRow]


def _address(driver: DriverRow, channel: str) -> str | None:
    return usable_phone(driver.phone) if channel == "sms" else usable_email(driver.email)


def _problems(p: Platform, driver: DriverRow, channels: list[str]) -> list[Issue]:
    """Every channel that cannot carry the invite: not configured here (E1420), no usable address (E1419)."""
    issues = []
    configured = p.channels.names()
    for k, channel in enumerate(channels):
        if channel not in configured:
            msg = f"{channel} is not configured on this server: no {channel} can be sent"
            issues.append(Issue("E1420", msg, ("channels", k), driver.id))
        elif _address(driver, channel) is None:
            field = "phone" if channel == "sms" else "email"
            given = getattr(driver, field)
            why = f"{field} {given!r} is unusable" if given.strip() else f"has no {field}"
            msg = f"driver {driver.id} {why}: no {channel} can be sent"
            issues.append(Issue("E1419", msg, ("channels", k), driver.id))
    return issues


def _timezone(uow: UnitOfWork) -> str:
    """The organization's first depot's zone (a driver has no depot of their own); UTC without depots."""
    depot = uow.session.scalars(uow.depots.query().order_by(DepotRow.id).limit(1)).first()
    return depot.timezone if depot is not None else "UTC"


def _next_version(uow: UnitOfWork, driver_id: str) -> int:
    q = select(func.max(MessageRow.version)).where(
        MessageRow.org_id == uow.org_id, MessageRow.order_id == driver_id,
        MessageRow.trigger == Trigger.DRIVER_INVITE.value,
    )  # fmt: skip
    return int(uow.session.scalar(q) or 0) + 1


def _recent(uow: UnitOfWork, driver_id: str, now: datetime) -> list[datetime]:
    """When each of the driver's invites of the last ``INVITE_WINDOW`` was made, oldest first."""
    q = select(func.min(MessageRow.created_at)).where(
        MessageRow.org_id == uow.org_id, MessageRow.order_id == driver_id,
        MessageRow.trigger == Trigger.DRIVER_INVITE.value, MessageRow.created_at > now - INVITE_WINDOW,
    ).group_by(MessageRow.version)  # fmt: skip
    return sorted(uow.session.scalars(q))


def _throttle(uow: UnitOfWork, driver_id: str, now: datetime) -> None:
    """E4003 (429 with Retry-After) when the driver has had ``INVITES_PER_WINDOW`` invites in the last hour: a
    stolen dispatcher session or a script cannot flood a driver's phone, nor run up the SMS bill."""
    recent = _recent(uow, driver_id, now)
    if len(recent) < INVITES_PER_WINDOW:
        return
    frees = recent[-INVITES_PER_WINDOW] + INVITE_WINDOW
    wait = max(1, math.ceil((frees - now).total_seconds()))
    why = (
        f"driver {driver_id} was sent {len(recent)} invites in the last {INVITE_WINDOW.seconds // 60} minutes, "
        f"the most allowed: the next can be sent in {wait} s"
    )
    fix = "Read the last code out to the driver (Login code), or wait for the number of seconds in Retry-After."
    raise DoorstepError([Issue("E4003", why, ("driver_id",), driver_id, fix)], retry_after_s=wait)


def _message(
    driver: DriverRow, channel: str, msg: Rendered, version: int, issued: IssuedCode, now: datetime
) -> MessageRow:
    email = channel == "email"
    return MessageRow(
        id=new_id("msg"), order_id=driver.id, event_id=issued.event_id, trigger=Trigger.DRIVER_INVITE.value,
        version=version, channel=channel, recipient=_address(driver, channel) or "", language=msg.language,
        subject=msg.subject if email else "", body_text=msg.text if email else msg.sms,
        body_html=msg.html if email else "", status="queued", attempts=0, next_attempt_at=None, lease_until=None,
        last_error=None, provider_id=None, sent_at=None, updated_at=now, created_at=now,
        send_by=issued.expires_at, scrub=True,  # a code that no longer works is not sent; once settled, its text goes
    )  # fmt: skip


def invite(p: Platform, actor: Actor, driver_id: str, channels: list[str]) -> Invited:
    """Issue a new code and queue it on each channel (every problem at once, nothing written then); the job that
    sends them is asked for after the commit (the periodic send catches up when the runner cannot take it)."""
    actor.require(Permission.WRITE)
    now, channels = p.clock(), list(dict.fromkeys(channels))  # a channel named twice is sent once
    with p.uow(actor) as uow:
        driver = uow.drivers.require(driver_id, ("driver_id",))
        if issues := _problems(p, driver, channels):
            raise DoorstepError(issues)
        _throttle(uow, driver_id, now)
        issued = add_code(uow, actor, driver_id, now)
        msg = compose_invite(Invite(
            language=driver.language, timezone=_timezone(uow), driver_name=driver.name,
            sender_name=p.channels.sender_name, code=issued.code, expires_at=issued.expires_at,
            app_url=f"{p.channels.public_url}/driver",
        ))  # fmt: skip
        version = _next_version(uow, driver_id)
        rows = [uow.messages.add(_message(driver, channel, msg, version, issued, now)) for channel in channels]
        try:
            uow.commit()
        except IntegrityError as exc:  # another invite of this driver took the same number meanwhile
            uow.session.rollback()
            why = f"driver {driver_id} was invited by someone else at the same moment: this request sent nothing"
            fix = "Check the driver's invites; retry for a new code."
            raise DoorstepError([Issue("E2007", why, ("driver_id",), driver_id, fix)]) from exc
    try:
        p.submit("notify.send")
    except Exception:
        log.exception("sending of driver %s's invite deferred to the periodic send", driver_id)
    return Invited(issued, rows)


def invites_of(p: Platform, actor: Actor, driver_id: str) -> list[MessageRow]:
    """The driver's invite messages, newest first (E1302 for a driver of another organization or none)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.drivers.require(driver_id, ("driver_id",))
        q = uow.messages.query().where(
            MessageRow.order_id == driver_id, MessageRow.trigger == Trigger.DRIVER_INVITE.value
        )
        return list(uow.session.scalars(q.order_by(MessageRow.version.desc(), MessageRow.channel)))
