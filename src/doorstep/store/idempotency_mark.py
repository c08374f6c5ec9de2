"""The idempotency claim of the request being served, marked *applied* in the transaction that applies it.

A create sent with an Idempotency-Key claims the key first (its own transaction), runs, then stores its answer (a
third one). A process killed between the create's commit and the stored answer left a pending claim; once stale,
a repeat took it over and ran the create again: a second depot, driver or webhook. Now the first commit of a unit
of work made while a claim is current also marks that claim applied (``APPLIED``), atomically with the change, so
a repeat can tell "never applied: run it" from "applied, answer lost: do not run it again"."""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from doorstep.store.models import IdempotencyRow

PENDING = 0  # the status_code of a claim whose request is still running and has changed nothing yet
APPLIED = 1  # the request's change is committed; its answer was not stored (yet, or never: the process died)

current_claim: ContextVar[int | None] = ContextVar("current_claim", default=None)


def mark_applied(session: Session) -> None:
    """In the session's transaction, mark the current claim applied (once: the first commit of the request)."""
    claim = current_claim.get()
    if claim is None:
        return
    session.execute(
        update(IdempotencyRow)
        .where(IdempotencyRow.id == claim, IdempotencyRow.status_code == PENDING)
        .values(status_code=APPLIED)
    )
    current_claim.set(None)
