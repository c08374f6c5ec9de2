"""PyVRP's data in and routes out: SolverModel -> ProblemData, the search (``pyvrp_search``) on one or two cores,
the best solution read back, tail chains tried on it (``tail_chains``). With ``pyvrp_search`` and ``tail_chains``
the only modules that import PyVRP."""

from __future__ import annotations

import _thread
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from pyvrp import (
    ActivityType,
    Client,
    ClientGroup,
    Depot,
    Location,
    ProblemData,
    Shipment,
    Solution,
    VehicleType,
)

from doorstep.optimize import child_process
from doorstep.optimize.child_process import Child
from doorstep.optimize.model import SolverModel
from doorstep.optimize.pyvrp_search import (
    MAX_TIME,
    RouteSpec,
    SearchReport,
    _Callbacks,
    _Stop,
    from_specs,
    helper_search,
    neighbours_of,
    paid_vans,
    plain_cost,
    route_specs,
    run,
    search_params,
)
from doorstep.optimize.scaling import UNBOUNDED
from doorstep.optimize.tail_chains import improve

_DEFAULT_MAX_RELOADS = VehicleType().max_reloads  # PyVRP's "no limit"
KIND = {
    ActivityType.CLIENT: "client",
    ActivityType.DEPOT: "depot",
    ActivityType.PICKUP: "pickup",
    ActivityType.DELIVERY: "delivery",
}


@dataclass(frozen=True, slots=True)
class SolvedActivity:
    """One activity of a solved route: kind (client/depot/pickup/delivery), index, start as the solver saw it."""

    kind: str
    idx: int
    start: int


@dataclass(frozen=True, slots=True)
class SolvedRoute:
    """A solver route: its vehicle type, start time and activities (depots at both ends included)."""

    vehicle_type: int
    start: int
    activities: list[SolvedActivity]


@dataclass(frozen=True, slots=True)
class SolveOutcome:
    """The best solution found, and how the search went."""

    routes: list[SolvedRoute]
    feasible: bool
    objective: int
    iterations: int
    runtime_s: float
    last: list[RouteSpec] | None = None  # the best routes, or the search's current ones when none was feasible
    converged: bool = True  # the search had settled (see pyvrp_search._Stop.converged), not cut off improving
    data: object = None  # the ProblemData searched, and its neighbourhood: for a next model with the same clients
    neighbours: object = None
    helper_iterations: int = 0  # of the second search (workers=2); included in ``iterations``


def specs_of(routes: list[SolvedRoute]) -> list[RouteSpec]:
    """Solved routes as route specs (vehicle type, [(activity type, index), ...] between the depots), to start a
    search from (routes read back, or changed outside the solver: ``break_fit.fitted``)."""
    code = {kind: int(t.value) for t, kind in KIND.items()}
    return [(r.vehicle_type, [(code[a.kind], a.idx) for a in r.activities[1:-1]]) for r in routes]


def _t(x: int) -> int:
    return MAX_TIME if x >= UNBOUNDED else x


def _visits(model: SolverModel) -> tuple[list[Client], list[ClientGroup], list[Shipment]]:
    """The model's clients, client groups and shipments in PyVRP's terms."""
    clients = [
        Client(
            c.loc,
            c.delivery,
            c.pickup,
            c.service,
            c.tw_early,
            _t(c.tw_late),
            c.release,
            c.prize,
            c.required,
            c.group,
        )
        for c in model.clients
    ]
    groups = [ClientGroup(g.clients, g.required) for g in model.groups]
    shipments = [
        Shipment(
            s.p_loc,
            s.d_loc,
            s.p_tw[0],
            _t(s.p_tw[1]),
            s.p_service,
            s.d_tw[0],
            _t(s.d_tw[1]),
            s.d_service,
            s.amount,
            s.prize,
            s.required,
        )
        for s in model.shipments
    ]
    return clients, groups, shipments


