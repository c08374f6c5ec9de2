"""Access zones in the planner: a stop inside a zone only for the zone's vehicle types, only in its hours.

Both are expressed with machinery the planner already has, on a copy of the problem (``apply_zones``):

- **who**: each zone is a skill (``__zone:<id>``) that the orders inside it require and that every vehicle of an
  allowed type offers, so the routing profiles forbid the stop to every other vehicle (optimize/profiles.py);
- **when**: the windows of each place inside a zone are intersected with the zone's hours on the days of the
  plan (no window: the zone's hours are the windows).

An order whose windows do not meet the zone's hours at all gets a skill no vehicle has (``__zone_closed:<id>``),
so it is kept out of the solver like any order no vehicle can serve; ``explain`` then reports it, and an order
whose only missing skills are zones' (no vehicle of an allowed type in the fleet), as ``ACCESS_ZONE``. The
independent checker verifies zones on the original problem (optimize/check_route.py).

Driving *through* a zone is not handled here but in travel: a vehicle whose type a zone does not allow drives on
its own matrix with the zone's roads excluded (optimize/travel_keys.py), on a road network built with the zone
(routing/network_zones.py); other travel models say W3006. The checker reports such a leg as ``ZONE_TRANSIT``
(optimize/check_transit.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.orders import Order, TimeWindow
from doorstep.domain.plan import Plan, Unassigned, UnassignedReason
from doorstep.domain.problem import Problem
from doorstep.domain.zones import AccessZone, zones_at
from doorstep.optimize.reasons import ACTIONS

ZONE_SKILL = "__zone:"
CLOSED_SKILL = "__zone_closed:"


@dataclass(frozen=True, slots=True)
class Zoned:
    """The problem with zones applied, and which zones hold each order (by id)."""

    problem: Problem
    inside: dict[str, list[AccessZone]]
    closed: dict[str, AccessZone]  # orders whose windows never meet a zone's hours

    def explain(self, plan: Plan) -> Plan:
        """``plan`` with the reasons of orders left out because of a zone said as ``ACCESS_ZONE``."""
        plan.unassigned = [self._reason(u) for u in plan.unassigned]
        return plan

    def _reason(self, u: Unassigned) -> Unassigned:
        zones = self.inside.get(u.order_id)
        if not zones or u.reason is not UnassignedReason.SKILL:
            return u
        label = u.external_ref or u.order_id
        closed = self.closed.get(u.order_id)
        if closed is not None:
            detail = f"its time windows never meet {_name(closed)}'s delivery hours ({closed.hours_text()})"
        else:
            order = self.problem.order(u.order_id)
            offered = frozenset().union(*(v.all_skills for v in self.problem.vehicles))
            if any(not s.startswith(ZONE_SKILL) for s in order.skills - offered):
                return u  # a real skill is missing too: SKILL says more
            allowed = sorted({t for z in zones for t in z.vehicle_type_ids})
            names = ", ".join(_name(z) for z in zones)
            detail = f"inside {names}, where only {', '.join(allowed)} may serve, and no such vehicle can"
        reason = UnassignedReason.ACCESS_ZONE
        return Unassigned(u.order_id, u.external_ref, reason, f"{label}: {detail}", ACTIONS[reason])


def _name(z: AccessZone) -> str:
    return z.name or z.id


def _horizon(problem: Problem) -> tuple[datetime, datetime]:
    starts = [v.shift_start for v in problem.vehicles] or [datetime.now().astimezone()]
    ends = [v.shift_end for v in problem.vehicles] or starts
    return min(starts), max(ends)


def _intersect(windows: tuple[TimeWindow, ...], zone: AccessZone, problem: Problem, tz: str) -> tuple[TimeWindow, ...]:
    """The windows within the zone's hours on the plan's days (no window: the zone's hours)."""
    if not zone.hours:
        return windows
    first, last = _horizon(problem)
    spans = zone.open_intervals(
        first.astimezone(_tz(zone, tz)).date() - timedelta(days=1), last.astimezone(_tz(zone, tz)).date(), tz
    )
    base = [(w.start, w.end) for w in windows] or [(first, last)]
    out = [TimeWindow(max(a, c), min(b, d)) for a, b in base for c, d in spans if max(a, c) <= min(b, d)]
    return tuple(sorted(set(out), key=lambda w: (w.start, w.end)))


def _tz(zone: AccessZone, tz: str) -> ZoneInfo:
    return ZoneInfo(zone.timezone or tz)


def _zoned_order(o: Order, problem: Problem, tz: str) -> tuple[Order, list[AccessZone], AccessZone | None]:
    """The order with its zones' skills and hours; the zones holding it; a zone it can never be served in."""
    own = zones_at(problem.zones, o.location)
    windows = o.time_windows
    closed = None
    for z in own:
        windows = _intersect(windows, z, problem, tz)
        if not windows and z.hours:
            closed = closed or z
    alternatives = []
    held = list(own)
    for alt in o.alternatives:
        alt_zones = zones_at(problem.zones, alt.location)
        alt_windows = alt.time_windows
        for z in alt_zones:
            alt_windows = _intersect(alt_windows, z, problem, tz)
        held += [z for z in alt_zones if z not in held]
        if alt_windows or not any(z.hours for z in alt_zones):  # a place never open is dropped
            alternatives.append(replace(alt, time_windows=alt_windows))
    if not held:
        return o, [], None
    skills = o.skills | {ZONE_SKILL + z.id for z in held}
    if closed is not None:
        skills |= {CLOSED_SKILL + closed.id}
        windows = o.time_windows
    return replace(o, skills=skills, time_windows=windows, alternatives=tuple(alternatives)), held, closed


def apply_zones(problem: Problem) -> Zoned:
    """The problem with its access zones as skills and narrowed windows (unchanged without zones)."""
    if not problem.zones:
        return Zoned(problem, {}, {})
    tz = problem.depots[0].timezone if problem.depots else "UTC"
    orders, inside, closed = [], {}, {}
    for o in problem.orders:
        new, held, never = _zoned_order(o, problem, tz)
        orders.append(new)
        if held:
            inside[o.id] = held
        if never is not None:
            closed[o.id] = never
    vehicles = tuple(
        replace(v, skills=v.skills | {ZONE_SKILL + z.id for z in problem.zones if v.type.id in z.vehicle_type_ids})
        for v in problem.vehicles
    )
    return Zoned(replace(problem, orders=tuple(orders), vehicles=vehicles), inside, closed)
