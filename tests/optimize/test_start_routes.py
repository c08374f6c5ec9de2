"""Start routes (``Problem.start_routes``, optimize/start_routes.py): a hint the search starts from, never a
constraint."""

from __future__ import annotations

from doorstep.domain import Plan, Problem
from doorstep.domain.problem import StartRoute
from doorstep.optimize.build import build_model, order_clients
from doorstep.optimize.construct import CLIENT
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.model import SolverModel
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.start_routes import hinted_routes
from doorstep.routing import StraightLineProvider
from tests.factories import replace
from tests.optimize.conftest import solve
from tests.optimize.test_construct import _day


def _model(p: Problem) -> SolverModel:
    return build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set(), serve_all=True)


def _hints(plan: Plan) -> tuple[StartRoute, ...]:
    return tuple(StartRoute(r.vehicle_id, tuple(s.order_id for s in r.stops if s.order_id)) for r in plan.routes)


def test_no_start_routes_no_hint() -> None:
    assert hinted_routes(_model(_day(20, vans=3)), _day(20, vans=3)) is None


def test_each_route_on_its_vehicle_type_with_its_orders_in_order_and_unknowns_skipped() -> None:
    """The orders of each route map to their clients in the given order, on the vehicle's type; an unknown order,
    an unknown vehicle, an order named twice and a vehicle named twice are skipped."""
    p = _day(30, vans=4)
    v0, v1 = p.vehicles[0].id, p.vehicles[1].id
    routes = (
        StartRoute(v0, ("ord_O3", "ord_O1", "nope", "ord_O2")),
        StartRoute("veh_unknown", ("ord_O4",)),
        StartRoute(v1, ("ord_O5", "ord_O1", "ord_O6")),  # O1 is already on v0's route
        StartRoute(v0, ("ord_O7",)),  # v0 twice
    )
    p = replace(p, start_routes=routes)
    model = _model(p)
    specs = hinted_routes(model, p)
    clients = order_clients(model)
    type_of = {vi: vti for vti, vt in enumerate(model.vehicle_types) for vi in vt.vehicles}
    assert specs == [
        (type_of[0], [(CLIENT, clients[3][0]), (CLIENT, clients[1][0]), (CLIENT, clients[2][0])]),
        (type_of[1], [(CLIENT, clients[5][0]), (CLIENT, clients[6][0])]),
    ]


def test_a_search_started_from_a_good_plan_keeps_its_quality_in_few_iterations() -> None:
    """With 40 iterations, the search started from a 400-iteration plan's routes ends at most 1 % dearer than
    that plan, where started from its own construction it ends dearer than that: the hint is used. (40: a quarter
    of them go to the first search and the rest to six rounds on re-spotted breaks; with 20, five and two per
    round, the hinted plan ended 1.1 % dearer, against 0.1 % cheaper when the split was three quarters first.)"""
    p = _day(350, vans=20)
    good = solve(p, max_iterations=400, time_limit_s=30.0)
    from_hint = solve(replace(p, start_routes=_hints(good)), max_iterations=40, time_limit_s=30.0)
    cold = solve(p, max_iterations=40, time_limit_s=30.0)
    assert not good.unassigned and not from_hint.unassigned
    assert from_hint.stats.cost_cents <= 1.01 * good.stats.cost_cents, (from_hint.stats, good.stats)
    assert cold.stats.cost_cents > from_hint.stats.cost_cents, (cold.stats, from_hint.stats)
