"""The search's models: serve-all first, prizes when the day cannot be served whole, and the give-up rule."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from pyvrp import PenaltyManager, PenaltyParams, Solution

from doorstep.domain import Priority, Problem
from doorstep.domain.errors import DoorstepError
from doorstep.optimize import pyvrp_adapter, pyvrp_search
from doorstep.optimize.build import build_model
from doorstep.optimize.geometry import build_geometry
from doorstep.optimize.model import Visit
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.optimize.planner import SMALL_PERTURBATIONS, perturbation_bound
from doorstep.optimize.profiles import forbidden_values
from doorstep.optimize.pyvrp_adapter import solve as adapter_solve
from doorstep.optimize.pyvrp_adapter import start_method, to_problem_data
from doorstep.optimize.pyvrp_search import (
    MAX_TIME,
    _cost_per_second,
    _FeasibleFirst,
    _penalties,
    _Stop,
    search_params,
)
from doorstep.routing import StraightLineProvider
from tests.factories import VAN, Break, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import reasons, solve
from tests.optimize.test_child_process import fresh_children


def test_serve_all_requires_normal_and_high_orders_and_keeps_optional_ones_optional() -> None:
    """With serve_all, normal and high orders are required (prize 0); an optional order keeps its value."""
    orders = [
        order("N", km(1, 0)),
        order("H", km(2, 0), priority=Priority.HIGH),
        order("O", km(3, 0), priority=Priority.OPTIONAL, value_cents=500),
    ]
    p = problem(orders)
    geo = build_geometry(p, StraightLineProvider())
    clients = {
        p.orders[c.order].external_ref: (c.required, c.prize)
        for c in build_model(p, geo, SolveOptions(), set(), serve_all=True).clients
        if c.kind is Visit.ORDER
    }
    assert clients["N"] == (True, 0) and clients["H"] == (True, 0)
    assert clients["O"][0] is False and clients["O"][1] > 0
    prized = [c for c in build_model(p, geo, SolveOptions(), set()).clients if c.kind is Visit.ORDER]
    assert [c.required for c in prized] == [False, False, False]


def test_give_up_stops_an_infeasible_search_after_its_share_of_the_iterations() -> None:
    """No feasible solution (PyVRP's int64-max cost) after 40 % of 100 iterations stops the run; a feasible one
    seen earlier keeps it going to the iteration bound."""
    stop = _Stop(60.0, None, 100, give_up=0.4)
    calls = 0
    while not stop(float(MAX_TIME)):
        calls += 1
    assert calls == 40
    going = _Stop(60.0, None, 100, give_up=0.4)
    assert not going(1000.0)
    assert sum(1 for _ in range(98) if not going(1000.0)) == 98


def test_a_day_too_long_for_the_fleet_still_serves_what_fits_and_explains_the_rest() -> None:
    """Twelve one-hour orders for one van with a four-hour shift: serve-all cannot be feasible, so the prize model
    serves as many as fit (the checker passes) and every order left out is FLEET_FULL."""
    orders = [order(f"O{i}", km(1 + i * 0.1, 0), service_s=3600) for i in range(12)]
    result = solve(problem(orders, [vehicle(end=12)]))
    served = sum(len(r.order_ids) for r in result.routes)
    assert 3 <= served <= 4
    assert set(reasons(result).values()) == {"FLEET_FULL"}
    assert len(result.unassigned) == 12 - served


def test_high_priority_orders_are_kept_when_the_day_cannot_be_served_whole() -> None:
    """The prize model after serve-all gives up still ranks priorities: the two high orders are both served."""
    orders = [order(f"O{i}", km(1 + i * 0.1, 0), service_s=3600) for i in range(8)]
    orders[6] = replace(orders[6], priority=Priority.HIGH)
    orders[7] = replace(orders[7], priority=Priority.HIGH)
    result = solve(problem(orders, [vehicle(end=12)]))
    kept = {s.external_ref for r in result.routes for s in r.stops if s.external_ref}
    assert {"O6", "O7"} <= kept


def test_forbidden_arcs_outlast_the_day_and_leave_penalties_room_above_the_prizes() -> None:
    """On a day with a skill and a lunch break, costed like VROOM (travel cost), a forbidden arc is longer than
    the whole day, and the penalty ceiling is at least 100 normal prizes (it was 0.00002 of one with 1e7 s arcs)."""
    fridge = replace(order("F", km(2, 0)), skills=frozenset({"fridge"}))
    lunch = Break(t(12), t(13), 1800)
    vans = [vehicle("veh_a", breaks=(lunch,)), vehicle("veh_b", breaks=(lunch,))]
    fridge_van = replace(vans[1], type=replace(vans[1].type, skills=frozenset({"fridge"})))
    p = problem([*(order(f"O{i}", km(i, 1)) for i in range(1, 20)), fridge], [vans[0], fridge_van])
    geo = build_geometry(p, StraightLineProvider())
    forbid_s, _ = forbidden_values(p, geo, "van")
    assert forbid_s > 10 * 3600 * 2
    model = build_model(p, geo, SolveOptions(objective=Objective.TRAVEL_COST), set(), serve_all=True)
    params, _ = _penalties(to_problem_data(model), float(model.prize_normal))
    assert params.max_penalty >= 100 * model.prize_normal


def test_a_model_with_nothing_optional_gets_pyvrps_own_penalties() -> None:
    """All orders required and no breaks: the penalties are PyVRP's defaults (as pyvrp.solve sets them) when the
    objective counts seconds, so Doorstep's search is PyVRP's own; with a break (optional) they follow the prize
    scale instead."""
    orders = [order(f"O{i}", km(i, 1)) for i in range(1, 8)]
    p = problem(orders)
    geo = build_geometry(p, StraightLineProvider())
    model = build_model(p, geo, SolveOptions(objective=Objective.DURATION), set(), serve_all=True)
    params, initial = _penalties(to_problem_data(model), float(model.prize_normal))
    assert params.max_penalty == 100_000.0 and params.min_penalty == PenaltyParams().min_penalty
    assert initial == PenaltyParams().midpoint_penalties(to_problem_data(model))
    with_break = problem(orders, [vehicle(breaks=(Break(t(12), t(13), 1800),))])
    model = build_model(with_break, build_geometry(with_break, StraightLineProvider()), SolveOptions(), set(),
                        serve_all=True)  # fmt: skip
    params, _ = _penalties(to_problem_data(model), float(model.prize_normal))
    assert params.max_penalty > 100_000.0


def test_penalties_follow_the_price_of_a_second_under_a_money_objective() -> None:
    """With nothing optional and a money objective (1/36,000 cent per unit), PyVRP's penalty range is scaled by
    what a second of driving costs: the default ceiling of 1e5 per second of lateness was worth less than three
    seconds of driving, and the search stayed infeasible at it."""
    orders = [order(f"O{i}", km(i, 1)) for i in range(1, 8)]
    p = problem(orders)
    model = build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(objective=Objective.TRAVEL_COST),
                        set(), serve_all=True)  # fmt: skip
    data = to_problem_data(model)
    unit = _cost_per_second(data)
    dur, obj = data.duration_matrix(0), data.distance_matrix(0)
    assert obj[0, 1] / dur[0, 1] == pytest.approx(unit, rel=0.2)  # an arc's cost per second of it
    assert unit > 1_000
    params, initial = _penalties(data, float(model.prize_normal))
    assert params.min_penalty == pytest.approx(0.1 * unit)
    assert params.max_penalty == pytest.approx(100_000 * unit)
    assert initial == params.midpoint_penalties(data)
    # The cost objective prices the route's hours through the vehicle type (the matrix holds metres): counted too.
    costly = replace(VAN, cost_per_hour_cents=3_600, cost_per_km_cents=20)
    p = problem(orders, [vehicle(vtype=costly)])
    model = build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(objective=Objective.COST), set(),
                        serve_all=True)  # fmt: skip
    data = to_problem_data(model)
    vt = data.vehicle_type(0)
    dur, metres = data.duration_matrix(0), data.distance_matrix(0)
    by_hand = (vt.unit_distance_cost * metres[0, 1] + vt.unit_duration_cost * dur[0, 1]) / dur[0, 1]
    assert vt.unit_duration_cost == 36_000 and _cost_per_second(data) == pytest.approx(by_hand, rel=0.05)


@pytest.mark.parametrize("threaded", [False, True], ids=["fork", "spawn"])
def test_two_workers_search_on_two_cores_and_keep_the_better_plan(threaded: bool) -> None:
    """With workers=2 a helper process searches with the next seed and answers (its iterations are counted),
    no process is left behind, and the plan passes the checker like any other: forked from a single-threaded
    process, spawned as soon as another thread runs (a server's)."""
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    if threaded:
        other.start()
    if threaded:
        assert start_method() == "spawn"
    orders = [order(f"O{i}", km((i % 6) * 1.2, (i // 6) * 1.2), windows=((8 + i % 3 * 2, 11 + i % 3 * 2),))
              for i in range(30)]  # fmt: skip
    p = problem(orders, [vehicle("veh_1"), vehicle("veh_2")])
    model = build_model(p, build_geometry(p, StraightLineProvider()), SolveOptions(), set(), serve_all=True)
    outcome = adapter_solve(to_problem_data(model), time_limit_s=2.0, seed=4, workers=2)
    assert outcome.feasible
    assert 0 < outcome.helper_iterations < outcome.iterations
    assert multiprocessing.active_children() == []
    plan = solve(p, time_limit_s=2.0, max_iterations=None, seed=4, workers=2)
    assert not plan.unassigned
    assert multiprocessing.active_children() == [] and fresh_children() == []  # forked, and fresh interpreters
    release.set()


def test_workers_must_be_between_one_and_eight() -> None:
    """workers=0 and workers=9 are E1119, both reported at once with the time limit's problem."""
    with pytest.raises(DoorstepError) as err:
        SolveOptions(time_limit_s=0, workers=9).validate()
    assert [(i.code, i.loc) for i in err.value.issues] == [("E1119", ("time_limit_s",)), ("E1119", ("workers",))]
    with pytest.raises(DoorstepError):
        SolveOptions(workers=0).validate()


def test_a_search_has_settled_when_its_last_quarter_found_nothing_better() -> None:
    """Improving at iteration 90 of 100 is not settled; improving last at iteration 60 of 100 is; an infeasible
    best never is."""
    settled, busy, lost = _Stop(60.0, None, 100), _Stop(60.0, None, 100), _Stop(60.0, None, 100)
    for k in range(100):
        settled(1000.0 - min(k, 60))
        busy(1000.0 - min(k, 90))
        lost(float(MAX_TIME))
    assert (settled.converged, busy.converged, lost.converged) == (True, False, False)


def _bound_asked(monkeypatch: pytest.MonkeyPatch, day: Problem, options: SolveOptions) -> int | None:
    """The perturbation bound the adapter passes to the search when the planner asks for 10."""
    asked: list[int | None] = []

    def spy(callbacks: object = None, perturbations: int | None = None) -> object:
        asked.append(perturbations)
        return search_params(callbacks, perturbations)  # type: ignore[arg-type]

    monkeypatch.setattr(pyvrp_adapter, "search_params", spy)
    model = build_model(day, build_geometry(day, StraightLineProvider()), options, set())
    adapter_solve(to_problem_data(model), time_limit_s=5.0, seed=1, max_iterations=20, perturbations=10,
                  break_fixed=[vt.break_fixed for vt in model.vehicle_types])  # fmt: skip
    return asked[0]


def test_small_perturbations_only_where_the_time_is_short_and_the_vans_cost_something(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At least 15 clients a second of the limit gets perturbations of at most 10 stops, fewer PyVRP's bound. The
    bound reaches the search where a van costs something to go out: a fixed cost, or a lunch break's prize on a
    travel objective; a day of distance alone, with no fixed cost and no break (as Solomon), keeps PyVRP's 25."""
    assert perturbation_bound(150, 10.0) == SMALL_PERTURBATIONS == 10
    assert perturbation_bound(149, 10.0) is None and perturbation_bound(449, 30.0) is None
    assert search_params(perturbations=10).perturbation.max_perturbations == 10
    assert search_params().perturbation.max_perturbations == 25
    orders = [order(f"O{i}", km(i, 1)) for i in range(1, 6)]
    paid = problem(orders, [vehicle(vtype=replace(VAN, fixed_cost_cents=5_000))])
    assert _bound_asked(monkeypatch, paid, SolveOptions()) == 10
    lunch = problem(orders, [vehicle(breaks=(Break(t(12), t(13), 1800),))])
    assert _bound_asked(monkeypatch, lunch, SolveOptions(objective=Objective.DURATION)) == 10
    free = problem(orders)
    assert _bound_asked(monkeypatch, free, SolveOptions(objective=Objective.DISTANCE)) is None


def test_penalties_rise_every_few_solutions_until_the_first_feasible_one_then_at_pyvrp_s_pace() -> None:
    """A search that starts infeasible raises its penalties every ``quick`` solutions (PyVRP's manager: every
    500); from its first feasible solution on, PyVRP's manager carries on from the penalties reached."""
    day = problem([order(f"O{i}", km(20 * i, 0), windows=((8, 9),)) for i in range(1, 5)])
    data = to_problem_data(build_model(day, build_geometry(day, StraightLineProvider()), SolveOptions(), set()))
    late, one = Solution(data, [[0, 1, 2, 3]]), Solution(data, [[0]])  # four 20 km apart by 9:00; one alone
    assert not late.is_feasible() and late.time_warp() > 0 and one.is_feasible()
    params, initial = _penalties(data, 100_000.0)
    quick, plain = _FeasibleFirst(initial, params, 3), PenaltyManager(initial, params)
    start = quick.penalties()[1]
    for _ in range(6):
        quick.register(late)
        plain.register(late)
    rise = params.penalty_increase
    assert quick.penalties()[1] == pytest.approx(start * rise * rise) and plain.penalties()[1] == start
    quick.register(one)  # the first feasible solution: PyVRP's pace from here
    reached = quick.penalties()[1]
    for _ in range(params.solutions_between_updates - 1):
        quick.register(late)
    assert quick.penalties()[1] == reached
    quick.register(late)
    assert quick.penalties()[1] == pytest.approx(reached * rise)
    assert quick.cost_evaluator().penalised_cost(late) > plain.cost_evaluator().penalised_cost(late)


def test_the_quick_penalties_only_where_the_time_is_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner's perturbation bound says the time is short for the day: only then do the penalties move
    faster until the first feasible plan; a day with time to settle keeps PyVRP's penalty manager."""
    made: list[int] = []

    class Counted(_FeasibleFirst):
        def __init__(self, initial: tuple[list[float], float, float], params: PenaltyParams, quick: int) -> None:
            made.append(quick)
            super().__init__(initial, params, quick)

    monkeypatch.setattr(pyvrp_search, "_FeasibleFirst", Counted)
    orders = [order(f"O{i}", km(i, 1)) for i in range(1, 6)]
    day = problem(orders, [vehicle(vtype=replace(VAN, fixed_cost_cents=5_000))])
    data = to_problem_data(build_model(day, build_geometry(day, StraightLineProvider()), SolveOptions(), set()))
    adapter_solve(data, time_limit_s=5.0, seed=1, max_iterations=20)
    assert made == []
    adapter_solve(data, time_limit_s=5.0, seed=1, max_iterations=20, perturbations=10)
    assert made == [pyvrp_search.QUICK_UPDATES] == [100]
