"""Coded validation of a whole Problem: every problem reported at once, errors and warnings apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from doorstep.domain.depots import MAX_CAPACITY, MAX_DOCKS
from doorstep.domain.errors import Issue
from doorstep.domain.fleet import Depot, Vehicle
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.items import item_problems
from doorstep.domain.kept_loadings import kept_loading_issues
from doorstep.domain.orders import MAX_TIME_WINDOWS, Order, OrderKind, TimeWindow
from doorstep.domain.problem import Problem
from doorstep.domain.transfers import transfer_issues
from doorstep.domain.zones import AccessZone

FAR_FROM_DEPOT_M = 150_000


def check_location(loc: LatLng, where: tuple[str | int, ...], obj_id: str | None) -> Iterator[Issue]:
    """Out-of-range coordinates are an error; a pair that is only valid when swapped says so."""
    if loc.is_valid():
        return
    if LatLng(loc.lng, loc.lat).is_valid():
        yield Issue("E1106", f"{obj_id or 'location'}: lat={loc.lat}, lng={loc.lng} look swapped", where, obj_id)
    else:
        yield Issue("E1105", f"{obj_id or 'location'}: lat={loc.lat}, lng={loc.lng} out of range", where, obj_id)


def _windows(windows: tuple[TimeWindow, ...], where: tuple[str | int, ...], oid: str) -> Iterator[Issue]:
    if len(windows) > MAX_TIME_WINDOWS:
        yield Issue("E1121", f"{oid}: {len(windows)} time windows (max {MAX_TIME_WINDOWS})", where, oid)
    for k, w in enumerate(windows):
        if w.start.tzinfo is None or w.end.tzinfo is None:
            yield Issue("E1103", f"{oid}: time window {k + 1} has no time zone", (*where, k), oid)
        elif w.end < w.start:
            msg = f"{oid}: time window {k + 1} ends {w.end.isoformat()} before it starts {w.start.isoformat()}"
            yield Issue("E1104", msg, (*where, k), oid)


def _order(o: Order, i: int, depots: dict[str, Depot]) -> Iterator[Issue]:
    where: tuple[str | int, ...] = ("orders", i)
    yield from check_location(o.location, (*where, "location"), o.id)
    yield from _windows(o.time_windows, (*where, "time_windows"), o.id)
    for k, alt in enumerate(o.alternatives):
        yield from check_location(alt.location, (*where, "alternatives", k), o.id)
        yield from _windows(alt.time_windows, (*where, "alternatives", k, "time_windows"), o.id)
    if o.service_s < 0:
        yield Issue("E1107", f"{o.id}: service time {o.service_s} s is negative", (*where, "service_s"), o.id)
    if o.handover_s < 0:
        yield Issue("E1107", f"{o.id}: handover {o.handover_s} s is negative", (*where, "handover_s"), o.id)
    elif o.handover_s > max(0, o.service_s):
        msg = f"{o.id}: handover {o.handover_s} s is longer than the service time {o.service_s} s it is part of"
        yield Issue("E1575", msg, (*where, "handover_s"), o.id)
    for dim, amount in o.size.items():
        if amount < 0:
            yield Issue("E1107", f"{o.id}: size {dim}={amount} is negative", (*where, "size", dim), o.id)
    if o.value_cents < 0:
        yield Issue("E1107", f"{o.id}: value {o.value_cents} is negative", (*where, "value_cents"), o.id)
    if o.depot_id is not None and o.depot_id not in depots:
        yield Issue("E1109", f"{o.id}: unknown depot {o.depot_id!r}", (*where, "depot_id"), o.id)
    if o.kind is OrderKind.PAIRED:
        if o.pickup is None:
            yield Issue("E1112", f"{o.id}: paired order has no pickup place", (*where, "pickup"), o.id)
        else:
            yield from check_location(o.pickup.location, (*where, "pickup", "location"), o.id)
            yield from _windows(o.pickup.time_windows, (*where, "pickup", "time_windows"), o.id)
    for bad in item_problems(o.items):
        yield Issue(bad.code, f"{o.id}: {bad.message()}", (*where, *bad.loc), o.id)
    yield from _far(o, where, depots)


def _far(o: Order, where: tuple[str | int, ...], depots: dict[str, Depot]) -> Iterator[Issue]:
    """W1201 far from every depot; W1209 instead when the point swapped would be near one (lat and lng mixed up:
    the usual slip, which leaves a valid point on another continent)."""
    locs = [d.location for d in depots.values() if d.location.is_valid()]
    if not o.location.is_valid() or not locs:
        return
    near = min(haversine_m(o.location, loc) for loc in locs)
    if near <= FAR_FROM_DEPOT_M:
        return
    swapped = LatLng(o.location.lng, o.location.lat)
    if swapped.is_valid() and (back := min(haversine_m(swapped, loc) for loc in locs)) <= FAR_FROM_DEPOT_M:
        msg = (f"{o.id}: lat={o.location.lat}, lng={o.location.lng} is {near / 1000:.0f} km from the nearest depot; "
               f"swapped it would be {back / 1000:.0f} km away")  # fmt: skip
        yield Issue("W1209", msg, (*where, "location"), o.id)
        return
    yield Issue("W1201", f"{o.id}: {near / 1000:.0f} km from the nearest depot", (*where, "location"), o.id)


def _vehicle(v: Vehicle, i: int, depots: dict[str, Depot]) -> Iterator[Issue]:
    where: tuple[str | int, ...] = ("vehicles", i)
    for ref in (v.start_depot_id, v.end_depot_id):
        if ref is not None and ref not in depots:
            yield Issue("E1109", f"{v.id}: unknown depot {ref!r}", (*where, "depot"), v.id)
    if v.shift_end < v.shift_start:
        yield Issue("E1104", f"{v.id}: shift ends before it starts", (*where, "shift"), v.id)
    for dim, cap in v.type.capacity.items():
        if cap < 0:
            yield Issue("E1107", f"{v.id}: capacity {dim}={cap} is negative", (*where, "capacity", dim), v.id)
    for name, val in (
        ("max_shift_s", v.max_shift_s),
        ("max_distance_m", v.max_distance_m),
        ("max_stops", v.max_stops),
        ("fixed_cost_cents", v.type.fixed_cost_cents),
        ("cost_per_km_cents", v.type.cost_per_km_cents),
        ("cost_per_hour_cents", v.type.cost_per_hour_cents),
    ):
        if val is not None and val < 0:
            yield Issue("E1107", f"{v.id}: {name}={val} is negative", (*where, name), v.id)
    yield from _range(v, where)
    for k, b in enumerate(v.breaks):
        fits = b.duration_s >= 0 and b.start <= b.end and v.shift_start <= b.start and b.end <= v.shift_end
        if not fits or b.start + timedelta(seconds=b.duration_s) > v.shift_end:
            msg = f"{v.id}: break {k + 1} ({b.start.isoformat()}..{b.end.isoformat()}, {b.duration_s} s) does not fit"
            yield Issue("E1115", msg, (*where, "breaks", k), v.id)


def depot_limit_issues(d: Depot, where: tuple[str | int, ...] = ()) -> Iterator[Issue]:
    """A distribution centre's hours, capacity and docks (E1702, E1700, E1701), located under ``where``."""
    if d.opens is not None and d.closes is not None and d.closes <= d.opens:
        msg = f"{d.id}: closes at {d.closes:%H:%M}, not after it opens at {d.opens:%H:%M}"
        yield Issue("E1702", msg, (*where, "closes"), d.id)
    cap = d.capacity_parcels_per_day
    if cap is not None and not 0 <= cap <= MAX_CAPACITY:
        msg = f"{d.id}: capacity_parcels_per_day={cap} (allowed 0..{MAX_CAPACITY:,}, or none for no limit)"
        yield Issue("E1700", msg, (*where, "capacity_parcels_per_day"), d.id)
    if d.docks is not None and not 1 <= d.docks <= MAX_DOCKS:
        msg = f"{d.id}: docks={d.docks} (allowed 1..{MAX_DOCKS}, or none for no limit)"
        yield Issue("E1701", msg, (*where, "docks"), d.id)