def to_problem_data(model: SolverModel) -> ProblemData:
    """Build PyVRP's ProblemData from the numeric model. Always built afresh, also for a model that differs from
    an earlier one only in its clients' priorities: ``ProblemData.replace`` (which reuses the matrices) took
    1.26 s on a 2,000-order day with four profiles, building anew 0.39 s."""
    clients, groups, shipments = _visits(model)
    locations = [Location(p.lng, p.lat) if p is not None else Location(0.0, 0.0) for p in model.points]
    depots = [Depot(d.loc, d.tw_early, _t(d.tw_late), d.service, name=str(d.depot_id)) for d in model.depots]
    vtypes = []
    for vt in model.vehicle_types:
        vtypes.append(
            VehicleType(
                num_available=len(vt.vehicles),
                capacity=vt.capacity,
                start_depot=vt.start_depot,
                end_depot=vt.end_depot,
                fixed_cost=vt.fixed_cost,
                tw_early=vt.tw_early,
                tw_late=_t(vt.tw_late),
                shift_duration=_t(vt.shift_duration),
                max_distance=_t(vt.max_distance),
                unit_distance_cost=vt.unit_distance_cost,
                unit_duration_cost=vt.unit_duration_cost,
                profile=vt.profile,
                reload_depots=vt.reload_depots,
                max_reloads=_DEFAULT_MAX_RELOADS if vt.max_reloads is None else vt.max_reloads,
            )
        )
    # PyVRP's stubs spell the matrix type oddly (ndarray[int, ...]); the arrays are plain int64 matrices.
    distances: list[Any] = [p.distances for p in model.profiles]
    durations: list[Any] = [p.durations for p in model.profiles]
    return ProblemData(
        locations,
        clients,
        depots,
        vtypes,
        distances,
        durations,
        groups,
        shipments,
    )


def _read(solution: Solution) -> list[SolvedRoute]:
    routes = []
    for r in solution.routes():
        acts = [SolvedActivity(KIND[a.type], a.idx, a.start_time) for a in r.schedule()]
        routes.append(SolvedRoute(r.vehicle_type(), r.start_time(), acts))
    return routes


# Penalised costs must stay inside int64 (PyVRP casts penalty x violation to a 64-bit cost; an overflow wraps and
# the local search can cycle forever). Prizes use at most 1e18 (costs.PRIZE_BUDGET); penalties get 2e18.


HELPER_WAIT_S = 1.0  # after its own search, how long the main process waits for the helper's answer


def start_method() -> str:
    """``fork`` in a single-threaded process (the CLI, a worker): the helper starts at once with the data and the
    neighbourhood already in memory (pickling a 2,000-order day's matrices alone took seconds); ``spawn`` as soon
    as another thread runs (a server), since forking a threaded process can deadlock the child, and in a daemonic
    process (which ``multiprocessing`` lets fork no children). A ``spawn`` child is started by ``child_process``:
    a fresh interpreter that imports the planner only, never the parent's ``__main__``."""
    # _thread._count: threads started below the threading module too (pytest-xdist's execnet starts such threads)
    single = threading.active_count() == 1 and _thread._count() == 0
    forkable = single and not multiprocessing.current_process().daemon
    return "fork" if forkable and "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _start_helper(data: ProblemData, payload: dict[str, Any]) -> tuple[BaseProcess | Child, Connection]:
    """A second search in another process, on the other core (see ``start_method``)."""
    fork = start_method() == "fork"
    payload = {**payload, "data": data}
    if not fork:
        payload["neighbours"] = None  # recomputed there: cheaper than pickling it
    return child_process.start_process(helper_search, (payload,), "doorstep-second-search", fork)


def _collect(helper: tuple[BaseProcess | Child, Connection] | None) -> tuple[list[RouteSpec], bool, int, int] | None:
    """The helper's answer, or None when it has none in time (it is then stopped: it never outlives the call)."""
    if helper is None:
        return None
    proc, recv = helper
    try:
        answer: tuple[list[RouteSpec], bool, int, int] | None = recv.recv() if recv.poll(HELPER_WAIT_S) else None
    except (EOFError, OSError):
        answer = None
    recv.close()
    proc.join(timeout=0.5)
    if proc.is_alive():
        proc.terminate()
        proc.join(timeout=1.0)
    return answer


