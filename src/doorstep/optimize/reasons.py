"""Why an order cannot be served: checked, never guessed. Used before solving (to keep impossible orders out
of the solver) and after (to explain what the solver left out)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from doorstep.domain.fleet import Vehicle
from doorstep.domain.orders import Order, OrderKind, Priority
from doorstep.domain.plan import Unassigned, UnassignedReason
from doorstep.domain.problem import Problem
from doorstep.optimize import eligibility
from doorstep.optimize.geometry import Geometry
from doorstep.optimize.model import IntMatrix
from doorstep.optimize.places import order_places, windows_in_seconds
from doorstep.optimize.scaling import UNBOUNDED, at, seconds_since
from doorstep.optimize.travel_keys import travel_key
from doorstep.optimize.vehicle_times import VehicleWindow, vehicle_window
from doorstep.routing.provider import UNREACHABLE

R = UnassignedReason
ACTIONS: dict[UnassignedReason, str] = {
    R.SKILL: "Add a vehicle (or driver) with the required skill, or remove the requirement.",
    R.NO_VEHICLE: "Give a vehicle to the order's depot, or let the order ship from any depot.",
    R.CAPACITY: "Split the order into smaller ones, or add a larger vehicle.",
    R.UNREACHABLE: "Check the address and coordinates: no route reaches it.",
    R.RELEASE_TIME: "Have the goods ready earlier, or widen the delivery window.",
    R.TIME_WINDOW: "Widen or move the time window, or start a shift earlier/later.",
    R.SHIFT_LENGTH: "Lengthen a shift or serve the order from a closer depot.",
    R.MAX_DISTANCE: "Raise the vehicles' maximum distance or serve it from a closer depot.",
    R.FLEET_FULL: "Add a vehicle or lengthen shifts; or raise the order's priority.",
    R.TIME_LIMIT: "Plan again with a longer time limit (or --workers 2): an unused vehicle can take it.",
    R.NOT_WORTH_IT: "Raise the order's value or make it a normal (non-optional) order.",
    R.RANGE: "Serve it with a vehicle of longer range, lower the reserve, or from a closer depot.",
    R.ACCESS_ZONE: "Add a vehicle of a type the zone allows, or move the order's window into the zone's hours.",
    R.DEPOT_CAPACITY: "Raise the depot's parcels-per-day capacity, ship the order from another depot, or move it to "
    "another day.",
    R.DEPOT_DOCKS: "Add a loading dock, shorten the depot's loading time, or start a shift earlier so vans load "
    "before the rush.",
    R.PART_FAILED: "Plan the day again; if it repeats, plan this depot's orders on their own and report the error.",
}
# Order of checks: a vehicle that fails a later check came closer to serving the order.
_STAGES = [R.UNREACHABLE, R.RELEASE_TIME, R.TIME_WINDOW, R.SHIFT_LENGTH, R.MAX_DISTANCE, R.RANGE]


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: UnassignedReason
    detail: str  # may hold {t:SECONDS} placeholders, rendered as local clock times


def _legs(order: Order, idx: int, geo: Geometry, place_loc: int) -> list[tuple[int, int]]:
    """The order's visits as (location, service) in route order (paired: pickup first)."""
    if order.kind is OrderKind.PAIRED and idx in geo.pickup_loc and order.pickup is not None:
        return [(geo.pickup_loc[idx], order.pickup.service_s), (place_loc, order.service_s)]
    return [(place_loc, order.service_s)]


def _try_vehicle(problem: Problem, geo: Geometry, vi: int, oi: int) -> _Failure | None:
    """Serve the order alone with this vehicle: depot -> (pickup ->) stop -> depot. None when it fits."""
    v, o = problem.vehicles[vi], problem.orders[oi]
    w = vehicle_window(problem, v, geo.t0)
    key = travel_key(problem, v)
    dur, dist = geo.durations[key], geo.distances[key]
    start = geo.depot_loc[v.start_depot_id]
    end = geo.end_loc if (v.open_end and geo.end_loc is not None) else geo.depot_loc[v.end_depot]
    release = seconds_since(geo.t0, o.release_at) if o.release_at and o.kind is OrderKind.DELIVERY else 0
    best: _Failure | None = None
    for place in order_places(o, oi, geo):
        legs = _legs(o, oi, geo, place.loc)
        wins = [windows_in_seconds(geo.t0, o.pickup.time_windows)] if len(legs) == 2 and o.pickup else []
        wins.append(place.windows)
        fail = _simulate(
            start, end, legs, wins, w.early + w.loading, max(w.early + w.loading, release), w, dur, dist, v
        )
        if fail is None:
            return None
        if best is None or _STAGES.index(fail.reason) > _STAGES.index(best.reason):
            best = fail
    return best


