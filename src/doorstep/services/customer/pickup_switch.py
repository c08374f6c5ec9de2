"""The customer's switch to a pickup point from the tracking page (issue 14 item 5): the points of the order's
depot that can take it on its day, and the switch itself. A new order changes directly; an order on a live route
(published or dispatched) becomes a ``pickup_point`` re-planning proposal, applied at once: the stop leaves its
place and is inserted again at the point, within its opening hours (E2273 when no route can). Planned but on no
live route, or not a delivery: E2272. Tracking-page changes close as the others do (E2171)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, OrderKind, TimeWindow
from doorstep.domain.pickup import PickupPoint, to_point
from doorstep.domain.status import OrderStatus
from doorstep.formats.doorstep_json import order_to_dict
from doorstep.services.customer.self_service import CUSTOMER, customer_actor, open_for_change
from doorstep.services.customer.tracking_links import Opened
from doorstep.services.fleet.pickup_points import booked_by_day, held_parcels, point_of
from doorstep.services.fleet.point_reach import Reach, reach
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.replanning import CHANGES, ProposalKind, Request, propose, to_pickup_point
from doorstep.services.orders.convert import depot_of, order_of
from doorstep.services.orders.pickup_orders import capacity_issues
from doorstep.store.models import OrderRow, PickupPointRow, RouteRow
from doorstep.store.uow import UnitOfWork

AT: tuple[str | int, ...] = ("pickup_point_id",)


@dataclass(frozen=True, slots=True)
class Choice:
    """A point the customer may switch to: where it is, its opening periods on the order's day, and how far it is
    from the customer's address (None when the order was booked to a point and no address of theirs is known)."""

    point: PickupPoint
    windows: tuple[TimeWindow, ...]
    reach: Reach | None = None


def _switchable(uow: UnitOfWork, opened: Opened) -> tuple[OrderRow, RouteRow | None]:
    """The order (and its live route) while a switch is open: E2171 once changes closed, E2272 for an order
    planned but on no live route, or one that is not a delivery."""
    order, route = open_for_change(uow, opened)
    if order.kind != OrderKind.DELIVERY.value or (route is None and order.status != OrderStatus.NEW.value):
        msg = f"the order is {order.status} and on no live route: it cannot switch to a pickup point"
        raise DoorstepError([Issue("E2272", msg, AT)])
    return order, route


def home(order: OrderRow) -> LatLng | None:
    """Where the customer lives, as far as the order knows: its place when it goes to their door; else the place
    it left for a point (the latest such change on the tracking page); None for an order booked to a point."""
    if order.pickup_point_id is None:
        return LatLng(order.lat, order.lng)
    for change in reversed(order.data.get(CHANGES, [])):
        was = change.get("from") or {}
        if change.get("kind") == "pickup_point" and was.get("pickup_point_id") is None and "lat" in was:
            return LatLng(float(was["lat"]), float(was["lng"]))
    return None


def choices(p: Platform, opened: Opened) -> list[Choice]:
    """The active points of the order's depot open on its day with room for its parcels (its orders and the
    pickup holds live now counted), the current one included: nearest to the customer's address first (by the
    walk on a deployment with a walking network, ``point_reach``; ties and an unknown address by name)."""
    now = p.clock()
    with p.uow(opened.org_id) as uow:
        order, _ = _switchable(uow, opened)
        depot = depot_of(uow.depots.require(order.depot_id))
        rows = uow.session.scalars(select(PickupPointRow).where(
            PickupPointRow.org_id == uow.org_id, PickupPointRow.depot_id == order.depot_id, PickupPointRow.active,
        )).all()  # fmt: skip
        points = [point_of(r) for r in rows]
        booked = booked_by_day(uow, [x.id for x in points], [order.day])
        parcels = max(1, int(order.data.get("size", {}).get("parcels", 1)))
        at = home(order)
        out = []
        for point in sorted(points, key=lambda x: (x.name, x.id)):
            windows = point.windows_on(order.day, depot.timezone)
            mine = parcels if order.pickup_point_id == point.id else 0
            taken = booked.get((point.id, order.day), 0) + held_parcels(uow, point.id, order.day, now)
            room = point.capacity_parcels - taken + mine
            if windows and room >= parcels:
                out.append(Choice(point, windows))
    if at is None or not out:
        return out
    reaches, on_foot = reach(p.travel.foot, at, [c.point.location for c in out])
    near = [(r, replace(c, reach=r)) for c, r in zip(out, reaches, strict=True)]
    return [c for _, c in sorted(near, key=lambda rc: (*rc[0].key(on_foot), rc[1].point.name))]


def switch(p: Platform, opened: Opened, point_id: str) -> None:
    """Deliver the order to the point instead: its place, opening periods that day and handover time (as an
    order booked to it), counted against its capacity under its lock (E2271 full, E2270 inactive, E1573 closed,
    E1574 another depot's point, 404 E1302 unknown); the former address is kept in the order's change log.
    Switching to the point it already goes to changes nothing. On a live route the change is a proposal applied at
    once (the module docstring)."""
    with p.uow(opened.org_id) as uow:
        order, route = _switchable(uow, opened)
        if order.pickup_point_id == point_id:
            return
        row = uow.pickup_points.get(point_id)
        if row is None:
            raise DoorstepError([Issue("E1302", f"pickup point {point_id} not found", AT, point_id)])
        points = {point_id: point_of(row)}
        depot = depot_of(uow.depots.require(order.depot_id))
        current = order_of(order, {depot.id: depot})
        placed, issues = to_point(replace(current, pickup_point_id=point_id, time_windows=()), points, depot,
                                  order.day, ())  # fmt: skip
        issues += capacity_issues(uow, [(placed, order.day, ())], points, p.clock(), (order.id,))
        if issues:
            raise DoorstepError(issues)
        if route is not None:
            details = {"pickup_point_id": point_id, "order": order_to_dict(placed)}
            plan_id = route.plan_id
        else:
            _switch_now(uow, order, placed, point_id)
            uow.commit()
            return
    propose(p, customer_actor(opened.org_id), Request(plan_id, ProposalKind.PICKUP_POINT, order.id, details=details),
            auto_approve=True)  # fmt: skip


def _switch_now(uow: UnitOfWork, order: OrderRow, placed: Order, point_id: str) -> None:
    """A new order goes to the point directly; the former place is logged."""
    to_pickup_point(EventRecorder(uow, CUSTOMER), order, order_to_dict(placed), point_id)
