"""Idempotency-Key support: the first response to a create is stored and replayed for repeats of the request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.access import Actor
from doorstep.services.platform import Platform
from doorstep.store.models import IdempotencyRow

MAX_KEY = 200


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same request"."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _stored(p: Platform, org_id: str, key: str) -> IdempotencyRow | None:
    with p.sessions() as s:
        return s.scalar(select(IdempotencyRow).where(IdempotencyRow.org_id == org_id, IdempotencyRow.key == key))


def run_once(
    p: Platform, actor: Actor, key: str | None, print_: str, create: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any]]:
    """Run ``create`` unless this key was seen: then replay its response (E2001 if the request differs)."""
    if key is None:
        return create()
    if not key or len(key) > MAX_KEY:
        raise DoorstepError([Issue("E1301", f"Idempotency-Key must have 1..{MAX_KEY} characters", ("header",))])
    seen = _stored(p, actor.org_id, key)
    if seen is not None:
        if seen.fingerprint != print_:
            msg = f"Idempotency-Key {key!r} was used for a different request"
            raise DoorstepError([Issue("E2001", msg, ("header", "Idempotency-Key"))])
        return seen.status_code, seen.body
    status, body = create()
    with p.sessions() as s:
        s.add(IdempotencyRow(org_id=actor.org_id, key=key, fingerprint=print_, status_code=status, body=body))
        try:
            s.commit()
        except IntegrityError:  # a concurrent twin won the race: answer with its response
            s.rollback()
            twin = _stored(p, actor.org_id, key)
            if twin is not None:
                return twin.status_code, twin.body
    return status, body