def _range(v: Vehicle, where: tuple[str | int, ...]) -> Iterator[Issue]:
    """An electric type's range, reserve and charging time (E1625)."""
    vt = v.type
    bad = vt.charge_s < 0 or vt.reserve_m < 0
    if vt.range_m is not None:
        bad = bad or vt.range_m <= 0 or vt.reserve_m >= vt.range_m
    if bad:
        msg = f"{v.id}: type {vt.id} has range_m={vt.range_m}, reserve_m={vt.reserve_m}, charge_s={vt.charge_s}"
        yield Issue("E1625", msg, (*where, "type"), v.id)


def _zones(problem: Problem) -> Iterator[Issue]:
    """Zones have their own ids (E1623). Their vehicle types are checked where the fleet's types are all known
    (a document's ``vehicle_types``, the organization's): a type with no vehicle today is not an error."""
    for zid, n in Counter(z.id for z in problem.zones).items():
        if n > 1:
            yield Issue("E1623", f"access zone id {zid!r} appears {n} times", ("zones",), zid)


def unknown_zone_types(zones: tuple[AccessZone, ...], known: set[str], root: str = "zones") -> Iterator[Issue]:
    """E1621 for each vehicle type a zone names that is not in ``known``."""
    for i, z in enumerate(zones):
        for t in sorted(z.vehicle_type_ids - known):
            msg = f"{z.id}: unknown vehicle type {t!r} (known: {', '.join(sorted(known)) or 'none'})"
            yield Issue("E1621", msg, (root, i, "vehicle_types"), z.id)


