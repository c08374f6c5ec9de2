"""Idempotency-Key support: the first response to a create is stored and replayed for repeats of the request.

Safe under concurrency across processes (Stripe's behaviour): the first request *claims* its key by inserting a
pending row that the database's unique (organization, key) constraint lets only one request insert; twins sent
while it runs get 409 E2009 (retry later), twins sent after it finished get its stored response.

Safe across crashes: the create's own commit marks the claim applied in the same transaction
(``store.idempotency_mark``). A claim a dead process left pending (nothing applied) is taken over once stale
(``Leases.idempotency_stale_s``) and the create runs; one it left applied is never run again: repeats get
E2009 while it may still be storing its answer, then 409 E2011 (applied, its answer lost), never a second
object."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.platform import Platform
from doorstep.store.idempotency_mark import APPLIED, PENDING, current_claim
from doorstep.store.models import IdempotencyRow

MAX_KEY = 200
CLAIM_TRIES = 3  # a twin whose create failed deletes its claim: claim again (bounded)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same request"."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _stored(p: Platform, org_id: str, key: str) -> IdempotencyRow | None:
    with p.sessions() as s:
        return s.scalar(select(IdempotencyRow).where(IdempotencyRow.org_id == org_id, IdempotencyRow.key == key))


def _insert_claim(p: Platform, org_id: str, key: str, print_: str) -> int | None:
    """The id of a new pending claim, or None when the key is already stored (the unique constraint said so)."""
    with p.sessions() as s:
        row = IdempotencyRow(
            org_id=org_id, key=key, fingerprint=print_, status_code=PENDING, body={}, created_at=p.clock()
        )
        s.add(row)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            return None
        return row.id


def _take_over(p: Platform, seen: IdempotencyRow) -> bool:
    """Take a stale pending claim over (its process died mid-request); False when someone else did first."""
    now = p.clock()
    stale = _stale_before(p)
    if seen.created_at > stale:
        return False
    with p.sessions() as s:
        done = s.execute(
            update(IdempotencyRow)
            .where(IdempotencyRow.id == seen.id, IdempotencyRow.status_code == PENDING,
                   IdempotencyRow.created_at < stale)
            .values(created_at=now)
        )  # fmt: skip
        s.commit()
        return bool(getattr(done, "rowcount", 0) == 1)


def _stale_before(p: Platform) -> datetime:
    """A claim made before this was left by a process that died (``idempotency_stale_s`` ago)."""
    return p.clock() - timedelta(seconds=p.leases.idempotency_stale_s)


def _in_progress(key: str) -> DoorstepError:
    msg = f"a request with Idempotency-Key {key!r} is still in progress"
    return DoorstepError([Issue("E2009", msg, ("header", "Idempotency-Key"))])


def _claim(p: Platform, org_id: str, key: str, print_: str) -> int | tuple[int, dict[str, Any]]:
    """The id of our claim on the key, or the stored response of the request that made it first (E2001 when that
    request differs, E2009 while it still runs)."""
    for _ in range(CLAIM_TRIES):
        seen = _stored(p, org_id, key)
        if seen is None:
            claim = _insert_claim(p, org_id, key, print_)
            if claim is not None:
                return claim
            seen = _stored(p, org_id, key)
            if seen is None:  # the winner's create failed and it gave the key back: try again
                continue
        if seen.fingerprint != print_:
            msg = f"Idempotency-Key {key!r} was used for a different request"
            raise DoorstepError([Issue("E2001", msg, ("header", "Idempotency-Key"))])
        if seen.status_code == APPLIED and seen.created_at > _stale_before(p):
            raise _in_progress(key)  # applied, its answer about to be stored: the repeat will get it
        if seen.status_code == APPLIED:
            msg = (f"the request with Idempotency-Key {key!r} was applied, but its answer was lost (the server "
                   "stopped before storing it)")  # fmt: skip
            raise DoorstepError([Issue("E2011", msg, ("header", "Idempotency-Key"))])
        if seen.status_code != PENDING:
            return seen.status_code, seen.body
        if _take_over(p, seen):
            return seen.id
        raise _in_progress(key)
    raise _in_progress(key)


def _release(p: Platform, claim: int) -> None:
    with p.sessions() as s:
        s.execute(delete(IdempotencyRow).where(IdempotencyRow.id == claim, IdempotencyRow.status_code == PENDING))
        s.commit()


def _settle(p: Platform, claim: int, status: int, body: dict[str, Any]) -> None:
    with p.sessions() as s:
        s.execute(update(IdempotencyRow).where(IdempotencyRow.id == claim).values(status_code=status, body=body))
        s.commit()


def run_once(
    p: Platform, actor: Actor, key: str | None, print_: str, create: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any]]:
    """Run ``create`` unless this key was seen: then replay its response (E2001 if the request differs, E2009
    while the first request still runs). A create that fails stores nothing: the key may be used again."""
    if key is None:
        return create()
    if not key or len(key) > MAX_KEY:
        raise DoorstepError([Issue("E1301", f"Idempotency-Key must have 1..{MAX_KEY} characters", ("header",))])
    claim = _claim(p, actor.org_id, key, print_)
    if isinstance(claim, tuple):
        return claim
    token = current_claim.set(claim)
    try:
        status, body = create()
    except BaseException:
        _release(p, claim)  # (a claim the create marked applied stays: its change is there)
        raise
    finally:
        current_claim.reset(token)
    _settle(p, claim, status, body)
    return status, body
