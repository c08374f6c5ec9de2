"""A booked order's status from its carrier — a signed callback (HTTP carriers) or a dispatcher's entry
(manifest carriers) — applied to the order as an own delivery's would be: the same order statuses and ``order.*``
events (so the same timeline, tracking page and customer messages), plus a ``carrier.status`` event recording
what the carrier said.

A callback is refused with E1650 (401) unless it carries a valid ``Doorstep-Signature`` made with the carrier's
secret within 5 minutes; the carrier's ``event_id`` is stored unique per carrier, so a duplicate is answered as
the first was and changes nothing. A status that would move the order backwards (a late "in transit" after
"delivered") is recorded and not applied."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from doorstep.domain.carrier_types import (
    MAX_LINK,
    ORDER_EVENT_OF,
    ORDER_STATUS_OF,
    Booking,
    CarrierStatus,
    CarrierUnavailableError,
    aware_time,
    web_link,
)
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.events import EventType
from doorstep.domain.ids import new_id
from doorstep.domain.signing import verify
from doorstep.domain.status import OrderStatus
from doorstep.services.carriers.carriers_admin import CLOSED, bookings_repo, carriers_repo, config_of
from doorstep.services.carriers.protocol import carrier_for
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.orders import set_order_status
from doorstep.store.models import CarrierBookingRow, CarrierCallbackRow, CarrierRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

SIGNATURE_HEADER = "Doorstep-Signature"
RANK = {OrderStatus.NEW: 0, OrderStatus.PLANNED: 1, OrderStatus.DISPATCHED: 2, OrderStatus.DELIVERED: 3,
        OrderStatus.FAILED: 3}  # fmt: skip
STEPS = (OrderStatus.PLANNED, OrderStatus.DISPATCHED)  # what an order passes on its way to delivered or failed
BOOKING_AFTER = {CarrierStatus.DELIVERED: "delivered", CarrierStatus.FAILED: "failed",
                 CarrierStatus.CANCELLED: "cancelled"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Applied:
    """What a status did: the booking, the order's status after it, whether it changed anything, and whether it
    was a duplicate of a callback already received."""

    booking_id: str
    order_id: str
    order_status: str
    applied: bool
    duplicate: bool = False


def _walk(uow: UnitOfWork, events: EventRecorder, order: Any, target: OrderStatus) -> bool:
    """Move the order to ``target`` through the statuses an own delivery passes (planned, dispatched), each
    recorded; False when ``target`` would be a step back (nothing is changed)."""
    current = OrderStatus(order.status)
    if current is target or current in (OrderStatus.CANCELLED, OrderStatus.DELIVERED):
        return False
    if target is OrderStatus.NEW:  # the carrier gave the order back: ours to plan again
        set_order_status(uow, events, order, target, ORDER_EVENT_OF[target])
        return True
    if RANK[target] <= RANK[current]:
        return False
    for step in STEPS:
        if RANK[current] < RANK[step] < RANK[target]:
            set_order_status(uow, events, order, step, ORDER_EVENT_OF[step])
    set_order_status(uow, events, order, target, ORDER_EVENT_OF[target])
    return True


def apply_status(
    uow: UnitOfWork, events: EventRecorder, carrier: CarrierRow, booking: CarrierBookingRow, status: CarrierStatus,
    at: datetime, detail: str, source: str,
) -> Applied:  # fmt: skip
    """Record the carrier's status and apply it to the order and the booking (not to a closed booking)."""
    order = uow.orders.require(booking.order_id)
    before = booking.carrier_status or None
    applied = booking.status not in CLOSED and _walk(uow, events, order, ORDER_STATUS_OF[status])
    if booking.status not in CLOSED:
        booking.carrier_status, booking.updated_at = status.value, at
        if status in BOOKING_AFTER:
            booking.status, booking.active_key = BOOKING_AFTER[status], None
    data = {"carrier_id": carrier.id, "carrier_name": carrier.name, "booking_id": booking.id, "at": at.isoformat(),
            "order_status": order.status, "detail": detail[:500], "source": source, "applied": applied}  # fmt: skip
    events.record(EventType.CARRIER_STATUS, order.id, from_status=before, to_status=status.value, data=data)
    return Applied(booking.id, order.id, order.status, applied)


