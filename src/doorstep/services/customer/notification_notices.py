"""Which orders an event concerns and what each customer is to be told (a ``Notice`` per order and trigger), under
the organization's rules: a trigger that is off yields nothing, and the arriving-soon and delayed triggers read
their thresholds from the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from doorstep.domain.events import EventType
from doorstep.domain.orders import TimeWindow
from doorstep.notify.rules import NotifyRules
from doorstep.notify.triggers import Trigger
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.store.models import OrderRow, PickupPointRow, ReturnRow, StopRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

CUSTOMER_KINDS = ("delivery", "paired")  # orders whose customer waits for a parcel (pickups are told elsewhere)
# the triggers each event type may send (the handler does nothing, not even a read, when all of them are off)
TRIGGERS_OF: dict[str, tuple[Trigger, ...]] = {
    EventType.ORDER_CREATED.value: (Trigger.ORDER_CONFIRMED,),
    EventType.ORDER_PLANNED.value: (Trigger.SCHEDULED,),
    EventType.ROUTE_DISPATCHED.value: (Trigger.OUT_FOR_DELIVERY,),
    EventType.ETA_UPDATED.value: (Trigger.ARRIVING_SOON, Trigger.DELAYED),
    EventType.STOP_COMPLETED.value: (Trigger.DELIVERED, Trigger.FEEDBACK_REQUEST, Trigger.READY_FOR_PICKUP),
    EventType.DELIVERY_FAILED.value: (Trigger.DELIVERY_FAILED,),
    EventType.RETURN_SCHEDULED.value: (Trigger.RETURN_SCHEDULED,),
    EventType.RETURN_RECEIVED.value: (Trigger.RETURN_RECEIVED,),
    EventType.ORDER_RESCHEDULED.value: (Trigger.RESCHEDULED,),
    EventType.ORDER_RELOCATED.value: (Trigger.ADDRESS_CHANGED,),
    EventType.CARRIER_STATUS.value: (
        Trigger.OUT_FOR_DELIVERY,
        Trigger.DELIVERED,
        Trigger.FEEDBACK_REQUEST,
        Trigger.DELIVERY_FAILED,
    ),  # a partner carrier's delivery: told as an own one is
}
NOTIFY_EVENTS = tuple(TRIGGERS_OF)


@dataclass(frozen=True, slots=True)
class Notice:
    """One order to tell about one moment, with what the message needs beyond the order itself."""

    order: OrderRow
    trigger: Trigger
    eta: datetime | None = None
    at: datetime | None = None
    reason: str = ""
    next_step: str = ""
    next_day: date | None = None
    day: date | None = None
    windows: tuple[TimeWindow, ...] = ()
    version: int | None = None  # of the de-duplication key when the moment can recur (each reschedule)
    stops_before: int | None = None  # customer stops before this one on the route (None: not started)
    point: PickupPointRow | None = None  # where the parcel waits (ready for pickup)
    address: str = ""  # where the delivery goes now (address changed)


def windows_of(data: dict[str, Any]) -> tuple[TimeWindow, ...]:
    """The order's promised windows."""
    return tuple(
        TimeWindow(datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
        for w in data.get("time_windows") or ()
    )


def _when(event: EventRecord) -> datetime:
    at = event.data.get("at")
    return datetime.fromisoformat(at) if isinstance(at, str) else event.at


def _customer_order(uow: UnitOfWork, order_id: Any) -> OrderRow | None:
    order = uow.orders.get(order_id) if isinstance(order_id, str) else None
    return order if order is not None and order.kind in CUSTOMER_KINDS else None


def _out_for_delivery(uow: UnitOfWork, route_id: str) -> list[Notice]:
    route = uow.routes.get(route_id)
    if route is None:
        return []
    etas = {s["order_id"]: s.get("arrival") for s in route.data.get("stops", []) if s.get("order_id")}
    orders = uow.orders.get_many(list(etas))
    return [
        Notice(o, Trigger.OUT_FOR_DELIVERY, eta=datetime.fromisoformat(etas[o.id]) if etas[o.id] else None)
        for oid in etas
        if (o := orders.get(oid)) is not None and o.kind in CUSTOMER_KINDS
    ]


def _failed(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    order = uow.orders.get(event.subject_id)
    if order is None:
        return []
    again_id = event.data.get("reattempt_order_id")
    again = uow.orders.get(again_id) if isinstance(again_id, str) else None
    return [
        Notice(order, Trigger.DELIVERY_FAILED, at=_when(event), reason=str(event.data.get("reason") or "other"),
               next_step=str(event.data.get("next") or ""), next_day=again.day if again is not None else None)
    ]  # fmt: skip


def _return(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    ret = Repository(uow.session, ReturnRow, uow.org_id, "return").get(event.subject_id)
    order = uow.orders.get(ret.order_id) if ret is not None else None
    if ret is None or order is None:
        return []
    if event.type == EventType.RETURN_RECEIVED.value:
        return [Notice(order, Trigger.RETURN_RECEIVED, at=_when(event))]
    pickup = uow.orders.get(ret.pickup_order_id) if ret.pickup_order_id is not None else None
    if pickup is None:
        return []
    return [Notice(order, Trigger.RETURN_SCHEDULED, day=pickup.day, windows=windows_of(pickup.data))]


def _rescheduled(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    """The customer's confirmation of the window they chose (one per move: keyed by the order's version then)."""
    order = _customer_order(uow, event.subject_id)
    window = event.data.get("window")
    if order is None or not isinstance(window, dict):
        return []
    chosen = (TimeWindow(datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])),)
    day = date.fromisoformat(str(event.data.get("day") or order.day.isoformat()))
    return [Notice(order, Trigger.RESCHEDULED, day=day, windows=chosen, version=int(event.data.get("version") or 1))]


def _relocated(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    """The customer's confirmation that their delivery goes to another address now, whoever moved it (one per
    move: keyed by the order's version then), so a move they did not ask for is noticed; a place given without an
    address (a dispatcher's coordinates) is named by its coordinates."""
    order = _customer_order(uow, event.subject_id)
    if order is None:
        return []
    address, where = event.data.get("address"), event.data.get("location") or {}
    if not isinstance(address, str) or not address.strip():
        address = f"{float(where.get('lat', order.lat)):.5f}, {float(where.get('lng', order.lng)):.5f}"
    version = int(event.data.get("version") or 1)
    return [Notice(order, Trigger.ADDRESS_CHANGED, day=order.day, windows=windows_of(order.data), version=version,
                   address=address)]  # fmt: skip


def _confirmed(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    order = _customer_order(uow, event.subject_id)
    if order is None:
        return []
    return [Notice(order, Trigger.ORDER_CONFIRMED, day=order.day, windows=windows_of(order.data))]


def _scheduled(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    """The planned arrival of the order's newest stop; one message per planning of the order (its version)."""
    order = _customer_order(uow, event.subject_id)
    if order is None:
        return []
    q = select(StopRow.arrival).where(StopRow.org_id == uow.org_id, StopRow.order_id == order.id)
    arrival = uow.session.scalar(q.order_by(StopRow.created_at.desc()).limit(1))
    return [Notice(order, Trigger.SCHEDULED, eta=arrival, day=order.day, version=order.version)]


def _completed(uow: UnitOfWork, event: EventRecord, rules: NotifyRules) -> list[Notice]:
    """Delivered (and later the feedback request); a parcel left at its pickup point: ready for pickup instead,
    with the point's name, address and opening hours."""
    order = _customer_order(uow, event.data.get("order_id"))
    if order is None:
        return []
    at = _when(event)
    point = uow.pickup_points.get(order.pickup_point_id) if order.pickup_point_id else None
    if point is not None:
        return [Notice(order, Trigger.READY_FOR_PICKUP, at=at, point=point)]
    wanted = [t for t in (Trigger.DELIVERED, Trigger.FEEDBACK_REQUEST) if rules.channels(t)]
    return [Notice(order, t, at=at) for t in wanted]


def _eta(uow: UnitOfWork, event: EventRecord, rules: NotifyRules) -> list[Notice]:
    """Arriving soon: a stop within the rule's stops or minutes (once per order); delayed: an ETA past the window
    by the threshold (once per order and order version: a moved window may be late again)."""
    soon, late = rules.rule(Trigger.ARRIVING_SOON), rules.rule(Trigger.DELAYED)
    at = _when(event)
    due: list[tuple[str, Trigger, datetime, int]] = []
    for s in event.data.get("stops") or ():
        eta, before, late_s = datetime.fromisoformat(s["eta"]), int(s["stops_before"]), int(s.get("late_s") or 0)
        minutes = (eta - at).total_seconds() / 60
        if soon.enabled and (before < soon.setting("stops_away") or minutes <= soon.setting("minutes_away")):
            due.append((s["order_id"], Trigger.ARRIVING_SOON, eta, before))
        if late.enabled and late_s >= late.setting("threshold_minutes") * 60:
            due.append((s["order_id"], Trigger.DELAYED, eta, before))
    orders = uow.orders.get_many(list({d[0] for d in due}))
    out = []
    for order_id, trigger, eta, before in due:
        o = orders.get(order_id)
        if o is not None and o.kind in CUSTOMER_KINDS:
            version = o.version if trigger is Trigger.DELAYED else None
            out.append(Notice(o, trigger, eta=eta, stops_before=before, version=version))
    return out


def _carrier(uow: UnitOfWork, event: EventRecord, rules: NotifyRules) -> list[Notice]:
    """A partner carrier's status that moved the order: on its way (once: one message per order and trigger),
    delivered (and the feedback request), or failed with the carrier's words as the reason."""
    order = _customer_order(uow, event.subject_id)
    if order is None or not event.data.get("applied"):
        return []
    status, at = event.data.get("order_status"), _when(event)
    if status == "dispatched":
        return [Notice(order, Trigger.OUT_FOR_DELIVERY, day=order.day, windows=windows_of(order.data))]
    if status == "delivered":
        return [Notice(order, t, at=at) for t in (Trigger.DELIVERED, Trigger.FEEDBACK_REQUEST) if rules.channels(t)]
    if status == "failed":
        return [Notice(order, Trigger.DELIVERY_FAILED, at=at, reason=str(event.data.get("detail") or "other"))]
    return []


def notices(uow: UnitOfWork, event: EventRecord, rules: NotifyRules) -> list[Notice]:
    """The orders an event concerns and the trigger for each, for triggers the rules have on (empty: nothing)."""
    t = event.type
    if t == EventType.ROUTE_DISPATCHED.value:
        found = _out_for_delivery(uow, event.subject_id)
    elif t == EventType.STOP_COMPLETED.value:  # (not order.delivered: the stop event has the driver's time)
        found = _completed(uow, event, rules)
    elif t == EventType.DELIVERY_FAILED.value:
        found = _failed(uow, event)
    elif t in (EventType.RETURN_SCHEDULED.value, EventType.RETURN_RECEIVED.value):
        found = _return(uow, event)
    elif t == EventType.ORDER_RESCHEDULED.value:
        found = _rescheduled(uow, event)
    elif t == EventType.ORDER_RELOCATED.value:
        found = _relocated(uow, event)
    elif t == EventType.ORDER_CREATED.value:
        found = _confirmed(uow, event)
    elif t == EventType.ORDER_PLANNED.value:
        found = _scheduled(uow, event)
    elif t == EventType.ETA_UPDATED.value:
        found = _eta(uow, event, rules)
    elif t == EventType.CARRIER_STATUS.value:
        found = _carrier(uow, event, rules)
    else:
        found = []
    return [n for n in found if rules.channels(n.trigger)]
