"""PyVRP on its own, as its authors benchmark it: ``pyvrp.read`` of the VRPLIB file, then ``pyvrp.solve``.

This is the engine under Doorstep without Doorstep's model, so the two can be compared at equal time on the same
instances. The file is read with the rounding function of the set's convention (DIMACS: ``"dimacs"``, i.e.
``floor(10 * euclid)`` with times x10; X: ``"round"``), the distance matrix is checked to equal the harness's own,
and the routes are mapped back to the instance's node numbers for the independent verifier. Only sets read from
VRPLIB files can be solved this way (homberger-1000, x); Solomon-format files are not PyVRP input.
"""

from __future__ import annotations

import time

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from baselines import SolveResult
from instances import Convention, Instance

ROUND_FUNC = {Convention.DIMACS: "dimacs", Convention.ROUND: "round"}


def read_data(inst: Instance) -> pyvrp.ProblemData:
    """The instance's VRPLIB file as PyVRP reads it; refuses data whose matrix differs from the harness's."""
    if inst.source is None or inst.source.suffix != ".vrp":
        raise ValueError(f"{inst.name}: PyVRP alone needs a VRPLIB file (sets homberger-1000, x), not {inst.source}")
    data = pyvrp.read(inst.source, round_func=ROUND_FUNC[inst.convention])
    if data.num_depots != 1 or not np.array_equal(np.asarray(data.distance_matrix(0)), inst.matrix):
        raise ValueError(f"{inst.name}: PyVRP's matrix differs from the harness's; costs would not be comparable")
    return data


def solution_routes(data: pyvrp.ProblemData, solution: pyvrp.Solution) -> list[list[int]]:
    """Customer-node sequences; a client's location index is its node number (the depot is location 0)."""
    clients = data.clients()
    return [[clients[act.idx].location for act in route if act.is_client()] for route in solution.routes()]


def solve_pyvrp(inst: Instance, time_limit: float, seed: int) -> SolveResult:
    """``pyvrp.solve`` with ``MaxRuntime`` set to the budget left after reading; runtime is read + solve.

    ``MaxRuntime`` starts at the first iteration, after PyVRP's initial local search, so the run can exceed the
    budget by that much; the recorded runtime says by how much.
    """
    t0 = time.perf_counter()
    data = read_data(inst)
    read_s = time.perf_counter() - t0
    result = pyvrp.solve(data, stop=MaxRuntime(max(0.0, time_limit - read_s)), seed=seed, collect_stats=False)
    runtime = time.perf_counter() - t0
    best = result.best
    notes = [f"pyvrp.read(round_func={ROUND_FUNC[inst.convention]!r}) + pyvrp.solve(MaxRuntime), default parameters"]
    if not best.is_feasible():
        notes.append("PyVRP's best solution is infeasible")
    missing = best.num_missing_clients()
    if missing:
        notes.append(f"{missing} client(s) missing from PyVRP's best solution")
    extra: dict[str, float | int | str] = {
        "solver_cost": best.distance(),
        "num_iterations": result.num_iterations,
        "pyvrp_runtime_s": round(result.runtime, 3),
        "read_s": round(read_s, 3),
        "unassigned": missing,
    }
    return SolveResult("pyvrp", solution_routes(data, best), runtime, notes=notes, extra=extra)
