"""Solve an Instance through Doorstep's own path: domain Problem -> services.planning.plan -> check_plan.

The optimizer sees the benchmark's integer matrix through ``ExplicitMatrixProvider`` (durations = distances),
with the distance objective. Imports of the planner are local so the baselines run before it exists.
"""

from __future__ import annotations

import time

from baselines import SolveResult
from doorstep.domain import Plan, Problem
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.routing import ExplicitMatrixProvider
from instances import Instance, node_of, to_problem


def plan_routes(plan: Plan) -> list[list[int]]:
    """Customer-node sequences of a plan's routes (order ids are ``ord_<node>``)."""
    return [[node_of(oid) for oid in route.order_ids] for route in plan.routes if route.order_ids]


def _stats(plan: Plan, violations: int, build_s: float) -> dict[str, float | int | str]:
    s = plan.stats
    return {
        "solver_cost": s.distance_m,
        "unassigned": len(plan.unassigned),
        "checker_violations": violations,
        "plan_runtime_s": round(s.runtime_s, 3),
        "plan_solver_s": round(s.solver_s, 3),
        "iterations": s.iterations,
        "build_problem_s": round(build_s, 3),
    }


def solve_problem(problem: Problem, time_limit: float, seed: int) -> tuple[Plan, int, float]:
    """Plan and check; returns the plan, the checker's violation count, and the wall time of ``plan``."""
    from doorstep.optimize.check import check_plan
    from doorstep.services.planning.planning import plan

    assert problem.matrices is not None
    provider = ExplicitMatrixProvider(problem.matrices)
    options = SolveOptions(time_limit_s=time_limit, seed=seed, objective=Objective.DISTANCE)
    t0 = time.perf_counter()
    result = plan(problem, provider=provider, options=options)
    runtime = time.perf_counter() - t0
    violations = check_plan(problem, result, provider)
    return result, len(violations), runtime


def solve_doorstep(inst: Instance, time_limit: float, seed: int) -> SolveResult:
    """Doorstep's planner at ``time_limit`` and ``seed``; runtime is the wall time of ``plan`` only."""
    t0 = time.perf_counter()
    problem = to_problem(inst)
    build_s = time.perf_counter() - t0
    result, violations, runtime = solve_problem(problem, time_limit, seed)
    notes: list[str] = []
    if result.unassigned:
        reasons = sorted({u.reason.value for u in result.unassigned})
        notes.append(f"{len(result.unassigned)} order(s) unassigned: {', '.join(reasons)}")
    if violations:
        notes.append(f"check_plan found {violations} violation(s)")
    return SolveResult("doorstep", plan_routes(result), runtime, notes=notes, extra=_stats(result, violations, build_s))
