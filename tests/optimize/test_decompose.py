"""A large day planned in parts (optimize/decompose.py): checker-clean, every order served, a failing part's orders
explained while the rest stands, a crashed part retried, progress per part, and the memory refusal (E1740)."""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from doorstep.domain import Break, Order, Priority, Problem, VehicleType
from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan, UnassignedReason
from doorstep.domain.validate import validate_problem
from doorstep.optimize import decompose
from doorstep.optimize.check import check_plan
from doorstep.optimize.decompose import plan_in_parts
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.part_runner import PartProgress, PartRunner, PartSolver
from doorstep.optimize.planner import make_plan, plan_whole
from doorstep.optimize.progress import Progress, ProgressCallback
from doorstep.routing import StraightLineProvider
from doorstep.routing.provider import NO_AVOID, Matrix, TravelTimeProvider
from tests.factories import depot, km, order, t, vehicle
from tests.optimize.test_properties import problems

VAN = VehicleType(
    id="vty_van",
    name="Van",
    capacity={"parcels": 80, "weight_g": 400_000},
    cost_per_km_cents=30,
    cost_per_hour_cents=2000,
    fixed_cost_cents=3000,
)
LUNCH = (Break(start=t(11, 30), end=t(13, 30), duration_s=1800),)
SPLIT = {"split_above_orders": 300, "part_orders": 150, "part_workers": 2}


def _orders(n: int, east: float, prefix: str, rng: random.Random) -> list[Order]:
    out = []
    for i in range(n):
        r, a = 7 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        windows = ((rng.choice((8, 10, 12, 14)), 0),) if rng.random() < 0.5 else ()
        wins = tuple((h, h + 4) for h, _ in windows)
        parcels = rng.randint(1, 3)
        out.append(
            order(
                f"{prefix}{i:03d}",
                km(east + r * math.cos(a), r * math.sin(a)),
                windows=wins,
                size={"parcels": parcels, "weight_g": 2_000 * parcels},
                service_s=rng.randint(60, 180),
            )
        )
    return out


def two_depot_day(per_depot: int = 300, vans: int = 11) -> Problem:
    """Two depots 25 km apart, ``per_depot`` orders around each (half with a 4-hour window), vans with lunch."""
    rng = random.Random(17)
    orders = _orders(per_depot, 0, "A", rng) + _orders(per_depot, 25, "B", rng)
    fleet = [vehicle(f"veh_a{i:02d}", vtype=VAN, dep="dep_a", breaks=LUNCH) for i in range(vans)]
    fleet += [vehicle(f"veh_b{i:02d}", vtype=VAN, dep="dep_b", breaks=LUNCH) for i in range(vans)]
    depots = (depot("dep_a"), depot("dep_b", at=km(25, 0)))
    return Problem(depots=depots, vehicles=tuple(fleet), orders=tuple(orders), name="two-depot")


def _served(plan: Plan) -> set[str]:
    return {s.order_id for r in plan.routes for s in r.stops if s.order_id}


