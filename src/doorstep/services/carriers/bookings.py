"""Handing an order to a carrier: the booking row that holds the order while the carrier is asked, the call
itself (quote, then book at that quote; outside any transaction), and what is recorded after it.

A carrier that does not answer (timeouts, 5xx, after its retries), declines to quote, or answers outside the
protocol leaves the booking ``not_booked`` with the error: the order stays ours where it was (on its route or
unassigned), a ``carrier.not_booked`` event flags it on its timeline, and the offer can be confirmed again."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from doorstep.domain.carrier_types import Booking, CarrierUnavailableError, Label
from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.events import EventType
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Order
from doorstep.domain.status import OrderStatus
from doorstep.formats.cell_safety import safe_cell
from doorstep.services.carriers.carriers_admin import OPEN, booked_on, bookings_repo, carriers_repo, config_of
from doorstep.services.carriers.protocol import carrier_for
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.convert import depot_of, order_of
from doorstep.services.orders.orders import set_order_status
from doorstep.store.models import CarrierBookingRow, OrderRow
from doorstep.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Outcome:
    """What asking the carrier gave: booked (with the carrier's reference) or not (with why)."""

    booking_id: str
    order_id: str
    booked: bool
    error: str = ""


def domain_order(uow: UnitOfWork, row: OrderRow) -> Order:
    """The domain order of a stored one."""
    depot = uow.depots.require(row.depot_id)
    return order_of(row, {depot.id: depot_of(depot)})


def refusal(uow: UnitOfWork, config: CarrierConfig, order: Order, day: date, now_ok: bool) -> str | None:
    """Why the carrier cannot take the order now (inactive, past its cut-off, full that day, outside its areas)."""
    if not config.active:
        return f"carrier {config.id} is inactive"
    if not now_ok:
        return f"carrier {config.id} is past its cut-off {config.cutoff} for {day.isoformat()}"
    if not config.serves(order):
        return f"carrier {config.id} does not serve the address of {order.id}"
    if config.capacity_per_day is not None and booked_on(uow, day).get(config.id, 0) >= config.capacity_per_day:
        return f"carrier {config.id} is full on {day.isoformat()} ({config.capacity_per_day} orders)"
    return None


def open_booking(
    p: Platform, uow: UnitOfWork, carrier_id: str, order_id: str, plan_id: str | None, price: int, saving: int
) -> CarrierBookingRow:
    """A pending booking holding the order (E2313 when the carrier cannot take it, E2310 when another booking
    already holds the order)."""
    row = carriers_repo(uow).require(carrier_id, ("carrier_id",))
    config = config_of(uow, row)
    order_row = uow.orders.require(order_id, ("order_id",))
    order = domain_order(uow, order_row)
    depot = uow.depots.require(order_row.depot_id)
    why = refusal(uow, config, order, order_row.day, config.open_for(order_row.day, depot.timezone, p.clock()))
    if why is not None:
        raise DoorstepError([Issue("E2313", why, ("carrier_id",), carrier_id)])
    booking = bookings_repo(uow).add(
        CarrierBookingRow(
            id=new_id("cbk"), carrier_id=carrier_id, order_id=order_id, plan_id=plan_id, day=order_row.day,
            status="pending", active_key=order_id, price_cents=price, saving_cents=saving, updated_at=p.clock(),
        )
    )  # fmt: skip
    try:
        uow.flush()
    except IntegrityError:
        uow.session.rollback()
        msg = f"order {order_id} is already with a carrier or being booked"
        raise DoorstepError([Issue("E2310", msg, ("order_id",), order_id)]) from None
    return booking


def _ask(p: Platform, config: CarrierConfig, order: Order) -> Booking | str:
    """The carrier's booking, or why there is none (the call's error)."""
    adapter = carrier_for(p, config)
    if adapter is None:
        return "no carrier adapters are wired in this process"
    try:
        quotes = [q for q in adapter.quote([order]) if q.order_id == order.id]
        if not quotes:
            return f"carrier {config.name} gave no quote for {order.id}"
        return adapter.book(order, quotes[0])
    except CarrierUnavailableError as exc:
        return str(exc)


def call_carrier(p: Platform, org_id: str, booking_id: str) -> Outcome | None:
    """Ask the carrier to take a pending booking's order and record the answer (None: the booking is not
    pending, e.g. a job delivered twice). The order becomes planned when it was new (the carrier has it)."""
    with p.uow(org_id) as uow:
        booking = bookings_repo(uow).get(booking_id)
        if booking is None or booking.status != "pending":
            return None
        config = config_of(uow, carriers_repo(uow).require(booking.carrier_id))
        order = domain_order(uow, uow.orders.require(booking.order_id))
    answer = _ask(p, config, order)  # no transaction is held while the carrier is asked
    with p.uow(org_id) as uow:
        booking = bookings_repo(uow).require(booking_id)
        if booking.status != "pending":
            return None
        events = EventRecorder(uow, "system")
        booking.attempts, booking.updated_at = booking.attempts + 1, p.clock()
        data = {"carrier_id": config.id, "carrier_name": config.name, "booking_id": booking.id,
                "price_cents": booking.price_cents}  # fmt: skip
        if isinstance(answer, str):
            booking.status, booking.active_key, booking.last_error = "not_booked", None, answer[:1000]
            events.record(EventType.CARRIER_NOT_BOOKED, booking.order_id, data={**data, "error": answer[:500]})
            uow.commit()
            return Outcome(booking.id, booking.order_id, False, answer)
        booking.status, booking.carrier_status, booking.last_error = "booked", answer.status.value, None
        booking.external_id, booking.tracking_url, booking.label_url = (
            answer.external_id, answer.tracking_url, answer.label_url,
        )  # fmt: skip
        data |= {"external_id": answer.external_id, "tracking_url": answer.tracking_url}
        events.record(EventType.CARRIER_BOOKED, booking.order_id, to_status="booked", data=data)
        order_row = uow.orders.require(booking.order_id)
        if order_row.status == OrderStatus.NEW.value:
            set_order_status(uow, events, order_row, OrderStatus.PLANNED, "order.planned")
        uow.commit()
    return Outcome(booking_id, order.id, True)


def list_bookings(p: Platform, actor: Actor, carrier_id: str, day: date | None) -> list[CarrierBookingRow]:
    """A carrier's bookings (of one day), in id order."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        carriers_repo(uow).require(carrier_id)
        where = [CarrierBookingRow.carrier_id == carrier_id]
        if day is not None:
            where.append(CarrierBookingRow.day == day)
        return sorted(bookings_repo(uow).all(*where), key=lambda r: r.id)


MANIFEST_COLUMNS = ("reference", "order_ref", "name", "address", "lat", "lng", "parcels", "weight_kg", "phone",
                    "instructions", "status")  # fmt: skip


def manifest_csv(p: Platform, actor: Actor, carrier_id: str, day: date) -> str:
    """The day's manifest: one line per order handed to the carrier (booked or further), for the depot to hand
    over with the parcels and the carrier to sign."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        carriers_repo(uow).require(carrier_id)
        rows = [b for b in bookings_repo(uow).all(CarrierBookingRow.carrier_id == carrier_id,
                                                  CarrierBookingRow.day == day)
                if b.status not in ("pending", "not_booked", "cancelled")]  # fmt: skip
        orders = uow.orders.get_many([b.order_id for b in rows])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(MANIFEST_COLUMNS)
    for b in sorted(rows, key=lambda r: orders[r.order_id].external_ref):
        o = orders[b.order_id]
        contact, size = o.data.get("contact") or {}, o.data.get("size") or {}
        w.writerow([_cell(b.external_id), _cell(o.external_ref), _cell(contact.get("name")), _cell(o.address), o.lat,
                    o.lng, size.get("parcels", 1), round(size.get("weight_g", 0) / 1000, 3),
                    _cell(contact.get("phone")), _cell(o.data.get("instructions")), b.carrier_status])  # fmt: skip
    return out.getvalue()


def _cell(value: object) -> str:
    return safe_cell("" if value is None else str(value))


def label_of(p: Platform, actor: Actor, carrier_id: str, order_id: str) -> Label:
    """The label of the order's booking with the carrier (E1652 when it holds none; E2313 when the carrier does
    not answer)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row = carriers_repo(uow).require(carrier_id)
        config = config_of(uow, row)
        mine = bookings_repo(uow).all(
            CarrierBookingRow.carrier_id == carrier_id, CarrierBookingRow.order_id == order_id
        )
        found = sorted((b for b in mine if b.status in (*OPEN, "delivered")), key=lambda b: b.id)
        if not found or found[-1].status == "pending":
            raise DoorstepError([Issue("E1652", f"carrier {carrier_id} holds no booking of {order_id}", ("order_id",))])
        b = found[-1]
    adapter = carrier_for(p, config)
    try:
        if adapter is None:
            raise CarrierUnavailableError("no carrier adapters are wired in this process")
        return adapter.label(Booking(order_id, b.external_id, b.tracking_url, b.label_url))
    except CarrierUnavailableError as exc:
        raise DoorstepError([Issue("E2313", f"label of {order_id}: {exc}", ("carrier_id",), carrier_id)]) from None


def on_order_cancelled(p: Platform, event: EventRecord) -> None:
    """The event handler ``carriers.cancel_booking``: an order cancelled while a carrier holds it is given back
    to the carrier (a pending booking is simply closed: its job then finds nothing to do). A carrier that does not
    answer makes the handler fail, so the bus retries it with its back-off (and shows it stuck after 5 runs)."""
    with p.uow(event.org_id) as uow:
        booking = bookings_repo(uow).first(CarrierBookingRow.active_key == event.subject_id)
        if booking is None:
            return
        config = config_of(uow, carriers_repo(uow).require(booking.carrier_id))
        ref = Booking(booking.order_id, booking.external_id, booking.tracking_url, booking.label_url)
        booked = booking.status == "booked"
    adapter = carrier_for(p, config) if booked else None
    if adapter is not None:
        adapter.cancel(ref)  # CarrierUnavailableError: the handling is retried
    with p.uow(event.org_id) as uow:
        booking = bookings_repo(uow).first(CarrierBookingRow.active_key == event.subject_id)
        if booking is None:
            return
        booking.status, booking.active_key, booking.updated_at = "cancelled", None, p.clock()
        data = {"carrier_id": config.id, "carrier_name": config.name, "booking_id": booking.id}
        EventRecorder(uow, "system").record(EventType.CARRIER_CANCELLED, booking.order_id, to_status="cancelled",
                                            data=data)  # fmt: skip
        uow.commit()
