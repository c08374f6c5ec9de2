"""The checker's view of depots as distribution centres: parcels per day within each depot's capacity, and no
more vans loading at once than it has docks. Counted from the plan's stops on the original problem (what counts
where: ``domain/depots.py``); nothing here is shared with the planner's allotment or dock booking.

The docks count the loadings of routes the problem does not plan as well (``Problem.kept_loadings``: a re-plan's
dispatched and locked routes): new loadings that overlap kept ones beyond the docks are ``DEPOT_DOCKS``. Kept
routes' parcels are not counted here: a re-plan's problem has the depot's capacity lowered by them."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.depots import busy_docks, has_limits, parcels_by_depot, peak
from doorstep.domain.plan import Plan, Violation
from doorstep.domain.problem import Problem

TOLERANCE = timedelta(seconds=1)


def _capacity(problem: Problem, plan: Plan) -> list[Violation]:
    counted = parcels_by_depot(problem, plan.routes)
    out = []
    for d in problem.depots:
        cap, n = d.capacity_parcels_per_day, counted.get(d.id, 0)
        if cap is not None and n > cap:
            msg = f"depot {d.id} handles {n} parcels, more than its capacity of {cap} a day"
            out.append(Violation("DEPOT_CAPACITY", msg, amount=n - cap))
    return out


def _docks(problem: Problem, plan: Plan) -> list[Violation]:
    busy = busy_docks(problem, plan.routes)
    out = []
    for d in problem.depots:
        if d.docks is None or d.id not in busy:
            continue
        most, when = peak(busy[d.id], TOLERANCE)
        if most > d.docks and when is not None:
            at = when.astimezone(ZoneInfo(d.timezone)).strftime("%H:%M:%S")
            msg = f"depot {d.id} has {most} vans loading at once at {at}, more than its {d.docks} dock(s)"
            out.append(Violation("DEPOT_DOCKS", msg, amount=most - d.docks))
    return out


def check_depots(problem: Problem, plan: Plan) -> list[Violation]:
    """Depot capacities and docks kept by the whole plan, with the kept routes' loadings at the docks (nothing to
    check when no depot sets either)."""
    if not has_limits(problem):
        return []
    return _capacity(problem, plan) + _docks(problem, plan)
