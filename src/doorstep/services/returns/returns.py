"""Failed deliveries and returns: a failure leads to a re-attempt (same day by insertion into a live route, or the
next day) or, after the policy's number of attempts, to return-to-sender; customer returns become pickup stops;
the depot receives both by scanning barcodes. Every step is an event with time, actor and position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.domain.learned import LearnedTimes
from doorstep.domain.orders import Order, OrderKind, TimeWindow
from doorstep.domain.reach import ABSENT_REASONS, best_window
from doorstep.domain.returns import (
    ATTEMPT_TAG,
    RETRY_OF_TAG,
    FailurePolicy,
    NextStep,
    ReturnReason,
    ReturnStatus,
    attempt_of,
    can_move,
    first_of,
)
from doorstep.domain.status import OrderStatus, PlanStatus
from doorstep.services.kernel.access import Actor, Permission, system_actor
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.replanning import ProposalKind, ProposalStatus, Request, proposals_of, propose
from doorstep.services.orders.convert import depot_of, order_of
from doorstep.services.orders.orders import insert_orders, set_order_status
from doorstep.store.models import EventRow, OrderRow, PlanRow, ProposalRow, ReturnRow, ShiftRow, VehicleRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork


def returns_of(uow: UnitOfWork) -> Repository[ReturnRow]:
    """The return repository of the unit's organization."""
    return Repository(uow.session, ReturnRow, uow.org_id, "return")


@dataclass(frozen=True, slots=True)
class Where:
    """Who did a step, when and where (position when known)."""

    actor: str
    at: datetime
    lat: float | None = None
    lng: float | None = None

    def step(self, status: str, **extra: Any) -> dict[str, Any]:
        """One entry of a return's history (and the data of its event)."""
        return {"status": status, "at": self.at.isoformat(), "actor": self.actor, "lat": self.lat, "lng": self.lng,
                **extra}  # fmt: skip


def _domain_order(uow: UnitOfWork, row: OrderRow) -> Order:
    depot = uow.depots.require(row.depot_id)
    return order_of(row, {depot.id: depot_of(depot)})


def _published_plan(uow: UnitOfWork, depot_id: str, day: date) -> str | None:
    rows = uow.plans.all(PlanRow.depot_id == depot_id, PlanRow.day == day, PlanRow.status == PlanStatus.PUBLISHED.value)
    return rows[0].id if rows else None


def _reattempt(order: Order, attempt: int, days: int) -> Order:
    """A copy of the order for its next attempt, ``days`` later (windows moved with it)."""
    shift = timedelta(days=days)
    tags = tuple(t for t in order.tags if not t.startswith((ATTEMPT_TAG, RETRY_OF_TAG)))
    return replace(
        order,
        id=new_id("ord"),
        external_ref=f"{order.external_ref.split('#')[0]}#{attempt}",
        time_windows=tuple(TimeWindow(w.start + shift, w.end + shift) for w in order.time_windows),
        release_at=None,
        tags=(*tags, f"{ATTEMPT_TAG}{attempt}", f"{RETRY_OF_TAG}{first_of(order.id, order.tags)}"),
    )


@dataclass(slots=True)
class FailureOutcome:
    """What a failed attempt led to."""

    step: NextStep | None  # None: this attempt was already handled (a replayed stop event)
    attempt: int = 0
    reattempt_order_id: str | None = None
    proposal_id: str | None = None
    return_id: str | None = None


def _working_hours(uow: UnitOfWork, depot_id: str, day: date) -> tuple[datetime, datetime] | None:
    """When the depot's vans work on ``day``: from the earliest shift start to the latest shift end of its
    vehicles that day; with no shift rostered yet, the depot's opening hours; None when neither is known."""
    span: tuple[datetime | None, datetime | None] = uow.session.execute(
        select(func.min(ShiftRow.start), func.max(ShiftRow.end))
        .join(VehicleRow, VehicleRow.id == ShiftRow.vehicle_id)
        .where(ShiftRow.org_id == uow.org_id, ShiftRow.day == day, VehicleRow.depot_id == depot_id)
    ).one()._tuple()
    first, last = span  # None, None: no shift that day
    if first is not None and last is not None:
        return first, last
    opens, closes = depot_of(uow.depots.require(depot_id)).hours_on(day)
    return (opens, closes) if opens is not None and closes is not None else None


