"""Holds on offered windows and their confirmation into orders; expiry frees the place.

The maximum of a slot is kept by one counter row per slot (``slot_counts``) changed only by conditional updates:
``taken = taken + 1 WHERE taken < max`` takes a place, and a hold's status changes the same way (``WHERE status =
'held'``), so whichever of two racing transactions comes second sees the first one's row and does nothing. On
PostgreSQL the second waits for the first's row lock and re-reads the row; on SQLite writers are serialized by the
database lock (each of these transactions starts with its first write, so the busy timeout applies). No
SERIALIZABLE isolation, no retries: the loser gets a coded answer at once (docs/slots.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from doorstep.domain.contact import contact_issues
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Contact, Order, OrderKind, TimeWindow
from doorstep.domain.slots import SlotPolicy
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.orders import insert_orders
from doorstep.services.slots import depot_room, slot_pickup
from doorstep.services.slots.slot_offers import offers_of
from doorstep.services.slots.slot_policy import current_policy, service_time
from doorstep.store.models import OrderRow, SlotCountRow, SlotHoldRow, SlotOfferRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

HELD, CONFIRMED, EXPIRED, RELEASED = "held", "confirmed", "expired", "released"
EXPIRE_BATCH = 500


def holds_of(uow: UnitOfWork) -> Repository[SlotHoldRow]:
    """The slot hold repository of the unit's organization."""
    return Repository(uow.session, SlotHoldRow, uow.org_id, "slot hold")


@dataclass(frozen=True, slots=True)
class Customer:
    """Who receives the parcel: the confirm body."""

    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    language: str = ""
    external_ref: str = ""
    instructions: str = ""


def _now(p: Platform) -> datetime:
    return p.clock().astimezone(UTC)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _expire(uow: UnitOfWork, events: EventRecorder, hold: SlotHoldRow, to: str = EXPIRED) -> bool:
    """Mark a held hold expired (or released) and give its place back, once (a racing expiry, release or
    confirmation of the same hold makes this do nothing)."""
    res = uow.session.execute(
        update(SlotHoldRow).where(SlotHoldRow.id == hold.id, SlotHoldRow.status == HELD)
        .values(status=to).execution_options(synchronize_session=False)
    )  # fmt: skip
    if _rowcount(res) == 0:
        return False
    uow.session.execute(
        update(SlotCountRow).where(SlotCountRow.org_id == uow.org_id, SlotCountRow.slot_key == hold.slot_key)
        .values(taken=SlotCountRow.taken - 1).execution_options(synchronize_session=False)
    )  # fmt: skip
    events.record(f"slot.{to}", hold.id, from_status=HELD, to_status=to,
                  data={"slot_key": hold.slot_key, "offer_id": hold.offer_id})  # fmt: skip
    return True


def release_hold(p: Platform, actor: Actor, hold_id: str) -> SlotHoldRow:
    """Give an unconfirmed hold's place back now (the customer chose another window): idempotent for a hold
    already released or expired; E2256 for a confirmed one (cancel its order instead)."""
    actor.require_any(Permission.WRITE, Permission.CHECKOUT)
    with p.uow(actor) as uow:
        hold = holds_of(uow).require(hold_id)
        if hold.status == CONFIRMED:
            msg = f"hold {hold_id} is confirmed into order {hold.order_id}: cancel the order to free its place"
            raise DoorstepError([Issue("E2256", msg, ("hold_id",), hold.order_id)])
        if hold.status == HELD:
            _expire(uow, EventRecorder(uow, actor.label), hold, RELEASED)
            uow.commit()
    return get_hold(p, actor, hold_id)


def take_place(uow: UnitOfWork, key: str, most: int) -> bool:
    """One more place in the slot if it has one (the conditional update is the whole guarantee)."""

    def bump() -> int:
        return _rowcount(uow.session.execute(
            update(SlotCountRow)
            .where(SlotCountRow.org_id == uow.org_id, SlotCountRow.slot_key == key, SlotCountRow.taken < most)
            .values(taken=SlotCountRow.taken + 1).execution_options(synchronize_session=False)
        ))  # fmt: skip

    if bump():
        return True
    exists = uow.session.scalar(
        select(SlotCountRow.id).where(SlotCountRow.org_id == uow.org_id, SlotCountRow.slot_key == key)
    )
    if exists is None:
        dialect = postgresql if uow.session.get_bind().dialect.name == "postgresql" else sqlite
        values = {"id": new_id("slc"), "org_id": uow.org_id, "slot_key": key, "taken": 0,
                  "created_at": datetime.now(UTC)}  # fmt: skip
        uow.session.execute(dialect.insert(SlotCountRow).values(**values).on_conflict_do_nothing())
    # Once more either way: on PostgreSQL the first update may have run while a racing request's new row was not
    # yet committed (it saw none), and the row is there by now; the conditional update still decides alone.
    return bump() > 0


