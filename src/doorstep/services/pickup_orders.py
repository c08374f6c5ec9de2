"""Orders to a pickup point: the point's place and opening hours become the order's, and a point takes at most its
capacity in parcels a day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.pickup import PickupPoint, intersect, parcels_of
from doorstep.services.pickup_points import booked_parcels, held_parcels, lock_points, point_of
from doorstep.store.uow import UnitOfWork

Loc = tuple[str | int, ...]


def points_of(uow: UnitOfWork, items: list[dict[str, Any]]) -> dict[str, PickupPoint]:
    """The points the request items name (unknown and other organizations' ids are absent)."""
    ids = sorted({str(d["pickup_point_id"]) for d in items if d.get("pickup_point_id")})
    return {k: point_of(r) for k, r in uow.pickup_points.get_many(ids).items()}


def prefill(data: dict[str, Any], points: dict[str, PickupPoint]) -> dict[str, Any]:
    """The request with the point's location and address where the order names a known point and gives none."""
    point = points.get(str(data.get("pickup_point_id") or ""))
    if point is None:
        return data
    where = {"lat": point.location.lat, "lng": point.location.lng}
    return {**data, "location": where, "address": point.address or point.name}


def to_point(
    order: Order, points: dict[str, PickupPoint], depot: Depot, day: date, loc0: Loc
) -> tuple[Order, list[Issue]]:
    """The order as delivered to its point (place, opening hours of that day intersected with the order's own
    windows, the handover time of one visit), and every reason it cannot go there."""
    pid = order.pickup_point_id
    if pid is None:
        return order, []
    point = points.get(pid)
    at: Loc = (*loc0, "pickup_point_id")
    if point is None:
        return order, [Issue("E1302", f"pickup point {pid} not found", at, pid)]
    issues = []
    if not point.active:
        issues.append(Issue("E2270", f"pickup point {pid} ({point.name}) is not active", at, pid))
    if order.kind is not OrderKind.DELIVERY or order.alternatives or order.pickup is not None:
        msg = f"order {order.external_ref}: only a delivery without alternatives goes to pickup point {pid}"
        issues.append(Issue("E1574", msg, (*loc0, "kind"), order.id))
    if order.depot_id != point.depot_id:
        msg = f"pickup point {pid} is served by depot {point.depot_id}, not {order.depot_id}"
        issues.append(Issue("E1574", msg, (*loc0, "depot_id"), pid))
    hours = point.windows_on(day, depot.timezone)
    common = intersect(hours, order.time_windows)
    if not hours:
        issues.append(Issue("E1573", f"pickup point {pid} ({point.name}) is closed on {day.isoformat()}", at, pid))
    elif not common:
        msg = f"order {order.external_ref}: no window overlaps the opening hours of {point.name} on {day.isoformat()}"
        issues.append(Issue("E1572", msg, (*loc0, "time_windows"), order.id))
    placed = replace(
        order, location=point.location, address=point.address or point.name, time_windows=common,
        service_s=point.service_s(parcels_of(order)), handover_s=point.handover_s,
    )  # fmt: skip
    return placed, issues


def capacity_issues(
    uow: UnitOfWork,
    orders: list[tuple[Order, date, Loc]],
    points: dict[str, PickupPoint],
    now: datetime,
    exclude: tuple[str, ...] = (),
) -> list[Issue]:
    """E2271 for each point and day the new orders would fill past its capacity (counted with the booked orders
    and the pickup slot holds live at ``now``: a hold past its time is free even before the expiry job ran).

    The points are locked first (``lock_points``) and stay locked until the caller's transaction ends, so two
    requests booking the last places at once are counted one after the other: the second sees the first's orders.
    """
    wanted: dict[tuple[str, date], list[tuple[Order, Loc]]] = {}
    for order, day, loc in orders:
        if order.pickup_point_id in points:
            wanted.setdefault((order.pickup_point_id, day), []).append((order, loc))
    lock_points(uow, [pid for pid, _ in wanted])
    issues = []
    for (pid, day), items in wanted.items():
        point = points[pid]
        booked = booked_parcels(uow, pid, day, exclude) + held_parcels(uow, pid, day, now)
        asked = sum(parcels_of(o) for o, _ in items)
        if booked + asked > point.capacity_parcels:
            msg = (f"pickup point {pid} ({point.name}) takes {point.capacity_parcels} parcels on {day.isoformat()}: "
                   f"{booked} booked, {asked} more asked")  # fmt: skip
            issues.append(Issue("E2271", msg, (*items[0][1], "pickup_point_id"), pid))
    return issues