def _when_reached(
    learned: LearnedTimes | None, again: Order, tz: str, hours: Callable[[date], tuple[datetime, datetime] | None]
) -> tuple[Order, dict[str, Any]]:
    """A next-day re-attempt after the customer was absent, with learned reach: its one window moves to the
    same-length window of that day the address is most likely reached in while the depot's vans work
    (``hours`` of the local day; ``domain.reach.best_window``), and the event says from where to where and why;
    otherwise the order as it is (docs/learning.md)."""
    if learned is None or not learned.reach.usable or len(again.time_windows) != 1:
        return again, {}
    zone = ZoneInfo(tz)
    w = again.time_windows[0]
    start, end = w.start.astimezone(zone), w.end.astimezone(zone)
    moved = best_window(learned.reach, again.location, start, end, hours(start.date()))
    if moved is None:
        return again, {}
    before = learned.reach.window(again.location, w.start.astimezone(zone), w.end.astimezone(zone))
    after = learned.reach.window(again.location, *moved)
    assert before is not None and after is not None
    why = {"from": {"start": w.start.isoformat(), "end": w.end.isoformat(), "reach": round(before.rate, 3)},
           "to": {"start": moved[0].isoformat(), "end": moved[1].isoformat(), "reach": round(after.rate, 3)},
           "observations": after.observations, "level": after.level}  # fmt: skip
    return replace(again, time_windows=(TimeWindow(*moved),)), {"reattempt_window": why}


COLLECTIONS = (OrderKind.PICKUP.value, OrderKind.RETURN.value)  # orders whose stop collects a parcel
REATTEMPTS = (NextStep.REATTEMPT_SAME_DAY, NextStep.REATTEMPT_NEXT_DAY)


def handle_failure(
    p: Platform, org_id: str, order_id: str, where: Where, reason: str | None, policy: FailurePolicy,
    *, auto_approve: bool = False,
) -> FailureOutcome:  # fmt: skip
    """Record the failed attempt once, then re-attempt (a new order for the same or next day), return to sender
    (a delivery) or give up (a collection: a pickup or a customer's return) — at once for a reason no attempt fixes
    (refused, damaged). A failed attempt already recorded is not recorded again; a same-day re-attempt whose
    insertion into the live plan was never proposed (the first run stopped after recording it) is proposed now:
    the handler resumes."""
    with p.uow(org_id) as uow:
        row = uow.orders.require(order_id)
        collect = row.kind in COLLECTIONS
        kind = "pickup.failed" if collect else "delivery.failed"
        seen = uow.session.query(EventRow).filter_by(org_id=org_id, subject_id=order_id, type=kind).first()
        resume = _unproposed(uow, row, seen) if seen is not None else None
    learned = p.learned(org_id) if seen is None and reason in ABSENT_REASONS and not collect else None
    if seen is not None:
        if resume is None:
            return FailureOutcome(None)
        request = Request(resume[0], ProposalKind.INSERT, resume[1])
        prop = propose(p, system_actor(org_id), request, auto_approve=auto_approve)
        return FailureOutcome(None, reattempt_order_id=resume[1], proposal_id=prop.id)
    with p.uow(org_id) as uow:
        row = uow.orders.require(order_id)
        events = EventRecorder(uow, where.actor)
        if row.status == OrderStatus.DISPATCHED.value:
            set_order_status(uow, events, row, OrderStatus.FAILED, "order.updated")
        order = _domain_order(uow, row)
        attempt = attempt_of(order.tags)
        step = policy.next_step(attempt, reason, collect=collect)
        days = 0 if step is NextStep.REATTEMPT_SAME_DAY else 1
        again = _reattempt(order, attempt + 1, days) if step in REATTEMPTS else None
        extra: dict[str, Any] = {"reattempt_order_id": again.id} if again is not None else {}
        if again is not None and days == 1:
            depot_id = row.depot_id
            again, why = _when_reached(learned, again, uow.depots.require(depot_id).timezone,
                                       lambda day: _working_hours(uow, depot_id, day))  # fmt: skip
            extra |= why
        data = where.step("failed", reason=reason, attempt=attempt, next=step, **extra)
        events.record(kind, order_id, data=data)
        out = FailureOutcome(step, attempt)
        if step is NextStep.GIVE_UP:
            uow.commit()
            return out
        if step is NextStep.RETURN_TO_SENDER:
            ret = returns_of(uow).add(
                ReturnRow(
                    id=new_id("ret"), order_id=order_id, pickup_order_id=None, reason=ReturnReason.RETURN_TO_SENDER,
                    status=ReturnStatus.IN_TRANSIT.value, barcode=row.external_ref.split("#")[0],
                    history=[where.step(ReturnStatus.IN_TRANSIT.value, reason=reason)],
                )
            )  # fmt: skip
            events.record(
                "return.created", ret.id, to_status=ret.status, data=where.step(ret.status, order_id=order_id)
            )
            out.return_id = ret.id
            uow.commit()
            return out
        assert again is not None
        insert_orders(uow, system_actor(org_id), [(again, row.day + timedelta(days=days))])
        waiting = returns_of(uow).first(ReturnRow.pickup_order_id == order_id)
        if waiting is not None:  # a customer's return: its next pickup is the new attempt
            waiting.pickup_order_id = again.id
        plan_id = _published_plan(uow, row.depot_id, row.day) if days == 0 else None
        uow.commit()
    out.reattempt_order_id = again.id
    if plan_id is not None:
        prop = propose(
            p, system_actor(org_id), Request(plan_id, ProposalKind.INSERT, again.id), auto_approve=auto_approve
        )
        out.proposal_id = prop.id
    return out