def hold_offer(p: Platform, actor: Actor, offer_id: str) -> SlotHoldRow:
    """Reserve the offer's window for ``p.slots.hold_minutes``: E2251 offer expired, E2255 past its cut-off,
    E2252 slot full, E2275 the depot's day full, E2254 the offer already has a hold."""
    actor.require_any(Permission.WRITE, Permission.CHECKOUT)
    now = _now(p)
    with p.uow(actor) as uow:
        offer = offers_of(uow).require(offer_id, ("offer_id",))
        earlier = holds_of(uow).first(SlotHoldRow.offer_id == offer_id)
        if earlier is not None:
            msg = f"offer {offer_id} is held by {earlier.id}"
            raise DoorstepError([Issue("E2254", msg, ("offer_id",), earlier.id)])
        if offer.expires_at <= now:
            raise DoorstepError([Issue("E2251", f"offer {offer_id} expired at {offer.expires_at.isoformat()}",
                                       ("offer_id",), offer_id)])  # fmt: skip
        policy, _ = current_policy(uow)
        events = EventRecorder(uow, actor.label)
        if slot_pickup.lock(uow, offer.slot_key):  # a pickup point's day: its capacity in parcels
            if slot_pickup.pickup_level(policy) is None:
                raise _closed(offer_id)
            _expire_due(uow, events, offer.slot_key, now)
            slot_pickup.take_pickup_place(uow, offer, now)
        else:
            _take_window(uow, events, policy, offer, now)
        depot_room.take_depot_place(uow, offer, now)  # a capped depot's parcels that day (E2275)
        hold = holds_of(uow).add(SlotHoldRow(
            id=new_id("hld"), offer_id=offer.id, slot_key=offer.slot_key, zone_id=offer.zone_id,
            service_level=offer.service_level, depot_id=offer.depot_id, day=offer.day, start=offer.start,
            end=offer.end, lat=offer.lat, lng=offer.lng, size=offer.size, skills=offer.skills, status=HELD,
            expires_at=now + timedelta(minutes=p.slots.hold_minutes), order_id=None, confirmed_at=None,
        ))  # fmt: skip
        events.record(
            "slot.held",
            hold.id,
            to_status=HELD,
            data={"offer_id": offer.id, "slot_key": offer.slot_key, "start": offer.start.isoformat()},
        )
        try:
            uow.commit()
        except IntegrityError:  # the same offer held by a concurrent request first
            uow.session.rollback()
            raise DoorstepError([Issue("E2254", f"offer {offer_id} was held by another request", ("offer_id",),
                                       offer_id)]) from None  # fmt: skip
        return hold


def _closed(offer_id: str) -> DoorstepError:
    return DoorstepError([Issue("E2255", f"the window of offer {offer_id} is closed for booking", ("offer_id",),
                                offer_id)])  # fmt: skip


def _expire_due(uow: UnitOfWork, events: EventRecorder, slot_key: str, now: datetime) -> None:
    """Read-time expiry of the slot's holds past their time: the expiry job may not have run yet."""
    due = holds_of(uow).all(SlotHoldRow.slot_key == slot_key, SlotHoldRow.status == HELD,
                            SlotHoldRow.expires_at <= now)  # fmt: skip
    for old in due:
        _expire(uow, events, old)


def _take_window(uow: UnitOfWork, events: EventRecorder, policy: SlotPolicy, offer: SlotOfferRow,
                 now: datetime) -> None:  # fmt: skip
    """One place in the offer's window (E2255 past its cut-off or gone from the policy, E2252 full)."""
    depot = uow.depots.get(offer.depot_id)
    tz = ZoneInfo(depot.timezone if depot is not None else "UTC")
    booking = policy.booking(offer.template_id, offer.zone_id, offer.start, offer.end, tz)
    if booking is None or booking[1] <= now:
        raise _closed(offer.id)
    most = booking[0]
    _expire_due(uow, events, offer.slot_key, now)
    if not take_place(uow, offer.slot_key, most):
        msg = f"the window {offer.start.isoformat()} of offer {offer.id} has its {most} orders"
        raise DoorstepError([Issue("E2252", msg, ("offer_id",), offer.id)])


def get_hold(p: Platform, actor: Actor, hold_id: str) -> SlotHoldRow:
    """A hold as it stands now (one past its expiry reads as expired even before the expiry job ran)."""
    actor.require_any(Permission.READ, Permission.CHECKOUT)
    with p.uow(actor) as uow:
        hold = holds_of(uow).require(hold_id)
    if hold.status == HELD and hold.expires_at <= _now(p):
        hold.status = EXPIRED  # on the detached row only: the expiry itself is written by the job or a hold
    return hold


def _order(hold: SlotHoldRow, customer: Customer, service_s: int) -> Order:
    """The order a confirmed hold becomes: its place, load and window, the customer's details."""
    window = TimeWindow(hold.start, hold.end)
    return Order(
        id=new_id("ord"), external_ref=customer.external_ref or f"slot-{hold.id}", kind=OrderKind.DELIVERY,
        location=LatLng(hold.lat, hold.lng), address=customer.address, instructions=customer.instructions,
        contact=Contact(customer.name, customer.phone, customer.email, customer.language),
        time_windows=(window,), service_s=service_s, size={k: int(v) for k, v in hold.size.items()},
        skills=frozenset(hold.skills), depot_id=hold.depot_id, tags=(f"slot:{hold.service_level}",),
    )  # fmt: skip


