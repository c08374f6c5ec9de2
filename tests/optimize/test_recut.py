"""The boundary pass of a large day (optimize/recut.py, decompose.py): parts that straddle the old boundaries,
planned again from the routes they hold."""

from __future__ import annotations

from collections import Counter

import pytest

import doorstep.optimize.decompose as decompose
from doorstep.domain import Plan
from doorstep.optimize.check import check_plan
from doorstep.optimize.decompose import part_problem
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.planner import make_plan, plan_whole
from doorstep.optimize.progress import Progress
from doorstep.optimize.recut import recut
from doorstep.optimize.split import split_day
from doorstep.routing import StraightLineProvider
from tests.optimize.test_decompose import SPLIT, _served, two_depot_day


def _planned() -> tuple[object, object, dict[int, Plan]]:
    p = two_depot_day()
    split = split_day(p, 150, 1)
    opts = SolveOptions(time_limit_s=10, max_iterations=40)
    plans = {
        i: plan_whole(part_problem(p, spec, f"part {i}"), StraightLineProvider(), opts)
        for i, spec in enumerate(split.parts, start=1)
    }
    return p, split, plans


@pytest.mark.parametrize("edge", [0.5, 0.25])
def test_boundary_parts_hold_the_edges_of_two_neighbours_and_everything_else_is_kept(edge: float) -> None:
    """Two depots with two parts each: one boundary part per depot. Every served order is in exactly one place
    (a kept route or one boundary part), every vehicle too, each boundary part starts from the routes it holds,
    and with a quarter at each edge the middles of the parts are kept."""
    p, split, plans = _planned()
    cut = recut(p, split, plans, "day", edge)  # type: ignore[arg-type]
    assert len(cut.parts) == 2
    held = Counter(o.id for b in cut.parts for o in b.problem.orders)
    kept = Counter(s.order_id for r in cut.kept for s in r.stops if s.order_id)
    served = {s.order_id for pl in plans.values() for r in pl.routes for s in r.stops if s.order_id}
    assert set(held) | set(kept) >= served and not set(held) & set(kept)
    assert all(n == 1 for n in held.values())
    vehicles = Counter(v.id for b in cut.parts for v in b.problem.vehicles)
    vehicles.update(r.vehicle_id for r in cut.kept)
    assert all(n == 1 for n in vehicles.values())
    for b in cut.parts:
        assert [(s.vehicle_id, s.order_ids) for s in b.problem.start_routes] == [
            (r.vehicle_id, tuple(r.order_ids)) for r in b.routes
        ]
        depots = {v.start_depot_id for v in b.problem.vehicles}
        assert len(depots) == 1  # a boundary part never mixes depots
    share = sum(len(b.problem.orders) for b in cut.parts) / len(served)
    assert (0.3 <= share <= 0.7) if edge == 0.5 else (0.1 <= share <= 0.4), share


def test_a_day_with_a_boundary_pass_is_checker_clean_and_serves_every_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """600 orders in 4 parts with the boundary pass on (off by default; its least share lowered for a short test):
    every order served, the checker finds nothing, and the day reports the pass."""
    monkeypatch.setattr(decompose, "BOUNDARY_SHARE", 0.15)  # off by default (docs/modelling.md, "Boundary pass")
    monkeypatch.setattr(decompose, "BOUNDARY_MIN_S", 0.5)
    p = two_depot_day()
    provider = StraightLineProvider()
    reports: list[Progress] = []
    plan = make_plan(p, provider, SolveOptions(time_limit_s=8, **SPLIT), reports.append)  # type: ignore[arg-type]
    assert any(r.part == 0 and r.phase == "boundary" for r in reports)
    assert any(w.code == "W1746" and "2 part(s) straddling the part boundaries" in w.message for w in plan.warnings)
    assert check_plan(p, plan, provider) == []
    assert plan.unassigned == [] and _served(plan) == {o.id for o in p.orders}
    assert len({r.vehicle_id for r in plan.routes}) == len(plan.routes)
    assert plan.stats.runtime_s <= 8.5
