"""A customer moves their delivery to another window from the tracking page: only to a window on offer
(``reschedule_offers``: feasible by insertion into that day's plan), until changes close (E2171, as for the other
self-service changes).

- An order on no live route (its day not dispatched or published yet) changes directly: its window becomes the
  chosen one, its day the window's day, back to ``new`` if it was planned; a confirmed slot hold moves its place
  to the new slot.
- An order on a live route becomes a ``reschedule`` proposal on that route's plan, approved at once: to another
  window of the same day the stop is taken off and inserted again with its new window (cheapest feasible
  insertion, any route); to another day it leaves today's route and the order is ``new`` on that day.

A window that is no longer on offer when chosen (taken, or the plan changed meanwhile) is refused with E2172 and
the windows still on offer. Every move records ``order.rescheduled`` (the customer's confirmation message).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.status import OrderStatus
from doorstep.notify import formatting
from doorstep.notify.triggers import language_for
from doorstep.services.customer.reschedule_offers import Choice, Choices, choices_for
from doorstep.services.customer.self_service import CUSTOMER, customer_actor, open_for_change
from doorstep.services.customer.tracking_links import Opened, not_found
from doorstep.services.customer.tracking_page import Wording, language_of
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.replanning import CHANGES, ProposalKind, Request, propose, record_rescheduled
from doorstep.services.orders.orders import set_order_status
from doorstep.services.slots import depot_room
from doorstep.services.slots.slot_holds import CONFIRMED, holds_of, take_place
from doorstep.store.models import OrderRow, SlotCountRow, SlotHoldRow
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.reschedule")


class WindowGoneError(DoorstepError):
    """E2172: the chosen window is not (or no longer) on offer; carries the panel with the windows still on offer."""

    def __init__(self, issues: list[Issue], still: dict[str, Any]) -> None:
        super().__init__(issues)
        self.still = still


def panel(p: Platform, opened: Opened) -> dict[str, Any]:
    """The reschedule panel in the customer's language: the windows on offer per day, or why changes are closed
    (nothing names an internal id: a window is chosen by its start and end)."""
    with p.uow(opened.org_id) as uow:
        order = uow.orders.get(opened.order_id)
        if order is None:
            raise not_found()
        depot = uow.depots.require(order.depot_id)
        say = Wording(language_for(language_of(order)), depot.timezone)
        try:
            order, _ = open_for_change(uow, opened)
        except DoorstepError as exc:
            if exc.code != "E2171":
                raise
            return _content(say, None)
        return _content(say, choices_for(p, uow, order))


def _content(say: Wording, choices: Choices | None) -> dict[str, Any]:
    days = sorted(choices.days.items()) if choices is not None else []
    return {
        "open": choices is not None, "closed": say.w["changes_closed"] if choices is None else "",
        "empty": say.w["reschedule_none"] if choices is not None and not days else "", "timezone": say.timezone,
        "days": [{"date": d.isoformat(), "label": formatting.calendar_day(d, say.language),
                  "windows": [{"start": c.start.isoformat(), "end": c.end.isoformat(),
                               "label": say.window(c.start, c.end), "suggested": c.suggested,
                               "note": say.w["usually_home"] if c.suggested else ""} for c in cs]} for d, cs in days],
    }  # fmt: skip


def _gone(p: Platform, opened: Opened, start: datetime, end: datetime) -> WindowGoneError:
    msg = f"the window {start.isoformat()} – {end.isoformat()} is not on offer (any more)"
    return WindowGoneError([Issue("E2172", msg, ("start",))], panel(p, opened))


def move(p: Platform, opened: Opened, start: datetime, end: datetime) -> None:
    """Move the order to the offered window ``start``–``end`` (see the module docstring)."""
    with p.uow(opened.org_id) as uow:
        order, route = open_for_change(uow, opened)
        capped = uow.depots.get(order.depot_id)
        if capped is not None and capped.capacity_parcels_per_day is not None:
            depot_room.lock_depot(uow, order.depot_id)  # its day's room is counted below (a checkout may race)
        choices = choices_for(p, uow, order)
        chosen = choices.find(start, end)
        day = chosen.start.astimezone(ZoneInfo(choices.timezone)).date() if chosen is not None else None
        if chosen is not None and day is not None and route is None:
            if _move_hold(uow, order, chosen, day):
                _direct(uow, order, chosen, day)
                uow.commit()
                return
            chosen = None
    if chosen is None or day is None or route is None:
        raise _gone(p, opened, start, end)
    details = {"windows": [_window(chosen)], "day": day.isoformat()}
    request = Request(route.plan_id, ProposalKind.RESCHEDULE, opened.order_id, details=details)
    try:
        propose(p, customer_actor(opened.org_id), request, auto_approve=True)
    except DoorstepError as exc:
        if exc.code != "E2172":
            raise
        raise WindowGoneError(list(exc.issues), panel(p, opened)) from exc
    with p.uow(opened.org_id) as uow:  # the order moved: its slot place follows (kept where it was if just full)
        if not _move_hold(uow, uow.orders.require(opened.order_id), chosen, day):
            log.warning("slot %s filled up while order %s moved to it", chosen.slot_key, opened.order_id)
        uow.commit()


def _window(c: Choice) -> dict[str, str]:
    return {"start": c.start.isoformat(), "end": c.end.isoformat()}


def _direct(uow: UnitOfWork, order: OrderRow, chosen: Choice, day: date) -> None:
    """An order on no live route takes the window and its day at once."""
    events = EventRecorder(uow, CUSTOMER)
    before = order.day
    changes = [*order.data.get(CHANGES, []), {"kind": "reschedule", "from_day": before.isoformat()}]
    order.data, order.day = {**order.data, "time_windows": [_window(chosen)], CHANGES: changes}, day
    if order.status == OrderStatus.NEW.value:
        order.version += 1
    else:
        set_order_status(uow, events, order, OrderStatus.NEW, "order.updated")
    record_rescheduled(events, order, before)


def _move_hold(uow: UnitOfWork, order: OrderRow, chosen: Choice, day: date) -> bool:
    """A confirmed slot hold of the order follows it to the chosen slot (a place taken there, its old place given
    back). False when the new slot has just filled up."""
    hold = holds_of(uow).first(SlotHoldRow.order_id == order.id, SlotHoldRow.status == CONFIRMED)
    if hold is None or chosen.slot_key is None or chosen.slot_key == hold.slot_key:
        return True
    if not take_place(uow, chosen.slot_key, chosen.max_orders):
        return False
    uow.session.execute(
        update(SlotCountRow).where(SlotCountRow.org_id == uow.org_id, SlotCountRow.slot_key == hold.slot_key)
        .values(taken=SlotCountRow.taken - 1).execution_options(synchronize_session=False)
    )  # fmt: skip
    hold.slot_key, hold.start, hold.end, hold.day = chosen.slot_key, chosen.start, chosen.end, day
    return True
