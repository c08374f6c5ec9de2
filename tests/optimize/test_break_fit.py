"""The first search without the breaks, then the breaks fitted into its routes (optimize/break_fit.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from doorstep.domain import Problem, StopType
from doorstep.optimize import planner
from doorstep.optimize.break_fit import breakless, fitted
from doorstep.optimize.build import build_model
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.model import SolverModel, Visit
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.pyvrp_adapter import SolvedActivity, SolvedRoute, solve, specs_of, to_problem_data
from doorstep.optimize.scaling import UNBOUNDED
from doorstep.optimize.schedule import time_route
from doorstep.routing import StraightLineProvider
from tests.factories import Break, km, order, problem, t, vehicle
from tests.optimize.conftest import solve as plan_checked

LUNCH = Break(t(12), t(13, 30), 1800)


def _day(windows: tuple[tuple[int, int], ...] = ()) -> Problem:
    vans = [vehicle(f"veh_{k}", breaks=(LUNCH,)) for k in range(3)] + [vehicle("veh_free", end=14)]
    orders = [order(f"O{i}", km((i % 6) * 2.0, (i // 6) * 2.0), windows=windows, service_s=600) for i in range(24)]
    return problem(orders, vans)


def _model(p: Problem) -> SolverModel:
    return build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set())


def _breaks(model: SolverModel, route: SolvedRoute) -> list[int]:
    return [a.idx for a in route.activities if a.kind == "client" and model.clients[a.idx].kind is Visit.BREAK]


def _recorded(monkeypatch: pytest.MonkeyPatch) -> list[SolverModel]:
    """The models the planner's searches run on, in order (``planner._solve`` wrapped to record them)."""
    seen: list[SolverModel] = []
    real = planner._solve

    def recording(model: SolverModel, *args: object, **kw: object) -> object:
        seen.append(model)
        return real(model, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(planner, "_solve", recording)
    return seen


def test_the_breakless_model_has_the_same_clients_breaks_worth_nothing_and_shifts_shorter_by_the_break() -> None:
    model = _model(_day())
    loose = breakless(model)
    assert [(c.kind, c.loc, c.service) for c in loose.clients] == [(c.kind, c.loc, c.service) for c in model.clients]
    assert all(c.prize == 0 for c in loose.clients if c.kind is Visit.BREAK)
    assert [c.prize for c in loose.clients if c.kind is Visit.ORDER] == [
        c.prize for c in model.clients if c.kind is Visit.ORDER
    ]
    for before, after in zip(model.vehicle_types, loose.vehicle_types, strict=True):
        holds = any(before.capacity[d] > 0 for d in model.break_dims)
        assert after.fixed_cost == before.fixed_cost - before.break_fixed  # no break prizes in the search's cost
        # what the progress reports add to each route: its breaks' time, which the breakless route does not drive
        assert after.break_fixed == (-before.unit_duration_cost * 1800 if holds else 0)
        unbounded = before.shift_duration >= UNBOUNDED  # no maximum shift: the latest return alone carries it
        shorter = holds and not unbounded
        assert after.shift_duration == (before.shift_duration - 1800 if shorter else before.shift_duration)
        assert after.tw_late == (before.tw_late - 1800 if holds else before.tw_late)
    assert model.vehicle_types[0].break_fixed > 0 or model.vehicle_types[1].break_fixed > 0  # model untouched


def test_a_search_on_the_breakless_model_takes_no_break_and_fitting_gives_each_van_one_on_time() -> None:
    """Breaks cost a detour and earn nothing there, so the search leaves them all out; fitting then puts one in
    every route of a van holding a lunch break (none in the free van's), each route on time on the exact
    schedule with the break started inside its window."""
    model = _model(_day(windows=((8, 18),)))
    out = solve(to_problem_data(breakless(model)), time_limit_s=5, seed=1, max_iterations=300, penalty_scale=1e6)
    assert out.feasible and all(not _breaks(model, r) for r in out.routes)
    routes, late = fitted(model, out.routes)
    assert late == 0
    holders = {k for k, vt in enumerate(model.vehicle_types) if any(vt.capacity[d] > 0 for d in model.break_dims)}
    used: list[int] = []
    for before, after in zip(out.routes, routes, strict=True):
        brk = _breaks(model, after)
        assert len(brk) == (1 if after.vehicle_type in holders else 0)
        used += brk
        orders = [(a.kind, a.idx) for a in after.activities if a.idx not in brk or a.kind != "client"]
        assert orders == [(a.kind, a.idx) for a in before.activities]  # the stops keep their order
        timing = time_route(model, after.vehicle_type, [(a.kind, a.idx) for a in after.activities])
        assert timing.late == 0
        for stop in timing.stops:
            if stop.kind == "client" and stop.idx in brk:
                assert model.clients[stop.idx].tw_early <= stop.start <= model.clients[stop.idx].tw_late
    assert len(used) == len(set(used))  # never the same break client twice
    assert specs_of(routes) == [
        (r.vehicle_type, [({"depot": 0, "client": 1}[a.kind], a.idx) for a in r.activities[1:-1]]) for r in routes
    ]


def test_a_route_with_no_room_for_its_break_reports_its_lateness() -> None:
    """Every stop's window is noon to two and the stops fill it: the route is on time without its lunch, and
    wherever the break goes something is late; ``fitted`` says how late (the planner's rounds then repair it)."""
    model = _model(_day(windows=((12, 14),)))
    holder = next(k for k, vt in enumerate(model.vehicle_types) if any(vt.capacity[d] > 0 for d in model.break_dims))
    orders = [i for i, c in enumerate(model.clients) if c.kind is Visit.ORDER]
    seq = [("depot", 0)]
    for i in orders:  # as many stops as fit between noon and two without the break
        if time_route(model, holder, [*seq, ("client", i), ("depot", 0)]).late:
            break
        seq.append(("client", i))
    seq.append(("depot", 0))
    assert len(seq) > 6 and time_route(model, holder, seq).late == 0
    route = SolvedRoute(holder, 0, [SolvedActivity(kind, i, 0) for kind, i in seq])
    _routes, late = fitted(model, [route])
    assert late > 0


def test_a_day_with_lunch_breaks_starts_on_the_breakless_model_and_ends_checker_clean(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The planner's first search runs on the breakless model (break prizes zero), the rounds on the model with
    the breaks; the plan is checker-clean and every van takes its lunch once, in its window."""
    seen = _recorded(monkeypatch)
    result = plan_checked(_day(), max_iterations=400, time_limit_s=120)
    assert not result.unassigned
    brk_prizes = [{c.prize for c in m.clients if c.kind is Visit.BREAK} for m in seen]
    assert brk_prizes[0] == {0} and all(0 not in p for p in brk_prizes[1:]) and len(seen) == 1 + planner.POLISH_ROUNDS
    for r in result.routes:
        pauses = [s for s in r.stops if s.type is StopType.BREAK]
        assert len(pauses) == (0 if r.vehicle_id == "veh_free" else 1)
        assert all(LUNCH.start <= s.start <= LUNCH.end for s in pauses)


def test_without_a_breakless_plan_the_search_runs_on_the_breaks_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the breakless search finds nothing feasible, the time left goes to the search on the model with the
    breaks (no fitting), and the day is still planned."""
    real = planner._solve
    calls: list[SolverModel] = []

    def first_fails(model: SolverModel, *args: object, **kw: object) -> object:
        calls.append(model)
        found, spent = real(model, *args, **kw)  # type: ignore[arg-type]
        return (replace(found, feasible=False), spent) if len(calls) == 1 else (found, spent)

    monkeypatch.setattr(planner, "_solve", first_fails)
    result = plan_checked(_day(), max_iterations=400, time_limit_s=120)
    assert not result.unassigned
    assert {c.prize for c in calls[1].clients if c.kind is Visit.BREAK} != {0}


def test_a_day_large_for_its_limit_starts_on_the_breaks_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """More orders than ``BREAKLESS_ORDERS_PER_S`` per second of the limit (but few enough for the rounds): the
    first search runs on the model with the breaks, as before the breakless start."""
    monkeypatch.setattr(planner, "BREAKLESS_ORDERS_PER_S", 0.1)  # 24 orders > 0.1 x 120 s
    seen = _recorded(monkeypatch)
    result = plan_checked(_day(), max_iterations=400, time_limit_s=120)
    assert not result.unassigned
    assert all(0 not in {c.prize for c in m.clients if c.kind is Visit.BREAK} for m in seen)
    assert len(seen) == 1 + planner.POLISH_ROUNDS  # the rounds still run