def confirm_hold(p: Platform, actor: Actor, hold_id: str, customer: Customer) -> tuple[OrderRow, bool]:
    """The hold as an order with its window, and whether it was confirmed before (confirming twice returns the
    same order); E2253 when the hold expired (its place is then freed, if the job had not done it yet)."""
    actor.require_any(Permission.WRITE, Permission.CHECKOUT)
    now = _now(p)
    with p.uow(actor) as uow:
        hold = holds_of(uow).require(hold_id)
        if hold.status == CONFIRMED and hold.order_id:
            return uow.orders.require(hold.order_id), True
        if hold.status == HELD and hold.expires_at <= now:
            _expire(uow, EventRecorder(uow, actor.label), hold)
            uow.commit()
        if hold.status != HELD or hold.expires_at <= now:
            raise DoorstepError([Issue("E2253", f"hold {hold_id} expired at {hold.expires_at.isoformat()}",
                                       ("hold_id",), hold_id)])  # fmt: skip
        order = slot_pickup.pickup_order(uow, hold.slot_key, _order(hold, customer, service_time(uow)))
        warnings = contact_issues(order.contact)
        res = uow.session.execute(
            update(SlotHoldRow).where(SlotHoldRow.id == hold_id, SlotHoldRow.status == HELD,
                                      SlotHoldRow.expires_at > now)
            .values(status=CONFIRMED, order_id=order.id, confirmed_at=now).execution_options(synchronize_session=False)
        )  # fmt: skip
        if _rowcount(res) == 0:  # a concurrent confirm (or expiry) came first: answer as it left the hold
            uow.session.rollback()
            return _after_race(p, actor, hold_id)
        _taken_ref(uow, order)
        stored = insert_orders(uow, actor, [(order, hold.day)]).orders[0]
        EventRecorder(uow, actor.label).record("slot.confirmed", hold_id, from_status=HELD, to_status=CONFIRMED,
                            data={"order_id": order.id, "slot_key": hold.slot_key,
                                  "warnings": [w.code for w in warnings]})  # fmt: skip
        uow.commit()
        return stored, False


def _taken_ref(uow: UnitOfWork, order: Order) -> None:
    """E2007 when the shop's reference belongs to another order (a slot never returns someone else's order)."""
    if uow.orders.first(OrderRow.external_ref == order.external_ref) is not None:
        msg = f"external_ref {order.external_ref!r} belongs to another order"
        raise DoorstepError([Issue("E2007", msg, ("external_ref",))])


def _after_race(p: Platform, actor: Actor, hold_id: str) -> tuple[OrderRow, bool]:
    """The answer for a confirm that lost a race: the winner's order (a replay), or E2253 when it expired."""
    with p.uow(actor) as uow:
        hold = holds_of(uow).require(hold_id)
        if hold.status == CONFIRMED and hold.order_id:
            return uow.orders.require(hold.order_id), True
    raise DoorstepError([Issue("E2253", f"hold {hold_id} expired", ("hold_id",), hold_id)])


def expire_due(p: Platform) -> int:
    """Expire every hold past its time, in all organizations (the expiry job and its ticker); the count."""
    now = _now(p)
    with p.sessions() as s:
        due = list(s.execute(
            select(SlotHoldRow.org_id, SlotHoldRow.id)
            .where(SlotHoldRow.status == HELD, SlotHoldRow.expires_at <= now).limit(EXPIRE_BATCH)
        ))  # fmt: skip
    by_org: dict[str, list[str]] = {}
    for org_id, hold_id in due:
        by_org.setdefault(str(org_id), []).append(str(hold_id))
    done = 0
    for org_id, ids in by_org.items():
        with p.uow(org_id) as uow:
            events = EventRecorder(uow, "system")
            for hold in holds_of(uow).get_many(ids).values():
                done += _expire(uow, events, hold)
            uow.commit()
    return done


def release_on_cancel(p: Platform, event: EventRecord) -> None:
    """An order confirmed through a slot and then cancelled gives its place back, once (the handler of
    ``order.cancelled``; a second delivery of the event finds the hold released and does nothing)."""
    with p.uow(event.org_id) as uow:
        hold = holds_of(uow).first(SlotHoldRow.order_id == event.subject_id)
        if hold is None:
            return
        res = uow.session.execute(
            update(SlotHoldRow).where(SlotHoldRow.id == hold.id, SlotHoldRow.status == CONFIRMED)
            .values(status=RELEASED).execution_options(synchronize_session=False)
        )  # fmt: skip
        if _rowcount(res):
            uow.session.execute(
                update(SlotCountRow).where(SlotCountRow.org_id == uow.org_id, SlotCountRow.slot_key == hold.slot_key)
                .values(taken=SlotCountRow.taken - 1).execution_options(synchronize_session=False)
            )  # fmt: skip
        uow.commit()


@job("slots.expire")
def expire_holds_job(p: Platform) -> None:
    """The named job behind the expiry ticker: holds past their time freed (idempotent)."""
    expire_due(p)
