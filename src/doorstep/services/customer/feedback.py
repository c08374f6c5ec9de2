"""Customer feedback on a delivery: a 1–5 rating, optional tags and a comment, given from the tracking page once
the order is delivered. One feedback per order: a second submission replaces the first (a customer may change
their mind; ``revisions`` counts the submissions). Stored with the route and driver that delivered the order, and
recorded as a ``feedback.received`` event for webhooks and the analytics to come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.events import EventType
from doorstep.domain.ids import new_id
from doorstep.domain.status import OrderStatus
from doorstep.notify.tracking_words import TAGS
from doorstep.services.customer.tracking_links import Opened, not_found
from doorstep.services.customer.tracking_page import language_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.store.conflicts import ConflictError
from doorstep.store.models import FeedbackRow, OrderRow, StopEventRow
from doorstep.store.uow import UnitOfWork

MAX_COMMENT = 1000
MAX_LIST = 1000  # feedback rows per staff request


@dataclass(frozen=True, slots=True)
class FeedbackIn:
    """What the customer sent."""

    rating: int
    tags: tuple[str, ...] = ()
    comment: str = ""


def input_issues(f: FeedbackIn) -> list[Issue]:
    """Every problem of a submission at once: the rating (E1454), each unknown tag (E1455), the comment (E1456)."""
    issues = []
    if isinstance(f.rating, bool) or not isinstance(f.rating, int) or not 1 <= f.rating <= 5:
        issues.append(Issue("E1454", f"rating {f.rating!r} is not a whole number from 1 to 5", ("rating",)))
    for k, tag in enumerate(f.tags):
        if tag not in TAGS:
            issues.append(Issue("E1455", f"tag {tag!r} is not one of {', '.join(TAGS)}", ("tags", k)))
    if len(f.comment) > MAX_COMMENT:
        msg = f"the comment has {len(f.comment)} characters; at most {MAX_COMMENT} are kept"
        issues.append(Issue("E1456", msg, ("comment",)))
    return issues


def _delivered_by(uow: UnitOfWork, order_id: str) -> tuple[str | None, str | None]:
    """(route id, driver id) of the action that completed the order."""
    done = [e for e in uow.stop_events.all(StopEventRow.order_id == order_id) if e.status == "completed"]
    return (done[-1].route_id, done[-1].driver_id) if done else (None, None)


def _store(uow: UnitOfWork, order: OrderRow, f: FeedbackIn, now: datetime) -> FeedbackRow:
    route_id, driver_id = _delivered_by(uow, order.id)
    tags = list(dict.fromkeys(f.tags))  # each tag once, in the customer's order
    row = uow.feedback.first(FeedbackRow.order_id == order.id)
    if row is None:
        row = uow.feedback.add(FeedbackRow(
            id=new_id("fbk"), order_id=order.id, day=order.day, route_id=route_id, driver_id=driver_id,
            rating=f.rating, tags=tags, comment=f.comment.strip(), language=language_of(order)[:10], revisions=1,
            created_at=now,
        ))  # fmt: skip
    else:
        row.rating, row.tags, row.comment, row.revisions = f.rating, tags, f.comment.strip(), row.revisions + 1
        row.route_id, row.driver_id = route_id or row.route_id, driver_id or row.driver_id
    row.updated_at = now
    data = {"order_id": order.id, "rating": f.rating, "tags": tags, "has_comment": bool(row.comment),
            "route_id": row.route_id, "driver_id": row.driver_id, "revision": row.revisions}  # fmt: skip
    EventRecorder(uow, "customer").record(EventType.FEEDBACK_RECEIVED, order.id, data=data)
    return row


def submit(p: Platform, opened: Opened, f: FeedbackIn) -> FeedbackRow:
    """Store the customer's feedback for a delivered order (E2170 before delivery), or replace the one given."""
    issues = input_issues(f)
    if issues:
        raise DoorstepError(issues)
    for attempt in (1, 2):  # two first submissions racing: the loser replaces the winner's
        try:
            with p.uow(opened.org_id) as uow:
                order = uow.orders.get(opened.order_id)
                if order is None:
                    raise not_found()
                if order.status != OrderStatus.DELIVERED.value:
                    msg = f"the order is {order.status}: it can be rated once delivered"
                    raise DoorstepError([Issue("E2170", msg, ())])
                row = _store(uow, order, f, p.clock())
                uow.commit()
                return row
        except ConflictError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def list_feedback(
    p: Platform, actor: Actor, start: date | None = None, end: date | None = None, limit: int = MAX_LIST
) -> list[FeedbackRow]:
    """The organization's feedback for delivery days ``start``..``end`` (inclusive), newest day first."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        q = uow.feedback.query()
        if start is not None:
            q = q.where(FeedbackRow.day >= start)
        if end is not None:
            q = q.where(FeedbackRow.day <= end)
        q = q.order_by(FeedbackRow.day.desc(), FeedbackRow.id).limit(min(limit, MAX_LIST))
        return list(uow.session.scalars(q))


def of_order(p: Platform, actor: Actor, order_id: str) -> FeedbackRow | None:
    """The feedback of one order (None: not given; E1302 for an order of another organization)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        uow.orders.require(order_id, ("order_id",))
        return uow.feedback.first(FeedbackRow.order_id == order_id)


def references(p: Platform, actor: Actor, rows: list[FeedbackRow]) -> dict[str, Any]:
    """The order references of feedback rows (the staff list names orders as people know them)."""
    with p.uow(actor) as uow:
        orders = uow.orders.get_many([r.order_id for r in rows])
        return {oid: o.external_ref for oid, o in orders.items()}
