"""One solver on one day, in a process of its own (the runner starts one per run): writes a JSON result.

    .venv/bin/python benchmarks/lastmile/solve_one.py doorstep|vroom|ortools DAY.json TIME_LIMIT SEED OUT.json [WORKERS]

Every solver reads the same VROOM problem file and answers in VROOM's solution shape (routes of steps), which
the runner re-times with ``day_check.verify``. Doorstep goes through its own VROOM reader, ``plan`` with the
explicit-matrix provider that reader's matrices give, the travel-cost objective (VROOM's), and
``check_plan``. VROOM runs through pyvroom at exploration level 5 on 2 threads with the time limit as its
timeout. OR-Tools: see ``ortools_solver.py``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

VROOM_EXPLORATION = 5
VROOM_THREADS = 2


def own_peak_rss_mib() -> float:
    """This process's own peak resident size: ``VmHWM`` belongs to the address space exec made, whereas
    ``ru_maxrss`` starts a forked child at its parent's size (a runner holding a 2,000-order file made every
    later run read 715 MiB). A helper search process is not included: the figure is the main process's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_doorstep(day: Path, time_limit: float, seed: int, workers: int = 1) -> dict[str, Any]:
    """Doorstep's own path: VROOM reader -> plan -> check_plan -> solution in VROOM's shape."""
    from doorstep.formats.vroom_input import read_vroom
    from doorstep.formats.vroom_output import vroom_solution
    from doorstep.optimize.check import check_plan
    from doorstep.optimize.options import Objective, SolveOptions
    from doorstep.routing.defaults import default_provider
    from doorstep.services.planning.planning import plan

    t0 = time.perf_counter()
    read = read_vroom(json.loads(day.read_text()))
    problem = read.problem
    provider = default_provider(problem)  # ExplicitMatrixProvider on the file's matrices
    load_s = time.perf_counter() - t0
    options = SolveOptions(time_limit_s=time_limit, seed=seed, objective=Objective.TRAVEL_COST, workers=workers)
    t1 = time.perf_counter()
    result = plan(problem, provider=provider, options=options)
    solve_s = time.perf_counter() - t1
    violations = check_plan(problem, result, provider)
    s = result.stats
    return {
        "solution": vroom_solution(result, problem, read.context),
        "load_s": load_s,
        "solve_s": solve_s,
        "extra": {
            "provider": type(provider).__name__,
            "reader_warnings": [w.message for w in read.warnings],
            "plan_warnings": [w.message for w in result.warnings][:20],
            "unassigned": len(result.unassigned),
            "unassigned_reasons": dict(Counter(u.reason.value for u in result.unassigned)),
            "check_plan_violations": len(violations),
            "check_plan_examples": [f"{v.kind}: {v.message}" for v in violations[:10]],
            "plan_cost_cents": s.cost_cents,
            "plan_vehicles": s.vehicles_used,
            "iterations": s.iterations,
            "solver_s": round(s.solver_s, 3),
            "workers": workers,
        },
    }


def run_vroom(day: Path, time_limit: float) -> dict[str, Any]:
    """pyvroom on the same file (``Input.from_json`` reads the VROOM problem, matrices included)."""
    import vroom

    t0 = time.perf_counter()
    problem = vroom.Input.from_json(day)
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sol = problem.solve(
        exploration_level=VROOM_EXPLORATION, nb_threads=VROOM_THREADS, timeout=timedelta(seconds=time_limit)
    )
    solve_s = time.perf_counter() - t1
    out = sol.to_dict()
    summary = out.get("summary", {})
    return {
        "solution": out,
        "load_s": load_s,
        "solve_s": solve_s,
        "extra": {
            "vroom_cost": summary.get("cost"),
            "unassigned": summary.get("unassigned"),
            "exploration_level": VROOM_EXPLORATION,
            "threads": VROOM_THREADS,
        },
    }


def run_ortools(day: Path, time_limit: float) -> dict[str, Any]:
    """OR-Tools routing with GUIDED_LOCAL_SEARCH for ``time_limit`` seconds of search."""
    from ortools_solver import FIRST_SOLUTION, solve_ortools

    t0 = time.perf_counter()
    problem = json.loads(day.read_text())
    load_s = time.perf_counter() - t0
    solution, stats = solve_ortools(problem, time_limit)
    notes = [] if stats.get("found") else [f"no solution (routing status {stats.get('status')})"]
    return {
        "solution": solution,
        "load_s": load_s + stats["build_s"],
        "solve_s": stats["solve_s"],
        "notes": notes,
        "extra": {**stats, "first_solution": FIRST_SOLUTION},
    }


def main() -> int:
    """Run one solver; the result (or the error with its traceback) goes to OUT as JSON."""
    solver, day, limit, seed, out = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    workers = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    t0 = time.perf_counter()
    try:
        if solver == "doorstep":
            result = run_doorstep(day, limit, seed, workers)
        elif solver == "vroom":
            result = run_vroom(day, limit)
        elif solver == "ortools":
            result = run_ortools(day, limit)
        else:
            raise SystemExit(f"unknown solver {solver}")
    except Exception as exc:  # a crash is a result too: reported, never hidden
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc().splitlines()[-12:]}
    result["wall_s"] = time.perf_counter() - t0
    result["peak_rss_mib"] = own_peak_rss_mib()
    Path(out).write_text(json.dumps(result))
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
