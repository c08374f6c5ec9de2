"""The documented Python API: doorstep.load / plan / check, as in the README."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import doorstep
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.optimize.progress import Progress
from tests.factories import depot, km, order, vehicle

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_load_plan_check_as_in_the_readme() -> None:
    """The README snippet works: every order routed or unassigned with a reason, and the plan checks clean."""
    loaded = doorstep.load(EXAMPLES / "orders.csv", EXAMPLES / "fleet.json")
    plan = doorstep.plan(loaded.problem, time_limit_s=1, seed=1)
    routed = {oid for r in plan.routes for oid in r.order_ids}
    assert routed | {u.order_id for u in plan.unassigned} == {o.id for o in loaded.problem.orders}
    assert doorstep.check(loaded.problem, plan) == []


def test_orders_and_fleet_built_in_code() -> None:
    """doorstep.plan(orders, fleet) with domain objects imported from the package root."""
    fleet = doorstep.Fleet(depots=(depot(),), vehicles=(vehicle(),))
    orders = [order("A", km(2, 0)), order("B", km(0, 3), windows=((9, 10),))]
    plan = doorstep.plan(orders, fleet, options=SolveOptions(time_limit_s=2, max_iterations=100))
    assert sorted(plan.routes[0].order_ids) == ["ord_A", "ord_B"]
    assert plan.stats.orders_assigned == 2


def test_orders_without_a_fleet_are_refused() -> None:
    """Orders alone cannot be planned: E1117 says a fleet is needed."""
    with pytest.raises(doorstep.DoorstepError) as exc:
        doorstep.plan([order("A", km(1, 0))])
    assert exc.value.code == "E1117"


def test_same_seed_and_iteration_bound_give_the_same_plan() -> None:
    """Determinism: an iteration-bounded search with one seed yields identical routes twice."""
    loaded = doorstep.load(EXAMPLES / "orders.csv", EXAMPLES / "fleet.json")
    opts = SolveOptions(time_limit_s=30, max_iterations=400, seed=3)
    a, b = doorstep.plan(loaded.problem, options=opts), doorstep.plan(loaded.problem, options=opts)
    assert [r.order_ids for r in a.routes] == [r.order_ids for r in b.routes]
    assert a.stats.cost_cents == b.stats.cost_cents


def test_progress_reports_every_phase_in_order() -> None:
    """The progress callback sees matrix, build, solve (with a cost once feasible), finish and done."""
    loaded = doorstep.load(EXAMPLES / "orders.csv", EXAMPLES / "fleet.json")
    seen: list[Progress] = []
    doorstep.plan(loaded.problem, options=SolveOptions(time_limit_s=1), on_progress=seen.append)
    phases = list(dict.fromkeys(p.phase for p in seen))
    assert phases == ["matrix", "build", "solve", "finish", "done"]
    assert any(p.best_cost_cents is not None for p in seen if p.phase == "solve")
    assert all(a.elapsed_s <= b.elapsed_s for a, b in itertools.pairwise(seen))


def test_progress_speaks_the_objective_unit() -> None:
    """Under a duration objective progress carries seconds (unit "s") and never passes them off as cents."""
    loaded = doorstep.load(EXAMPLES / "orders.csv", EXAMPLES / "fleet.json")
    seen: list[Progress] = []
    opts = SolveOptions(time_limit_s=1, objective=Objective.DURATION)
    doorstep.plan(loaded.problem, options=opts, on_progress=seen.append)
    solving = [p for p in seen if p.phase == "solve" and p.best_value is not None]
    assert solving and all(p.unit == "s" and p.best_cost_cents is None for p in solving)
    assert seen[-1].unit == "cents" and seen[-1].best_cost_cents == seen[-1].best_value


def test_no_improvement_stops_before_the_time_limit() -> None:
    """With no_improvement_s the search ends well before a long time limit on a trivial day."""
    fleet = doorstep.Fleet(depots=(depot(),), vehicles=(vehicle(),))
    plan = doorstep.plan(
        [order("A", km(1, 0)), order("B", km(2, 0))],
        fleet,
        options=SolveOptions(time_limit_s=60, no_improvement_s=0.3),
    )
    assert plan.stats.runtime_s < 10