def _unproposed(uow: UnitOfWork, row: OrderRow, failed: EventRow) -> tuple[str, str] | None:
    """For an already recorded same-day failure: the live plan and the re-attempt order when the re-attempt is
    still new and no proposal inserts it (None: nothing left to do)."""
    data = failed.data or {}
    again_id = data.get("reattempt_order_id")
    if data.get("next") != NextStep.REATTEMPT_SAME_DAY.value or not isinstance(again_id, str):
        return None
    again = uow.orders.get(again_id)
    if again is None or again.status != OrderStatus.NEW.value:
        return None
    if proposals_of(uow).first(ProposalRow.subject_id == again_id) is not None:
        return None
    plan_id = _published_plan(uow, row.depot_id, row.day)
    return (plan_id, again_id) if plan_id is not None else None


def request_return(
    p: Platform, actor: Actor, order_id: str, day: date, windows: list[TimeWindow], *, auto_approve: bool = False
) -> ReturnRow:
    """A customer return of a delivered order: a return pickup on ``day``, inserted into the day's live plan when
    one is published (as a proposal, or at once with auto-approve), else queued for the next plan."""
    actor.require(Permission.WRITE)
    where = Where(actor.label, p.clock())
    with p.uow(actor) as uow:
        row = uow.orders.require(order_id, ("order_id",))
        taken = returns_of(uow).first(ReturnRow.order_id == order_id)
        if row.status != OrderStatus.DELIVERED.value or row.kind != OrderKind.DELIVERY.value or taken is not None:
            why = "already has a return" if taken is not None else f"is a {row.kind} order, {row.status}"
            raise DoorstepError([Issue("E1452", f"order {order_id} {why}", ("order_id",), order_id)])
        order = _domain_order(uow, row)
        pickup = replace(
            order, id=new_id("ord"), external_ref=f"{row.external_ref}-RET", kind=OrderKind.RETURN,
            time_windows=tuple(windows), release_at=None, tags=(*order.tags, f"return_of:{order_id}"),
        )  # fmt: skip
        insert_orders(uow, actor, [(pickup, day)])
        ret = returns_of(uow).add(
            ReturnRow(
                id=new_id("ret"), order_id=order_id, pickup_order_id=pickup.id, reason=ReturnReason.CUSTOMER_RETURN,
                status=ReturnStatus.REQUESTED.value, barcode=pickup.external_ref,
                history=[where.step(ReturnStatus.REQUESTED.value)],
            )
        )  # fmt: skip
        EventRecorder(uow, actor.label).record(
            "return.created", ret.id, to_status=ret.status, data=where.step(ret.status)
        )
        plan_id = _published_plan(uow, row.depot_id, day)
        uow.commit()
    if plan_id is not None:
        prop = propose(p, actor, Request(plan_id, ProposalKind.INSERT, pickup.id), auto_approve=auto_approve)
        if prop.status == ProposalStatus.APPLIED.value:
            _move(p, actor.org_id, ret.id, ReturnStatus.SCHEDULED, where)
    return get_return(p, actor, ret.id)


def _move(p: Platform, org_id: str, return_id: str, target: ReturnStatus, where: Where) -> ReturnRow | None:
    with p.uow(org_id) as uow:
        ret = returns_of(uow).require(return_id)
        if not can_move(ReturnStatus(ret.status), target):
            return None
        before, ret.status = ret.status, target.value
        ret.history = [*ret.history, where.step(target.value)]
        EventRecorder(uow, where.actor).record(
            f"return.{target.value}", ret.id, from_status=before, to_status=target.value, data=where.step(target.value)
        )
        uow.commit()
        return ret


def on_stop(p: Platform, org_id: str, event: dict[str, Any], policy: FailurePolicy, auto_approve: bool) -> None:
    """React to a stop event: a failed delivery goes to the failure policy; a completed return pickup travels."""
    order_id, status = event.get("order_id"), event.get("status")
    if not isinstance(order_id, str) or status not in ("failed", "completed", "arrived"):
        return
    at = datetime.fromisoformat(event["at"]) if isinstance(event.get("at"), str) else p.clock()
    where = Where(str(event.get("driver_id") or event.get("actor") or "driver"), at, event.get("lat"), event.get("lng"))
    with p.uow(org_id) as uow:
        order = uow.orders.get(order_id)
        ret = returns_of(uow).first(ReturnRow.pickup_order_id == order_id)
        kind = order.kind if order is not None else None
    if order is None:
        return
    if status == "failed" and kind in (OrderKind.DELIVERY.value, *COLLECTIONS):
        handle_failure(p, org_id, order_id, where, event.get("reason"), policy, auto_approve=auto_approve)
    elif status == "completed" and ret is not None:
        _move(p, org_id, ret.id, ReturnStatus.IN_TRANSIT, where)


