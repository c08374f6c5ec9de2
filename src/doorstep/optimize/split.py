"""How a large day is cut into parts (``decompose.py`` plans them): by depot, then by sweep angle around the depot,
and the depot's vehicles shared out by need. Pure: no travel provider, no processes.

1. Each order goes to a depot: the one it is pinned to (``depot_id``), else the nearest by straight line among
   the depots with a vehicle that may serve it and can carry it (skills, size); an order pinned to a depot without
   vehicles is left for the whole-fleet reasons (``Split.unplaced``).
2. A depot with more than ``part_orders`` orders is cut into ``ceil(n / part_orders)`` parts (never more than
   it has vehicles; the vehicles of a depot without orders count with the nearest depot's; the day's total raised
   to a multiple of the part processes where the largest parts are) of about equal size,
   in the order of the angle around the depot (ties: nearer first), the sweep starting at the widest empty angle
   so no cluster straddles the cut. Orders to one pickup point (one stop when planned) stay in one part; a
   store-to-door order is one order, so both its ends are in its part.
3. The depot's vehicles are shared out, each to exactly one part: first the vehicles with skills, each to the part
   whose orders most need what it offers; then every part without a vehicle gets one; then the rest in proportion
   to need (D'Hondt), where a part's need is in average vehicles: the most binding of each capacity dimension
   (size against capacity), stops (against the vehicles' maximum, when they all have one) and time (service plus
   an estimate of travel against the hours of a shift, breaks off).
4. An order whose part has no vehicle that may serve it and carry it (more parts need a skill than there are
   vehicles with it) moves to the part nearest in angle that has one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.orders import Order
from doorstep.domain.problem import Problem
from doorstep.optimize import eligibility

# A rough drive per stop for the time need: straight line x 1.3 at 25 km/h over the mean spacing of the part's
# stops, plus the stem (depot to the part's centre and back) once per vehicle. Only the ratio between parts
# matters: the recovery part takes what a part could not serve.
CIRCUITY, SPEED_MS = 1.3, 25 / 3.6
MIN_AREA_M2 = 1_000_000.0


@dataclass(frozen=True, slots=True)
class PartSpec:
    """One part: its depot, the indices of its orders and of its vehicles in the whole day's problem."""

    depot_id: str
    orders: tuple[int, ...]
    vehicles: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Split:
    """The parts of a day, and the orders no part holds (pinned to a depot without vehicles)."""

    parts: list[PartSpec]
    unplaced: tuple[int, ...]


def split_day(problem: Problem, part_orders: int, multiple: int = 1) -> Split:
    """Cut ``problem`` into parts of about ``part_orders`` orders (see the module's docstring), their number
    rounded up to a multiple of ``multiple`` where the vehicles allow (``counts``)."""
    by_depot: dict[str, list[int]] = defaultdict(list)
    for vi, v in enumerate(problem.vehicles):
        by_depot[v.start_depot_id].append(vi)
    orders: dict[str, list[int]] = defaultdict(list)
    unplaced = []
    kinds = {d: _kinds(problem, vs) for d, vs in by_depot.items()}
    for oi, o in enumerate(problem.orders):
        home = home_depot(problem, o, kinds)
        if home is None:
            unplaced.append(oi)
        else:
            orders[home].append(oi)
    pooled = _pool_idle_depots(problem, by_depot, orders)
    sizes = {d: (len(orders[d]), len(vs)) for d, vs in pooled.items()}
    ks = counts(sizes, part_orders, multiple)
    parts: list[PartSpec] = []
    for d in problem.depots:
        if not orders.get(d.id):
            continue
        vehicles = pooled[d.id]
        chunks = cut(sweep(problem, d.location, units(problem, orders[d.id])), ks[d.id])
        shares = allocate(problem, d.location, vehicles, chunks)
        chunks = reseat(problem, d.location, chunks, shares)
        parts.extend(PartSpec(d.id, tuple(sorted(c)), tuple(sorted(s))) for c, s in zip(chunks, shares, strict=True))
    return Split(parts, tuple(unplaced))