def _fleet_fit(problem: Problem) -> Iterator[Issue]:
    """Warn about orders no vehicle can ever carry or equip (they will be unassigned with a reason)."""
    all_skills = frozenset().union(*(v.all_skills for v in problem.vehicles)) if problem.vehicles else frozenset()
    for i, o in enumerate(problem.orders):
        missing = o.skills - all_skills
        if missing and problem.vehicles:
            msg = f"{o.id}: no vehicle offers skill(s) {', '.join(sorted(missing))}"
            yield Issue("W1204", msg, ("orders", i, "skills"), o.id)
        fits_one = any(
            all(amount <= v.type.capacity.get(dim, amount) for dim, amount in o.size.items()) for v in problem.vehicles
        )
        if problem.vehicles and not fits_one:
            msg = f"{o.id}: size {o.size} is larger than any vehicle"
            yield Issue("W1203", msg, ("orders", i, "size"), o.id)


def validate_problem(problem: Problem) -> list[Issue]:
    """Every issue in the problem, errors and warnings; an empty list means it can be planned."""
    issues: list[Issue] = []
    depots = {d.id: d for d in problem.depots}
    for kind, counts in (
        ("depot", Counter(d.id for d in problem.depots)),
        ("vehicle", Counter(v.id for v in problem.vehicles)),
        ("order", Counter(o.id for o in problem.orders)),
    ):
        for obj_id, n in counts.items():
            if n > 1:
                issues.append(Issue("E1110", f"{kind} id {obj_id!r} appears {n} times", (kind + "s",), obj_id))
    for ref, n in Counter(o.external_ref for o in problem.orders if o.external_ref).items():
        if n > 1:
            issues.append(Issue("E1110", f"external_ref {ref!r} appears {n} times", ("orders",), ref))
    for i, d in enumerate(problem.depots):
        issues.extend(check_location(d.location, ("depots", i, "location"), d.id))
        try:
            ZoneInfo(d.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            issues.append(Issue("E1113", f"{d.id}: unknown time zone {d.timezone!r}", ("depots", i), d.id))
        if d.loading_s < 0:
            issues.append(Issue("E1107", f"{d.id}: loading time is negative", ("depots", i), d.id))
        issues.extend(depot_limit_issues(d, ("depots", i)))
    if not problem.vehicles:
        issues.append(Issue("E1117", "the problem has no vehicles", ("vehicles",)))
    if not problem.orders:
        issues.append(Issue("E1118", "the problem has no orders", ("orders",)))
    for i, v in enumerate(problem.vehicles):
        issues.extend(_vehicle(v, i, depots))
    for i, o in enumerate(problem.orders):
        issues.extend(_order(o, i, depots))
    issues.extend(_zones(problem))
    issues.extend(transfer_issues(problem.transfers, problem.orders, problem.depots))
    issues.extend(kept_loading_issues(problem.kept_loadings, problem.depots))
    issues.extend(_fleet_fit(problem))
    return issues
