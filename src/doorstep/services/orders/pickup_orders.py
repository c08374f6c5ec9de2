"""Orders to a pickup point: the point's place and opening hours become the order's, and a point takes at most its
capacity in parcels a day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from doorstep.domain.errors import Issue
from doorstep.domain.orders import Order
from doorstep.domain.pickup import PickupPoint, parcels_of
from doorstep.services.fleet.pickup_points import booked_parcels, held_parcels, lock_points, point_of
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


def overflow(
    uow: UnitOfWork, orders: list[tuple[Order, date, Loc]], points: dict[str, PickupPoint], now: datetime
) -> list[Issue]:
    """E2271 for each order, taken in the given order, that no longer fits its point that day after the orders
    before it (with the booked orders and the holds live at ``now``): a file's rows take a point's last places
    first come, first served. The points are locked first, as for ``capacity_issues``."""
    keys = sorted({(o.pickup_point_id, day) for o, day, _ in orders if o.pickup_point_id in points})
    lock_points(uow, [pid for pid, _ in keys])
    taken = {(pid, day): booked_parcels(uow, pid, day) + held_parcels(uow, pid, day, now) for pid, day in keys}
    issues = []
    for order, day, loc in orders:
        pid = order.pickup_point_id
        if pid is None or (pid, day) not in taken:
            continue
        point, asked = points[pid], parcels_of(order)
        if taken[(pid, day)] + asked > point.capacity_parcels:
            msg = (f"pickup point {pid} ({point.name}) takes {point.capacity_parcels} parcels on {day.isoformat()}: "
                   f"{taken[(pid, day)]} booked, {asked} more asked")  # fmt: skip
            issues.append(Issue("E2271", msg, (*loc, "pickup_point_id"), pid))
        else:
            taken[(pid, day)] += asked
    return issues
