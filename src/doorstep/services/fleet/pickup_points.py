"""Pickup points of an organization: create, list, read, replace, delete; and what orders to them need (the
point as a domain object, the parcels booked at a point on a day)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.pickup import PickupPoint, PointKind, hours_issues, parse_pickup_key, pickup_key
from doorstep.domain.status import OrderStatus
from doorstep.services.fleet.fleet_admin import check_version
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import OrderRow, PickupPointRow, SlotHoldRow
from doorstep.store.uow import UnitOfWork

MAX_CAPACITY = 100_000
MAX_SECONDS = 86_400
FIELDS = ("name", "kind", "lat", "lng", "address", "depot_id", "hours", "capacity_parcels", "handover_s",
          "per_parcel_s", "active")  # fmt: skip
NOT_COUNTED = (OrderStatus.CANCELLED.value, OrderStatus.FAILED.value)  # orders that take no place at the point


def point_of(row: PickupPointRow) -> PickupPoint:
    """The domain point of a stored one."""
    return PickupPoint(
        id=row.id, name=row.name, kind=PointKind(row.kind), location=LatLng(row.lat, row.lng), address=row.address,
        depot_id=row.depot_id, hours={k: [(a, b) for a, b in v] for k, v in row.hours.items()},
        capacity_parcels=row.capacity_parcels, handover_s=row.handover_s, per_parcel_s=row.per_parcel_s,
        active=row.active,
    )  # fmt: skip


def _issues(uow: UnitOfWork, d: dict[str, Any]) -> list[Issue]:
    """Every problem of a point's fields at once (E1570, E1571, E1105, E1302 for an unknown depot)."""
    issues: list[Issue] = []
    if d["kind"] not in set(PointKind):
        kinds = ", ".join(k.value for k in PointKind)
        issues.append(Issue("E1570", f"kind {d['kind']!r}; allowed: {kinds}", ("kind",)))
    if not (-90 <= d["lat"] <= 90 and -180 <= d["lng"] <= 180):
        issues.append(Issue("E1105", f"({d['lat']}, {d['lng']}) is outside WGS84", ("lat",)))
    if not 1 <= d["capacity_parcels"] <= MAX_CAPACITY:
        msg = f"capacity_parcels={d['capacity_parcels']}; give 1..{MAX_CAPACITY} parcels a day"
        issues.append(Issue("E1570", msg, ("capacity_parcels",)))
    for key in ("handover_s", "per_parcel_s"):
        if not 0 <= d[key] <= MAX_SECONDS:
            issues.append(Issue("E1570", f"{key}={d[key]}; give 0..{MAX_SECONDS} seconds", (key,)))
    issues += hours_issues(d["hours"])
    if uow.depots.get(d["depot_id"]) is None:
        issues.append(Issue("E1302", f"depot {d['depot_id']} not found", ("depot_id",), d["depot_id"]))
    return issues


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in FIELDS}
    out["hours"] = {k: [list(p) for p in v] for k, v in data["hours"].items()}
    return out


def create(p: Platform, actor: Actor, data: dict[str, Any]) -> PickupPointRow:
    """A new point after checking every field (all problems at once)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        if issues := _issues(uow, data):
            raise DoorstepError(issues)
        row = uow.pickup_points.add(PickupPointRow(id=new_id("pup"), version=1, **_fields(data)))
        uow.commit()
    return row


def get(p: Platform, actor: Actor, point_id: str) -> PickupPointRow:
    """One point of the actor's organization (E1302 otherwise, also for another organization's id)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return uow.pickup_points.require(point_id)


def list_(p: Platform, actor: Actor, depot_id: str | None, after: str | None, limit: int) -> list[PickupPointRow]:
    """One page of points in id order (of one depot when given)."""
    actor.require(Permission.READ)
    where = [PickupPointRow.depot_id == depot_id] if depot_id else []
    with p.uow(actor) as uow:
        return uow.pickup_points.page(*where, after=after, limit=limit)