def test_a_two_depot_day_with_breaks_in_parts_is_checker_clean_and_serves_every_order() -> None:
    """600 orders at two depots, each van with a lunch break, planned in 4 parts: every order served, every van's
    break taken, the independent checker finds nothing, and the plan says it was made in parts."""
    p = two_depot_day()
    provider = StraightLineProvider()
    reports: list[Progress] = []
    plan = make_plan(p, provider, SolveOptions(time_limit_s=5, **SPLIT), reports.append)  # type: ignore[arg-type]
    assert check_plan(p, plan, provider) == []
    assert plan.unassigned == [] and _served(plan) == {o.id for o in p.orders}
    assert any(w.code == "W1746" and "4 parts" in w.message for w in plan.warnings)
    assert plan.stats.orders_assigned == 600 and plan.stats.vehicles_used == len(plan.routes)
    assert plan.stats.cost_cents == sum(r.cost_cents for r in plan.routes)
    assert all(any(s.type.value == "break" for s in r.stops) for r in plan.routes)
    assert plan.stats.runtime_s <= 5.5
    assert len({r.id for r in plan.routes}) == len(plan.routes)
    parts = {r.part for r in reports if r.part}
    assert parts == {1, 2, 3, 4} and {r.parts for r in reports} == {4}
    assert {r.orders for r in reports if r.part} == {150}
    first: dict[int, tuple[int, str]] = {}  # each part first reports "queued", right after the split
    for i, r in enumerate(reports):
        if r.part:
            first.setdefault(r.part, (i, r.phase))
    assert {ph for _, ph in first.values()} == {"queued"}
    assert max(i for i, _ in first.values()) < min(i for i, r in enumerate(reports) if r.part and r.phase != "queued")
    done = [r for r in reports if r.part == 0 and r.phase == "done"]
    assert len(done) == 1 and done[0].assigned == 600


def test_a_day_at_the_threshold_is_planned_in_one_model() -> None:
    """A day of exactly ``split_above_orders`` orders is not split (no parts note, no part reports)."""
    p = two_depot_day(per_depot=60, vans=3)
    reports: list[Progress] = []
    opts = SolveOptions(time_limit_s=2, max_iterations=200, split_above_orders=120, part_orders=50)
    plan = make_plan(p, StraightLineProvider(), opts, reports.append)
    assert not any(w.code == "W1746" for w in plan.warnings)
    assert {r.parts for r in reports} == {0}


def fails_in_part_two(
    problem: Problem, provider: TravelTimeProvider, options: SolveOptions, on_progress: ProgressCallback
) -> Plan:
    """The test seam: the part planner, failing every time on part 2."""
    if problem.name.endswith("part 2/4"):
        raise RuntimeError("injected failure")
    return plan_whole(problem, provider, options, on_progress)


def crashes_once_in_part_one(
    problem: Problem, provider: TravelTimeProvider, options: SolveOptions, on_progress: ProgressCallback
) -> Plan:
    """The test seam: part 1's first process dies outright (no exception, no answer); its second attempt plans."""
    marker = Path(os.environ["DOORSTEP_TEST_CRASH_MARKER"])
    if problem.name.endswith("part 1/4") and not marker.exists():
        marker.write_text("crashed")
        os._exit(3)
    return plan_whole(problem, provider, options, on_progress)


def test_a_part_that_fails_twice_comes_back_unassigned_and_the_rest_stands() -> None:
    """Part 2 raises on both attempts: its orders are PART_FAILED, every other order is served by the other
    parts' routes (none of part 2's vans drives), the plan is checker-clean and warns which part failed. 10 s, not
    5: under ``pytest -n 2`` on a loaded machine the first attempt once used up the time, and the part came back
    "no time was left to plan this part again" instead of failing twice."""
    p = two_depot_day()
    provider = StraightLineProvider()
    opts = SolveOptions(time_limit_s=10, **SPLIT)  # type: ignore[arg-type]
    plan = plan_in_parts(p, provider, opts, fails_in_part_two)
    assert check_plan(p, plan, provider) == []
    failed = {u.order_id for u in plan.unassigned if u.reason is UnassignedReason.PART_FAILED}
    assert (
        len(failed) == 150
        and plan.unassigned
        and all(u.reason is UnassignedReason.PART_FAILED for u in plan.unassigned)
    )
    assert "injected failure" in plan.unassigned[0].message and plan.unassigned[0].action
    assert _served(plan) == {o.id for o in p.orders} - failed
    note = next(w for w in plan.warnings if w.code == "W1746")
    assert "part(s) 2 failed twice" in note.message


