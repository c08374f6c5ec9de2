"""Create, read, update and delete depots, vehicle types, vehicles, drivers and shifts of an organization."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Depot, SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.validate import depot_limit_issues, unknown_zone_types
from doorstep.formats.zones_json import zone_from_dict
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.base import OrgOwned
from doorstep.store.models import AccessZoneRow, DepotRow, DriverRow, ShiftRow, VehicleRow, VehicleTypeRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork


def _check_depot(uow: UnitOfWork, d: dict[str, Any]) -> list[Issue]:
    issues = []
    try:
        ZoneInfo(d["timezone"])
    except (ZoneInfoNotFoundError, ValueError, KeyError):
        issues.append(Issue("E1113", f"timezone {d.get('timezone')!r} is not an IANA time zone", ("timezone",)))
    if not (-90 <= d["lat"] <= 90 and -180 <= d["lng"] <= 180):
        issues.append(Issue("E1105", f"({d['lat']}, {d['lng']}) is outside WGS84", ("lat",)))
    hours: dict[str, time | None] = {}
    for key in ("opens", "closes"):
        hours[key] = None
        if d.get(key) is not None:
            try:
                hours[key] = time.fromisoformat(d[key])
            except ValueError:
                issues.append(Issue("E1103", f"{key}={d[key]!r} is not HH:MM", (key,)))
    depot = Depot(id=d.get("name", "depot"), name=d.get("name", ""), location=LatLng(d["lat"], d["lng"]),
                  timezone="UTC", opens=hours["opens"], closes=hours["closes"],
                  capacity_parcels_per_day=d.get("capacity_parcels_per_day"), docks=d.get("docks"))  # fmt: skip
    issues += [replace(i, id=None) for i in depot_limit_issues(depot)]  # E1700-E1702, located in the body
    return issues


def _check_type(uow: UnitOfWork, d: dict[str, Any]) -> list[Issue]:
    issues = []
    if d["profile"] not in set(SpeedProfile):
        allowed = ", ".join(p.value for p in SpeedProfile)
        issues.append(Issue("E1111", f"profile {d['profile']!r}; allowed: {allowed}", ("profile",)))
    for dim, amount in d["capacity"].items():
        if amount < 0:
            issues.append(Issue("E1107", f"capacity {dim}={amount} is negative", ("capacity", dim)))
    if d.get("range_m") is not None and d.get("reserve_m", 0) >= d["range_m"]:
        msg = f"reserve_m={d['reserve_m']} must be below range_m={d['range_m']}"
        issues.append(Issue("E1625", msg, ("reserve_m",)))
    return issues


def _check_zone(uow: UnitOfWork, d: dict[str, Any]) -> list[Issue]:
    """The area, hours and time zone as the problem reader checks them (E1620, E1622, E1113), and the vehicle
    types among the organization's (E1621); every problem at once."""
    issues: list[Issue] = []
    zone = zone_from_dict(d, 0, issues)
    known = {t.id for t in uow.vehicle_types.all()}
    issues += unknown_zone_types((zone,), known)
    return [replace(i, loc=i.loc[2:]) for i in issues]  # located in the body, not in a list of zones


def _ref(repo: Repository[Any], value: str | None, field: str) -> list[Issue]:
    if value is None or repo.get(value) is not None:
        return []
    return [Issue("E1302", f"{repo.kind} {value} not found", (field,), value)]


def _check_vehicle(uow: UnitOfWork, d: dict[str, Any]) -> list[Issue]:
    issues = _ref(uow.vehicle_types, d["type_id"], "type_id") + _ref(uow.depots, d["depot_id"], "depot_id")
    issues += _ref(uow.depots, d.get("end_depot_id"), "end_depot_id")
    if d.get("open_end") and d.get("end_depot_id") is not None:
        msg = f"open_end and end_depot_id {d['end_depot_id']} both say where the route ends"
        issues.append(Issue("E1130", msg, ("end_depot_id",), d["end_depot_id"]))
    if d.get("max_reloads") is not None and not d.get("reloads"):
        msg = f"max_reloads={d['max_reloads']} on a vehicle that does not reload (reloads is false)"
        issues.append(Issue("E1130", msg, ("max_reloads",)))
    return issues


def _check_driver(uow: UnitOfWork, d: dict[str, Any]) -> list[Issue]:
    return _ref(uow.users, d.get("user_id"), "user_id")


def _check_shift(uow: UnitOfWork, d: dict[str, Any]) -> list[Issue]:
    issues = _ref(uow.vehicles, d["vehicle_id"], "vehicle_id") + _ref(uow.drivers, d.get("driver_id"), "driver_id")
    if d["end"] <= d["start"]:
        issues.append(Issue("E1104", "shift ends before it starts", ("end",)))
    for k, b in enumerate(d.get("breaks", [])):
        if b["duration_s"] < 0 or b["end"] < b["start"]:
            issues.append(Issue("E1115", f"break {k} has a negative duration or ends before it starts", ("breaks", k)))
    return issues