def update(p: Platform, actor: Actor, point_id: str, data: dict[str, Any], version: int) -> PickupPointRow:
    """Replace the point's fields at ``version`` (E2002 when stale). Orders already booked keep their windows."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        row = uow.pickup_points.require(point_id)
        check_version(row, version)
        if issues := _issues(uow, data):
            raise DoorstepError(issues)
        for key, value in _fields(data).items():
            setattr(row, key, value)
        row.version += 1
        uow.commit()
    return row


def delete(p: Platform, actor: Actor, point_id: str) -> None:
    """Remove a point no order names (E2008 otherwise: deactivate it instead)."""
    actor.require(Permission.MANAGE)
    with p.uow(actor) as uow:
        uow.pickup_points.delete(uow.pickup_points.require(point_id))
        try:
            uow.commit()
        except IntegrityError as exc:
            msg = f"pickup point {point_id} is still named by orders; set active to false instead"
            raise DoorstepError([Issue("E2008", msg, (), point_id)]) from exc


def lock_points(uow: UnitOfWork, point_ids: list[str]) -> None:
    """Serialize the bookings at these points until the transaction ends, so a capacity check counts every order
    a racing request stored: PostgreSQL locks the point rows (``SELECT ... FOR UPDATE``, one at a time in id
    order, so two bulk requests never deadlock); SQLite starts the write transaction with a no-op update of the
    rows (one writer at a time; a second waits on the busy timeout, then reads the first one's orders). Call it
    before counting, with nothing else read in the transaction that the count depends on."""
    ids = sorted(set(point_ids))
    if not ids:
        return
    mine = (PickupPointRow.org_id == uow.org_id, PickupPointRow.id.in_(ids))
    if uow.session.get_bind().dialect.name == "postgresql":
        for pid in ids:
            uow.session.execute(
                select(PickupPointRow.id).where(PickupPointRow.org_id == uow.org_id, PickupPointRow.id == pid)
                .with_for_update()
            )  # fmt: skip
        return
    uow.session.execute(
        sql_update(PickupPointRow).where(*mine).values(version=PickupPointRow.version)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def booked_parcels(uow: UnitOfWork, point_id: str, day: date, exclude: tuple[str, ...] = ()) -> int:
    """The parcels of the orders to the point on ``day`` (cancelled and failed ones take no place)."""
    q = select(OrderRow.data["size"]["parcels"].as_integer(), OrderRow.id).where(
        OrderRow.org_id == uow.org_id,
        OrderRow.pickup_point_id == point_id,
        OrderRow.day == day,
        OrderRow.status.not_in(NOT_COUNTED),
    )
    return sum(max(1, n or 1) for n, oid in uow.session.execute(q) if oid not in exclude)


def booked_by_day(uow: UnitOfWork, point_ids: list[str], days: list[date]) -> dict[tuple[str, date], int]:
    """Parcels booked per (point, day) for many points and days in one query."""
    if not point_ids or not days:
        return {}
    parcels = func.coalesce(OrderRow.data["size"]["parcels"].as_integer(), 1)
    q = select(OrderRow.pickup_point_id, OrderRow.day, parcels).where(
        OrderRow.org_id == uow.org_id,
        OrderRow.pickup_point_id.in_(point_ids),
        OrderRow.day.in_(days),
        OrderRow.status.not_in(NOT_COUNTED),
    )
    out: dict[tuple[str, date], int] = {}
    for pid, day, n in uow.session.execute(q):
        out[(str(pid), day)] = out.get((str(pid), day), 0) + max(1, int(n or 1))
    return out


def held_by_day(
    uow: UnitOfWork, point_ids: list[str], days: list[date], now: datetime
) -> dict[tuple[str, date], int]:
    """Parcels of the pickup holds live at ``now`` per (point, day), for many points and days at once."""
    keys = [pickup_key(pid, day) for pid in point_ids for day in days]
    out: dict[tuple[str, date], int] = {}
    for k in range(0, len(keys), 900):
        q = select(SlotHoldRow.slot_key, SlotHoldRow.size).where(
            SlotHoldRow.org_id == uow.org_id, SlotHoldRow.slot_key.in_(keys[k : k + 900]),
            SlotHoldRow.status == "held", SlotHoldRow.expires_at > now,
        )  # fmt: skip
        for key, size in uow.session.execute(q):
            parts = parse_pickup_key(str(key))
            if parts is not None:
                out[parts] = out.get(parts, 0) + max(1, int((size or {}).get("parcels", 1)))
    return out


def held_parcels(uow: UnitOfWork, point_id: str, day: date, now: datetime) -> int:
    """The parcels of the unconfirmed pickup holds on the point's day that are live at ``now``: a hold past its
    time takes no place even before the expiry job marked it expired (read-time expiry)."""
    q = select(SlotHoldRow.size).where(
        SlotHoldRow.org_id == uow.org_id, SlotHoldRow.slot_key == pickup_key(point_id, day),
        SlotHoldRow.status == "held", SlotHoldRow.expires_at > now,
    )  # fmt: skip
    return sum(max(1, int((size or {}).get("parcels", 1))) for size in uow.session.scalars(q))
