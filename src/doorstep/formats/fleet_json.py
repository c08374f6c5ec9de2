"""Doorstep fleet JSON (``{"doorstep": "fleet/1", ...}``): depots, vehicle types, vehicles and drivers.

Vehicles name their type and depots by id (or by name); shift and break times are ISO-8601 with offset or
``HH:MM`` local to the vehicle's start depot on the plan date (the caller's ``plan_date``, else the document's
``date``, else today at the first depot). Objects without ``id`` get a stable one derived from their name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue, raise_if_errors
from doorstep.domain.fleet import Break, Depot, Driver, SpeedProfile, Vehicle, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import derived_id
from doorstep.domain.problem import Fleet
from doorstep.formats.json_common import json_path, schema_issues
from doorstep.formats.times import clock_seconds, parse_when, zone

FLEET_VERSION = "fleet/1"
Loc = tuple[str | int, ...]


@dataclass(slots=True)
class JsonReader:
    """Turns document values into domain values, collecting an Issue (located by JSON path) per bad value."""

    plan_date: date
    depots: dict[str, Depot] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def tz(self, depot_id: str | None) -> tzinfo:
        """The zone of this depot, else of the first depot, else UTC (bad zones: validation)."""
        depot = self.depots.get(depot_id or "") or next(iter(self.depots.values()), None)
        return (zone(depot.timezone) if depot else None) or UTC

    def when(self, text: str, tz: tzinfo, loc: Loc, obj_id: str | None) -> datetime:
        """An aware datetime; a bad value is E1103 and yields the plan day's midnight as a placeholder."""
        try:
            return parse_when(text, self.plan_date, tz)
        except ValueError:
            msg = f"{json_path(loc)}: {text!r} is not a time (HH:MM or ISO-8601 with offset)"
            self.issues.append(Issue("E1103", msg, loc, obj_id))
            return datetime.combine(self.plan_date, time(), tz)

    def maybe_when(self, text: str | None, tz: tzinfo, loc: Loc, obj_id: str | None) -> datetime | None:
        """Like ``when`` for optional values."""
        return None if text is None else self.when(text, tz, loc, obj_id)

    def resolve(self, ref: str, known: Mapping[str, Any]) -> str:
        """An id referenced by id or by name (exact match); unresolved refs stay as is."""
        if ref in known:
            return ref
        return next((k for k, v in known.items() if getattr(v, "name", None) == ref), ref)


def latlng(data: Mapping[str, Any]) -> LatLng:
    """``{"lat": .., "lng": ..}`` as a LatLng."""
    return LatLng(float(data["lat"]), float(data["lng"]))


def latlng_dict(p: LatLng) -> dict[str, float]:
    """A LatLng as ``{"lat": .., "lng": ..}``."""
    return {"lat": p.lat, "lng": p.lng}


def plan_date_of(data: Mapping[str, Any], plan_date: date | None, depots: Iterable[Mapping[str, Any]]) -> date:
    """The caller's date, else the document's ``date``, else today at the first depot (UTC without depots)."""
    if plan_date is not None:
        return plan_date
    if isinstance(data.get("date"), str):
        try:
            return date.fromisoformat(data["date"])
        except ValueError:
            raise DoorstepError([Issue("E1103", f"$.date: {data['date']!r} is not a date", ("date",))]) from None
    first = next(iter(depots), None)
    tz = (zone(str(first.get("timezone", ""))) if first else None) or UTC
    return datetime.now(tz).date()


