"""Dispatch of recorded events to their handlers, after the commit that stored them.

Each (event, handler) pair has a row written with the event. The dispatcher claims a due row (compare-and-set,
with a lease so a dead dispatcher's claim expires), runs the handler outside any transaction of the change, and
marks the row done; a handler that raises is retried with back-off and, after the bus's ``max_attempts``, marked
``stuck`` — listed by the API until someone retries it. Handlers are independent: one raising never stops another,
and never touches the change that recorded the event. At least once: a handler may run again (a lost lease, a
crash between its effect and the done mark), so every handler is idempotent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.event_bus import EventRecord, HandlerFn
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import EventHandlingRow, EventRow

log = logging.getLogger("doorstep.events")

FAILING = ("pending", "running", "stuck")
BATCH = 200  # handlings claimed (and events looked up) per statement


def _record(row: EventRow) -> EventRecord:
    return EventRecord(
        id=row.id, org_id=row.org_id, type=row.type, subject_id=row.subject_id, actor=row.actor, at=row.at,
        from_status=row.from_status, to_status=row.to_status, data=dict(row.data or {}),
    )  # fmt: skip


def _due(now: datetime) -> ColumnElement[bool]:
    """Rows a dispatcher may claim now: pending and due, or running under an expired lease."""
    pending = (EventHandlingRow.status == "pending") & or_(
        EventHandlingRow.next_attempt_at.is_(None), EventHandlingRow.next_attempt_at <= now
    )
    lost = (EventHandlingRow.status == "running") & (EventHandlingRow.lease_until < now)
    return or_(pending, lost)


def _claim(p: Platform, handling_id: str) -> bool:
    now = p.clock()
    with p.sessions() as s:
        moved = s.execute(
            update(EventHandlingRow)
            .where(EventHandlingRow.id == handling_id, _due(now))
            .values(status="running", lease_until=now + timedelta(seconds=p.bus.lease_s))
        )
        s.commit()
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def _settle(p: Platform, handling_id: str, error: str | None) -> None:
    """Mark a claimed run done, or count the failure and schedule the next run (or give up: stuck)."""
    now = p.clock()
    with p.sessions() as s:
        row = s.get(EventHandlingRow, handling_id)
        if row is None:
            return
        row.lease_until = None
        if error is None:
            row.status, row.done_at, row.last_error = "done", now, None
        else:
            row.attempts += 1
            row.last_error = error[:2000]
            if row.attempts >= p.bus.max_attempts:
                row.status, row.next_attempt_at = "stuck", None
            else:
                row.status = "pending"
                row.next_attempt_at = now + timedelta(seconds=p.bus.backoff(row.attempts))
        s.commit()


def run_handling(p: Platform, handling_id: str) -> bool | None:
    """Claim and run one handling: True when it ran and succeeded, False when it raised, None when it was not
    due (done, claimed by another dispatcher, waiting out its back-off) or its handler is not registered here."""
    with p.sessions() as s:
        row = s.get(EventHandlingRow, handling_id)
        if row is None or row.handler not in p.bus.handlers:
            return None
        event = s.get(EventRow, row.event_id)
        if event is None:
            return None
        record, handler = _record(event), p.bus.handlers[row.handler]
    if not _claim(p, handling_id):
        return None
    error = _run(handler.name, handler.fn, p, record)
    _settle(p, handling_id, error)
    return error is None


def _run(name: str, fn: HandlerFn, p: Platform, record: EventRecord) -> str | None:
    """Run one handler on one event: None when it succeeded, else the error it raised (logged)."""
    try:
        fn(p, record)
    except Exception as exc:  # a handler's failure stays with its handling: logged, counted, retried
        log.exception("event handler %s failed on %s (%s)", name, record.id, record.type)
        return f"{type(exc).__name__}: {exc}"
    return None


def _claim_many(p: Platform, ids: list[str]) -> list[str]:
    """Claim the due ones of these handlings in one statement; the claimed ids, in the given order."""
    now = p.clock()
    with p.sessions() as s:
        moved = s.execute(
            update(EventHandlingRow)
            .where(EventHandlingRow.id.in_(ids), _due(now))
            .values(status="running", lease_until=now + timedelta(seconds=p.bus.lease_s))
            .returning(EventHandlingRow.id)
            .execution_options(synchronize_session=False)
        )
        claimed = set(moved.scalars())
        s.commit()
    return [i for i in ids if i in claimed]


def _settle_done(p: Platform, ids: list[str]) -> None:
    """Mark claimed runs that succeeded done, in one statement."""
    if not ids:
        return
    with p.sessions() as s:
        s.execute(
            update(EventHandlingRow)
            .where(EventHandlingRow.id.in_(ids))
            .values(status="done", done_at=p.clock(), last_error=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        s.commit()


def run_handlings(p: Platform, handling_ids: list[str]) -> int:
    """Claim and run many handlings in order, ``BATCH`` at a time: one statement claims a batch and one marks its
    successes done (a handler that raises is settled on its own, as in ``run_handling``); the number that
    succeeded. A batch of 40,000 events' handlings (one import) costs a few hundred statements besides what the
    handlers do, instead of three transactions each."""
    succeeded = 0
    for start in range(0, len(handling_ids), BATCH):
        chunk = handling_ids[start : start + BATCH]
        with p.sessions() as s:
            q = (
                select(EventHandlingRow.id, EventHandlingRow.handler, EventRow)
                .join(EventRow, EventRow.id == EventHandlingRow.event_id)
                .where(EventHandlingRow.id.in_(chunk), EventHandlingRow.handler.in_(list(p.bus.handlers)))
            )
            work = {hid: (handler, _record(event)) for hid, handler, event in s.execute(q)}
        done: list[str] = []
        for hid in _claim_many(p, [h for h in chunk if h in work]):
            name, record = work[hid]
            handler = p.bus.handlers.get(name)
            error = _run(name, handler.fn, p, record) if handler is not None else "handler unregistered meanwhile"
            if error is None:
                done.append(hid)
            else:
                _settle(p, hid, error)
        _settle_done(p, done)
        succeeded += len(done)
    return succeeded


@job("events.dispatch")
def dispatch_events(p: Platform, org_id: str, event_ids: list[str]) -> int:
    """Run the handlers of freshly committed events (in recording order); the number that succeeded."""
    found: list[tuple[datetime, str]] = []
    with p.sessions() as s:
        for start in range(0, len(event_ids), BATCH):  # (SQLite takes at most 32,766 parameters in one query)
            q = select(EventHandlingRow.created_at, EventHandlingRow.id).where(
                EventHandlingRow.org_id == org_id,
                EventHandlingRow.event_id.in_(event_ids[start : start + BATCH]),
                _due(p.clock()),
            )
            found += [(at, hid) for at, hid in s.execute(q)]
    return run_handlings(p, [hid for _, hid in sorted(found)])


@job("events.sweep")
def dispatch_due(p: Platform, limit: int = 200) -> int:
    """Run every due handling of every organization (retries after back-off, events whose dispatch was lost
    with a process, expired claims): the periodic sweep that makes dispatch at-least-once."""
    with p.sessions() as s:
        q = select(EventHandlingRow.id).where(_due(p.clock()), EventHandlingRow.handler.in_(list(p.bus.handlers)))
        ids = list(s.scalars(q.order_by(EventHandlingRow.created_at, EventHandlingRow.id).limit(limit)))
    return run_handlings(p, ids)


@dataclass(frozen=True, slots=True)
class StuckEvent:
    """An event with the handlings that have failed at least once and have not succeeded since."""

    event: EventRow
    handlings: list[EventHandlingRow]


def stuck_events(p: Platform, actor: Actor, *, include_retrying: bool = True) -> list[StuckEvent]:
    """Events whose handlers keep failing, oldest first: ``stuck`` ones (gave up) and, unless excluded, ones
    still being retried (failed at least once)."""
    actor.require(Permission.MANAGE)
    statuses = FAILING if include_retrying else ("stuck",)
    with p.sessions() as s:
        rows = list(
            s.scalars(
                select(EventHandlingRow)
                .where(EventHandlingRow.org_id == actor.org_id, EventHandlingRow.status.in_(statuses))
                .where(EventHandlingRow.attempts > 0)
                .order_by(EventHandlingRow.created_at, EventHandlingRow.id)
            )
        )
        events = {e.id: e for e in s.scalars(select(EventRow).where(EventRow.id.in_({r.event_id for r in rows})))}
    out: dict[str, StuckEvent] = {}
    for r in rows:
        out.setdefault(r.event_id, StuckEvent(events[r.event_id], [])).handlings.append(r)
    return list(out.values())


def retry_event(p: Platform, actor: Actor, event_id: str) -> StuckEvent:
    """Run the failing handlers of one event again now (attempts count on; a success marks them done). E1302 for
    an unknown event, E2160 when none of its handlers is failing."""
    actor.require(Permission.MANAGE)
    with p.sessions() as s:
        event = s.get(EventRow, event_id)
        if event is None or event.org_id != actor.org_id:
            raise DoorstepError([Issue("E1302", f"event {event_id} not found", ("event_id",), event_id)])
        rows = list(
            s.scalars(
                select(EventHandlingRow).where(
                    EventHandlingRow.event_id == event_id, EventHandlingRow.status.in_(("pending", "stuck")),
                    EventHandlingRow.attempts > 0,
                )
            )
        )  # fmt: skip
        if not rows:
            msg = f"event {event_id} has no failing handler to retry"
            raise DoorstepError([Issue("E2160", msg, ("event_id",), event_id)])
        for r in rows:
            r.status, r.next_attempt_at = "pending", None
        ids = [r.id for r in rows]
        s.commit()
    for hid in ids:
        run_handling(p, hid)
    with p.sessions() as s:
        handlings = list(s.scalars(select(EventHandlingRow).where(EventHandlingRow.event_id == event_id)))
        ev = s.get(EventRow, event_id)
        assert ev is not None
    return StuckEvent(ev, sorted(handlings, key=lambda h: h.handler))


def handlings_of(p: Platform, actor: Actor, event_id: str) -> list[EventHandlingRow]:
    """Every handling of one event (what ran, what is waiting)."""
    actor.require(Permission.READ)
    with p.sessions() as s:
        return list(
            s.scalars(
                select(EventHandlingRow)
                .where(EventHandlingRow.org_id == actor.org_id, EventHandlingRow.event_id == event_id)
                .order_by(EventHandlingRow.handler)
            )
        )