def _simulate(
    start: int,
    end: int,
    legs: list[tuple[int, int]],
    wins: list[tuple[tuple[int, int], ...]],
    t_free: int,
    t_leave: int,
    w: VehicleWindow,
    dur: IntMatrix,
    dist: IntMatrix,
    v: Vehicle,
) -> _Failure | None:
    """Earliest-time pass through the legs; the first broken constraint, or None."""
    path = [start, *(loc for loc, _ in legs), end]
    if any(dur[a, b] >= UNREACHABLE for a, b in itertools.pairwise(path)):
        return _Failure(R.UNREACHABLE, "no route between the depot and the stop")
    t, prev, first_start = t_leave, start, None
    for (loc, service), windows in zip(legs, wins, strict=True):
        arrive = t + int(dur[prev, loc])
        ok = [(a, b) for a, b in windows if b >= arrive]
        if not ok:
            reason = (
                R.RELEASE_TIME
                if t_leave > t_free and (t_free + int(dur[prev, loc])) <= windows[-1][1]
                else R.TIME_WINDOW
            )
            return _Failure(
                reason,
                f"earliest arrival {{t:{arrive}}} is after its last window ends at {{t:{windows[-1][1]}}}",
            )
        begin = max(arrive, ok[0][0])
        first_start = begin if first_start is None else first_start
        t, prev = begin + service, loc
    back = t + int(dur[prev, end])
    if back > w.late:
        return _Failure(R.SHIFT_LENGTH, f"back at the depot at {{t:{back}}}, after the shift ends at {{t:{w.late}}}")
    travel = sum(int(dur[a, b]) for a, b in itertools.pairwise(path))
    busy = w.loading + travel + sum(s for _, s in legs)
    if busy > w.max_duration:
        return _Failure(
            R.SHIFT_LENGTH,
            f"needs {busy // 60} min, longer than the {w.max_duration // 60} min maximum route",
        )
    metres = sum(int(dist[a, b]) for a, b in itertools.pairwise(path))
    limit = v.max_distance_m if v.max_distance_m is not None else UNBOUNDED
    if metres > limit:
        return _Failure(R.MAX_DISTANCE, f"a round trip of {metres} m exceeds the {limit} m maximum distance")
    trip = v.type.trip_limit_m
    if trip is not None and metres > trip:
        detail = f"a round trip of {metres} m exceeds the {trip} m it drives on one charge (range less reserve)"
        return _Failure(R.RANGE, detail)
    return None


def serves_alone(problem: Problem, geo: Geometry, vi: int, oi: int) -> bool:
    """Whether vehicle ``vi`` could serve order ``oi`` on a route of its own (skills, depot, size and time)."""
    v, o = problem.vehicles[vi], problem.orders[oi]
    return eligibility.may_serve(v, o) and eligibility.fits(v, o) and _try_vehicle(problem, geo, vi, oi) is None


def idle_vehicle_for(problem: Problem, geo: Geometry, oi: int, used: set[int]) -> int | None:
    """An unused vehicle that could serve the order alone (then the fleet is not full), or None."""
    o = problem.orders[oi]
    for vi, v in enumerate(problem.vehicles):
        if vi in used or not (eligibility.may_serve(v, o) and eligibility.fits(v, o)):
            continue
        if _try_vehicle(problem, geo, vi, oi) is None:
            return vi
    return None