def on_stop_event(p: Platform, event: EventRecord, policy: FailurePolicy, auto_approve: bool) -> None:
    """Event handler for ``stop.failed`` and ``stop.completed``: the failure policy and the return flow, from the
    recorded event (idempotent: a failed attempt is handled once, a return moves once)."""
    data = event.data
    on_stop(p, event.org_id, {
        "order_id": data.get("order_id"), "status": event.to_status, "at": data.get("at") or event.at.isoformat(),
        "lat": data.get("lat"), "lng": data.get("lng"), "driver_id": data.get("driver_id"), "actor": event.actor,
        "reason": data.get("reason"),
    }, policy, auto_approve)  # fmt: skip


@dataclass(slots=True)
class ScanResult:
    """Per barcode: received now, or the coded reason it was not."""

    received: list[ReturnRow]
    issues: list[Issue]


def _item_barcodes(uow: UnitOfWork) -> dict[str, list[str]]:
    """Item barcode -> ids of the returns whose order lists it (a return-to-sender's order, or the delivered
    order a customer return collects). Read once per scan batch, and only when a code is not a return label."""
    rets = returns_of(uow).all()
    orders = uow.orders.get_many(sorted({r.order_id for r in rets}))
    out: dict[str, list[str]] = {}
    for ret in sorted(rets, key=lambda r: (r.created_at, r.id)):
        order = orders.get(ret.order_id)
        for item in (order.data.get("items") or ()) if order is not None else ():
            if isinstance(item, dict) and item.get("barcode"):
                out.setdefault(str(item["barcode"]), []).append(ret.id)
    return out


def _find(uow: UnitOfWork, code: str, k: int, items: dict[str, list[str]]) -> ReturnRow | Issue:
    """The return a scanned code names: its own label first, else an item barcode of its order. An item code on
    several returns still on their way is ambiguous (E1453 naming them): the label tells them apart."""
    ret = returns_of(uow).first(ReturnRow.barcode == code)
    if ret is not None:
        return ret
    found = [r for r in (returns_of(uow).get(i) for i in items.get(code, ())) if r is not None]
    open_ = [r for r in found if r.status != ReturnStatus.RECEIVED.value]
    if len(open_) == 1 or (found and not open_):
        return (open_ or found)[-1]
    if open_:
        refs = ", ".join(r.barcode for r in open_)
        msg = f"barcode {code!r} is an item of several returns on their way ({refs})"
        return Issue("E1453", msg, ("barcodes", k), code, action="Scan the return's label (its reference) instead.")
    return Issue("E1453", f"no return has barcode {code!r}", ("barcodes", k), code)


def receive(p: Platform, actor: Actor, barcodes: list[str], lat: float | None, lng: float | None) -> ScanResult:
    """Scan parcels in at the depot: each barcode of a return on its way becomes received — the return's label
    (the order's reference, or ``REF-RET``) or the barcode of any item of its order. Unknown barcodes are E1453
    and already received ones E2133, each reported with its index (the others are still received)."""
    actor.require(Permission.WRITE)
    where = Where(actor.label, p.clock(), lat, lng)
    out = ScanResult([], [])
    items: dict[str, list[str]] | None = None
    for k, code in enumerate(barcodes):
        with p.uow(actor) as uow:
            if items is None and returns_of(uow).first(ReturnRow.barcode == code) is None:
                items = _item_barcodes(uow)
            found = _find(uow, code, k, items or {})
        if isinstance(found, Issue):
            out.issues.append(found)
        elif found.status == ReturnStatus.RECEIVED.value:
            out.issues.append(Issue("E2133", f"{code!r} was received already", ("barcodes", k), found.id))
        else:
            if found.status != ReturnStatus.IN_TRANSIT.value:  # scanned before the van reported the pickup
                _move(p, actor.org_id, found.id, ReturnStatus.IN_TRANSIT, where)
            moved = _move(p, actor.org_id, found.id, ReturnStatus.RECEIVED, where)
            if moved is not None:
                out.received.append(moved)
    return out


def get_return(p: Platform, actor: Actor, return_id: str) -> ReturnRow:
    """One return with its history."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return returns_of(uow).require(return_id)


def list_returns(p: Platform, actor: Actor, status: str | None = None) -> list[ReturnRow]:
    """Returns, newest first."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        rows = returns_of(uow).all(*([ReturnRow.status == status] if status else []))
    return sorted(rows, key=lambda r: r.created_at, reverse=True)
