"""The search's route removal (pyvrp_search._RouteRemoval): every so many perturbations the smallest route of the
solution is emptied and its stops put back by the local search; a removal the local search could not repair is not
used; and on a day whose vans carry a fixed cost the search reaches a smaller fleet sooner than without it."""

from __future__ import annotations

import pytest
from pyvrp import CostEvaluator, ProblemData, RandomNumberGenerator, Solution, SolveParams
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

from doorstep.domain import VehicleType
from doorstep.optimize.build import build_model
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.pyvrp_adapter import solve as adapter_solve
from doorstep.optimize.pyvrp_adapter import to_problem_data
from doorstep.optimize.pyvrp_search import DEPOT, _RouteRemoval, route_specs
from doorstep.routing import StraightLineProvider
from tests.factories import km, order, problem, vehicle

PAID_VAN = VehicleType(
    id="vty_paid", name="Van", capacity={"parcels": 100}, cost_per_km_cents=30, cost_per_hour_cents=2000,
    fixed_cost_cents=5000,
)  # fmt: skip


def _data(n: int = 24, vans: int = 6) -> ProblemData:
    orders = [order(f"O{i}", km((i % 6) * 1.5, (i // 6) * 1.5), windows=((8 + i % 4, 11 + i % 4),)) for i in range(n)]
    p = problem(orders, [vehicle(f"veh_{i}", vtype=PAID_VAN) for i in range(vans)])
    model = build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set(), serve_all=True)
    return to_problem_data(model)


def _stops(specs: list[tuple[int, list[tuple[int, int]]]]) -> list[int]:
    return [sum(t != DEPOT for t, _ in acts) for _, acts in specs]


class _Recording:
    """A stand-in local search: records what it is given and hands it back unchanged."""

    def __init__(self) -> None:
        self.given: list[tuple[list[int], bool]] = []

    def __call__(self, solution: Solution, cost_evaluator: CostEvaluator, exhaustive: bool = False) -> Solution:
        self.given.append((_stops(route_specs(solution)), exhaustive))
        return solution


def test_every_so_many_perturbations_the_smallest_route_is_removed_and_an_unrepaired_removal_is_not_used() -> None:
    data = _data()
    rng = RandomNumberGenerator(seed=1)
    ls = LocalSearch(data, rng, compute_neighbours(data), PerturbationManager())
    complete = ls(Solution.make_random(data, rng), CostEvaluator([1], 1, 0), exhaustive=True)
    assert complete.is_complete() and complete.num_routes() >= 2
    sizes = _stops(route_specs(complete))
    rec = _Recording()
    removal = _RouteRemoval(rec, data, every=3)  # type: ignore[arg-type]
    ce = CostEvaluator([1], 1, 0)
    for _ in range(6):
        assert removal(complete, ce) is complete  # the stand-in cannot repair: the plain perturbation is used
    removal(complete, ce, exhaustive=True)
    # calls 3 and 6 first got the solution without its smallest route, then (unrepaired) the solution itself
    without = sorted(sizes)[1:]
    assert [sorted(s) for s, _ in rec.given] == [
        sorted(sizes), sorted(sizes), without, sorted(sizes), sorted(sizes), sorted(sizes), without, sorted(sizes),
        sorted(sizes),
    ]  # fmt: skip
    assert [e for _, e in rec.given] == [False] * 8 + [True]
    assert (removal.removals, removal.kept) == (2, 0)


def test_a_removal_the_local_search_repairs_is_kept_complete() -> None:
    data = _data(n=60, vans=12)
    rng = RandomNumberGenerator(seed=2)
    ls = LocalSearch(data, rng, compute_neighbours(data), PerturbationManager())
    for op in SolveParams().operators:
        if op.supports(data):
            ls.add_operator(op(data))
    ce = CostEvaluator([10**6], 10**6, 0)  # lateness and overload dear: the vans' windows need several routes
    start = ls(Solution.make_random(data, rng), ce, exhaustive=True)
    assert start.num_routes() >= 2
    removal = _RouteRemoval(ls, data, every=1)
    out = removal(start, ce)
    assert (removal.removals, removal.kept) == (1, 1)
    assert out.is_complete() and out.num_clients() == data.num_clients


@pytest.mark.parametrize(("fixed_cents", "removes"), [(5000, True), (0, False)], ids=["paid-vans", "distance-only"])
def test_only_a_search_whose_vans_cost_something_to_send_out_removes_routes(
    fixed_cents: int, removes: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a fixed cost per van the search removes routes (every 40th perturbation: 3 of 120 iterations here); an
    objective of travel alone (no fixed cost, no breaks: Solomon's kind) keeps PyVRP's own search. 30 one-parcel
    orders, vans of 12 parcels: at least three routes to remove from."""
    seen: list[int] = []
    plain = _RouteRemoval.__call__

    def counting(self: _RouteRemoval, solution: Solution, ce: CostEvaluator, exhaustive: bool = False) -> Solution:
        out = plain(self, solution, ce, exhaustive)
        seen.append(self.removals)
        return out

    monkeypatch.setattr(_RouteRemoval, "__call__", counting)
    vtype = VehicleType(id="vty_x", name="Van", capacity={"parcels": 12}, cost_per_km_cents=30,
                        cost_per_hour_cents=2000, fixed_cost_cents=fixed_cents)  # fmt: skip
    orders = [order(f"O{i}", km((i % 6) * 1.5, (i // 6) * 1.5), windows=((8 + i % 4, 11 + i % 4),)) for i in range(30)]
    p = problem(orders, [vehicle(f"veh_{i}", vtype=vtype) for i in range(6)])
    data = to_problem_data(
        build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set(), serve_all=True)
    )
    outcome = adapter_solve(data, time_limit_s=30, seed=1, max_iterations=120)
    assert outcome.feasible
    if removes:
        assert seen and max(seen) == 3
    else:
        assert seen == []