def announced(p: Platform, org_id: str, status: CarrierStatus, applied: Applied) -> Applied:
    """Tell the live pages a carrier status was recorded (``{"type": "carrier_status", "order_id", "booking_id",
    "status", "order_status"}``: the customer's tracking page of the order updates at once), and answer it."""
    p.live.publish(org_id, {"type": "carrier_status", "order_id": applied.order_id, "booking_id": applied.booking_id,
                            "status": status.value, "order_status": applied.order_status})  # fmt: skip
    return applied


@dataclass(frozen=True, slots=True)
class Callback:
    """A callback body as read: the carrier's event id, the booking or order it names, the status and its time,
    the carrier's words and, when it sends one, the tracking link for the customer (http(s) only)."""

    event_id: str
    booking_id: str
    order_id: str
    status: CarrierStatus
    at: datetime | None
    detail: str
    tracking_url: str = ""


def _callback_body(body: bytes) -> Callback:
    """The callback of a body, or E1651 naming every problem."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise DoorstepError([Issue("E1651", "the callback body is not a JSON object", ("body",))])
    issues = []
    event_id = str(data.get("event_id") or "")
    if not 1 <= len(event_id) <= 128:
        issues.append(Issue("E1651", "event_id must be 1..128 characters, unique per status sent", ("event_id",)))
    if not (data.get("booking_id") or data.get("order_id")):
        issues.append(Issue("E1651", "name the booking (booking_id) or the order (order_id)", ("booking_id",)))
    try:
        status = CarrierStatus(str(data.get("status")))
    except ValueError:
        allowed = ", ".join(CarrierStatus)
        issues.append(Issue("E1651", f"status {data.get('status')!r}; allowed: {allowed}", ("status",)))
        status = CarrierStatus.BOOKED
    at = aware_time(data.get("at"))
    if data.get("at") is not None and at is None:
        issues.append(Issue("E1651", f"at {data.get('at')!r} is not an ISO-8601 time with an offset", ("at",)))
    link = web_link(data.get("tracking_url"))
    if data.get("tracking_url") is not None and not link:
        msg = f"tracking_url must be an http(s) URL of at most {MAX_LINK} characters"
        issues.append(Issue("E1651", msg, ("tracking_url",)))
    if issues:
        raise DoorstepError(issues)
    return Callback(event_id, str(data.get("booking_id") or ""), str(data.get("order_id") or ""), status, at,
                    str(data.get("detail") or ""), link)  # fmt: skip


def _booking(uow: UnitOfWork, carrier_id: str, booking_id: str, order_id: str) -> CarrierBookingRow:
    """The carrier's booking named by our booking id, the carrier's booking reference or the order (the newest
    that reached the carrier; one indexed query)."""
    named = or_(CarrierBookingRow.id == booking_id, CarrierBookingRow.external_id == booking_id) if booking_id else None
    which = named if named is not None else CarrierBookingRow.order_id == order_id
    q = (
        bookings_repo(uow)
        .query()
        .where(CarrierBookingRow.carrier_id == carrier_id, which, CarrierBookingRow.status != "not_booked")
    )
    found = uow.session.scalar(q.order_by(CarrierBookingRow.id.desc()).limit(1))
    if found is None:
        name = booking_id or order_id
        raise DoorstepError([Issue("E1652", f"carrier {carrier_id} holds no booking {name}", ("booking_id",), name)])
    return found


def _org_of(p: Platform, carrier_id: str) -> str | None:
    """The organization of a carrier (callbacks carry no API key: the carrier's id and signature name it)."""
    with p.sessions() as s:
        row = s.get(CarrierRow, carrier_id)
        return row.org_id if row is not None else None


def receive_callback(p: Platform, carrier_id: str, signature: str, body: bytes) -> Applied:
    """A status callback from an HTTP carrier: verified, de-duplicated, applied (see the module). An unknown
    carrier is refused like a wrong signature (E1650): the answer does not tell which ids exist."""
    org_id = _org_of(p, carrier_id[:64])
    if org_id is None:
        msg = f"callback to carrier {carrier_id[:64]}: signature missing, wrong or outside the 5-minute window"
        raise DoorstepError([Issue("E1650", msg, ("headers", SIGNATURE_HEADER))])
    with p.uow(org_id) as uow:
        carrier = carriers_repo(uow).get(carrier_id)
        now = p.clock()
        if carrier is None or not carrier.secret or not verify(carrier.secret, signature, body, int(now.timestamp())):
            msg = f"callback to carrier {carrier_id}: signature missing, wrong or outside the 5-minute window"
            raise DoorstepError([Issue("E1650", msg, ("headers", SIGNATURE_HEADER))])
        cb = _callback_body(body)
        seen = Repository(uow.session, CarrierCallbackRow, org_id, "carrier callback")
        if old := seen.first(CarrierCallbackRow.carrier_id == carrier_id, CarrierCallbackRow.event_id == cb.event_id):
            booking = bookings_repo(uow).require(old.booking_id)
            return Applied(booking.id, booking.order_id, uow.orders.require(booking.order_id).status, False, True)
        booking = _booking(uow, carrier_id, cb.booking_id, cb.order_id)
        seen.add(CarrierCallbackRow(id=new_id("ccb"), carrier_id=carrier_id, event_id=cb.event_id,
                                    booking_id=booking.id, status=cb.status.value, at=cb.at or now))  # fmt: skip
        if cb.tracking_url:  # a carrier may give the customer's tracking link only once it has the parcel
            booking.tracking_url = cb.tracking_url
        events = EventRecorder(uow, f"carrier:{carrier_id}")
        result = apply_status(uow, events, carrier, booking, cb.status, cb.at or now, cb.detail, "callback")
        try:
            uow.commit()
        except IntegrityError:  # the same event_id in a concurrent request: that one applied it
            return Applied(booking.id, booking.order_id, result.order_status, False, True)
    return announced(p, org_id, cb.status, result)


def set_by_hand(p: Platform, actor: Actor, carrier_id: str, order_id: str, status: str, detail: str) -> Applied:
    """A dispatcher enters a manifest carrier's status for an order (E2314 for an HTTP carrier: its callbacks
    report; E2315 when the booking is closed)."""
    actor.require(Permission.WRITE)
    try:
        reported = CarrierStatus(status)
    except ValueError:
        allowed = ", ".join(CarrierStatus)
        raise DoorstepError([Issue("E1651", f"status {status!r}; allowed: {allowed}", ("status",))]) from None
    with p.uow(actor) as uow:
        carrier = carriers_repo(uow).require(carrier_id)
        if carrier.kind != "manifest":
            msg = f"carrier {carrier_id} is an HTTP carrier: its statuses come from its signed callbacks"
            raise DoorstepError([Issue("E2314", msg, ("carrier_id",), carrier_id)])
        booking = _booking(uow, carrier_id, "", order_id)
        if booking.status in CLOSED:
            msg = f"booking {booking.id} of {order_id} is {booking.status}"
            raise DoorstepError([Issue("E2315", msg, ("order_id",), order_id)])
        result = apply_status(
            uow, EventRecorder(uow, actor.label), carrier, booking, reported, p.clock(), detail, "hand"
        )
        uow.commit()
    return announced(p, actor.org_id, reported, result)


def poll_status(p: Platform, actor: Actor, carrier_id: str, order_id: str) -> Applied:
    """Ask the carrier for the booking's status now (for a carrier whose callbacks were lost) and apply it when
    it changed (E2313 when the carrier does not answer or does not report statuses; E2315 for a closed booking)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        booking = _booking(uow, carrier_id, "", order_id)
        if booking.status in CLOSED or booking.status == "pending":
            msg = f"booking {booking.id} of {order_id} is {booking.status}"
            raise DoorstepError([Issue("E2315", msg, ("order_id",), order_id)])
        config = config_of(uow, carriers_repo(uow).require(carrier_id))
        ref = Booking(booking.order_id, booking.external_id, booking.tracking_url, booking.label_url)
    adapter = carrier_for(p, config)
    try:
        report = adapter.status(ref) if adapter is not None else None
    except CarrierUnavailableError as exc:
        raise DoorstepError([Issue("E2313", f"status of {order_id}: {exc}", ("carrier_id",), carrier_id)]) from None
    if report is None:
        msg = f"carrier {carrier_id} does not report statuses on request: its callbacks or a dispatcher do"
        raise DoorstepError([Issue("E2313", msg, ("carrier_id",), carrier_id)])
    with p.uow(actor) as uow:
        carrier = carriers_repo(uow).require(carrier_id)
        booking = bookings_repo(uow).require(booking.id)
        if booking.carrier_status == report.status.value or booking.status in CLOSED:
            order = uow.orders.require(booking.order_id)
            return Applied(booking.id, order.id, order.status, False)
        events = EventRecorder(uow, actor.label)
        result = apply_status(
            uow, events, carrier, booking, report.status, report.at or p.clock(), report.detail, "poll"
        )
        uow.commit()
    return announced(p, actor.org_id, report.status, result)
