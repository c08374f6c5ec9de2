"""The last guard before a plan is handed out: every route is re-verified by the independent checker, and an
order whose route cannot keep its promises is taken off it (re-timed, reported) rather than shipped late.

The solver models breaks approximately (see docs/modelling.md), so exact timing can, rarely, find a route
late; an order released after a vehicle's break window is the typical case. Nothing is dropped silently:
each removed order becomes unassigned with the violation that forced it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.orders import Priority
from doorstep.domain.plan import Route, Unassigned, UnassignedReason, Violation
from doorstep.domain.problem import Problem
from doorstep.optimize.check import check_route
from doorstep.optimize.model import SolverModel
from doorstep.optimize.reasons import ACTIONS
from doorstep.optimize.result import make_route, order_of
from doorstep.optimize.schedule import Element, place_breaks
from doorstep.routing.provider import TravelTimeProvider

# a violation that names its own reason (an electric van's trip beyond range, a stop in an access zone)
_REASONS = {"RANGE": UnassignedReason.RANGE, "ACCESS_ZONE": UnassignedReason.ACCESS_ZONE}
REMOVAL_TRIES = 8  # removals tried for one that makes the route clean, before taking the first candidate
_RANK = {Priority.OPTIONAL: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.MUST_SERVE: 3}


@dataclass(slots=True)
class BuiltRoute:
    """A route with what it was built from, so it can be re-timed after a change."""

    vehicle_type: int
    vehicle: int
    seq: list[Element]
    route: Route


def _without(model: SolverModel, built: BuiltRoute, oi: int, breaks: bool = True) -> list[Element]:
    seq = [el for el in built.seq if order_of(model, el) != oi]
    return place_breaks(model, built.vehicle_type, seq) if breaks else seq


def _candidates(
    model: SolverModel, problem: Problem, built: BuiltRoute, bad: list[Violation], index: dict[str, int]
) -> list[int]:
    """Orders to try removing: those named by a violation first, then the least important, latest first."""
    named = [index[v.order_id] for v in bad if v.order_id is not None and v.order_id in index]
    on_route = list(dict.fromkeys(oi for el in built.seq if (oi := order_of(model, el)) is not None))
    ranked = sorted(enumerate(on_route), key=lambda p: (_RANK[problem.orders[p[1]].priority], -p[0]))
    rest = [oi for _, oi in ranked]
    return list(dict.fromkeys([*named, *rest]))


def _repair_one(
    model: SolverModel, problem: Problem, provider: TravelTimeProvider, built: BuiltRoute
) -> list[tuple[int, Violation]]:
    """Remove orders from one route until it checks clean; returns (order, violation that forced it out)."""
    removed: list[tuple[int, Violation]] = []
    index = {o.id: i for i, o in enumerate(problem.orders)}
    bad = check_route(problem, built.route, provider)
    while bad:
        cands = _candidates(model, problem, built, bad, index)
        if not cands:
            break
        choice = cands[0]
        # With one or two violations, prefer a single removal that makes the route clean; with many (an
        # overloaded route from a search stopped before it found a feasible plan) take the named order at once.
        few = len(bad) <= 2
        for oi in cands[:REMOVAL_TRIES] if few else ():
            seq = _without(model, built, oi)
            route = make_route(model, problem, built.vehicle_type, built.vehicle, seq)[0]
            if not check_route(problem, route, provider):
                choice = oi
                break
        built.seq = _without(model, built, choice, breaks=few)  # breaks are re-placed once the route is close
        built.route = make_route(model, problem, built.vehicle_type, built.vehicle, built.seq)[0]
        removed.append((choice, bad[0]))
        bad = check_route(problem, built.route, provider)
    return removed


def repair(
    model: SolverModel, problem: Problem, provider: TravelTimeProvider, routes: list[BuiltRoute]
) -> tuple[list[Route], list[Unassigned]]:
    """Checked routes (those left with no order dropped) and the orders taken off, each with its reason."""
    out: list[Route] = []
    dropped: list[Unassigned] = []
    for built in routes:
        for oi, why in _repair_one(model, problem, provider, built):
            o = problem.orders[oi]
            msg = (
                f"{o.external_ref or o.id}: taken off {built.route.vehicle_name} after exact timing "
                f"({why.kind}: {why.message})"
            )
            reason = _REASONS.get(why.kind, UnassignedReason.FLEET_FULL)
            dropped.append(Unassigned(o.id, o.external_ref, reason, msg, ACTIONS[reason]))
        if built.route.order_ids:
            out.append(built.route)
    return out, dropped
