"""What a customer changes from the tracking page: delivery instructions with a safe-place permission, and "I'm
not home today". On a live route each change is a re-planning proposal (``replanning``: kinds ``instructions`` and
``not_home``), applied at once — leaving instructions moves nothing, and taking a stop off a route is always
feasible — and recorded like any other, so dispatchers see it with the others and drivers' apps reload. An order
on no live route changes directly. Changes close once the customer's stop is among the driver's next three
(``tracking_page.changes_open``): E2171."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.orders import SAFE_PLACE
from doorstep.domain.status import OrderStatus
from doorstep.services.customer.tracking_links import Opened, not_found
from doorstep.services.customer.tracking_page import changes_open, place_of, record_of, status_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.replanning import CHANGES, ProposalKind, Request, propose
from doorstep.services.orders.orders import set_order_status
from doorstep.store.models import OrderRow, RouteRow
from doorstep.store.uow import UnitOfWork

MAX_INSTRUCTIONS = 500
MAX_WHERE = 200
CUSTOMER = "customer"  # how the audit trail and proposals name the customer acting through their link


@dataclass(frozen=True, slots=True)
class InstructionsIn:
    """Delivery instructions and whether (and where) the parcel may be left when nobody answers."""

    instructions: str = ""
    safe_place_allowed: bool = False
    safe_place: str = ""


def input_issues(i: InstructionsIn) -> list[Issue]:
    """Instructions over 500 characters or a safe place over 200 (E1457), both at once."""
    issues = []
    if len(i.instructions) > MAX_INSTRUCTIONS:
        msg = f"the instructions have {len(i.instructions)} characters; at most {MAX_INSTRUCTIONS}"
        issues.append(Issue("E1457", msg, ("instructions",)))
    if len(i.safe_place) > MAX_WHERE:
        issues.append(Issue("E1457", f"the safe place has {len(i.safe_place)} characters; at most {MAX_WHERE}",
                            ("safe_place",)))  # fmt: skip
    return issues


def customer_actor(org_id: str) -> Actor:
    """The customer acting through their link, as proposals and the audit trail name them."""
    return Actor(org_id, CUSTOMER, frozenset({Permission.READ, Permission.WRITE}))


def open_for_change(uow: UnitOfWork, opened: Opened) -> tuple[OrderRow, RouteRow | None]:
    """The order and its live route while changes are open (E2171 once closed)."""
    order = uow.orders.get(opened.order_id)
    if order is None:
        raise not_found()
    place, rec = place_of(uow, order.id), record_of(uow, order.id)
    status = status_of(order, place, "arrived" in rec.actions)
    if not changes_open(status, place):
        why = f"the delivery is {status}" if place.stops_before is None else f"{place.stops_before} stops are left"
        raise DoorstepError([Issue("E2171", f"changes are closed: {why}", ())])
    return order, place.route


def _proposed(p: Platform, opened: Opened, route: RouteRow, kind: ProposalKind, details: dict[str, Any] | None) -> None:
    """The change as a proposal on the route's plan, applied at once (a proposal that could not be applied stays
    pending for a dispatcher: the refusal is theirs to make)."""
    actor = customer_actor(opened.org_id)
    row = propose(p, actor, Request(route.plan_id, kind, opened.order_id, details=details), auto_approve=True)
    if kind is ProposalKind.INSTRUCTIONS and row.status == "applied":  # no route moved: the apps reload all the same
        p.live.publish(opened.org_id, {"type": "route_changed", "route_id": route.id, "version": route.version})


def set_instructions(p: Platform, opened: Opened, given: InstructionsIn) -> None:
    """Store the customer's instructions and safe-place permission (the driver's app shows them)."""
    issues = input_issues(given)
    if issues:
        raise DoorstepError(issues)
    safe = {"allowed": given.safe_place_allowed, "where": given.safe_place.strip() if given.safe_place_allowed else ""}
    details = {"instructions": given.instructions.strip(), "safe_place": safe}
    with p.uow(opened.org_id) as uow:
        order, route = open_for_change(uow, opened)
        if route is None:
            order.data = {**order.data, "instructions": details["instructions"], SAFE_PLACE: safe}
            order.version += 1
            EventRecorder(uow, CUSTOMER).record("order.updated", order.id, data={"by": CUSTOMER,
                                                                               "change": "instructions"})  # fmt: skip
            uow.commit()
            return
    _proposed(p, opened, route, ProposalKind.INSTRUCTIONS, details)


def not_home(p: Platform, opened: Opened) -> None:
    """The customer is not home today: the order leaves today's route and moves to the next day."""
    with p.uow(opened.org_id) as uow:
        order, route = open_for_change(uow, opened)
        if route is None:
            _move_a_day(uow, order)
            uow.commit()
            return
    _proposed(p, opened, route, ProposalKind.NOT_HOME, None)


def _move_a_day(uow: UnitOfWork, order: OrderRow) -> None:
    """An order on no live route moves to the next day directly (windows with it)."""
    shift = timedelta(days=1)
    windows = [{"start": (datetime.fromisoformat(w["start"]) + shift).isoformat(),
                "end": (datetime.fromisoformat(w["end"]) + shift).isoformat()}
               for w in order.data.get("time_windows") or ()]  # fmt: skip
    log = [*order.data.get(CHANGES, []), {"kind": "not_home", "from_day": order.day.isoformat()}]
    order.data, order.day = {**order.data, "time_windows": windows, CHANGES: log}, order.day + shift
    events = EventRecorder(uow, CUSTOMER)
    if order.status == OrderStatus.NEW.value:
        order.version += 1
        events.record("order.updated", order.id, data={"by": CUSTOMER, "change": "not_home"})
    else:
        set_order_status(uow, events, order, OrderStatus.NEW, "order.updated")
