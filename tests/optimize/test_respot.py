"""Breaks re-spotted at their hosts for the last rounds of the search (optimize/respot.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from doorstep.domain import Problem, StopType
from doorstep.optimize import planner
from doorstep.optimize.build import build_model
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.model import Visit
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.pyvrp_adapter import SolvedActivity, SolvedRoute, solve, to_problem_data
from doorstep.optimize.respot import hosts, respotted
from doorstep.routing import StraightLineProvider
from tests.factories import Break, km, order, problem, t, vehicle
from tests.optimize.conftest import solve as plan_checked

LUNCH = Break(t(12), t(13, 30), 1800)


def _day() -> Problem:
    vans = [vehicle(f"veh_{k}", breaks=(LUNCH,)) for k in range(3)] + [vehicle("veh_free", end=14)]
    return problem([order(f"O{i}", km((i % 6) * 2.0, (i // 6) * 2.0), service_s=600) for i in range(24)], vans)


def _act(kind: str, idx: int) -> SolvedActivity:
    return SolvedActivity(kind, idx, 0)


def test_a_break_moves_to_the_stop_before_it_or_after_it_when_it_comes_first() -> None:
    p = _day()
    model = build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set())
    orders = [i for i, c in enumerate(model.clients) if c.kind is Visit.ORDER]
    brk = [i for i, c in enumerate(model.clients) if c.kind is Visit.BREAK]
    middle = SolvedRoute(0, 0, [_act("depot", 0), _act("client", orders[0]), _act("client", brk[0]),
                                _act("client", orders[1]), _act("depot", 0)])  # fmt: skip
    first = SolvedRoute(0, 0, [_act("depot", 0), _act("client", brk[1]), _act("client", orders[2]), _act("depot", 0)])
    alone = SolvedRoute(0, 0, [_act("depot", 0), _act("client", brk[2]), _act("depot", 0)])
    at = hosts(model, [middle, first, alone])
    assert at == {brk[0]: model.clients[orders[0]].loc, brk[1]: model.clients[orders[2]].loc}

    moved = respotted(model, [middle, first, alone])
    assert moved.clients[brk[0]].loc == model.clients[orders[0]].loc
    assert moved.clients[brk[2]].loc == model.clients[brk[2]].loc  # a break alone stays where it was
    assert [c.loc for i, c in enumerate(moved.clients) if i not in at] == [
        c.loc for i, c in enumerate(model.clients) if i not in at
    ]
    assert model.clients[brk[0]].loc != moved.clients[brk[0]].loc  # the model itself is not changed


def test_the_fleet_is_capped_at_the_vans_in_use_and_an_unused_type_can_run_no_route() -> None:
    p = _day()
    model = build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set())
    with_break = next(k for k, vt in enumerate(model.vehicle_types) if len(vt.vehicles) == 3)
    unused = 1 - with_break
    orders = [i for i, c in enumerate(model.clients) if c.kind is Visit.ORDER]
    routes = [SolvedRoute(with_break, 0, [_act("depot", 0), _act("client", o), _act("depot", 0)]) for o in orders[:2]]
    capped = respotted(model, routes)
    assert len(capped.vehicle_types[with_break].vehicles) == 2
    assert len(capped.vehicle_types[unused].vehicles) == 1
    assert capped.vehicle_types[unused].shift_duration == 0
    # the search on the capped model never uses more than the two vans, and never the unused type
    out = solve(to_problem_data(capped), time_limit_s=5, seed=1, max_iterations=200, penalty_scale=1e6)
    assert len(out.routes) <= 2 and {r.vehicle_type for r in out.routes} <= {with_break}


def test_a_day_with_lunch_breaks_planned_with_the_respot_rounds_is_checker_clean() -> None:
    """Every van takes its lunch once, in its window; the planner's respot rounds ran (iterations counted)."""
    day = _day()
    result = plan_checked(day, max_iterations=400, time_limit_s=120)  # bounded by iterations, not time
    assert not result.unassigned
    share = planner.polish_share(len(day.orders), 120)
    assert share == planner.POLISH_SHARE_AT_LEISURE  # a few orders and two minutes: time to spare
    rounds = int(400 * share)
    main = 400 - rounds  # the main search's share, then each round's
    assert result.stats.iterations == main + planner.POLISH_ROUNDS * (rounds // planner.POLISH_ROUNDS)
    for r in result.routes:
        if r.vehicle_id == "veh_free":
            continue
        pauses = [s for s in r.stops if s.type is StopType.BREAK]
        assert len(pauses) == 1 and LUNCH.start <= pauses[0].start <= LUNCH.end


def test_no_respot_rounds_when_the_day_is_large_for_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """More orders than POLISH_ORDERS_PER_S per second of the limit: the whole budget goes to the first search
    (a 2,000-order day at 10 s left orders out with a quarter of its iterations taken away)."""
    monkeypatch.setattr(planner, "POLISH_ORDERS_PER_S", 0.1)  # 24 orders > 0.1 x 120 s
    result = plan_checked(_day(), max_iterations=400, time_limit_s=120)
    assert result.stats.iterations == 400


def test_without_a_feasible_plan_the_rounds_time_goes_to_the_search_still_looking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No plan to re-spot (the main search found none): the share kept for the rounds is not left unused, the
    same model is searched on from where it stood, and the iterations add up."""
    p = _day()
    options = SolveOptions(max_iterations=400, time_limit_s=120)
    model = build_model(p, build_geometry(p, StraightLineProvider()), options, set())
    first = solve(to_problem_data(model), time_limit_s=5, seed=0, max_iterations=50, penalty_scale=1e6)
    stuck = replace(first, feasible=False)
    calls: list[tuple[object, object, int | None]] = []

    def fake_solve(m: object, *_: object, warm: object = None, iterations: int | None = None) -> tuple[object, float]:
        calls.append((m, warm, iterations))
        return first, 0.5

    monkeypatch.setattr(planner, "_solve", fake_solve)
    clock = planner._Clock(options, None)
    out_model, out, solver_s = planner._polish(model, p, options, clock, stuck, 1.0, planner.POLISH_SHARE)
    assert calls == [(model, stuck, int(400 * planner.POLISH_SHARE))]  # the model itself, never a respotted copy
    assert out_model is model and out.feasible and out.iterations == 2 * first.iterations and solver_s == 1.5


def test_the_rounds_take_a_quarter_when_there_is_time_and_three_quarters_when_it_is_short() -> None:
    """At most LEISURE_ORDERS_PER_S orders a second of the limit: a quarter of the search on re-spotted breaks;
    more orders per second: three quarters (measured side by side at 10 s and 30 s, docs/benchmarks.md)."""
    assert planner.polish_share(200, 30) == planner.POLISH_SHARE_AT_LEISURE == 0.25
    assert planner.polish_share(100, 15) == 0.25
    assert planner.polish_share(100, 10) == planner.POLISH_SHARE == 0.75
    assert planner.polish_share(201, 28) == 0.75
    assert planner.polish_share(500, 30) == 0.75
