"""Customer tracking links: opaque random tokens, stored as a SHA-256 only, that expire and can be revoked.

A token names nothing: 32 letters and digits (190 random bits), no organization or order id inside (a signed
token's payload would be readable by anyone holding the link). Whatever is wrong with a token — malformed,
tampered, unknown, expired or revoked — the answer is the same E1451 (HTTP 404), so a guesser learns nothing."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import TrackingTokenRow
from doorstep.store.uow import UnitOfWork

ALPHABET = string.ascii_letters + string.digits
LENGTH = 32  # 62**32: about 190 bits
SHAPE = re.compile(rf"[A-Za-z0-9]{{{LENGTH}}}")
NOT_FOUND = "this tracking link does not exist or is no longer valid"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def not_found() -> DoorstepError:
    """The one answer for every unusable token (never says which part was wrong)."""
    return DoorstepError([Issue("E1451", NOT_FOUND, ("token",))])


@dataclass(frozen=True, slots=True)
class Issued:
    """A new link: the token (shown once, never stored) and its row."""

    token: str
    id: str
    expires_at: datetime


def issue(uow: UnitOfWork, order_id: str, issued_by: str, now: datetime, ttl_s: int) -> Issued:
    """Stage a new token for ``order_id`` in the unit (written with whatever the unit commits: a message that
    carries the link is never stored without its token, nor the other way round)."""
    token = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    row = TrackingTokenRow(
        id=new_id("trk"), order_id=order_id, token_hash=_hash(token), expires_at=now + timedelta(seconds=ttl_s),
        revoked_at=None, revoked_by=None, issued_by=issued_by, created_at=now,
    )  # fmt: skip
    uow.tracking_tokens.add(row)
    return Issued(token, row.id, row.expires_at)


def issue_for(p: Platform, actor: Actor, order_id: str) -> Issued:
    """A staff member's link for an order (read permission, E1302 for an order of another organization)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.orders.require(order_id, ("order_id",))
        issued = issue(uow, order_id, actor.label, p.clock(), p.notify.tracking_ttl_s)
        uow.commit()
    return issued


@dataclass(frozen=True, slots=True)
class Opened:
    """What a valid token opens: one order of one organization."""

    org_id: str
    order_id: str
    token_id: str
    expires_at: datetime
    token: str = ""  # the link's token itself (the page's own URLs carry it)


def resolve(p: Platform, token: str) -> Opened:
    """The order a token opens, or E1451 (malformed, unknown, expired and revoked tokens alike)."""
    if not isinstance(token, str) or not SHAPE.fullmatch(token):
        raise not_found()
    with p.sessions() as s:
        row = s.scalar(select(TrackingTokenRow).where(TrackingTokenRow.token_hash == _hash(token)))
        if row is None or row.revoked_at is not None or row.expires_at <= p.clock():
            raise not_found()
        return Opened(row.org_id, row.order_id, row.id, row.expires_at, token)


def revoke(p: Platform, actor: Actor, token_id: str) -> None:
    """Revoke one link at once (write permission; E1302 for a link of another organization). Idempotent."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.tracking_tokens.require(token_id, ("token_id",))
        if row.revoked_at is None:
            row.revoked_at, row.revoked_by = p.clock(), actor.label
        uow.commit()


def revoke_order(p: Platform, actor: Actor, order_id: str) -> int:
    """Revoke every link of an order (a link forwarded to the wrong person); how many were still open."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        uow.orders.require(order_id, ("order_id",))
        moved = uow.session.execute(
            update(TrackingTokenRow)
            .where(TrackingTokenRow.org_id == uow.org_id, TrackingTokenRow.order_id == order_id,
                   TrackingTokenRow.revoked_at.is_(None))
            .values(revoked_at=p.clock(), revoked_by=actor.label)
        )  # fmt: skip
        uow.commit()
    return int(moved.rowcount)  # type: ignore[attr-defined]


def links_of(p: Platform, actor: Actor, order_id: str) -> list[TrackingTokenRow]:
    """Every link issued for an order, oldest first (the tokens themselves are not kept)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.orders.require(order_id, ("order_id",))
        return uow.tracking_tokens.all(TrackingTokenRow.order_id == order_id)
