"""Customer messages from recorded events: the handler that writes them to the ``messages`` outbox.

One event may concern many orders (a dispatched route) and each order gets one message per channel its trigger's
rule names, with a usable address that has not opted out. The de-duplication key (order, trigger, version,
channel) is unique in the database and checked first, so a handler that runs again (a retried handling, a
redelivered dispatch) writes nothing new. A message written during the organization's quiet hours waits until
they end (``next_attempt_at``), in the customer's time zone; a feedback request waits the rule's delay."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from doorstep.domain.contact import usable_email, usable_phone
from doorstep.domain.eta_window import tracking_window
from doorstep.domain.ids import new_id
from doorstep.notify.compose import Facts, compose
from doorstep.notify.rules import NotifyRules
from doorstep.notify.triggers import Trigger
from doorstep.services.customer.notification_notices import NOTIFY_EVENTS, TRIGGERS_OF, Notice, notices, windows_of
from doorstep.services.customer.notify_rules import rules_of
from doorstep.services.customer.tracking_links import issue
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.platform import Platform
from doorstep.store.conflicts import ConflictError
from doorstep.store.models import DepotRow, MessageRow, OptOutRow
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.notify")
DEDUP_KEY = ("order_id", "trigger", "version", "channel")  # one message per order, trigger, version and channel
__all__ = ["NOTIFY_EVENTS", "notify_customers", "queue_messages"]


def _facts(n: Notice, timezone: str, contact: dict[str, Any], rules: NotifyRules, sender: str, link: str,
           unsubscribe: str) -> Facts:  # fmt: skip
    """The message's facts. An ETA's window is the tracking page's window for it (at dispatch: the widest
    margin), so the message and the page it links to say the same."""
    o = n.order
    window = None
    if n.eta is not None:
        window = tracking_window(n.eta, windows_of(o.data), n.stops_before)
    elif n.windows:
        window = (n.windows[0].start, n.windows[0].end)
    return Facts(
        trigger=n.trigger, language=str(contact.get("language") or ""), timezone=timezone,
        order_ref=o.external_ref.split("#")[0], customer_name=str(contact.get("name") or ""),
        sender_name=rules.sender.name or sender, tracking_url=link, day=n.day, window=window, at=n.at,
        reason=n.reason, next_step=n.next_step, next_day=n.next_day, stops_before=n.stops_before,
        brand_colour=rules.sender.colour, logo_url=rules.sender.logo_url, unsubscribe_url=unsubscribe,
        point_name=n.point.name if n.point else "", point_address=n.point.address if n.point else "",
        point_hours=n.point.hours if n.point else None, address=n.address,
    )  # fmt: skip


def _recipients(p: Platform, contact: dict[str, Any], channels: tuple[str, ...]) -> list[tuple[str, str]]:
    """(channel, address) for each channel of the rule that is configured here and has a usable address
    (W1210/W1211 warned at order time)."""
    out = []
    email, phone = usable_email(str(contact.get("email") or "")), usable_phone(str(contact.get("phone") or ""))
    if "email" in channels and p.channels.email is not None and email is not None:
        out.append(("email", email))
    if "sms" in channels and p.channels.sms is not None and phone is not None:
        out.append(("sms", phone))
    return out


def _existing(uow: UnitOfWork, order_ids: list[str], trigger: Trigger) -> set[tuple[str, int, str]]:
    rows = uow.messages.all(MessageRow.order_id.in_(order_ids), MessageRow.trigger == trigger.value)
    return {(r.order_id, r.version, r.channel) for r in rows}


def opted_out(uow: UnitOfWork, targets: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (channel, address) pairs among ``targets`` that asked for no more messages."""
    if not targets:
        return set()
    q = select(OptOutRow.channel, OptOutRow.address).where(
        OptOutRow.org_id == uow.org_id, OptOutRow.address.in_([a for _, a in targets])
    )
    return {(c, a) for c, a in uow.session.execute(q)}