@dataclass(frozen=True, slots=True)
class Kind:
    """How one fleet resource is stored and checked."""

    name: str
    prefix: str
    repo: Callable[[UnitOfWork], Repository[Any]]
    model: Callable[..., OrgOwned]
    check: Callable[[UnitOfWork, dict[str, Any]], list[Issue]]


KINDS = {
    "depot": Kind("depot", "dep", lambda u: u.depots, DepotRow, _check_depot),
    "vehicle_type": Kind("vehicle_type", "vty", lambda u: u.vehicle_types, VehicleTypeRow, _check_type),
    "vehicle": Kind("vehicle", "veh", lambda u: u.vehicles, VehicleRow, _check_vehicle),
    "driver": Kind("driver", "drv", lambda u: u.drivers, DriverRow, _check_driver),
    "shift": Kind("shift", "shf", lambda u: u.shifts, ShiftRow, _check_shift),
    "access_zone": Kind("access_zone", "zon", lambda u: u.access_zones, AccessZoneRow, _check_zone),
}


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values for JSON columns (breaks hold datetimes)."""
    out = dict(data)
    if "breaks" in out:
        out["breaks"] = [
            {"start": b["start"].isoformat(), "end": b["end"].isoformat(), "duration_s": b["duration_s"]}
            for b in out["breaks"]
        ]
    return out


def _commit(uow: UnitOfWork, what: str) -> None:
    try:
        uow.commit()
    except IntegrityError as exc:
        uow.session.rollback()
        raise DoorstepError([Issue("E2007", f"{what} conflicts with an existing object", ())]) from exc


def create(p: Platform, actor: Actor, kind: str, data: dict[str, Any]) -> Any:
    """A new resource after checking every field and reference (all problems at once)."""
    actor.require(Permission.WRITE)
    k = KINDS[kind]
    with p.uow(actor) as uow:
        if issues := k.check(uow, data):
            raise DoorstepError(issues)
        row = k.repo(uow).add(k.model(id=new_id(k.prefix), **_stored(data)))
        _commit(uow, f"{kind} {row.id}")
    return row


def get(p: Platform, actor: Actor, kind: str, obj_id: str) -> Any:
    """One resource of the actor's organization (E1302 otherwise)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return KINDS[kind].repo(uow).require(obj_id)


def list_(p: Platform, actor: Actor, kind: str, after: str | None, limit: int) -> list[Any]:
    """One page of resources in id order."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return KINDS[kind].repo(uow).page(after=after, limit=limit)


def list_shifts(
    p: Platform, actor: Actor, day: date | None, vehicle_id: str | None, after: str | None, limit: int
) -> list[ShiftRow]:
    """One page of shifts in id order, of one day and/or one vehicle when given (a screen of one day need not read
    every day's shifts)."""
    actor.require(Permission.READ)
    where = ([ShiftRow.day == day] if day else []) + ([ShiftRow.vehicle_id == vehicle_id] if vehicle_id else [])
    with p.uow(actor) as uow:
        return uow.shifts.page(*where, after=after, limit=limit)


def update(p: Platform, actor: Actor, kind: str, obj_id: str, data: dict[str, Any], version: int) -> Any:
    """Replace the resource's fields when ``version`` is current (E2002 with the current version otherwise)."""
    actor.require(Permission.WRITE)
    k = KINDS[kind]
    with p.uow(actor) as uow:
        row = k.repo(uow).require(obj_id)
        check_version(row, version)
        if issues := k.check(uow, data):
            raise DoorstepError(issues)
        for key, value in _stored(data).items():
            setattr(row, key, value)
        row.version += 1
        _commit(uow, f"{kind} {obj_id}")
    return row


def delete(p: Platform, actor: Actor, kind: str, obj_id: str) -> None:
    """Remove the resource; E2008 when something still refers to it."""
    actor.require(Permission.WRITE)
    k = KINDS[kind]
    with p.uow(actor) as uow:
        k.repo(uow).delete(k.repo(uow).require(obj_id))
        try:
            uow.commit()
        except IntegrityError as exc:
            raise DoorstepError([Issue("E2008", f"{kind} {obj_id} is still referred to", (), obj_id)]) from exc


def check_version(row: Any, version: int) -> None:
    """E2002 naming the current version when the client edited an older one."""
    if row.version != version:
        msg = f"{row.id} is at version {row.version}, the change was made to version {version}"
        raise DoorstepError([Issue("E2002", msg, ("version",), row.id, f"Reload {row.id} (version {row.version}).")])
