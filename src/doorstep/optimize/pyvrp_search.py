"""PyVRP's search as Doorstep runs it: the stopping rule, progress callbacks, penalties sized to the objective,
the starting solution, and a second search in a helper process (the other core).

With ``pyvrp_adapter`` (data in, routes out) and ``tail_chains`` (a move on the search's best plan) the only
modules that import PyVRP.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import pyvrp
from pyvrp import (
    Activity,
    ActivityType,
    CostEvaluator,
    IteratedLocalSearch,
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    Route,
    Solution,
    SolveParams,
)
from pyvrp.search import (
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    SearchMethod,
    compute_neighbours,
)

from doorstep.optimize.scaling import UNBOUNDED

MAX_TIME = int(np.iinfo(np.int64).max)
SETTLED_AFTER = 50  # iterations before a search can be said to have settled


@dataclass(frozen=True, slots=True)
class SearchReport:
    """Progress inside the search: seconds, best objective and route cost (solver units), feasibility."""

    elapsed_s: float
    objective: int
    route_cost: int
    feasible: bool
    clients: int
    iterations: int


class _Stop:
    """Stops on the time limit, after ``idle_s`` without improvement, after ``max_iterations``, or — with
    ``give_up`` — when no feasible solution has been found after that share of the budget (of the iterations when
    ``max_iterations`` bounds the run, so a bounded run stays deterministic)."""

    def __init__(
        self, limit_s: float, idle_s: float | None, max_iterations: int | None, give_up: float | None = None
    ) -> None:
        self.start = time.perf_counter()
        self.limit_s, self.idle_s, self.max_iterations = limit_s, idle_s, max_iterations
        self.give_up = give_up
        self.best = math.inf
        self.last_improvement = self.start
        self.improved_at = 0  # the iteration of the last improvement
        self.clients = 0  # the problem's size, for ``converged``
        self.iterations = 0

    @property
    def converged(self) -> bool:
        """Whether the search had settled: a feasible best, at least ``SETTLED_AFTER`` iterations (and half as many
        as there are clients), and none of the last quarter of them improved it. A search cut off while still
        improving, or before it had really started, had simply run out of time."""
        enough = max(SETTLED_AFTER, self.clients // 2)
        return self.found and self.iterations >= enough and self.improved_at <= 0.75 * self.iterations

    @property
    def found(self) -> bool:
        """Whether a feasible solution has been seen (PyVRP costs an infeasible one at the int64 maximum)."""
        return self.best < MAX_TIME

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if best_cost < self.best:
            self.best, self.last_improvement, self.improved_at = best_cost, now, self.iterations
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            return True
        self.iterations += 1
        if self.give_up is not None and not self.found:
            spent = self.iterations / self.max_iterations if self.max_iterations else (now - self.start) / self.limit_s
            if spent > self.give_up:
                return True
        if self.max_iterations is not None:
            return False
        if self.idle_s is not None and self.found and now - self.last_improvement > self.idle_s:
            return True
        return now - self.start > self.limit_s


class _Callbacks(IteratedLocalSearchCallbacks):
    def __init__(
        self, stop: _Stop, report: Callable[[SearchReport], None] | None, every_s: float, break_fixed: list[int]
    ) -> None:
        self.stop, self.report, self.every_s = stop, report, every_s
        self.break_fixed = break_fixed  # per vehicle type: the break prizes inside its fixed cost (not money)
        self.current: Solution | None = None
        self.last = 0.0
        self.evaluator = CostEvaluator([], 0, 0)

    def _emit(self, best: Solution) -> None:
        if self.report is None:
            return
        now = time.perf_counter()
        self.last = now
        ev = CostEvaluator([0] * len(best.excess_load()), 0, 0)
        route_cost = best.distance_cost() + best.duration_cost() + best.fixed_vehicle_cost()
        route_cost -= sum(self.break_fixed[r.vehicle_type()] for r in best.routes())
        self.report(
            SearchReport(
                now - self.stop.start,
                ev.cost(best) if best.is_feasible() else -1,
                route_cost,
                best.is_feasible(),
                best.num_clients() + best.num_shipments(),
                self.stop.iterations,
            )
        )

    def on_best(self, best: Solution) -> None:
        self._emit(best)

    def on_iteration(self, current: Solution, candidate: Solution, best: Solution, ce: CostEvaluator) -> None:
        self.current = current
        if time.perf_counter() - self.last >= self.every_s:
            self._emit(best)


PENALTY_BUDGET = 2e18
# Settings a benchmark may override (``search_settings.py``: ``pyvrp_search.NAME=VALUE``); the planner's values
# are PyVRP's own and the prize scale below. On the perfectly packed day none of the tried values helped
# (docs/benchmarks.md, "The one day over VROOM").
TARGET_FEASIBLE: float | None = None  # the penalty manager's target share of feasible solutions (None: PyVRP's)
# Solutions between the penalty manager's updates until the search first holds a feasible plan, on models with
# something optional (``_FeasibleFirst``; None: PyVRP's 500 throughout).
QUICK_UPDATES: int | None = 100
LOAD_UNITS_PER_PRIZE = 10  # units of excess load that start as bad as leaving a normal order out
NEIGHBOURS: int | None = None  # the granular neighbourhood's size (None: PyVRP's default)
HISTORY_LENGTH: int | None = None  # late acceptance's history, in iterations (None: PyVRP's, 300)
MAX_PERTURBATIONS: int | None = None  # the most stops one perturbation moves, every search (None: as asked)


def search_params(
    callbacks: IteratedLocalSearchCallbacks | None = None, perturbations: int | None = None
) -> SolveParams:
    """PyVRP's parameters of the iterated search and its perturbations: ``perturbations`` bounds the stops one
    perturbation moves (None: PyVRP's bound, 25). The adapter asks for a bound only where vans cost something to go
    out (``paid_vans``: a fixed cost or a break's prize), so Solomon and Gehring–Homberger keep PyVRP's own. The
    overrides above come first."""
    history = IteratedLocalSearchParams().history_length if HISTORY_LENGTH is None else HISTORY_LENGTH
    ils = IteratedLocalSearchParams(history_length=history, callbacks=callbacks or IteratedLocalSearchCallbacks())
    bound = MAX_PERTURBATIONS if MAX_PERTURBATIONS is not None else perturbations
    if bound is None:
        return SolveParams(ils=ils)
    return SolveParams(ils=ils, perturbation=PerturbationParams(1, bound))


def _violation_bound(data: ProblemData) -> float:
    """The largest violation a solution can have in any one measure a penalty multiplies: time warp (every arc
    at its longest duration), excess distance (only when a vehicle has a distance limit; every arc at its
    longest), excess load (every load at once). Each measure is bounded on its own matrix: a travel-cost
    objective's distance matrix holds money, and bounding seconds by it made the penalty ceiling collapse."""
    arcs = 2 * (data.num_clients + data.num_vehicles)
    service = sum(int(c.service_duration) for c in data.clients())
    longest_s = max([1] + [int(np.max(data.duration_matrix(p))) for p in range(data.num_profiles)])
    bounds = [float(arcs * longest_s + service)]
    if any(vt.max_distance < MAX_TIME for vt in data.vehicle_types()):
        bounds.append(float(arcs * max(int(np.max(data.distance_matrix(p))) for p in range(data.num_profiles))))
    bounds.append(float(sum(max([0, *c.delivery, *c.pickup]) for c in data.clients())))
    return max(1.0, *bounds)


def _optional(data: ProblemData) -> bool:
    """Whether the search may leave something out (a client or a group that is not required)."""
    return any(not c.required and c.group is None for c in data.clients()) or any(not g.required for g in data.groups())


def _cost_per_second(data: ProblemData) -> float:
    """What a second of travel costs in the objective (at least 1): over a sample of arcs, the median of the first
    vehicle type's distance and duration costs of the arc over its duration. PyVRP's default penalties assume an
    objective counting in units like a second (Solomon, Gehring–Homberger: exactly 1, so their penalties are PyVRP's
    own); a money objective counts 1/36,000 of a cent, a driving second is then worth some 10,000-40,000 units
    and the default ceiling of 1e5 per second of lateness or unit of excess load cost a few seconds of driving: on a
    200-order day without breaks the search sat infeasible at that ceiling (PyVRP's PenaltyBoundWarning) and ran
    at a seventh of the speed."""
    vt = data.vehicle_type(0)
    dur: np.ndarray[Any, Any] = np.asarray(data.duration_matrix(vt.profile))
    obj: np.ndarray[Any, Any] = np.asarray(data.distance_matrix(vt.profile))
    step = max(1, dur.shape[0] // 300)  # a sample of rows is plenty for a median
    d, o = dur[::step].ravel().astype(float), obj[::step].ravel().astype(float)
    real = (d > 0) & (o > 0)
    if not real.any():
        return 1.0
    per_second = (vt.unit_distance_cost * o[real] + vt.unit_duration_cost * d[real]) / d[real]
    return max(1.0, float(np.median(per_second)))


def _penalties(data: ProblemData, scale: float) -> tuple[PenaltyParams, tuple[list[float], float, float]]:
    """With nothing optional, exactly PyVRP's defaults (as ``pyvrp.solve`` sets them; capped against overflow):
    there are no prizes to weigh violations against. Otherwise PyVRP's defaults raised to our prize scale when
    it is larger: ten units of excess load start as bad as dropping a normal order (gentle enough to explore
    overloads that a reload then repairs), ten minutes of lateness likewise; the penalty manager raises them up
    to 1e5 prizes when the search stays infeasible, but never so far that a penalised cost could overflow."""
    base = PenaltyParams() if TARGET_FEASIBLE is None else PenaltyParams(target_feasible=TARGET_FEASIBLE)
    if not _optional(data):
        unit = _cost_per_second(data)
        cap = min(base.max_penalty * unit, PENALTY_BUDGET / _violation_bound(data))
        params = PenaltyParams(min_penalty=base.min_penalty * unit, max_penalty=max(base.min_penalty * unit * 10, cap))
        return params, params.midpoint_penalties(data)
    ceiling = max(
        base.min_penalty * 10, min(max(base.max_penalty, 1e5 * scale), PENALTY_BUDGET / _violation_bound(data))
    )
    mid = base.min_penalty + (min(base.max_penalty, ceiling) - base.min_penalty) / 2
    params = PenaltyParams(max_penalty=ceiling, target_feasible=base.target_feasible)

    def capped(x: float) -> float:
        return min(ceiling, max(mid, x))

    load = capped(scale / LOAD_UNITS_PER_PRIZE)
    return params, ([load] * data.num_load_dimensions, capped(scale / 600), capped(scale / 1000))


class _FeasibleFirst(PenaltyManager):
    """PyVRP's penalty manager, but until the search registers its first feasible solution it updates the
    penalties every ``quick`` solutions instead of every ``params.solutions_between_updates`` (PyVRP's 500); from
    then on PyVRP's manager carries on from the penalties reached. Used where the time is short for the day
    (``run``'s ``short``); with time to settle, PyVRP's pace gave Monaco 100 s2 at 10 s 0-2.3 % less driving.

    PyVRP's pace suits a search of tens of thousands of iterations. A 2,000-order day at 10 s makes a few thousand,
    and a search that starts infeasible raises its penalties only every 500 (some 3 s there). On the travel
    contest's Heidelberg 2,000 s2, seed 2, the planner's search made 300-850 iterations in 11 runs at PyVRP's pace
    and 6 of them left 1-4 orders out; updating every 100 until feasible (or throughout), with the smaller
    perturbations, 6 runs of 6 made 7,100-7,500, served every order and drove 222,000-226,000 s against
    235,000-250,000 s (docs/benchmarks.md, "Penalties until the first feasible plan"). Where the search is
    feasible from its first solutions, nothing changes.
    """

    def __init__(self, initial: tuple[list[float], float, float], params: PenaltyParams, quick: int) -> None:
        super().__init__(initial, replace(params, solutions_between_updates=quick))
        self._params_after = params
        self._after: PenaltyManager | None = None

    def register(self, sol: Solution) -> None:
        if self._after is not None:
            self._after.register(sol)
            return
        super().register(sol)
        if sol.is_feasible():
            self._after = PenaltyManager(super().penalties(), self._params_after)

    def penalties(self) -> tuple[list[float], float, float]:
        return self._after.penalties() if self._after is not None else super().penalties()

    def cost_evaluator(self) -> CostEvaluator:
        return self._after.cost_evaluator() if self._after is not None else super().cost_evaluator()


def _reload_cycles(data: ProblemData) -> bool:
    """Whether PyVRP 0.14.1's ``RelocateWithDepot`` can loop forever in one local search on this model: a vehicle
    type with reload depots and a maximum shift duration. Found by the property test (a 12-order problem, one van
    with reloads and ``max_shift_s``; ``tests/optimize/test_reload_hang.py``): ``pyvrp.solve`` alone on the same
    ``ProblemData`` never returns from ``LocalSearch.__call__``, with or without any other operator, and returns
    at once without this one or without the shift limit. Such models go without it (reload trips then come from
    the start solution and the other operators only); every other model keeps PyVRP's full set."""
    return any(vt.reload_depots and vt.shift_duration < UNBOUNDED for vt in data.vehicle_types())


def _start(data: ProblemData, warm: Solution | None, rng: RandomNumberGenerator) -> Solution:
    """Where the search starts: the routes of ``warm`` (a solution of a model with the same clients); else, for a
    model with something optional (breaks, prizes), no route at all, so the first local search builds routes by
    cheapest insertion — on a 1,000-order last-mile day that took 0.34 s and drove 12 % less than repairing a
    random solution (0.69 s), feasible after 3.7 s instead of 4.8 s; else PyVRP's own random start, so that on a
    model with nothing optional (Solomon, Gehring–Homberger) Doorstep's search is PyVRP's."""
    if warm is not None:
        return warm
    return Solution(data, []) if _optional(data) else Solution.make_random(data, rng)


Neighbours = dict[Activity, list[Activity]]


def neighbours_of(data: ProblemData) -> Neighbours:
    """PyVRP's granular neighbourhood (default parameters): 1.4 s on a 2,000-order day, so a model that differs
    only in its clients' priorities reuses it (proximity is by travel and time windows, not by prize)."""
    params = SolveParams().neighbourhood
    if NEIGHBOURS is not None:
        params = NeighbourhoodParams(params.weight_wait_time, NEIGHBOURS, params.symmetric_proximity)
    return compute_neighbours(data, params)


RouteSpec = tuple[int, list[tuple[int, int]]]  # (vehicle type, [(activity type, index), ...]) between the depots
DEPOT = int(ActivityType.DEPOT.value)
ROUTE_REMOVAL_EVERY = 40  # every so many perturbations of the search, one removes the current solution's smallest route


class _RouteRemoval:
    """PyVRP's local search, with every ``every``-th perturbation replaced by the removal of the smallest route
    (fewest stops) of the solution it is given: the local search then puts that route's stops back into the
    others (cheapest insertion, penalties allowing a little lateness or overload) and improves, and the iterated
    search's acceptance keeps the smaller fleet when it pays. PyVRP's own perturbations move a few stops at a
    time and seldom empty a route, so a day whose vans carry a fixed cost kept a van too many for a long time:
    on an 802-order part of the 10,000-order day with lunch breaks, 14 vans at 16 s where 80 s reach 13 (cost
    +3.5 %, two seeds); with this, 13 vans at 16 s on both (+2.1 %, -0.1 %; docs/modelling.md). A removal
    whose result leaves a required client out (the local search did not put it back) is not used: the plain
    perturbation runs instead."""

    def __init__(self, ls: LocalSearch, data: ProblemData, every: int = ROUTE_REMOVAL_EVERY) -> None:
        self.ls, self.data, self.every = ls, data, every
        self.calls = 0
        self.removals = 0  # tried
        self.kept = 0  # complete afterwards

    def __call__(self, solution: Solution, cost_evaluator: CostEvaluator, exhaustive: bool = False) -> Solution:
        if exhaustive:
            return self.ls(solution, cost_evaluator, exhaustive=True)
        self.calls += 1
        if self.calls % self.every or solution.num_routes() < 2:
            return self.ls(solution, cost_evaluator)
        specs = route_specs(solution)
        smallest = min(range(len(specs)), key=lambda i: (sum(t != DEPOT for t, _ in specs[i][1]), i))
        del specs[smallest]
        self.removals += 1
        candidate = self.ls(from_specs(self.data, specs), cost_evaluator)
        if not candidate.is_complete():
            return self.ls(solution, cost_evaluator)
        self.kept += 1
        return candidate


def paid_vans(data: ProblemData) -> bool:
    """Whether a vehicle costs something just for going out (a fixed cost; break prizes count in it too): only
    then does the search remove routes (``_RouteRemoval``). An objective of distance or time alone (Solomon,
    Gehring–Homberger) keeps PyVRP's own search."""
    return any(vt.fixed_cost > 0 for vt in data.vehicle_types())


def run(
    data: ProblemData,
    stop: _Stop,
    seed: int,
    params: SolveParams,
    scale: float,
    warm: Solution | None,
    neighbours: Neighbours | None = None,
    short: bool = False,
) -> pyvrp.Result:
    """pyvrp.solve, with initial penalties and their ceiling set for our objective's scale, from ``_start``;
    ``short`` (the time is short for the day, as the planner's perturbation bound says): the penalties move
    faster until the first feasible plan (``_FeasibleFirst``)."""
    rng = RandomNumberGenerator(seed=seed)
    near = neighbours if neighbours is not None else neighbours_of(data)
    ls = LocalSearch(data, rng, near, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data) and not (op.__name__ == "RelocateWithDepot" and _reload_cycles(data)):
            ls.add_operator(op(data))
    pparams, initial = _penalties(data, scale)
    quick = QUICK_UPDATES if short and _optional(data) else None
    pm = PenaltyManager(initial, pparams) if quick is None else _FeasibleFirst(initial, pparams, quick)
    init = ls(_start(data, warm, rng), pm.max_cost_evaluator(), exhaustive=True)
    search: SearchMethod = _RouteRemoval(ls, data, ROUTE_REMOVAL_EVERY) if paid_vans(data) else ls
    algo = IteratedLocalSearch(data, pm, search, init, params.ils)
    return algo.run(stop, False, False)


def route_specs(solution: Solution) -> list[RouteSpec]:
    """A solution's routes as plain data (to cross a process boundary, or to seed another model's search)."""
    return [(r.vehicle_type(), [(int(a.type.value), a.idx) for a in r.schedule()[1:-1]]) for r in solution.routes()]


def from_specs(data: ProblemData, specs: list[RouteSpec]) -> Solution:
    """The solution with these routes on ``data`` (a model with the same clients as the one they came from)."""
    routes = [Route(data, [Activity(ActivityType(t), i) for t, i in acts], vt) for vt, acts in specs]
    return Solution(data, routes)


def plain_cost(solution: Solution) -> int:
    """The objective without penalties (PyVRP's int64 maximum when infeasible)."""
    return int(CostEvaluator([0] * len(solution.excess_load()), 0, 0).cost(solution))


def helper_search(conn: Connection, payload: dict[str, Any]) -> None:
    """A second, independent search in its own process (another seed, same limits): sends back its best
    solution's routes, whether it is feasible, its plain cost and its iterations."""
    data: ProblemData = payload["data"]
    limit_s = max(0.05, payload["deadline"] - time.time())  # the main search's wall-clock deadline
    stop = _Stop(limit_s, payload["idle_s"], None, payload["give_up"])
    warm = from_specs(data, payload["warm"]) if payload["warm"] is not None else None
    params = search_params(perturbations=payload.get("perturbations"))
    short = payload.get("perturbations") is not None
    result = run(data, stop, payload["seed"], params, payload["scale"], warm, payload.get("neighbours"), short)
    best = result.best
    conn.send((route_specs(best), best.is_feasible(), plain_cost(best), result.num_iterations))
    conn.close()
