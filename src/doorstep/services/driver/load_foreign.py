"""Whose parcel is it? A code scanned into the wrong van is looked up among the deliveries of the day's other live
routes (every depot of the organization), so the warning can name the van it belongs to.

Only scans that match nothing on the van's own route come here, so the common case reads the van's own orders
only; this one reads the day's delivery stops and their orders' items once per such scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from doorstep.domain.plan import StopType
from doorstep.services.driver.driver_routes import LIVE
from doorstep.store.models import PlanRow, RouteRow, StopRow
from doorstep.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Owner:
    """The route, van and order a foreign parcel belongs to."""

    route_id: str
    vehicle: str
    order_id: str
    external_ref: str


def find_owner(uow: UnitOfWork, route: RouteRow, code: str) -> Owner | None:
    """The first other live route of the route's day (by van name, then id) with a delivery carrying ``code``."""
    # ids and days only: a plan row's document is megabytes on a big day
    day = uow.session.scalar(select(PlanRow.day).where(PlanRow.id == route.plan_id))
    plan_ids = list(uow.session.scalars(select(PlanRow.id).where(PlanRow.org_id == uow.org_id, PlanRow.day == day)))
    others = uow.routes.all(RouteRow.plan_id.in_(plan_ids), RouteRow.status.in_(LIVE), RouteRow.id != route.id)
    if not others:
        return None
    stops = uow.stops.all(StopRow.route_id.in_([r.id for r in others]), StopRow.type == StopType.DELIVERY.value)
    orders = uow.orders.get_many([s.order_id for s in stops if s.order_id])
    by_route: dict[str, list[str]] = {}
    for s in stops:
        if s.order_id:
            by_route.setdefault(s.route_id, []).append(s.order_id)
    for other in sorted(others, key=lambda r: (str(r.data.get("vehicle_name") or r.vehicle_id), r.id)):
        for oid in by_route.get(other.id, []):
            order = orders.get(oid)
            items = (order.data.get("items") or []) if order is not None else []
            if order is not None and any(isinstance(i, dict) and i.get("barcode") == code for i in items):
                vehicle = str(other.data.get("vehicle_name") or other.vehicle_id)
                return Owner(other.id, vehicle, oid, order.external_ref)
    return None