# The search stops this share of its time limit early (at most CHAIN_MAX_S) for the tail chains on its best plan
# (``tail_chains``: about 0.25 s on a 1,000-client plan). A run bounded by iterations tries them without a clock.
CHAIN_SHARE = 0.01
CHAIN_MAX_S = 1.0


def solve(
    data: ProblemData,
    *,
    time_limit_s: float,
    seed: int,
    no_improvement_s: float | None = None,
    max_iterations: int | None = None,
    report: Callable[[SearchReport], None] | None = None,
    report_every_s: float = 0.25,
    penalty_scale: float = 0.0,
    give_up: float | None = None,
    break_fixed: list[int] | None = None,
    warm: list[RouteSpec] | None = None,
    workers: int = 1,
    neighbours: object | None = None,
    perturbations: int | None = None,
) -> SolveOutcome:
    """Run PyVRP's iterated local search; deterministic for a seed when ``max_iterations`` bounds the run.

    ``break_fixed``: per vehicle type, the part of its fixed cost that is not money (break prizes paid back).
    ``warm``: the ``last`` routes of an earlier outcome on a model with the same clients, to start from.
    ``neighbours``: an earlier outcome's, when ``data`` has the same clients (a model from ``build.with_prizes``).
    ``perturbations``: the most stops one perturbation moves (``pyvrp_search.search_params``; None: PyVRP's),
    only where a van costs something to go out (``paid_vans``: not on Solomon or Gehring–Homberger); a bound
    also means the time is short, and the penalties then move faster until the first feasible plan
    (``pyvrp_search._FeasibleFirst``).
    ``workers`` > 1 (time-bounded runs only): a second search with the next seed runs in a helper process on the
    other core, and the better plan of the two is kept; iterations are the two searches' sum. The search stops
    ``CHAIN_SHARE`` of the limit early, and the kept plan gets the improving tail chains found in that time
    (``tail_chains``)."""
    entered = time.perf_counter()
    helper = None
    if not paid_vans(data):
        perturbations = None  # PyVRP's bound where going out costs nothing (docs/modelling.md)
    near = neighbours if isinstance(neighbours, dict) else neighbours_of(data)
    time_limit_s = max(0.05, time_limit_s - (time.perf_counter() - entered))  # the limit holds the set-up too
    deadline = time.perf_counter() + time_limit_s  # the tail chains' (the search stops a little before it)
    if max_iterations is None:
        time_limit_s -= min(CHAIN_SHARE * time_limit_s, CHAIN_MAX_S)
    if workers > 1 and max_iterations is None:
        payload = {"deadline": time.time() + time_limit_s, "idle_s": no_improvement_s, "give_up": give_up,
                   "seed": seed + 1, "scale": penalty_scale, "warm": warm, "neighbours": near,
                   "perturbations": perturbations}  # fmt: skip
        try:
            helper = _start_helper(data, payload)
        except OSError:  # no process could start (no memory, no more processes): this search alone
            helper = None
    stop = _Stop(time_limit_s, no_improvement_s, max_iterations, give_up)
    stop.clients = data.num_clients
    callbacks = _Callbacks(stop, report, report_every_s, break_fixed or [0] * data.num_vehicle_types)
    params = search_params(callbacks, perturbations)
    start = from_specs(data, warm) if warm else None
    result = run(data, stop, seed, params, penalty_scale, start, near, short=perturbations is not None)
    best: Solution = result.best
    iterations = result.num_iterations
    last = route_specs(best if best.is_feasible() or callbacks.current is None else callbacks.current)
    other = _collect(helper)
    helper_iterations = other[3] if other is not None else 0
    if other is not None:
        specs, feasible, cost, helper_iterations = other
        iterations += helper_iterations
        if feasible and (not best.is_feasible() or cost < plain_cost(best)):
            best, last = from_specs(data, specs), specs
    best, chains = improve(data, best, near, deadline if max_iterations is None else float("inf"))
    if chains:
        last = route_specs(best)
    objective = plain_cost(best) if best.is_feasible() else -1
    callbacks._emit(best)
    return SolveOutcome(
        _read(best),
        best.is_feasible(),
        objective,
        iterations,
        result.runtime,
        last,
        stop.converged,
        data,
        near,
        helper_iterations,
    )