def counts(sizes: dict[str, tuple[int, int]], part_orders: int, multiple: int) -> dict[str, int]:
    """Parts per depot from its (orders, vehicles): ``ceil(orders / part_orders)``, at most one per vehicle; the
    total then raised to a multiple of ``multiple`` (the part processes: every wave of parts fills every
    process, so each part gets the same share of the time) by adding parts where they are largest."""
    ks = {d: max(1, min(v, math.ceil(n / part_orders))) for d, (n, v) in sizes.items()}
    while sum(ks.values()) % max(1, multiple):
        room = [d for d, (n, v) in sizes.items() if ks[d] < min(v, n)]
        if not room:
            break
        d = max(room, key=lambda d: (sizes[d][0] / ks[d], d))
        ks[d] += 1
    return ks


def _pool_idle_depots(
    problem: Problem, by_depot: dict[str, list[int]], orders: dict[str, list[int]]
) -> dict[str, list[int]]:
    """Vehicles per depot with orders: its own, plus those of the depots without orders nearest to it (they start
    and end at their own depot, and serve its orders from there), so every vehicle is in exactly one part."""
    out = {d: list(vs) for d, vs in by_depot.items() if orders.get(d)}
    busy = [d for d in problem.depots if orders.get(d.id)]
    for d in problem.depots:
        if orders.get(d.id) or not by_depot.get(d.id) or not busy:
            continue
        near = min(busy, key=lambda b: haversine_m(b.location, d.location))
        out[near.id].extend(by_depot[d.id])
    return out


def _kinds(problem: Problem, vehicles: list[int]) -> list[Vehicle]:
    """One vehicle per distinct (skills, capacity): what decides whether a depot can take an order at all."""
    seen: dict[tuple[frozenset[str], tuple[tuple[str, int], ...]], Vehicle] = {}
    for vi in vehicles:
        v = problem.vehicles[vi]
        seen.setdefault((v.all_skills, tuple(sorted(v.type.capacity.items()))), v)
    return list(seen.values())


def home_depot(problem: Problem, o: Order, kinds: dict[str, list[Vehicle]]) -> str | None:
    """The depot an order is planned from (see the module's docstring); ``kinds``: each depot's distinct
    vehicles (``_kinds``)."""
    if o.depot_id is not None:
        return o.depot_id if kinds.get(o.depot_id) else None
    able = [
        d
        for d in problem.depots
        if any(eligibility.may_serve(v, o) and eligibility.fits(v, o) for v in kinds.get(d.id, []))
    ]
    candidates = able or [d for d in problem.depots if kinds.get(d.id)]
    if not candidates:
        return None
    return min(candidates, key=lambda d: haversine_m(d.location, o.location)).id


def units(problem: Problem, orders: list[int]) -> list[list[int]]:
    """Orders that must stay in one part: those to one pickup point (one stop once planned), else each alone."""
    groups: dict[str, list[int]] = defaultdict(list)
    out: list[list[int]] = []
    for oi in orders:
        point = problem.orders[oi].pickup_point_id
        if point is None:
            out.append([oi])
        else:
            if point not in groups:
                out.append(groups[point])
            groups[point].append(oi)
    return out


def _polar(centre: LatLng, p: LatLng) -> tuple[float, float]:
    """Angle (radians, east = 0) and straight-line distance of ``p`` seen from ``centre``."""
    dy = (p.lat - centre.lat) * 111_320.0
    dx = (p.lng - centre.lng) * 111_320.0 * math.cos(math.radians(centre.lat))
    return math.atan2(dy, dx), math.hypot(dx, dy)


