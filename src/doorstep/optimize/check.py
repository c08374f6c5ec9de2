"""The independent plan checker: re-verifies any plan (solver output or hand-edited) against its problem.

It recomputes travel, times, loads and limits from the problem and the stop sequence only; it shares no
scheduling code with the planner, so a planner bug cannot hide itself. Travel is each vehicle's own: its speed
profile around the access zones its type is barred from (a plan timed on unrestricted matrices shows as
``SCHEDULE``), and where the model draws roads, a leg through such a zone is ``ZONE_TRANSIT`` (check_transit.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import OrderKind
from doorstep.domain.plan import Plan, Route, StopType, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.releases import with_transfers
from doorstep.optimize.check_depots import check_depots
from doorstep.optimize.check_route import RouteChecker, Travel
from doorstep.optimize.check_transit import zone_transits
from doorstep.optimize.travel_keys import travel_key, vehicle_avoid
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import NO_AVOID, TravelTimeProvider, ask_matrix


def _travel(
    provider: TravelTimeProvider, points: Sequence[LatLng], profile: SpeedProfile, avoid: frozenset[str] = NO_AVOID
) -> Travel:
    index = {p: i for i, p in enumerate(dict.fromkeys(points))}
    m = ask_matrix(provider, list(index), profile, avoid=avoid)

    def lookup(a: LatLng, b: LatLng) -> tuple[int, int]:
        i, j = index[a], index[b]
        return int(m.durations[i, j]), int(m.distances[i, j])

    return lookup


def _coverage(problem: Problem, plan: Plan) -> list[Violation]:
    """Every order exactly once: on one route (paired: pickup then delivery on the same route) or unassigned."""
    out: list[Violation] = []
    seen: dict[str, list[tuple[str, int, StopType]]] = defaultdict(list)
    for r in plan.routes:
        for pos, s in enumerate(r.stops):
            if s.order_id is not None:
                seen[s.order_id].append((r.id, pos, s.type))
    unassigned = Counter(u.order_id for u in plan.unassigned)
    known = {o.id for o in problem.orders}
    for oid in set(seen) | set(unassigned):
        if oid not in known:
            out.append(Violation("UNKNOWN", f"{oid} is not an order of this problem", order_id=oid))
    for o in problem.orders:
        visits = seen.get(o.id, [])
        expected = 2 if o.kind is OrderKind.PAIRED else 1
        if visits and unassigned[o.id]:
            out.append(Violation("DUPLICATE", f"{o.id} is both routed and unassigned", order_id=o.id))
        elif unassigned[o.id] > 1 or len(visits) > expected:
            out.append(Violation("DUPLICATE", f"{o.id} is planned more than once", order_id=o.id))
        elif not visits and not unassigned[o.id]:
            out.append(Violation("MISSING", f"{o.id} is neither routed nor listed as unassigned", order_id=o.id))
        elif o.kind is OrderKind.PAIRED and visits:
            out.extend(_pairing(o.id, visits))
    return out


def _pairing(oid: str, visits: list[tuple[str, int, StopType]]) -> list[Violation]:
    kinds = {t: (rid, pos) for rid, pos, t in visits}
    pick, drop = kinds.get(StopType.PAIRED_PICKUP), kinds.get(StopType.PAIRED_DELIVERY)
    if pick is None or drop is None or len(visits) != 2:
        return [Violation("PAIRING", f"{oid} needs one pickup and one delivery", order_id=oid)]
    if pick[0] != drop[0] or pick[1] > drop[1]:
        return [Violation("PAIRING", f"{oid} must be picked up before delivery on the same route", pick[0], oid)]
    return []


def check_plan(problem: Problem, plan: Plan, provider: TravelTimeProvider | None = None) -> list[Violation]:
    """Every violation of the plan against the problem; an empty list means the plan is feasible. Inbound
    transfers release their orders first (domain/transfers.py); depots' capacities and docks are checked over the
    whole plan (check_depots.py). Travel comes from the provider for the places of a few routes at a time
    (``_batches``)."""
    provider = provider or default_provider(problem)
    problem = with_transfers(problem)
    out = _coverage(problem, plan) + check_depots(problem, plan)
    vehicles = {v.id: v for v in problem.vehicles}
    by_key: dict[str, list[Route]] = defaultdict(list)
    for rid, n in Counter(r.vehicle_id for r in plan.routes).items():
        if n > 1:
            out.append(Violation("DUPLICATE", f"vehicle {rid} drives {n} routes", None))
    for r in plan.routes:
        if r.vehicle_id not in vehicles:
            out.append(Violation("UNKNOWN", f"{r.id}: unknown vehicle {r.vehicle_id}", r.id))
            continue
        by_key[travel_key(problem, vehicles[r.vehicle_id])].append(r)
    for routes in by_key.values():
        v = vehicles[routes[0].vehicle_id]
        for batch in _batches(routes):
            points = [s.location for r in batch for s in r.stops]
            travel = _travel(provider, points, v.type.profile, vehicle_avoid(problem, v))
            for r in batch:
                out.extend(RouteChecker(problem, r, vehicles[r.vehicle_id], travel).run())
                out.extend(zone_transits(problem, r, vehicles[r.vehicle_id], provider))
    return out


CHECK_BATCH_POINTS = 2_500  # places per travel matrix: a plan with more is checked a few routes at a time


def _batches(routes: list[Route]) -> list[list[Route]]:
    """Routes in consecutive groups whose stops hold at most ``CHECK_BATCH_POINTS`` places (a route with more
    alone), so the checker never asks for a matrix over a whole large day (10,000 stops: 1.6 GB); a plan with
    fewer places is one group, checked on one matrix as before."""
    out: list[list[Route]] = []
    seen: set[LatLng] = set()
    for r in routes:
        places = {s.location for s in r.stops}
        if out and len(seen | places) <= CHECK_BATCH_POINTS:
            out[-1].append(r)
            seen |= places
        else:
            out.append([r])
            seen = set(places)
    return out


def check_route(
    problem: Problem, route: Route, provider: TravelTimeProvider | None = None, *, transit: bool = False
) -> list[Violation]:
    """Violations of one route on its own (no coverage checks): what repairs and manual edits re-verify. The roads
    of its legs (``ZONE_TRANSIT``) only with ``transit``: a road route per call is too slow for the insertion and
    repair loops, which re-check candidate routes many times."""
    provider = provider or default_provider(problem)
    problem = with_transfers(problem)
    vehicle = next((v for v in problem.vehicles if v.id == route.vehicle_id), None)
    if vehicle is None:
        return [Violation("UNKNOWN", f"{route.id}: unknown vehicle {route.vehicle_id}", route.id)]
    travel = _travel(provider, [s.location for s in route.stops], vehicle.type.profile, vehicle_avoid(problem, vehicle))
    out = RouteChecker(problem, route, vehicle, travel).run()
    return out + (zone_transits(problem, route, vehicle, provider) if transit else [])
