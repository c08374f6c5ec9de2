"""The sweep construction: vehicle-sized clusters that keep capacity and skills, each order at most once."""

from __future__ import annotations

import random

from doorstep.domain import Problem, StopType
from doorstep.optimize.build import build_model
from doorstep.optimize.construct import CLIENT, MIN_CLIENTS, sweep_routes
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.model import SolverModel, Visit
from doorstep.optimize.options import SolveOptions
from doorstep.routing import StraightLineProvider
from tests.factories import VAN, Break, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import solve

FRIDGE = replace(VAN, id="vty_fridge", name="Fridge", skills=frozenset({"cold"}))
LUNCH = Break(t(11, 30), t(13, 30), 1800)


def _day(n: int, vans: int = 20, seed: int = 3) -> Problem:
    """``n`` orders around the depot (2-6 parcels, one in ten needing the cold skill, half with a 3-hour window)
    for ``vans`` vans of 100 parcels with a lunch break, a quarter of them refrigerated."""
    rnd = random.Random(seed)
    orders = []
    for i in range(n):
        start = rnd.choice([8, 10, 12, 14])
        orders.append(
            order(
                f"O{i}",
                km(rnd.uniform(-8, 8), rnd.uniform(-8, 8)),
                windows=((start, start + 3),) if i % 2 else (),
                size={"parcels": rnd.randint(2, 6)},
                skills=frozenset({"cold"}) if i % 10 == 0 else frozenset(),
            )
        )
    fleet = [vehicle(f"veh_{k}", vtype=FRIDGE if k % 4 == 0 else VAN, breaks=(LUNCH,)) for k in range(vans)]
    return problem(orders, fleet)


def _model(p: Problem) -> SolverModel:
    return build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set(), serve_all=True)


def test_small_days_keep_the_search_own_start() -> None:
    """Below MIN_CLIENTS orders there is no construction: the search's own start is as good there."""
    assert sweep_routes(_model(_day(MIN_CLIENTS - 1))) is None


def test_a_model_with_nothing_optional_keeps_pyvrp_start() -> None:
    """Without breaks or prizes (every client required) PyVRP's own start is kept: no construction."""
    p = _day(400)
    p = replace(p, vehicles=tuple(replace(v, breaks=()) for v in p.vehicles))
    assert sweep_routes(_model(p)) is None


def test_clusters_keep_capacity_skills_and_take_each_order_once() -> None:
    """Every route of the sweep carries at most its vehicle's parcels, visits only clients its profile allows
    (cold orders on refrigerated vans), holds orders only (no breaks, no shipments) and no order twice."""
    p = _day(400)
    model = _model(p)
    specs = sweep_routes(model)
    assert specs is not None
    seen: list[int] = []
    parcels = model.dims.index("parcels")
    for vti, acts in specs:
        vt = model.vehicle_types[vti]
        clients = [model.clients[ci] for kind, ci in acts]
        assert all(kind == CLIENT for kind, _ in acts)
        assert all(c.kind is Visit.ORDER for c in clients)
        assert sum(c.delivery[parcels] for c in clients) <= vt.capacity[parcels]
        fridge = all(p.vehicles[v].type.id == "vty_fridge" for v in vt.vehicles)
        cold = [c for c in clients if p.orders[c.order].skills]
        assert fridge or not cold
        seen.extend(c.order for c in clients)
    assert len(seen) == len(set(seen))
    assert len(seen) >= 0.9 * len(p.orders)  # the fleet has room: the sweep places nearly every order


def test_vehicles_are_not_used_more_often_than_there_are() -> None:
    """The sweep never builds more routes for a vehicle type than it has vehicles."""
    model = _model(_day(400, vans=10))
    specs = sweep_routes(model)
    assert specs is not None
    for vti, vt in enumerate(model.vehicle_types):
        assert sum(1 for k, _ in specs if k == vti) <= len(vt.vehicles)


def test_a_large_day_with_lunch_breaks_is_planned_in_full_from_the_sweep() -> None:
    """400 orders, 20 vans with a lunch break each: the plan from the sweep start serves every order, each
    route takes its break once, and the checker accepts it."""
    result = solve(_day(400), max_iterations=200, time_limit_s=30.0)
    assert result.unassigned == []
    assert all(sum(1 for s in r.stops if s.type is StopType.BREAK) == 1 for r in result.routes)