def sweep(problem: Problem, centre: LatLng, groups: list[list[int]]) -> list[list[int]]:
    """The groups in sweep order around ``centre`` (ties: nearer first), starting after the widest empty angle."""
    keyed = sorted(((_polar(centre, problem.orders[g[0]].location), i) for i, g in enumerate(groups)))
    if len(keyed) < 2:
        return [groups[i] for _, i in keyed]
    angles = [a for (a, _), _ in keyed]
    gaps = [(angles[(j + 1) % len(angles)] - angles[j]) % (2 * math.pi) for j in range(len(angles))]
    start = (max(range(len(gaps)), key=gaps.__getitem__) + 1) % len(keyed)
    return [groups[i] for _, i in keyed[start:] + keyed[:start]]


def cut(groups: list[list[int]], k: int) -> list[list[int]]:
    """``k`` consecutive runs of the groups with about equal numbers of orders (a group is never split)."""
    total = sum(len(g) for g in groups)
    chunks: list[list[int]] = [[] for _ in range(k)]
    done = 0
    for g in groups:
        j = min(k - 1, done * k // total) if total else 0
        chunks[j].extend(g)
        done += len(g)
    return [c for c in chunks if c] or [[]]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _hours(v: Vehicle) -> float:
    """Seconds a vehicle can work: its shift (or its maximum shift), breaks taken off."""
    span = (v.shift_end - v.shift_start).total_seconds()
    if v.max_shift_s is not None:
        span = min(span, v.max_shift_s)
    return max(1.0, span - sum(b.duration_s for b in v.breaks))


def _capacity(v: Vehicle, dim: str) -> float:
    cap = float(v.type.capacity[dim])
    if v.reloads or v.type.range_m is not None:
        cap *= 1 + (v.max_reloads if v.max_reloads is not None else 2)
    return cap


@dataclass(frozen=True, slots=True)
class _Scale:
    """The depot's average vehicle: capacity per dimension and working seconds."""

    capacity: dict[str, float]
    hours: float
    stops: float | None = None  # the mean maximum of stops, when every vehicle has one

    def size(self, v: Vehicle) -> float:
        """A vehicle in average vehicles: its most binding resource."""
        ratios = [_capacity(v, d) / c for d, c in self.capacity.items() if c > 0 and d in v.type.capacity]
        return max(0.05, min([*ratios, _hours(v) / self.hours]))


def _scale(problem: Problem, vehicles: list[int]) -> _Scale:
    vs = [problem.vehicles[vi] for vi in vehicles]
    dims = {d for v in vs for d in v.type.capacity}
    capacity = {d: _mean([_capacity(v, d) for v in vs if d in v.type.capacity]) for d in sorted(dims)}
    limits = [v.max_stops * (1 + (v.max_reloads or 0) if v.reloads else 1) for v in vs if v.max_stops is not None]
    stops = _mean([float(x) for x in limits]) if vs and len(limits) == len(vs) else None
    return _Scale(capacity, _mean([_hours(v) for v in vs]) or 1.0, stops)


def need(problem: Problem, depot: LatLng, orders: list[int], scale: _Scale) -> float:
    """What a part needs, in average vehicles (see the module's docstring); above zero for any order."""
    if not orders:
        return 0.0
    os_ = [problem.orders[oi] for oi in orders]
    by_dim = [sum(o.size.get(d, 0) + o.collect.get(d, 0) for o in os_) / c for d, c in scale.capacity.items() if c > 0]
    lats, lngs = [o.location.lat for o in os_], [o.location.lng for o in os_]
    centre = LatLng(_mean(lats), _mean(lngs))
    width = haversine_m(LatLng(centre.lat, min(lngs)), LatLng(centre.lat, max(lngs)))
    height = haversine_m(LatLng(min(lats), centre.lng), LatLng(max(lats), centre.lng))
    spacing = math.sqrt(max(MIN_AREA_M2, width * height) / len(os_))
    drive = len(os_) * CIRCUITY * spacing / SPEED_MS
    stem = 2 * CIRCUITY * haversine_m(depot, centre) / SPEED_MS
    work = sum(o.service_s for o in os_) + drive
    by_time = work / max(scale.hours - stem, 0.25 * scale.hours)
    by_stops = len(os_) / scale.stops if scale.stops else 0.0
    return max([*by_dim, by_time, by_stops, 1e-6])


def allocate(problem: Problem, depot: LatLng, vehicles: list[int], chunks: list[list[int]]) -> list[list[int]]:
    """The depot's vehicles shared out among its parts, each vehicle in exactly one (module docstring, step 3)."""
    scale = _scale(problem, vehicles)
    needs = [need(problem, depot, c, scale) for c in chunks]
    share: list[list[int]] = [[] for _ in chunks]
    have = [0.0] * len(chunks)
    per_vehicle = sum(len(c) for c in chunks) / max(1, len(vehicles))
    skilled = sorted((vi for vi in vehicles if problem.vehicles[vi].all_skills), key=lambda vi: problem.vehicles[vi].id)
    covered = [0.0] * len(chunks)
    pool = [vi for vi in vehicles if not problem.vehicles[vi].all_skills]
    for vi in skilled:
        v = problem.vehicles[vi]
        wants = [sum(1 for oi in c if _needs_skill(problem.orders[oi], v)) - covered[i] for i, c in enumerate(chunks)]
        best = max(range(len(chunks)), key=lambda i: (wants[i], needs[i]))
        if wants[best] <= 0:
            pool.append(vi)
            continue
        share[best].append(vi)
        covered[best] += per_vehicle
        have[best] += scale.size(v)
    pool.sort(key=lambda vi: (-scale.size(problem.vehicles[vi]), problem.vehicles[vi].id))
    for i in sorted(range(len(chunks)), key=lambda i: -needs[i]):
        if not share[i] and pool:
            vi = pool.pop(0)
            share[i].append(vi)
            have[i] += scale.size(problem.vehicles[vi])
    for vi in pool:
        size = scale.size(problem.vehicles[vi])
        best = max(range(len(chunks)), key=lambda i: needs[i] / (have[i] + size))
        share[best].append(vi)
        have[best] += size
    return share


def _able(problem: Problem, o: Order, vehicles: list[int]) -> bool:
    return any(eligibility.may_serve(problem.vehicles[vi], o) and eligibility.fits(problem.vehicles[vi], o)
               for vi in vehicles)  # fmt: skip


def reseat(problem: Problem, depot: LatLng, chunks: list[list[int]], shares: list[list[int]]) -> list[list[int]]:
    """Move each order whose part has no vehicle that may serve and carry it (a skill held by fewer vehicles than
    parts need it, a size only a large van takes) to the part nearest in angle that has one, with the orders to
    the same pickup point; an order no part can serve stays where it is (its reason is found when planned)."""
    angle = [_mean([_polar(depot, problem.orders[oi].location)[0] for oi in c]) if c else 0.0 for c in chunks]
    out = [list(c) for c in chunks]
    for i, chunk in enumerate(chunks):
        for oi in chunk:
            o = problem.orders[oi]
            if oi not in out[i] or _able(problem, o, shares[i]):
                continue
            able = [j for j in range(len(chunks)) if j != i and _able(problem, o, shares[j])]
            if not able:
                continue
            j = min(able, key=lambda j: abs(math.remainder(angle[j] - angle[i], 2 * math.pi)))
            group = [x for x in out[i] if x == oi or (o.pickup_point_id and problem.orders[x].pickup_point_id
                                                      == o.pickup_point_id)]  # fmt: skip
            out[i] = [x for x in out[i] if x not in group]
            out[j].extend(group)
    return out


def _needs_skill(o: Order, v: Vehicle) -> bool:
    """The order requires a skill, and this vehicle offers all it requires."""
    return bool(o.skills) and o.skills <= v.all_skills