def not_full(problem: Problem, geo: Geometry, u: Unassigned, used: set[int], converged: bool = True) -> Unassigned:
    """A FLEET_FULL reason checked: when an unused vehicle could serve the order alone (named), or the search was
    cut off while still improving, the fleet was not shown to be full and the reason is TIME_LIMIT."""
    if u.reason is not R.FLEET_FULL:
        return u
    oi = next(i for i, o in enumerate(problem.orders) if o.id == u.order_id)
    o = problem.orders[oi]
    vi = idle_vehicle_for(problem, geo, oi, used)
    if vi is not None:
        v = problem.vehicles[vi]
        detail = f"{v.name or v.id} is unused and could serve it; the search ran out of time before placing it"
        return _unassigned(o, R.TIME_LIMIT, detail)
    if not converged:
        return _unassigned(o, R.TIME_LIMIT, "the search ran out of time while its plan was still improving")
    return u


def diagnose(problem: Problem, geo: Geometry, oi: int) -> Unassigned | None:
    """Why the order cannot be served by any vehicle even alone; None when some vehicle could serve it.

    The first vehicle that can is usually the first one tried, so that is checked before the reasons are worked
    out (the full pass over every vehicle took 1.6 s on a 2,000-order, 64-van day)."""
    o = problem.orders[oi]
    for vi, v in enumerate(problem.vehicles):
        if eligibility.may_serve(v, o) and eligibility.fits(v, o) and _try_vehicle(problem, geo, vi, oi) is None:
            return None
    vehicles = list(range(len(problem.vehicles)))
    skilled = [vi for vi in vehicles if eligibility.has_skills(problem.vehicles[vi], o)]
    if not skilled:
        missing = sorted(o.skills - frozenset().union(*(v.all_skills for v in problem.vehicles)))
        detail = f"no vehicle offers {', '.join(missing) or 'the required combination of skills'}"
        return _unassigned(o, R.SKILL, detail)
    allowed = [vi for vi in skilled if eligibility.from_right_depot(problem.vehicles[vi], o)]
    if not allowed:
        return _unassigned(o, R.NO_VEHICLE, f"no suitable vehicle starts at depot {o.depot_id}")
    fitting = [vi for vi in allowed if eligibility.fits(problem.vehicles[vi], o)]
    if not fitting:
        return _unassigned(o, R.CAPACITY, f"size {o.size} exceeds every suitable vehicle's capacity")
    best: _Failure | None = None
    for vi in fitting:
        fail = _try_vehicle(problem, geo, vi, oi)
        if fail is None:
            return None
        if best is None or _STAGES.index(fail.reason) > _STAGES.index(best.reason):
            best = fail
    assert best is not None
    depot = problem.depot(o.depot_id or problem.vehicles[fitting[0]].start_depot_id)
    return _unassigned(o, best.reason, _clock_times(best.detail, geo, ZoneInfo(depot.timezone)))


def _clock_times(detail: str, geo: Geometry, tz: ZoneInfo) -> str:
    """Render {t:SECONDS} placeholders as local HH:MM (with the date when not the plan's first day)."""

    def render(m: re.Match[str]) -> str:
        when = at(geo.t0, int(m.group(1))).astimezone(tz)
        first = geo.t0.astimezone(tz).date()
        return when.strftime("%H:%M") if when.date() == first else when.strftime("%Y-%m-%d %H:%M")

    return re.sub(r"\{t:(\d+)\}", render, detail)


def after_solve(problem: Problem, oi: int, capacity_short: dict[str, int]) -> Unassigned:
    """Reason for an order that could be served alone but was left out by the solver."""
    o = problem.orders[oi]
    if o.priority is Priority.OPTIONAL:
        return _unassigned(o, R.NOT_WORTH_IT, f"its value ({o.value_cents} cents) is below the cost of the detour")
    short = ", ".join(f"{dim} by {n}" for dim, n in capacity_short.items())
    detail = (
        f"the fleet's total capacity is short ({short})"
        if short
        else "every route that could reach it in its window is full or out of time"
    )
    return _unassigned(o, R.FLEET_FULL, detail)


def _unassigned(o: Order, reason: UnassignedReason, detail: str) -> Unassigned:
    return Unassigned(o.id, o.external_ref, reason, f"{o.external_ref or o.id}: {detail}", ACTIONS[reason])
