"""A model on which PyVRP 0.14.1's ``RelocateWithDepot`` loops forever inside one local search (found by the
property test after about 6,000 random problems: one van with reloads and a maximum shift, pairs, alternatives,
three windows on one order). Planning it must return within its time limit, checker-clean; it never returned
before (``pyvrp_search._reload_cycles``). Run in a child process so a hang fails the test instead of stalling
the suite."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from doorstep.formats.doorstep_json import problem_from_dict
from doorstep.optimize.options import SolveOptions
from doorstep.services.planning.planning import check, plan

DATA = Path(__file__).with_name("data") / "reload_hang.json"


def _plan(out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    problem = problem_from_dict(json.loads(DATA.read_text(encoding="utf-8")))
    result = plan(problem, options=SolveOptions(time_limit_s=10, max_iterations=150, seed=1))
    out.put((len(problem.orders), sum(1 for r in result.routes for s in r.stops if s.order_id),
             len(result.unassigned), [str(v) for v in check(problem, result)]))  # fmt: skip


def test_a_van_with_reloads_and_a_maximum_shift_is_planned_within_its_limit() -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=_plan, args=(out,))
    child.start()
    child.join(90)  # a 10 s limit, a cold child process and a loaded machine: far more than enough
    if child.is_alive():
        child.kill()
        raise AssertionError("planning did not return within 90 s (the local search looped)")
    assert child.exitcode == 0
    orders, routed_stops, unassigned, violations = out.get(timeout=5)
    assert violations == []
    assert orders == 12 and unassigned < orders and routed_stops > 0
