"""The boundary pass of a large day (``decompose.py``): new parts that straddle the old boundaries, each planned
again from the routes it holds, so that routes on both sides of a boundary can trade stops and a half-empty route
at the edge of a part can be absorbed by its neighbour's. Pure: no provider, no processes.

Per depot with at least two parts, the routes of each part are ordered by where their orders lie in the depot's
sweep (the order the split cut in); the routes holding the first and the last ``edge`` of its orders are its two
edges. The boundary part between parts ``j`` and ``j + 1`` holds ``j``'s last edge and ``j + 1``'s first, their
vehicles, the vehicles those two parts left unused and the orders they left out. The rest — the middles, the
first edge of a depot's first part, the last edge of its last part, every route of a depot with one part — is
kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from statistics import median

from doorstep.domain.plan import Plan, Route
from doorstep.domain.problem import Problem
from doorstep.optimize.split import PartSpec, Split, sweep, units
from doorstep.optimize.start_routes import start_routes_of


@dataclass(frozen=True, slots=True)
class Boundary:
    """One boundary part: its problem (with start routes), and the routes it started from (the fallback when
    it fails)."""

    problem: Problem
    routes: list[Route]


@dataclass(frozen=True, slots=True)
class Recut:
    """The boundary parts and the routes kept as they are."""

    parts: list[Boundary]
    kept: list[Route]


def recut(problem: Problem, split: Split, plans: dict[int, Plan], name: str, edge: float = 0.5) -> Recut:
    """The boundary parts of a day whose parts (1-based numbers, in ``split.parts`` order) were planned into
    ``plans``; see the module's docstring. ``edge``: the share of a part's orders (by its routes) that goes to
    each of its boundaries. A part without a plan makes its depot keep its routes."""
    order_at = {o.id: oi for oi, o in enumerate(problem.orders)}
    vehicle_at = {v.id: vi for vi, v in enumerate(problem.vehicles)}
    by_depot: dict[str, list[int]] = {}
    for i, spec in enumerate(split.parts, start=1):
        by_depot.setdefault(spec.depot_id, []).append(i)
    parts: list[Boundary] = []
    kept: list[Route] = []
    for depot_id, numbers in by_depot.items():
        routes = [r for i in numbers if i in plans for r in plans[i].routes]
        if len(numbers) < 2 or any(i not in plans for i in numbers):
            kept.extend(routes)
            continue
        rank = _ranks(problem, depot_id, [split.parts[i - 1] for i in numbers])
        sides = [_edges(plans[i].routes, rank, order_at, edge) for i in numbers]
        kept.extend(sides[0][0])
        kept.extend(r for side in sides for r in side[1])
        kept.extend(sides[-1][2])
        for j in range(len(numbers) - 1):
            a, b = numbers[j], numbers[j + 1]
            held = sides[j][2] + sides[j + 1][0]
            spare = _unused(split.parts[a - 1], plans[a], vehicle_at) if j == 0 else []
            spare += _unused(split.parts[b - 1], plans[b], vehicle_at)
            left = [u.order_id for i in (a, b) for u in plans[i].unassigned if u.order_id in order_at]
            parts.append(Boundary(_problem(problem, held, spare, left, order_at, vehicle_at, name), held))
    for k, part in enumerate(parts, start=1):
        parts[k - 1] = replace(part, problem=replace(part.problem, name=f"{name} boundary {k}/{len(parts)}"))
    return Recut(parts, kept)


def _ranks(problem: Problem, depot_id: str, specs: list[PartSpec]) -> dict[int, int]:
    """Each order of the depot's parts: its place in the depot's sweep (the order the split cut it in)."""
    depot = next(d for d in problem.depots if d.id == depot_id)
    orders = [oi for s in specs for oi in s.orders]
    return {oi: r for r, group in enumerate(sweep(problem, depot.location, units(problem, orders))) for oi in group}


def _edges(
    routes: list[Route], rank: dict[int, int], order_at: dict[str, int], edge: float
) -> tuple[list[Route], list[Route], list[Route]]:
    """A part's routes in sweep order (the median place of their orders): those holding the first ``edge`` of its
    orders, the middle, and those holding the last ``edge`` (with ``edge`` 0.5 the middle is empty)."""

    def place(r: Route) -> float:
        ranks = [rank[order_at[o]] for o in r.order_ids if o in order_at and order_at[o] in rank]
        return median(ranks) if ranks else 0.0

    ordered = sorted(routes, key=place)
    total = sum(len(r.order_ids) for r in ordered)

    def take(seq: list[Route]) -> int:
        seen = n = 0
        for r in seq:
            if seen + len(r.order_ids) / 2 > edge * total:
                break
            seen += len(r.order_ids)
            n += 1
        return n

    head = take(ordered)
    tail = min(len(ordered) - head, take(ordered[::-1]))
    return ordered[:head], ordered[head : len(ordered) - tail], ordered[len(ordered) - tail :]


def _unused(spec: PartSpec, plan: Plan, vehicle_at: dict[str, int]) -> list[int]:
    """The part's vehicles without a route."""
    used = {vehicle_at[r.vehicle_id] for r in plan.routes if r.vehicle_id in vehicle_at}
    return [vi for vi in spec.vehicles if vi not in used]


def _problem(
    problem: Problem,
    held: list[Route],
    spare: list[int],
    left: list[str],
    order_at: dict[str, int],
    vehicle_at: dict[str, int],
    name: str,
) -> Problem:
    """A boundary part as a full problem: its routes' orders and vehicles, the spare vehicles and the orders left
    out, every depot, driver and zone of the day, starting from its routes."""
    ids = [s.order_id for r in held for s in r.stops if s.order_id is not None] + left
    orders = sorted({order_at[o] for o in ids if o in order_at})
    vehicles = sorted({vehicle_at[r.vehicle_id] for r in held} | set(spare))
    starts = start_routes_of(held)
    return replace(
        problem,
        orders=tuple(problem.orders[oi] for oi in orders),
        vehicles=tuple(problem.vehicles[vi] for vi in vehicles),
        matrices=None,
        name=name,
        start_routes=starts,
    )


__all__ = ["Boundary", "Recut", "recut"]
