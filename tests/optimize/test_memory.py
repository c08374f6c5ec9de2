"""The memory estimate and limit (optimize/memory.py): what a day needs in one model or in parts."""

from __future__ import annotations

from dataclasses import replace

from doorstep.optimize import memory
from doorstep.optimize.decompose import part_problem
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.split import split_day
from tests.optimize.test_decompose import two_depot_day


def test_one_model_grows_with_the_square_of_its_locations() -> None:
    """Doubling the orders about quadruples the matrix part of the estimate, break places counted."""
    small, large = two_depot_day(per_depot=300), two_depot_day(per_depot=600)
    assert memory.locations(small) == 2 + 600 + 3 * 22  # depots, orders, three break places per van's break
    a = memory.estimate(small).peak_mib - memory.BASE_MIB
    b = memory.estimate(large).peak_mib - memory.BASE_MIB
    assert 3.3 < b / a < 4.1


def test_parts_need_less_than_one_model_and_count_the_processes_at_once() -> None:
    """A day in 8 parts needs less than half of one model; two processes at once need more than one, and a
    spawned process its whole interpreter."""
    p = two_depot_day(per_depot=1200, vans=30)
    parts = [part_problem(p, s, "") for s in split_day(p, 300).parts]
    assert len(parts) == 8
    whole = memory.estimate(p)
    one, two = memory.estimate(p, parts, 1), memory.estimate(p, parts, 2)
    assert one.peak_mib < two.peak_mib < whole.peak_mib / 2
    assert (two.parts, two.processes) == (8, 2)
    spawned = memory.estimate(p, parts, 2, spawn=True)
    assert spawned.peak_mib - two.peak_mib == round(2 * (memory.BASE_MIB - memory.CHILD_MIB))


def test_skills_and_pinned_depots_count_routing_profiles() -> None:
    """Skilled orders split the vans by skills, pinned orders by depot: more routing profiles, more memory."""
    p = two_depot_day(per_depot=100, vans=3)
    assert memory.profiles(p) == (1, 1)
    pinned = replace(p, orders=(replace(p.orders[0], depot_id="dep_a"), *p.orders[1:]))
    assert memory.profiles(pinned) == (1, 2)
    assert memory.estimate(pinned).peak_mib > memory.estimate(p).peak_mib


def test_the_limit_is_the_option_else_a_share_of_the_available_memory() -> None:
    """An explicit limit wins; otherwise 80 % of what the system has available now."""
    assert memory.limit_mib(SolveOptions(memory_limit_mib=512)) == 512
    free = memory.available_mib()
    assert free is not None and free > 0
    assert abs(memory.limit_mib(SolveOptions()) - 0.8 * free) <= 0.05 * free  # type: ignore[operator]


def test_the_rounds_on_re_spotted_breaks_count_one_more_solver_copy() -> None:
    """A day with breaks that the budget lets settle ends with the polish rounds (one more copy of the solver's
    matrices): the estimate knows the planner's rule."""
    from doorstep.optimize import planner

    assert memory.POLISH_ORDERS_PER_S == planner.POLISH_ORDERS_PER_S
    p = two_depot_day()  # 600 orders, breaks: polished from 10 s on
    settled, rushed = memory.estimate(p, limit_s=10), memory.estimate(p, limit_s=9)
    pairs = memory.locations(p) ** 2
    assert settled.peak_mib - rushed.peak_mib == round(memory.BASE_MIB + pairs * 91 / memory.MIB) - round(
        memory.BASE_MIB + pairs * 59 / memory.MIB
    )
