"""A route's load plan read from its own row and its orders' rows, without parsing the plan document: the loading
scan's path (a scan is answered from this on every request; the whole plan of a 1,000-order day takes ~60 ms to
read, its JSON decoding not counted, where one route's stops and orders take a few)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from doorstep.domain.geo import LatLng
from doorstep.domain.loading import LoadPlan, load_plan
from doorstep.domain.orders import Contact, Item, Order, OrderKind
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.store.models import OrderRow, RouteRow
from doorstep.store.uow import UnitOfWork


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else datetime.min


def _stop(s: dict[str, Any]) -> ScheduledStop:
    loc = s.get("location") or {}
    return ScheduledStop(
        type=StopType(s["type"]), location=LatLng(float(loc.get("lat", 0)), float(loc.get("lng", 0))),
        arrival=_when(s.get("arrival")), start=_when(s.get("start")), departure=_when(s.get("departure")),
        order_id=s.get("order_id"), external_ref=s.get("external_ref") or "", address=s.get("address") or "",
    )  # fmt: skip


def _amounts(value: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _order(row: OrderRow) -> Order:
    """The fields a load plan reads (kind, who, where, size, items) from a stored order, trusted as stored."""
    data = row.data
    items = tuple(
        Item(str(i.get("description", "")), int(i.get("quantity", 1)), str(i.get("sku") or ""),
             str(i.get("barcode") or ""))
        for i in data.get("items") or () if isinstance(i, dict)
    )  # fmt: skip
    contact = data.get("contact") or {}
    return Order(
        id=row.id, external_ref=row.external_ref, kind=OrderKind(row.kind), location=LatLng(row.lat, row.lng),
        address=row.address, contact=Contact(str(contact.get("name", ""))), size=_amounts(data.get("size")),
        collect=_amounts(data.get("collect")), items=items,
    )  # fmt: skip


def route_load_plan(uow: UnitOfWork, row: RouteRow) -> LoadPlan:
    """The load plan of the route as stored now (its stops in their current order, its orders' current items)."""
    data = row.data
    route = Route(
        id=row.id, vehicle_id=row.vehicle_id, vehicle_name=str(data.get("vehicle_name") or row.vehicle_id),
        start_depot_id=str(data.get("start_depot_id") or ""), stops=[_stop(s) for s in data.get("stops", [])],
    )  # fmt: skip
    rows = uow.orders.get_many([s.order_id for s in route.stops if s.order_id])
    return load_plan(route, {oid: _order(r) for oid, r in rows.items()})