def test_a_crashed_part_is_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Part 1's process dies on its first attempt; the second attempt plans it and every order is served. 10 s, not
    5: a spawned part process (pytest-xdist runs threads, so parts are spawned) took long enough to import and
    crash on a loaded CI run that less than a second was left for the second attempt."""
    monkeypatch.setenv("DOORSTEP_TEST_CRASH_MARKER", str(tmp_path / "crashed"))
    p = two_depot_day()
    provider = StraightLineProvider()
    plan = plan_in_parts(p, provider, SolveOptions(time_limit_s=10, **SPLIT), crashes_once_in_part_one)  # type: ignore[arg-type]
    assert (tmp_path / "crashed").read_text() == "crashed"
    assert check_plan(p, plan, provider) == []
    assert plan.unassigned == []


class _NoMatrix:
    """A provider that fails the test if asked for anything: the refusal must come before any matrix."""

    name = "no-matrix"

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        raise AssertionError("a matrix was built before the memory check")


@pytest.mark.parametrize("split", [False, True])
def test_a_day_too_big_for_the_memory_limit_is_refused_up_front(split: bool) -> None:
    """Above the memory limit the day is refused with E1740 giving the estimate and the limit, before any matrix
    is built, whether it would be planned in one model or in parts."""
    p = two_depot_day()
    extra = SPLIT if split else {}
    opts = SolveOptions(time_limit_s=5, memory_limit_mib=64, **extra)  # type: ignore[arg-type]
    with pytest.raises(DoorstepError) as info:
        make_plan(p, _NoMatrix(), opts)
    issue = info.value.issues[0]
    assert issue.code == "E1740"
    assert "the limit is 64 MiB" in issue.message
    needs = int(issue.message.split("needs about ")[1].split(" MiB")[0])
    assert needs > 64
    assert ("in 4 parts" in issue.message) is split


def test_parts_plan_in_spawned_processes_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where forking is unsafe (a server's threads) the parts start with ``spawn``: the part and its matrices
    travel pickled, and the plan is the same kind of plan: checker-clean, every order served."""
    import doorstep.optimize.part_runner as runner

    monkeypatch.setattr(runner, "start_method", lambda: "spawn")
    p = two_depot_day(per_depot=100, vans=5)
    provider = StraightLineProvider()
    opts = SolveOptions(time_limit_s=5, split_above_orders=100, part_orders=50, part_workers=2)
    plan = make_plan(p, provider, opts)
    assert any(w.code == "W1746" and "4 parts" in w.message for w in plan.warnings)
    assert check_plan(p, plan, provider) == []
    assert plan.unassigned == []


def test_a_violation_in_the_merged_plan_is_a_warning_never_hidden() -> None:
    """The checker's findings on a merged plan become W1747 warnings naming the route and the order."""
    import copy

    from doorstep.optimize.decompose import check_issues

    p = two_depot_day(per_depot=60, vans=3)
    provider = StraightLineProvider()
    plan = make_plan(p, provider, SolveOptions(time_limit_s=2, max_iterations=200))
    assert check_issues(p, plan, provider) == []
    broken = copy.deepcopy(plan)
    stop = next(s for s in broken.routes[0].stops if s.order_id)
    broken.routes[1].stops.insert(1, copy.deepcopy(stop))  # served twice
    found = check_issues(p, broken, provider)
    assert found and {w.code for w in found} == {"W1747"}
    assert any(w.id == stop.order_id and "DUPLICATE" in w.message for w in found)


def one_van_in_part_one(
    problem: Problem, provider: TravelTimeProvider, options: SolveOptions, on_progress: ProgressCallback
) -> Plan:
    """The test seam: part 1 plans with its first van only (as if its share of vans were too small)."""
    if problem.name.endswith("part 1/4"):
        problem = replace(problem, vehicles=problem.vehicles[:1])
    return plan_whole(problem, provider, options, on_progress)