def queue_messages(p: Platform, event: EventRecord, version: int = 1) -> list[str]:
    """Write the messages an event calls for under the organization's rules (none that exist already); the ids
    of the new ones. A handler of another event may write the same message between this one's read and its
    commit (two ``eta.updated`` of one route, in two threads): the de-duplication key refuses the second write,
    and the messages are read and written again once, so the race costs neither a failed handling nor a copy."""
    try:
        return _queue_messages(p, event, version)
    except ConflictError as exc:
        if exc.columns != DEDUP_KEY:
            raise
        log.info("messages of %s were written concurrently by another handler: reading them again", event.id)
        return _queue_messages(p, event, version)


def _queue_messages(p: Platform, event: EventRecord, version: int) -> list[str]:
    new: list[str] = []
    with p.uow(event.org_id) as uow:
        rules = rules_of(uow)
        if not any(rules.channels(t) for t in TRIGGERS_OF.get(event.type, ())):
            return []
        wanted = notices(uow, event, rules)
        depots = uow.depots.get_many(list({n.order.depot_id for n in wanted}))
        for trigger in {n.trigger for n in wanted}:
            done = _existing(uow, [n.order.id for n in wanted if n.trigger is trigger], trigger)
            for n in (n for n in wanted if n.trigger is trigger):
                depot = depots.get(n.order.depot_id)
                new += _queue_one(p, uow, event, n, depot, rules, n.version or version, done)
        uow.commit()
    return new


def _timezone(contact: dict[str, Any], depot: DepotRow | None) -> str:
    """The customer's time zone: their contact's when it is a valid IANA name, else their depot's."""
    own = contact.get("timezone")
    if isinstance(own, str) and own:
        try:
            ZoneInfo(own)
            return own
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return depot.timezone if depot is not None else "UTC"


def _due(p: Platform, n: Notice, rules: NotifyRules, timezone: str) -> datetime | None:
    """When the message may go out: now (None), after a feedback request's delay, after the quiet hours."""
    now = p.clock()
    due = None
    if n.trigger is Trigger.FEEDBACK_REQUEST:
        due = (n.at or now) + timedelta(minutes=rules.rule(n.trigger).setting("delay_minutes"))
    if rules.quiet_hours is not None:
        held = rules.quiet_hours.release(due or now, timezone)
        due = held if held is not None else due
    return due if due is not None and due > now else None


def _queue_one(
    p: Platform, uow: UnitOfWork, event: EventRecord, n: Notice, depot: DepotRow | None, rules: NotifyRules,
    version: int, done: set[tuple[str, int, str]],
) -> list[str]:  # fmt: skip
    contact = n.order.data.get("contact") or {}
    reachable = _recipients(p, contact, rules.channels(n.trigger))
    targets = [(c, a) for c, a in reachable if (n.order.id, version, c) not in done]
    blocked = opted_out(uow, targets)
    targets = [t for t in targets if t not in blocked]
    if not targets:
        return []
    # a link of its own per message: issued in the message's transaction, valid tracking_ttl_s from now
    token = issue(uow, n.order.id, "system", p.clock(), p.notify.tracking_ttl_s).token
    link = f"{p.channels.public_url}/t/{token}"
    unsubscribe = secrets.token_urlsafe(24) if any(c == "email" for c, _ in targets) else None
    tz = _timezone(contact, depot)
    page = f"{p.channels.public_url}/u/{unsubscribe}" if unsubscribe else ""
    msg = compose(_facts(n, tz, contact, rules, p.channels.sender_name, link, page), rules.templates)
    due = _due(p, n, rules, tz)
    ids = []
    for channel, address in targets:
        email = channel == "email"
        row = MessageRow(
            id=new_id("msg"), org_id=uow.org_id, order_id=n.order.id, event_id=event.id, trigger=n.trigger.value,
            version=version, channel=channel, recipient=address, language=msg.language,
            subject=msg.subject if email else "", body_text=msg.text if email else msg.sms,
            body_html=msg.html if email else "", status="queued", attempts=0, next_attempt_at=due,
            lease_until=None, last_error=None, provider_id=None, sent_at=None, updated_at=p.clock(),
            unsubscribe_token=unsubscribe if email else None,
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