def _clock(rd: JsonReader, text: str | None, loc: Loc, obj_id: str) -> time | None:
    if text is None:
        return None
    secs = clock_seconds(text)
    if secs is None or secs >= 86400:
        rd.issues.append(Issue("E1103", f"{json_path(loc)}: {text!r} is not a time of day (HH:MM)", loc, obj_id))
        return None
    return time(secs // 3600, secs % 3600 // 60, secs % 60)


def depot_from_dict(d: Mapping[str, Any], i: int, rd: JsonReader) -> Depot:
    """One depot; ``opens``/``closes`` are local ``HH:MM``; a daily parcel capacity and loading docks when given
    (checked by ``validate_problem``)."""
    depot_id = d.get("id") or derived_id("dep", d["name"])
    return Depot(
        id=depot_id,
        name=d["name"],
        location=latlng(d["location"]),
        timezone=d["timezone"],
        address=d.get("address", ""),
        opens=_clock(rd, d.get("opens"), ("depots", i, "opens"), depot_id),
        closes=_clock(rd, d.get("closes"), ("depots", i, "closes"), depot_id),
        loading_s=d.get("loading_s", 0),
        capacity_parcels_per_day=d.get("capacity_parcels_per_day"),
        docks=d.get("docks"),
    )


def vehicle_type_from_dict(d: Mapping[str, Any]) -> VehicleType:
    """One vehicle type (capacity dimensions not listed are unlimited)."""
    return VehicleType(
        id=d.get("id") or derived_id("vty", d["name"]),
        name=d["name"],
        capacity=dict(d.get("capacity", {})),
        profile=SpeedProfile(d.get("profile", SpeedProfile.VAN.value)),
        skills=frozenset(d.get("skills", ())),
        fixed_cost_cents=d.get("fixed_cost_cents", 0),
        cost_per_km_cents=d.get("cost_per_km_cents", 0),
        cost_per_hour_cents=d.get("cost_per_hour_cents", 0),
        fuel=d.get("fuel"),
        range_m=d.get("range_m"),
        reserve_m=d.get("reserve_m", 0),
        charge_s=d.get("charge_s", 0),
    )


def vehicle_from_dict(d: Mapping[str, Any], i: int, types: Mapping[str, VehicleType], rd: JsonReader) -> Vehicle | None:
    """One vehicle; None (with E1114) when its type is unknown."""
    vid = d.get("id") or derived_id("veh", d["name"])
    type_id = rd.resolve(d["vehicle_type_id"], types)
    if type_id not in types:
        msg = f"{vid}: unknown vehicle type {d['vehicle_type_id']!r} (known: {', '.join(types) or 'none'})"
        rd.issues.append(Issue("E1114", msg, ("vehicles", i, "vehicle_type_id"), vid))
        return None
    start = rd.resolve(d["start_depot_id"], rd.depots)
    end = rd.resolve(d["end_depot_id"], rd.depots) if d.get("end_depot_id") else None
    tz, loc = rd.tz(start), ("vehicles", i)
    breaks = tuple(
        Break(
            rd.when(b["start"], tz, (*loc, "breaks", k, "start"), vid),
            rd.when(b["end"], tz, (*loc, "breaks", k, "end"), vid),
            b["duration_s"],
        )
        for k, b in enumerate(d.get("breaks", ()))
    )
    return Vehicle(
        id=vid,
        type=types[type_id],
        start_depot_id=start,
        shift_start=rd.when(d["shift_start"], tz, (*loc, "shift_start"), vid),
        shift_end=rd.when(d["shift_end"], tz, (*loc, "shift_end"), vid),
        name=d.get("name", ""),
        end_depot_id=end,
        open_end=d.get("open_end", False),
        max_shift_s=d.get("max_shift_s"),
        max_distance_m=d.get("max_distance_m"),
        max_stops=d.get("max_stops"),
        breaks=breaks,
        skills=frozenset(d.get("skills", ())),
        reloads=d.get("reloads", False),
        max_reloads=d.get("max_reloads"),
        driver_id=d.get("driver_id"),
    )


def driver_from_dict(d: Mapping[str, Any], i: int, rd: JsonReader) -> Driver:
    """One driver; local times are at the first depot."""
    did = d.get("id") or derived_id("drv", d["name"])
    tz = rd.tz(None)
    return Driver(
        id=did,
        name=d["name"],
        phone=d.get("phone", ""),
        skills=frozenset(d.get("skills", ())),
        available_from=rd.maybe_when(d.get("available_from"), tz, ("drivers", i, "available_from"), did),
        available_until=rd.maybe_when(d.get("available_until"), tz, ("drivers", i, "available_until"), did),
    )


def fleet_parts(data: Mapping[str, Any], rd: JsonReader) -> Fleet:
    """The fleet part of a fleet or problem document (already schema-checked); issues collect in ``rd``."""
    depots = [depot_from_dict(d, i, rd) for i, d in enumerate(data.get("depots", ()))]
    rd.depots = {d.id: d for d in depots}
    types = {t.id: t for t in map(vehicle_type_from_dict, data.get("vehicle_types", ()))}
    vehicles = [vehicle_from_dict(v, i, types, rd) for i, v in enumerate(data.get("vehicles", ()))]
    drivers = [driver_from_dict(d, i, rd) for i, d in enumerate(data.get("drivers", ()))]
    return Fleet(depots=tuple(depots), vehicles=tuple(v for v in vehicles if v), drivers=tuple(drivers))


def fleet_from_dict(data: Any, *, plan_date: date | None = None) -> Fleet:
    """A Fleet from a fleet document; raises DoorstepError listing every schema (E1006) or value problem."""
    raise_if_errors(schema_issues(data, "doorstep-fleet.schema.json"))
    rd = JsonReader(plan_date_of(data, plan_date, data.get("depots", ())))
    fleet = fleet_parts(data, rd)
    raise_if_errors(rd.issues)
    return fleet


def _clock_text(t: time | None) -> str | None:
    if t is None:
        return None
    return t.strftime("%H:%M") if t.second == 0 else t.strftime("%H:%M:%S")


def depot_to_dict(d: Depot) -> dict[str, Any]:
    """A depot as its document object."""
    return {
        "id": d.id,
        "name": d.name,
        "location": latlng_dict(d.location),
        "timezone": d.timezone,
        "address": d.address,
        "opens": _clock_text(d.opens),
        "closes": _clock_text(d.closes),
        "loading_s": d.loading_s,
        **({"capacity_parcels_per_day": d.capacity_parcels_per_day} if d.capacity_parcels_per_day is not None else {}),
        **({"docks": d.docks} if d.docks is not None else {}),  # written when set: older documents stay the same
    }


def vehicle_type_to_dict(t: VehicleType) -> dict[str, Any]:
    """A vehicle type as its document object."""
    return {
        "id": t.id,
        "name": t.name,
        "capacity": dict(t.capacity),
        "profile": t.profile.value,
        "skills": sorted(t.skills),
        "fixed_cost_cents": t.fixed_cost_cents,
        "cost_per_km_cents": t.cost_per_km_cents,
        "cost_per_hour_cents": t.cost_per_hour_cents,
        **({"fuel": t.fuel} if t.fuel else {}),  # written when set: older documents stay the same
        **({"range_m": t.range_m, "reserve_m": t.reserve_m, "charge_s": t.charge_s} if t.range_m is not None else {}),
    }


def vehicle_to_dict(v: Vehicle) -> dict[str, Any]:
    """A vehicle as its document object (times ISO-8601 with offset)."""
    return {
        "id": v.id,
        "name": v.name,
        "vehicle_type_id": v.type.id,
        "start_depot_id": v.start_depot_id,
        "end_depot_id": v.end_depot_id,
        "open_end": v.open_end,
        "shift_start": v.shift_start.isoformat(),
        "shift_end": v.shift_end.isoformat(),
        "max_shift_s": v.max_shift_s,
        "max_distance_m": v.max_distance_m,
        "max_stops": v.max_stops,
        "breaks": [
            {"start": b.start.isoformat(), "end": b.end.isoformat(), "duration_s": b.duration_s} for b in v.breaks
        ],
        "skills": sorted(v.skills),
        "reloads": v.reloads,
        "max_reloads": v.max_reloads,
        "driver_id": v.driver_id,
    }


def driver_to_dict(d: Driver) -> dict[str, Any]:
    """A driver as its document object."""
    return {
        "id": d.id,
        "name": d.name,
        "phone": d.phone,
        "skills": sorted(d.skills),
        "available_from": d.available_from.isoformat() if d.available_from else None,
        "available_until": d.available_until.isoformat() if d.available_until else None,
    }


def fleet_fields(fleet: Fleet) -> dict[str, Any]:
    """The depots/vehicle_types/vehicles/drivers members shared by fleet and problem documents."""
    types = {v.type.id: v.type for v in reversed(fleet.vehicles)}  # first vehicle's copy wins
    return {
        "depots": [depot_to_dict(d) for d in fleet.depots],
        "vehicle_types": [vehicle_type_to_dict(types[k]) for k in dict.fromkeys(v.type.id for v in fleet.vehicles)],
        "vehicles": [vehicle_to_dict(v) for v in fleet.vehicles],
        "drivers": [driver_to_dict(d) for d in fleet.drivers],
    }


def fleet_to_dict(fleet: Fleet) -> dict[str, Any]:
    """A fleet document that ``fleet_from_dict`` reads back to an equal Fleet."""
    return {"doorstep": FLEET_VERSION, **fleet_fields(fleet)}
