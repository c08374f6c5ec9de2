"""The customer's change of delivery address from the tracking page ("deliver to another address": a neighbour,
the office round the corner): suggestions while they type, then the move itself.

Only a delivery to a door may move, and only near the address it was booked to (``MAX_MOVE_M``: a parcel is not
re-routed across town from a public link; E2173 farther), to an address the deployment's address index places
at a door or on its street (E1134 not found, E1135 ambiguous, E1136 a postcode only; E3015 without an index). A
new order moves directly; an order on a live route (published or dispatched) becomes a ``relocate`` re-planning
proposal applied at once: the stop leaves its route and is inserted again at the new place by the cheapest
feasible insertion (E2136 when no route of the day can get there in its windows; nothing moves). Planned but on
no live route, a pickup-point order or not a delivery: E2174. Changes close as the others do (E2171). The former
place is kept in the order's change log; ``order.relocated`` (by the customer) and ``order.updated`` are recorded,
and the customer's ``address_changed`` confirmation is a handler of the first (anyone holding the link can move
the parcel: the customer hears of every move)."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.formats.doorstep_json import order_to_dict
from doorstep.routing.geocoder import Precision, Suggestion
from doorstep.services.customer.self_service import CUSTOMER, customer_actor, open_for_change
from doorstep.services.customer.tracking_links import Opened
from doorstep.services.customer.tracking_page import address_movable
from doorstep.services.kernel import addresses
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.relocation import place_summary, relocated
from doorstep.services.operations.replanning import CHANGES, ProposalKind, Request, propose, relocate_order
from doorstep.services.orders.convert import depot_of
from doorstep.store.models import OrderRow, RouteRow
from doorstep.store.uow import UnitOfWork

MAX_MOVE_M = 3_000  # metres from the address the order was booked to
AT: tuple[str | int, ...] = ("address",)


@dataclass(frozen=True, slots=True)
class Moved:
    """Where the delivery goes now, as the geocoder placed the customer's text."""

    address: str
    location: LatLng
    precision: Precision


def booked_place(order: OrderRow) -> LatLng:
    """The place the order was booked to: before the customer's first change of place in its log since a
    dispatcher last gave it one (an ``address_edit``: that place counts as booked), else where it is."""
    booked: LatLng | None = None
    for change in order.data.get(CHANGES, []):
        was, kind = change.get("from") or {}, change.get("kind")
        if kind == "address_edit":
            booked = None
        elif booked is None and kind in ("relocate", "pickup_point") and was.get("lat") is not None:
            booked = LatLng(float(was["lat"]), float(was["lng"]))
    return booked or LatLng(order.lat, order.lng)


def _changeable(uow: UnitOfWork, opened: Opened) -> tuple[OrderRow, RouteRow | None]:
    """The order (and its live route) while its address may change: E2171 once changes closed, E2174 when it is
    not a door delivery that is new or on a live route."""
    order, route = open_for_change(uow, opened)
    if not address_movable(order, route is not None):
        msg = f"the order ({order.kind}, {order.status}) cannot change its address from the tracking page"
        raise DoorstepError([Issue("E2174", msg, AT)])
    return order, route


def suggestions(p: Platform, opened: Opened, text: str, limit: int) -> tuple[Suggestion, ...]:
    """Addresses the partly typed ``text`` may be, within ``MAX_MOVE_M`` of the booked place (the others could not
    be chosen), nearest that place first; no postcode areas (a door is needed)."""
    addresses.geocoder_of(p, ("q",))  # E3015 before the database is read
    with p.uow(opened.org_id) as uow:
        order, _ = _changeable(uow, opened)
        home = booked_place(order)
    _, found = addresses.suggest(p, text, (home,), limit)
    return tuple(
        s for s in found if s.precision is not Precision.POSTCODE and haversine_m(s.location, home) <= MAX_MOVE_M
    )


def change(p: Platform, opened: Opened, text: str) -> Moved:
    """Deliver to the address ``text`` instead (the module docstring); the same address again changes nothing."""
    clean = addresses.clean_text(text, AT)
    with p.uow(opened.org_id) as uow:
        order, route = _changeable(uow, opened)
        home = booked_place(order)
        match, _ = addresses.place(p, clean, home, AT)
        moved = Moved(clean, match.location, match.precision)
        far = haversine_m(moved.location, home)
        if far > MAX_MOVE_M:
            msg = f"{clean!r} is {far / 1000:.1f} km from the address booked; at most {MAX_MOVE_M / 1000:g} km"
            raise DoorstepError([Issue("E2173", msg, AT)])
        if haversine_m(moved.location, LatLng(order.lat, order.lng)) < 1.0 and order.address == clean:
            return moved
        details = {"location": {"lat": moved.location.lat, "lng": moved.location.lng}, "address": clean}
        if route is None:
            depot = depot_of(uow.depots.require(order.depot_id))
            placed = order_to_dict(relocated(order, details, None, {depot.id: depot}))
            relocate_order(EventRecorder(uow, CUSTOMER), order, place_summary(placed))
            uow.commit()
            return moved
        plan_id = route.plan_id
    request = Request(plan_id, ProposalKind.RELOCATE, opened.order_id, details=details)
    propose(p, customer_actor(opened.org_id), request, auto_approve=True)
    return moved
