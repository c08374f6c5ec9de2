"""VROOM vehicles -> Doorstep vehicles, their types, breaks and the depots at their start and end points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doorstep.domain.fleet import Break, Depot, SpeedProfile, Vehicle, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import derived_id
from doorstep.formats.json_common import json_path
from doorstep.formats.vroom_common import VroomContext
from doorstep.formats.vroom_parse import VroomReader, Where, at, is_int

OPEN_HORIZON_S = 2**31 - 1  # VROOM's vehicle time_window when none is given
DEFAULT_PER_HOUR = 3600  # VROOM's default: cost = travel seconds


@dataclass(slots=True)
class DepotIndex:
    """One UTC depot per distinct start/end point, numbered in order of appearance."""

    by_point: dict[LatLng, Depot] = field(default_factory=dict)

    @property
    def depots(self) -> list[Depot]:
        """The depots created so far."""
        return list(self.by_point.values())

    def at(self, point: LatLng) -> str:
        """The id of the depot at this point (created on first use)."""
        if point not in self.by_point:
            k = len(self.by_point) + 1
            depot = Depot(
                id=derived_id("dep", f"vroom-{k}"), name=f"VROOM location {k}", location=point, timezone="UTC"
            )
            self.by_point[point] = depot
        return self.by_point[point].id


def _shift(rd: VroomReader, veh: Mapping[str, Any], path: Where, who: str) -> tuple[datetime, datetime]:
    tw = veh.get("time_window")
    if tw is None:
        return at(0), at(OPEN_HORIZON_S)
    if isinstance(tw, list) and len(tw) == 2 and all(is_int(t) and t >= 0 for t in tw):
        return at(tw[0]), at(tw[1])
    rd.bad("E1007", (*path, "time_window"), who, f"must be [start, end] in integer seconds, not {tw!r}")
    return at(0), at(OPEN_HORIZON_S)


def _breaks(
    rd: VroomReader, veh: Mapping[str, Any], path: Where, who: str, shift: tuple[datetime, datetime]
) -> tuple[list[Break], list[int]]:
    """Breaks on their first time window (the others reported as W1206); no window means the whole shift."""
    raw = veh.get("breaks", [])
    if not isinstance(raw, list):
        rd.bad("E1007", (*path, "breaks"), who, "must be an array of breaks")
        return [], []
    out: list[Break] = []
    ids: list[int] = []
    for k, brk in enumerate(raw):
        bpath = (*path, "breaks", k)
        if not isinstance(brk, dict) or not is_int(brk.get("id")):
            rd.bad("E1007", bpath, who, "must be a break object with an integer id")
            continue
        bwho = f"{who} break {brk['id']}"
        if brk["id"] in ids:
            rd.bad("E1110", (*bpath, "id"), bwho, "repeats the id of another break of this vehicle")
        windows = rd.windows(brk, "time_windows", bpath, bwho)
        if len(windows) > 1:
            rd.warn((*bpath, "time_windows"), bwho, f"has {len(windows)} windows: only the first is used")
        if "max_load" in brk:
            rd.warn((*bpath, "max_load"), bwho, "is not supported and was ignored")
        start, end = (windows[0].start, windows[0].end) if windows else shift
        out.append(Break(start, end, rd.int_(brk, "service", bpath, bwho, 0) or 0))
        ids.append(brk["id"])
    return out, ids


def _costs(rd: VroomReader, veh: Mapping[str, Any], path: Where, who: str) -> tuple[int, int, int]:
    """(fixed, per_hour, per_km) in VROOM cost units, taken as cents."""
    costs = veh.get("costs", {})
    if not isinstance(costs, dict):
        rd.bad("E1007", (*path, "costs"), who, "must be an object {fixed, per_hour, per_km}")
        return 0, DEFAULT_PER_HOUR, 0
    cpath = (*path, "costs")
    for key in set(costs) - {"fixed", "per_hour", "per_km"}:
        rd.warn((*cpath, key), who, "is not supported and was ignored")
    fixed = rd.int_(costs, "fixed", cpath, who, 0) or 0
    per_hour = rd.int_(costs, "per_hour", cpath, who, DEFAULT_PER_HOUR)
    return (
        fixed,
        DEFAULT_PER_HOUR if per_hour is None else per_hour,
        rd.int_(costs, "per_km", cpath, who, 0) or 0,
    )


def _unsupported(rd: VroomReader, veh: Mapping[str, Any], path: Where, who: str) -> None:
    if veh.get("speed_factor", 1) != 1:
        rd.warn((*path, "speed_factor"), who, "is not supported: travel times are not scaled")
    if veh.get("steps"):
        rd.warn((*path, "steps"), who, "(a planned route) is not supported and was ignored")


def _ends(
    rd: VroomReader, veh: Mapping[str, Any], path: Where, who: str, depots: DepotIndex
) -> tuple[str, str | None] | None:
    """(start depot, end depot or None for an open end); a vehicle without start starts at its end."""
    start = rd.location(veh, "start", path, who) if "start" in veh or "start_index" in veh else None
    end = rd.location(veh, "end", path, who) if "end" in veh or "end_index" in veh else None
    if start is None and end is None:
        if not any(k in veh for k in ("start", "start_index", "end", "end_index")):
            rd.bad("E1007", path, who, "needs a start or an end (location or index)")
        return None
    first = start or end
    assert first is not None
    return depots.at(first), depots.at(end) if end is not None else None


def read_vehicle(
    rd: VroomReader, veh: Any, i: int, seen: dict[int, Where], depots: DepotIndex, ctx: VroomContext
) -> Vehicle | None:
    """One VROOM vehicle with its own VehicleType; None (issues recorded) when malformed."""
    path: Where = ("vehicles", i)
    if not isinstance(veh, dict) or not is_int(veh.get("id")):
        rd.bad(
            "E1007",
            (*path, "id") if isinstance(veh, dict) else path,
            f"vehicle at {json_path(path)}",
            "needs an integer id",
        )
        return None
    vid, who = veh["id"], f"vehicle {veh['id']}"
    if vid in seen:
        rd.bad("E1110", (*path, "id"), who, "repeats the id of another vehicle")
        return None
    seen[vid] = path
    ends = _ends(rd, veh, path, who, depots)
    profile = rd.profile(veh.get("profile", "car"), (*path, "profile"), who)
    capacity = rd.amounts(veh, "capacity", path, who)
    shift = _shift(rd, veh, path, who)
    breaks, break_ids = _breaks(rd, veh, path, who, shift)
    costs = _costs(rd, veh, path, who)
    _unsupported(rd, veh, path, who)
    skills = rd.ints(veh, "skills", path, who) or []
    limits = {k: rd.int_(veh, k, path, who, -1) for k in ("max_tasks", "max_travel_time", "max_distance")}
    if ends is None or profile is None:
        return None
    vehicle = Vehicle(
        id=derived_id("veh", str(vid)),
        type=_vehicle_type(vid, capacity, profile, costs),
        start_depot_id=ends[0],
        end_depot_id=ends[1],
        open_end=ends[1] is None,
        shift_start=shift[0],
        shift_end=shift[1],
        name=str(veh.get("description", "")) or f"vehicle {vid}",
        max_stops=_limit(limits["max_tasks"]),
        max_shift_s=_limit(limits["max_travel_time"]),
        max_distance_m=_limit(limits["max_distance"]),
        breaks=tuple(breaks),
        skills=frozenset(str(s) for s in skills),
    )
    ctx.vehicle_ids[vehicle.id] = vid
    ctx.break_ids[vehicle.id] = break_ids
    return vehicle


def _vehicle_type(
    vid: int, capacity: list[int] | None, profile: SpeedProfile, costs: tuple[int, int, int]
) -> VehicleType:
    """Each VROOM vehicle gets its own type (VROOM has no shared types)."""
    return VehicleType(
        id=derived_id("vty", f"vroom-{vid}"),
        name=f"VROOM vehicle {vid}",
        capacity={f"amount_{k}": c for k, c in enumerate(capacity or [])},
        profile=profile,
        fixed_cost_cents=costs[0],
        cost_per_hour_cents=costs[1],
        cost_per_km_cents=costs[2],
    )


def _limit(value: int | None) -> int | None:
    return None if value is None or value < 0 else value
