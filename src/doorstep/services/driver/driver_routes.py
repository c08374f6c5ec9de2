"""What the driver app shows: the driver's live routes with every stop's address, contact, window and ETA."""

from __future__ import annotations

from typing import Any

from doorstep.domain.failures import LABELS
from doorstep.domain.status import RouteStatus
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.live_day import live_rows
from doorstep.store.models import OrderRow, RouteLiveRow, RouteRow, StopRow
from doorstep.store.uow import UnitOfWork

LIVE = (RouteStatus.PUBLISHED.value, RouteStatus.DISPATCHED.value)


def _items_view(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's items as the app lists them (quantity, description, sku, barcode)."""
    return [
        {"quantity": int(i.get("quantity", 1)), "description": str(i.get("description", "")),
         "sku": i.get("sku") or "", "barcode": i.get("barcode") or ""}
        for i in data.get("items") or () if isinstance(i, dict)
    ]  # fmt: skip


def _pin(planned: dict[str, Any], data: dict[str, Any]) -> str | None:
    """How exactly the stop's pin was found from the order's address (``address``, ``interpolated``, ``street``;
    docs/geocoding.md), or None: given as coordinates, or served at another place than the order's own."""
    if planned.get("place_label"):
        return None
    found = data.get("geocoded")
    return str(found.get("precision")) if isinstance(found, dict) and found.get("precision") else None


def _stop_view(stop: StopRow, planned: dict[str, Any], order: OrderRow | None, live_eta: str | None) -> dict[str, Any]:
    data = order.data if order is not None else {}
    contact = data.get("contact") or {}
    items = _items_view(data)
    return {
        "id": stop.id,
        "seq": stop.seq,
        "type": stop.type,
        "order_kind": order.kind if order is not None else None,  # a return is collected from the customer
        "status": stop.status,
        "order_id": stop.order_id,
        "order_status": order.status if order is not None else None,
        "external_ref": planned.get("external_ref") or (order.external_ref if order else None),
        "address": planned.get("address") or (order.address if order else ""),
        "pin": _pin(planned, data),
        "location": {"lat": stop.lat, "lng": stop.lng},
        "contact": {"name": contact.get("name", ""), "phone": contact.get("phone", "")},
        "instructions": data.get("instructions", ""),
        "safe_place": data.get("x-safe-place") or None,  # the customer's permission to leave it somewhere safe
        "items": items,
        "barcodes": [i["barcode"] for i in items if i["barcode"]],  # the codes the proof form expects
        "window_start": planned.get("window_start"),
        "window_end": planned.get("window_end"),
        "eta": live_eta or planned.get("eta") or stop.arrival.isoformat(),  # the ETA worker's latest, else the plan
        "service_s": planned.get("service_s", 0),
    }


def route_view(uow: UnitOfWork, route: RouteRow) -> dict[str, Any]:
    """One route as the app shows it: header, then stops in visit order."""
    plan = uow.plans.get(route.plan_id)
    stops = sorted(uow.stops.all(StopRow.route_id == route.id), key=lambda s: s.seq)
    orders = uow.orders.get_many([s.order_id for s in stops if s.order_id])
    planned = route.data.get("stops", [])
    live = live_rows(uow).first(RouteLiveRow.route_id == route.id)
    etas = {(e.get("order_id"), e.get("type")): e.get("eta") for e in (live.etas if live else [])}
    views = [
        _stop_view(s, planned[s.seq] if s.seq < len(planned) else {}, orders.get(s.order_id or ""),
                   etas.get((s.order_id, s.type)) if s.order_id else None)
        for s in stops
    ]  # fmt: skip
    return {
        "id": route.id,
        "day": plan.day.isoformat() if plan is not None else None,
        "status": route.status,
        "version": route.version,
        "vehicle_id": route.vehicle_id,
        "vehicle_name": route.data.get("vehicle_name", route.vehicle_id),
        "driver_id": route.driver_id,
        "stops": views,
    }


def driver_routes(p: Platform, actor: Actor) -> list[dict[str, Any]]:
    """The published or dispatched routes assigned to the calling driver, each with its stops."""
    actor.require(Permission.OWN_ROUTES)
    with p.uow(actor) as uow:
        rows = uow.routes.all(RouteRow.driver_id == actor.principal_id, RouteRow.status.in_(LIVE))
        return [route_view(uow, r) for r in rows]


def failure_reasons() -> list[dict[str, str]]:
    """The failure catalogue as the app offers it (value and label, in catalogue order)."""
    return [{"value": reason.value, "label": label} for reason, label in LABELS.items()]
