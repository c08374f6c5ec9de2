"""Shared helpers for optimizer tests: plan quickly and always run the checker."""

from __future__ import annotations

import pytest

from doorstep.domain import Plan, Problem
from doorstep.optimize.options import SolveOptions
from doorstep.services.planning.planning import check, plan


def solve(p: Problem, **opts: object) -> Plan:
    """Plan with a short, iteration-bounded search and assert the independent checker accepts the result."""
    opts.setdefault("time_limit_s", 5.0)
    opts.setdefault("max_iterations", 300)
    result = plan(p, options=SolveOptions(**opts))  # type: ignore[arg-type]
    violations = check(p, result)
    assert violations == [], violations
    return result


def visits(result: Plan) -> dict[str, list[str]]:
    """Vehicle id -> external refs in visit order (each order once)."""
    out: dict[str, list[str]] = {}
    for r in result.routes:
        refs = []
        for s in r.stops:
            if s.external_ref and s.external_ref not in refs:
                refs.append(s.external_ref)
        out[r.vehicle_id] = refs
    return out


def reasons(result: Plan) -> dict[str, str]:
    """External ref -> unassigned reason."""
    return {u.external_ref: u.reason.value for u in result.unassigned}


@pytest.fixture
def solver() -> object:
    """The solve helper as a fixture (for parametrised tests)."""
    return solve