def test_the_recovery_part_plans_what_a_part_left_out_with_the_vans_no_part_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Part 1 leaves most of its orders out (one van for 150 orders); the recovery part plans them with the vans
    no part used, so every order is served and the plan is checker-clean."""
    p = two_depot_day()
    provider = StraightLineProvider()
    reports: list[Progress] = []
    # The recovery part keeps RECOVERY_SHARE of the limit and is skipped with less than 0.5 s left, so the parts
    # may overrun their deadline by share x limit - 0.5 s. At the planner's 8 % that is 0.5 s at 12 s, which a
    # loaded CI run on a machine at half speed (another worker's browser tests on the same two cores) exceeded,
    # and 1.9 s at 30 s (this test's limit until the suite grew too slow). A third of 10 s leaves 2.8 s: more
    # room, a third of the time. Bounding the search by iterations instead does not help: the one-van part
    # spends its whole time budget whatever the bound. The first pass, which finds part 1 short of vans, runs at
    # 10 s only with its least time per part lowered (0.47 s a part here, against the planner's 2 s).
    monkeypatch.setattr(decompose, "RECOVERY_SHARE", 1 / 3)
    monkeypatch.setattr(decompose, "FIRST_PASS_MIN_S", 0.3)
    opts = SolveOptions(time_limit_s=10, **SPLIT)  # type: ignore[arg-type]
    lates: list[float | None] = []

    def runner(
        options: SolveOptions,
        workers: int,
        parts_end: float,
        solve: PartSolver,
        on_progress: PartProgress,
        *,
        late_end: float | None = None,
    ) -> PartRunner:
        lates.append(late_end)
        return PartRunner(options, workers, parts_end, solve, on_progress, late_end=late_end)

    plan = plan_in_parts(p, provider, opts, one_van_in_part_one, reports.append, runner)
    # the first pass left part 1's orders out: no later pass may run into the recovery's time (a part started
    # after a clean one had, while part 1 was still running, and the recovery part never ran)
    assert lates and all(late is None for late in lates), lates
    recovery = [r for r in reports if r.phase == "recovery"]
    phases = [(r.phase, round(r.elapsed_s, 2)) for r in reports if r.phase not in ("part", "search")]
    assert len(recovery) == 1 and recovery[0].orders > 50, phases
    assert check_plan(p, plan, provider) == []
    assert plan.unassigned == []
    note = next(w for w in plan.warnings if w.code == "W1746")  # the plan says why the parts kept to their time
    assert "the first pass of part(s) 1 left orders out" in note.message, note.message


def test_reasons_left_out_are_given_against_the_whole_fleet() -> None:
    """A part's reasons are re-worked for the day: an order pinned to a depot without vans is NO_VEHICLE; a cold
    order its part called SKILL is TIME_LIMIT while the day's cold van is idle, FLEET_FULL once it drives; an
    optional order's NOT_WORTH_IT stays."""
    from doorstep.domain.plan import Unassigned
    from doorstep.optimize.decompose import whole_day_reasons

    cold_van = vehicle("veh_cold", vtype=replace(VAN, id="vty_cold", skills=frozenset({"cold"})), dep="dep_a")
    plain = vehicle("veh_plain", vtype=VAN, dep="dep_a")
    pinned = order("PIN", km(30, 0), depot_id="dep_c")
    cold = order("COLD", km(2, 1), skills=frozenset({"cold"}))
    extra = order("OPT", km(1, 1), priority=Priority.OPTIONAL, value_cents=1)
    depots = (depot("dep_a"), depot("dep_c", at=km(30, 0)))
    p = Problem(depots=depots, vehicles=(plain, cold_van), orders=(pinned, cold, extra))
    said = {
        "ord_PIN": Unassigned("ord_PIN", "PIN", UnassignedReason.FLEET_FULL, "", ""),
        "ord_COLD": Unassigned("ord_COLD", "COLD", UnassignedReason.SKILL, "", ""),
        "ord_OPT": Unassigned("ord_OPT", "OPT", UnassignedReason.NOT_WORTH_IT, "kept", ""),
    }
    provider = StraightLineProvider()
    idle = {u.order_id: u for u in whole_day_reasons(p, provider, said, used={"veh_plain"})}
    assert idle["ord_PIN"].reason is UnassignedReason.NO_VEHICLE
    assert idle["ord_COLD"].reason is UnassignedReason.TIME_LIMIT and "veh_cold" in idle["ord_COLD"].message
    assert idle["ord_OPT"] == said["ord_OPT"]
    busy = {u.order_id: u for u in whole_day_reasons(p, provider, said, used={"veh_plain", "veh_cold"})}
    assert busy["ord_COLD"].reason is UnassignedReason.FLEET_FULL


