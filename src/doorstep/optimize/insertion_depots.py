"""Depot limits for an insertion: the checker's depot verdict (``check_depots``) on the whole plan with the new
route in place, against the plan as it stands.

An insertion adds an order's parcels to its vehicle's depot and may move that route's reloads; it is refused when
that makes a depot's limits worse (a ``DEPOT_CAPACITY`` or ``DEPOT_DOCKS`` amount that grows), never because the
plan was already over one (a hand edit may have put it there: that is the dispatcher's call, not the order's).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from doorstep.domain.depots import has_limits
from doorstep.domain.plan import Plan, Route, Violation
from doorstep.domain.problem import Problem
from doorstep.optimize.check_depots import check_depots


def _amounts(found: list[Violation]) -> Counter[str]:
    out: Counter[str] = Counter()
    for v in found:
        out[v.kind] += max(1, v.amount)
    return out


@dataclass(frozen=True, slots=True)
class DepotBaseline:
    """The plan's routes as the insertion sees them (live routes re-timed to now) and its depot violations."""

    problem: Problem
    plan: Plan
    before: Counter[str]
    messages: frozenset[str]  # the violations the plan already has, to name a new one first

    def refusal(self, route: Route) -> Violation | None:
        """The first depot violation that ``route`` (a route of the plan changed, or one opened) makes worse,
        else None."""
        routes = [route if r.vehicle_id == route.vehicle_id else r for r in self.plan.routes]
        if all(r.vehicle_id != route.vehicle_id for r in self.plan.routes):
            routes.append(route)
        found = check_depots(self.problem, replace(self.plan, routes=routes))
        after = _amounts(found)
        worse = [v for v in found if after[v.kind] > self.before[v.kind]]
        return next((v for v in worse if v.message not in self.messages), worse[0] if worse else None)


def depot_baseline(problem: Problem, plan: Plan, live: list[Route]) -> DepotBaseline | None:
    """The baseline to judge insertions by (``live``: routes of the plan as they stand now, replacing the plan's
    own of the same vehicle); None when no depot sets a capacity or docks (nothing to check)."""
    if not has_limits(problem):
        return None
    now = {r.vehicle_id: r for r in live}
    base = replace(plan, routes=[now.get(r.vehicle_id, r) for r in plan.routes])
    found = check_depots(problem, base)
    return DepotBaseline(problem, base, _amounts(found), frozenset(v.message for v in found))
