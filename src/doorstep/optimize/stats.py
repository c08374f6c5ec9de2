"""A plan's statistics, for a plan of one model and for a large day merged from its parts."""

from __future__ import annotations

from doorstep.domain.plan import Plan, PlanStats
from doorstep.domain.problem import Problem
from doorstep.optimize.options import SolveOptions
from doorstep.routing.provider import TravelTimeProvider


def plan_stats(
    problem: Problem,
    plan: Plan,
    objective: int,
    iterations: int,
    options: SolveOptions,
    provider: TravelTimeProvider,
    solver_s: float,
    total_s: float,
) -> PlanStats:
    """A plan's statistics: sums over its routes, with the search's objective and iterations (one model's, or a
    large day's parts together)."""
    return PlanStats(
        cost_cents=sum(r.cost_cents for r in plan.routes),
        distance_m=sum(r.distance_m for r in plan.routes),
        duration_s=sum(r.duration_s for r in plan.routes),
        orders_total=len(problem.orders),
        orders_assigned=len(problem.orders) - len(plan.unassigned),
        vehicles_used=len(plan.routes),
        objective=objective,
        runtime_s=total_s,
        solver_s=solver_s,
        iterations=iterations,
        seed=options.seed,
        time_limit_s=options.time_limit_s,
        provider=provider.name,
        co2_g=sum(r.co2_g for r in plan.routes),
    )
