"""Baseline solvers on the same integer matrix: VROOM (pyvroom) and OR-Tools routing.

Both return customer-node sequences; the harness verifies and costs them with ``verify.verify`` itself.
Neither is in Doorstep's product path (DESIGN.md: benchmark extras only).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import vroom
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from instances import Instance

VROOM_EXPLORATION = 5
VROOM_PROFILE = "car"
# OR-Tools may skip a customer at this many times the longest arc. Without it, PATH_CHEAPEST_ARC finds no
# first solution at all on tight instances (R101: none in 10 s); with it, GLS serves all.
DROP_PENALTY_FACTOR = 1000


@dataclass(slots=True)
class SolveResult:
    """One solver run: routes as customer-node lists, wall time, and anything worth saying about the run."""

    solver: str
    routes: list[list[int]]
    runtime_s: float
    found: bool = True  # False when the solver returned no solution at all
    notes: list[str] = field(default_factory=list)
    extra: dict[str, float | int | str] = field(default_factory=dict)


def has_time_windows(inst: Instance) -> bool:
    """Whether any window or service time can bind (X instances have none)."""
    start, end = inst.horizon
    return any(s > 0 for s in inst.service) or any(w != (start, end) for w in inst.time_windows)


# --- VROOM -------------------------------------------------------------------------------------------------


def _vroom_input(inst: Instance) -> vroom.Input:
    problem = vroom.Input()
    matrix = inst.matrix.astype(np.uint32)
    problem.set_durations_matrix(VROOM_PROFILE, matrix)
    problem.set_distances_matrix(VROOM_PROFILE, matrix)
    problem.set_costs_matrix(VROOM_PROFILE, matrix)  # minimise distance, as the other solvers do
    start, end = inst.horizon
    problem.add_vehicle(
        [
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                profile=VROOM_PROFILE,
                capacity=[inst.capacity],
                time_window=vroom.TimeWindow(start, end),
            )
            for k in range(inst.fleet_size)
        ]
    )
    problem.add_job(
        [
            vroom.Job(
                i,
                location=i,
                default_service=inst.service[i],
                delivery=[inst.demands[i]],
                time_windows=[vroom.TimeWindow(*inst.time_windows[i])],
            )
            for i in range(1, inst.num_customers + 1)
        ]
    )
    return problem


def _vroom_routes(solution: vroom.Input) -> list[list[int]]:
    frame = solution.routes
    jobs = frame[frame["type"] == "job"]
    return [[int(x) for x in group["id"]] for _, group in jobs.groupby("vehicle_id", sort=True)]


def solve_vroom(inst: Instance, time_limit: float) -> SolveResult:
    """VROOM at exploration level 5 on one thread, stopped at ``time_limit`` if it is still searching.

    VROOM is not an anytime solver: it runs its heuristics and local search to completion and usually
    finishes well before the budget, so the recorded runtime is its actual wall time.
    """
    problem = _vroom_input(inst)
    t0 = time.perf_counter()
    solution = problem.solve(exploration_level=VROOM_EXPLORATION, nb_threads=1, timeout=timedelta(seconds=time_limit))
    runtime = time.perf_counter() - t0
    routes = _vroom_routes(solution)
    summary = solution.to_dict().get("summary", {})
    notes = [f"exploration_level={VROOM_EXPLORATION}, 1 thread, not anytime: runtime is its own"]
    unassigned = int(summary.get("unassigned", 0))
    if unassigned:
        notes.append(f"{unassigned} job(s) unassigned by VROOM")
    return SolveResult(
        "vroom",
        routes,
        runtime,
        notes=notes,
        extra={"solver_cost": int(summary.get("cost", -1)), "unassigned": unassigned},
    )


# --- OR-Tools -----------------------------------------------------------------------------------------------


def _ortools_model(inst: Instance) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel]:
    manager = pywrapcp.RoutingIndexManager(len(inst.demands), inst.fleet_size, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = routing.RegisterTransitMatrix(inst.matrix.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(dist)
    demand = routing.RegisterUnaryTransitVector(list(inst.demands))
    routing.AddDimensionWithVehicleCapacity(demand, 0, [inst.capacity] * inst.fleet_size, True, "Capacity")
    if has_time_windows(inst):
        _add_time(inst, manager, routing)
    penalty = DROP_PENALTY_FACTOR * int(inst.matrix.max())  # far above any saving from skipping a node
    for node in range(1, inst.num_customers + 1):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    return manager, routing


def _add_time(inst: Instance, manager: pywrapcp.RoutingIndexManager, routing: pywrapcp.RoutingModel) -> None:
    """Transit = service at the origin + travel; cumul = start of service, bounded by the node's window."""
    service = np.asarray(inst.service, dtype=np.int64)
    transit = routing.RegisterTransitMatrix((inst.matrix + service[:, None]).tolist())
    start, end = inst.horizon
    routing.AddDimension(transit, end, end, False, "Time")
    dim = routing.GetDimensionOrDie("Time")
    for node in range(1, inst.num_customers + 1):
        dim.CumulVar(manager.NodeToIndex(node)).SetRange(*inst.time_windows[node])
    for v in range(inst.fleet_size):
        dim.CumulVar(routing.Start(v)).SetRange(start, end)
        dim.CumulVar(routing.End(v)).SetRange(start, end)


def _ortools_routes(
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    solution: pywrapcp.Assignment,
    fleet: int,
) -> list[list[int]]:
    routes: list[list[int]] = []
    for v in range(fleet):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route: list[int] = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


def solve_ortools(inst: Instance, time_limit: float) -> SolveResult:
    """OR-Tools routing: PATH_CHEAPEST_ARC then GUIDED_LOCAL_SEARCH until ``time_limit`` (one thread)."""
    t0 = time.perf_counter()
    manager, routing = _ortools_model(inst)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    remaining = max(0.1, time_limit - (time.perf_counter() - t0))  # model building counts against the budget
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    solution = routing.SolveWithParameters(params)
    runtime = time.perf_counter() - t0
    notes = ["PATH_CHEAPEST_ARC + GUIDED_LOCAL_SEARCH, skipping allowed at a high penalty"]
    if solution is None:
        notes.append(f"no solution found (status {routing.status()})")
        return SolveResult("ortools", [], runtime, found=False, notes=notes)
    routes = _ortools_routes(manager, routing, solution, inst.fleet_size)
    dropped = inst.num_customers - sum(len(r) for r in routes)
    if dropped:
        notes.append(f"{dropped} customer(s) skipped by OR-Tools")
    extra: dict[str, float | int | str] = {"solver_cost": int(solution.ObjectiveValue())}
    return SolveResult("ortools", routes, runtime, notes=notes, extra=extra)
