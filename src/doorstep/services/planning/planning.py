"""The planning use case: validate a problem, pick the travel model, plan, and return the Plan."""

from __future__ import annotations

from doorstep.domain.errors import raise_if_errors
from doorstep.domain.plan import Plan, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.validate import validate_problem
from doorstep.optimize.check import check_plan
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.part_runner import RunnerFactory
from doorstep.optimize.planner import make_plan
from doorstep.optimize.progress import ProgressCallback
from doorstep.routing.defaults import default_provider
from doorstep.routing.provider import TravelTimeProvider


def plan(
    problem: Problem,
    *,
    provider: TravelTimeProvider | None = None,
    options: SolveOptions | None = None,
    on_progress: ProgressCallback | None = None,
    parts: RunnerFactory | None = None,
) -> Plan:
    """Optimized routes for the problem; raises DoorstepError (every problem at once) on bad input. ``parts``
    runs a large day's parts (default: child processes of this one; the platform's Celery workers in the scaled
    shape, ``Platform.part_runner``).

    Warnings from validation (far locations, orders no vehicle can carry) travel with the plan.
    """
    opts = options or SolveOptions()
    opts.validate()
    warnings = raise_if_errors(validate_problem(problem))
    result = make_plan(problem, provider or default_provider(problem), opts, on_progress, parts)
    result.warnings[:0] = warnings
    return result


def check(problem: Problem, plan_: Plan, provider: TravelTimeProvider | None = None) -> list[Violation]:
    """Violations of a plan (possibly edited by hand) against its problem."""
    return check_plan(problem, plan_, provider)