def test_where_no_process_can_start_the_parts_are_planned_in_the_planning_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where no child process can start (no memory left, too many processes), every part is planned in the
    planning process: the plan is whole and checker-clean, and the parts note says why."""
    from multiprocessing.process import BaseProcess

    from doorstep.optimize import child_process

    def refuse(*_args: object) -> None:
        raise OSError("no more processes (refused by the test)")

    monkeypatch.setattr(BaseProcess, "start", refuse)  # a forked child
    monkeypatch.setattr(child_process, "start", refuse)  # a fresh interpreter
    p = two_depot_day(per_depot=100, vans=5)
    provider = StraightLineProvider()
    opts = SolveOptions(time_limit_s=4, split_above_orders=100, part_orders=50, part_workers=2)
    plan = make_plan(p, provider, opts)
    assert check_plan(p, plan, provider) == [] and plan.unassigned == []
    note = next(w for w in plan.warnings if w.code == "W1746")
    assert "4 part(s) planned in the planning process" in note.message and "no more processes" in note.message
    assert plan.stats.runtime_s <= 4.3


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(problems())
def test_any_valid_day_planned_in_parts_is_checked_and_complete(p: Problem) -> None:
    """Random days (windows, skills, pinned depots, pairs, reloads, optional orders, breaks) in parts of ten: no
    violation, each order routed once or unassigned with a reason, every vehicle on at most one route."""
    assume(len(p.orders) > 10 and [i for i in validate_problem(p) if i.severity == "error"] == [])
    provider = StraightLineProvider()
    opts = SolveOptions(time_limit_s=3, max_iterations=100, split_above_orders=10, part_orders=10, part_workers=2)
    result = make_plan(p, provider, opts)
    assert any(w.code == "W1746" for w in result.warnings)
    assert check_plan(p, result, provider) == []
    routed = [s.order_id for r in result.routes for s in r.stops if s.order_id and s.type.value != "paired_pickup"]
    assert sorted(routed + [u.order_id for u in result.unassigned]) == sorted(o.id for o in p.orders)
    assert all(u.reason and u.message and u.action for u in result.unassigned)
    assert result.stats.orders_assigned == len(routed)


def test_parts_that_served_all_in_their_first_pass_may_use_the_recovery_s_time() -> None:
    """The other side of the rule above: a day whose parts all served everything in their first pass lets the
    main pass run into the time kept for a recovery part (``late_end``), which would otherwise go unused."""
    lates: list[float | None] = []

    def runner(
        options: SolveOptions,
        workers: int,
        parts_end: float,
        solve: PartSolver,
        on_progress: PartProgress,
        *,
        late_end: float | None = None,
    ) -> PartRunner:
        lates.append(late_end)
        return PartRunner(options, workers, parts_end, solve, on_progress, late_end=late_end)

    plan = plan_in_parts(two_depot_day(), StraightLineProvider(), SolveOptions(time_limit_s=8, **SPLIT),  # type: ignore[arg-type]
                         plan_whole, None, runner)  # fmt: skip
    assert plan.unassigned == [] and lates and lates[-1] is not None, lates  # the main pass (8 s: no first pass)
    assert not any("left orders out" in w.message for w in plan.warnings)
