"""Customer messages from recorded events: the handler that writes them to the ``messages`` outbox.

One event may concern many orders (a dispatched route) and each order gets one message per configured channel
with a usable address. The de-duplication key (order, trigger, version, channel) is unique in the database and
checked first, so a handler that runs again (a retried handling, a redelivered dispatch) writes nothing new."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from doorstep.domain.contact import usable_email, usable_phone
from doorstep.domain.eta_window import tracking_window
from doorstep.domain.events import EventType
from doorstep.domain.ids import new_id
from doorstep.domain.orders import TimeWindow
from doorstep.notify.compose import Facts, compose
from doorstep.notify.triggers import Trigger
from doorstep.services.event_bus import EventRecord
from doorstep.services.platform import Platform
from doorstep.services.tracking_links import issue
from doorstep.store.models import DepotRow, MessageRow, OrderRow, ReturnRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.notify")
NOTIFY_EVENTS = (
    EventType.ROUTE_DISPATCHED.value, EventType.STOP_COMPLETED.value, EventType.DELIVERY_FAILED.value,
    EventType.RETURN_SCHEDULED.value, EventType.ORDER_RESCHEDULED.value,
)  # fmt: skip
CUSTOMER_KINDS = ("delivery", "paired")  # orders whose customer waits for a parcel (pickups are told elsewhere)


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


def _windows(data: dict[str, Any]) -> tuple[TimeWindow, ...]:
    return tuple(
        TimeWindow(datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
        for w in data.get("time_windows") or ()
    )


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


def _return_scheduled(uow: UnitOfWork, return_id: str) -> list[Notice]:
    ret = Repository(uow.session, ReturnRow, uow.org_id, "return").get(return_id)
    if ret is None or ret.pickup_order_id is None:
        return []
    order, pickup = uow.orders.get(ret.order_id), uow.orders.get(ret.pickup_order_id)
    if order is None or pickup is None:
        return []
    return [Notice(order, Trigger.RETURN_SCHEDULED, day=pickup.day, windows=_windows(pickup.data))]


def _when(event: EventRecord) -> datetime:
    at = event.data.get("at")
    return datetime.fromisoformat(at) if isinstance(at, str) else event.at


def notices(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    """The orders an event concerns and the trigger for each (empty: nothing to tell)."""
    if event.type == EventType.ROUTE_DISPATCHED.value:
        return _out_for_delivery(uow, event.subject_id)
    if event.type == EventType.STOP_COMPLETED.value:  # (not order.delivered: the stop event has the driver's time)
        order_id = event.data.get("order_id")
        order = uow.orders.get(order_id) if isinstance(order_id, str) else None
        ok = order is not None and order.kind in CUSTOMER_KINDS
        return [Notice(order, Trigger.DELIVERED, at=_when(event))] if ok and order is not None else []
    if event.type == EventType.DELIVERY_FAILED.value:
        return _failed(uow, event)
    if event.type == EventType.RETURN_SCHEDULED.value:
        return _return_scheduled(uow, event.subject_id)
    if event.type == EventType.ORDER_RESCHEDULED.value:
        return _rescheduled(uow, event)
    return []


def _rescheduled(uow: UnitOfWork, event: EventRecord) -> list[Notice]:
    """The customer's confirmation of the window they chose (one per move: keyed by the order's version then)."""
    order = uow.orders.get(event.subject_id)
    window = event.data.get("window")
    if order is None or order.kind not in CUSTOMER_KINDS or not isinstance(window, dict):
        return []
    chosen = (TimeWindow(datetime.fromisoformat(window["start"]), datetime.fromisoformat(window["end"])),)
    day = date.fromisoformat(str(event.data.get("day") or order.day.isoformat()))
    return [Notice(order, Trigger.RESCHEDULED, day=day, windows=chosen, version=int(event.data.get("version") or 1))]


def _facts(n: Notice, timezone: str, contact: dict[str, Any], sender_name: str, link: str) -> Facts:
    """The message's facts. An out-for-delivery window is the tracking page's window at dispatch (the route has
    not started: the widest margin), so the email and the page it links to say the same."""
    o = n.order
    window = None
    if n.eta is not None:
        window = tracking_window(n.eta, _windows(o.data))
    elif n.windows:
        window = (n.windows[0].start, n.windows[0].end)
    return Facts(
        trigger=n.trigger, language=str(contact.get("language") or ""), timezone=timezone,
        order_ref=o.external_ref.split("#")[0], customer_name=str(contact.get("name") or ""),
        sender_name=sender_name, tracking_url=link, day=n.day, window=window, at=n.at, reason=n.reason,
        next_step=n.next_step, next_day=n.next_day,
    )  # fmt: skip


def _recipients(p: Platform, contact: dict[str, Any]) -> list[tuple[str, str]]:
    """(channel, address) for each configured channel with a usable address (W1210/W1211 warned at order time)."""
    out = []
    email, phone = usable_email(str(contact.get("email") or "")), usable_phone(str(contact.get("phone") or ""))
    if p.channels.email is not None and email is not None:
        out.append(("email", email))
    if p.channels.sms is not None and phone is not None:
        out.append(("sms", phone))
    return out


def _existing(uow: UnitOfWork, order_ids: list[str], trigger: Trigger) -> set[tuple[str, int, str]]:
    rows = uow.messages.all(MessageRow.order_id.in_(order_ids), MessageRow.trigger == trigger.value)
    return {(r.order_id, r.version, r.channel) for r in rows}


def queue_messages(p: Platform, event: EventRecord, version: int = 1) -> list[str]:
    """Write the messages an event calls for (none that exist already); the ids of the new ones."""
    new: list[str] = []
    with p.uow(event.org_id) as uow:
        wanted = notices(uow, event)
        depots = uow.depots.get_many(list({n.order.depot_id for n in wanted}))
        for trigger in {n.trigger for n in wanted}:
            done = _existing(uow, [n.order.id for n in wanted if n.trigger is trigger], trigger)
            for n in (n for n in wanted if n.trigger is trigger):
                new += _queue_one(p, uow, event, n, depots.get(n.order.depot_id), n.version or version, done)
        uow.commit()
    return new


def _queue_one(
    p: Platform, uow: UnitOfWork, event: EventRecord, n: Notice, depot: DepotRow | None, version: int,
    done: set[tuple[str, int, str]],
) -> list[str]:  # fmt: skip
    contact = n.order.data.get("contact") or {}
    targets = [(c, a) for c, a in _recipients(p, contact) if (n.order.id, version, c) not in done]
    if not targets:
        return []
    # a link of its own per message: issued in the message's transaction, valid tracking_ttl_s from now
    token = issue(uow, n.order.id, "system", p.clock(), p.tracking_ttl_s).token
    link = f"{p.channels.public_url}/t/{token}"
    tz = depot.timezone if depot is not None else "UTC"
    msg = compose(_facts(n, tz, contact, p.channels.sender_name, link))
    ids = []
    for channel, address in targets:
        row = MessageRow(
            id=new_id("msg"), org_id=uow.org_id, order_id=n.order.id, event_id=event.id, trigger=n.trigger.value,
            version=version, channel=channel, recipient=address, language=msg.language,
            subject=msg.subject if channel == "email" else "", body_text=msg.text if channel == "email" else msg.sms,
            body_html=msg.html if channel == "email" else "", status="queued", attempts=0, next_attempt_at=None,
            lease_until=None, last_error=None, provider_id=None, sent_at=None, updated_at=p.clock(),
        )  # fmt: skip
        uow.messages.add(row)
        ids.append(row.id)
    return ids


def notify_customers(p: Platform, event: EventRecord) -> None:
    """The event handler: queue the messages, then ask for them to be sent (the periodic send catches up when
    the runner cannot take the job now)."""
    if not p.channels.names():
        return
    if queue_messages(p, event):
        try:
            p.submit("notify.send")
        except Exception:
            log.exception("sending of the messages of %s deferred to the periodic send", event.id)
