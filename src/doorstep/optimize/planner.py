"""Problem in, Plan out: travel matrices, impossible orders set aside with reasons, solve, exact schedules,
breaks placed, and a final check that removes nothing silently."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

from doorstep.domain.depots import parcels_of
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import haversine_m
from doorstep.domain.ids import new_id
from doorstep.domain.orders import OrderKind, Priority
from doorstep.domain.plan import Plan, PlanStats, Route, Unassigned, UnassignedReason
from doorstep.domain.problem import Problem
from doorstep.domain.releases import with_transfers
from doorstep.optimize import memory, reasons
from doorstep.optimize.break_fit import breakless, fitted
from doorstep.optimize.build import build_model, with_prizes
from doorstep.optimize.charging import route_limit
from doorstep.optimize.check import check_route
from doorstep.optimize.construct import sweep_routes
from doorstep.optimize.decompose import plan_in_parts
from doorstep.optimize.depot_capacity import allot_depots
from doorstep.optimize.docks import schedule_docks
from doorstep.optimize.geometry import Geometry, build_geometry
from doorstep.optimize.insertion import Proposal, apply_insertion, propose_insertion
from doorstep.optimize.live_changes import remove_order
from doorstep.optimize.model import SolverModel, Visit
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.optimize.part_runner import PartRunner, RunnerFactory
from doorstep.optimize.pickup_stops import expand_point_stops, merge_point_orders, share_handover
from doorstep.optimize.progress import Progress, ProgressCallback
from doorstep.optimize.pyvrp_adapter import SolveOutcome, solve, specs_of, to_problem_data
from doorstep.optimize.pyvrp_search import RouteSpec, SearchReport
from doorstep.optimize.repair import BuiltRoute, repair
from doorstep.optimize.respot import respotted
from doorstep.optimize.result import make_route, route_sequence
from doorstep.optimize.scaling import COST_UNITS_PER_CENT
from doorstep.optimize.start_routes import hinted_routes
from doorstep.optimize.stats import plan_stats
from doorstep.optimize.zones import apply_zones
from doorstep.routing.provider import TravelTimeProvider

_SERVED = (Priority.NORMAL, Priority.HIGH)  # the priorities the first model requires
_UNITS = {Objective.COST: "cents", Objective.TRAVEL_COST: "cents", Objective.DURATION: "s", Objective.DISTANCE: "m"}


class _Clock:
    def __init__(self, options: SolveOptions, on_progress: ProgressCallback | None) -> None:
        self.t = time.perf_counter()
        self.options, self.cb = options, on_progress

    def remaining(self) -> float:
        """What is left of the time limit now."""
        return self.options.time_limit_s - self.elapsed()

    def left(self, problem: Problem) -> float:
        """Seconds the search may still use: what is left of the limit, less the finish's reserve."""
        return self.remaining() - finish_reserve(problem, self.options)

    def elapsed(self) -> float:
        return time.perf_counter() - self.t

    def phase(self, name: str, **kw: object) -> None:
        if self.cb is not None:
            self.cb(Progress(name, self.elapsed(), self.options.time_limit_s, **kw))  # type: ignore[arg-type]

    def search(self, r: SearchReport) -> None:
        money = self.options.objective.in_cents
        value = (r.route_cost // COST_UNITS_PER_CENT if money else r.route_cost) if r.feasible else None
        self.phase(
            "solve",
            best_cost_cents=value if money else None,
            best_value=value,
            unit=_UNITS[self.options.objective],
            feasible=r.feasible,
            assigned=r.clients,
            iterations=r.iterations,
        )


FINISH_S_PER_ORDER = 0.0003  # repair, second chances, reasons and statistics: about 0.5 s for 2,000 orders


def finish_reserve(problem: Problem, options: SolveOptions) -> float:
    """The part of the time limit kept for the work after the search, so the limit is the wall time."""
    return min(0.1 * options.time_limit_s, FINISH_S_PER_ORDER * len(problem.orders))


SERVE_ALL_SHARE = 0.6  # of the budget, for the first feasible plan that serves every normal and high order


def _solve(
    model: SolverModel,
    options: SolveOptions,
    clock: _Clock,
    budget: float,
    give_up: float | None = None,
    warm: SolveOutcome | None = None,
    start: list[RouteSpec] | None = None,
    iterations: int | None = None,
) -> tuple[SolveOutcome, float]:
    """Search ``model``; with ``warm`` (an outcome on a model with the same clients) start from its routes and
    reuse its neighbourhood, else from the ``start`` routes when given. ``iterations`` overrides the options'
    ``max_iterations`` (a share of them)."""
    t = time.perf_counter()
    data = to_problem_data(model)
    outcome = solve(
        data,
        time_limit_s=max(0.05, budget - (time.perf_counter() - t)),  # building the data counts against it
        seed=options.seed,
        no_improvement_s=options.no_improvement_s,
        max_iterations=iterations if iterations is not None else options.max_iterations,
        report=clock.search,
        penalty_scale=float(model.prize_normal),
        give_up=give_up,
        break_fixed=[vt.break_fixed for vt in model.vehicle_types],
        warm=warm.last if warm is not None else start,
        workers=options.workers,
        neighbours=warm.neighbours if warm is not None else None,
        perturbations=perturbation_bound(len(model.clients) + len(model.shipments), options.time_limit_s),
    )
    return outcome, time.perf_counter() - t


# Where the time limit is short for the day (at least SMALL_PERTURBATIONS_ORDERS_PER_S clients a second: 150 at
# 10 s, 450 at 30 s) each perturbation of the search moves at most SMALL_PERTURBATIONS stops instead of PyVRP's 25,
# on days whose vans cost something to go out (a fixed cost or a lunch break's prize, ``pyvrp_search.paid_vans``;
# not Solomon or Gehring-Homberger). An iteration then costs about half as much and the search makes 2-2.7 times
# as many. On the last-mile days (one search, side by side, 2-3 seeds; docs/benchmarks.md, "Smaller perturbations
# when the time is short"): 200 orders at 10 s -0.1 to -0.9 % cost, 500 and 1,000 at 30 s -1.1 to -2.1 %, 1,000
# at 10 s -7 % (a van fewer); but 200 at 30 s +0.9 to +1.1 % and 100 at 10 s +0.5 to +1.2 %, where the search has
# the time to settle and the larger moves escape further. On the travel contest's days (driving time alone) 1,000
# and 2,000 orders at 10 s drove 0.6-5.8 % less ("Penalties until the first feasible plan").
SMALL_PERTURBATIONS = 10
SMALL_PERTURBATIONS_ORDERS_PER_S = 15


def perturbation_bound(clients: int, time_limit_s: float) -> int | None:
    """The most stops one perturbation moves for a day of ``clients`` in ``time_limit_s`` (None: PyVRP's)."""
    return SMALL_PERTURBATIONS if clients >= SMALL_PERTURBATIONS_ORDERS_PER_S * time_limit_s else None


def _search(
    problem: Problem, geo: Geometry, options: SolveOptions, clock: _Clock, impossible: set[int]
) -> tuple[SolverModel, SolveOutcome, float]:
    """The search, in up to three models, each tried only when the one before found no feasible plan:

    1. every normal and high-priority order required (skipped when the fleet's capacity is visibly short): the
       search runs several times more iterations when it need not weigh leaving orders out, and on a servable
       day its plan is the one the prize model would aim for; it gives up after ``SERVE_ALL_SHARE`` of the
       budget without a feasible plan;
    2. prizes in tiers (orders may be left out, must-serve orders required);
    3. must-serve orders as a third prize tier, so as many as possible are served and the rest explained.

    On a day with breaks that the budget lets settle and of at most ``BREAKLESS_ORDERS_PER_S`` orders a second of
    the limit, the first of them runs without the breaks and the rest of the search on re-spotted breaks from its
    routes with the breaks fitted in (``_breakless_first``); only when that finds no feasible plan do the models
    above run, on the time left."""
    solver_s = 0.0
    tried: SolveOutcome | None = None
    serve_all = not _capacity_short(problem, impossible) and any(o.priority in _SERVED for o in problem.orders)
    first = build_model(problem, geo, options, impossible, serve_all=serve_all)
    settles = len(problem.orders) <= POLISH_ORDERS_PER_S * options.time_limit_s
    share = polish_share(len(problem.orders), options.time_limit_s) if first.break_dims and settles else 0.0
    n = options.max_iterations
    main_iters = None if n is None else max(1, n - int(n * share))
    start = hinted_routes(first, problem) or sweep_routes(first)  # the problem's start routes, else the sweep
    if share and BREAKLESS_FIRST and len(problem.orders) <= BREAKLESS_ORDERS_PER_S * options.time_limit_s:
        done, solver_s = _breakless_first(first, problem, options, clock, share, serve_all, start, main_iters)
        if done is not None:
            return done
    reserve = share * clock.left(problem)  # seconds kept for the search on re-spotted breaks
    if serve_all:
        budget = clock.left(problem) - reserve
        tried, extra = _solve(first, options, clock, budget, SERVE_ALL_SHARE, start=start, iterations=main_iters)
        solver_s += extra
        if tried.feasible:
            return _polish(first, problem, options, clock, tried, solver_s, share)
    model = with_prizes(first, problem)  # the same clients: start from where serve-all was
    budget = max(1.0, clock.left(problem) - reserve)
    outcome, extra = _solve(model, options, clock, budget, warm=tried, start=start, iterations=main_iters)
    solver_s += extra
    if not outcome.feasible:  # must-serve orders could not all be served: serve as many as possible instead
        model = with_prizes(first, problem, must_required=False)
        budget = max(1.0, clock.left(problem) - reserve)
        outcome, extra = _solve(model, options, clock, budget, warm=outcome, iterations=main_iters)
        solver_s += extra
    return _polish(model, problem, options, clock, outcome, solver_s, share)


def _breakless_first(
    first: SolverModel,
    problem: Problem,
    options: SolveOptions,
    clock: _Clock,
    share: float,
    serve_all: bool,
    start: list[RouteSpec] | None,
    iterations: int | None,
) -> tuple[tuple[SolverModel, SolveOutcome, float] | None, float]:
    """The first search on the model without the breaks, then the rounds on re-spotted breaks from its routes
    with the breaks fitted in (``break_fit.py``); and the solver seconds spent. None (and the seconds spent) when
    that search found no feasible plan: the search with the breaks then runs on the time left."""
    model = first if serve_all else with_prizes(first, problem)
    budget = clock.left(problem) * (1 - share)
    give_up = SERVE_ALL_SHARE if serve_all else None
    found, solver_s = _solve(breakless(model), options, clock, budget, give_up, start=start, iterations=iterations)
    if not found.feasible:
        return None, solver_s
    routes, late = fitted(model, found.routes)
    warm = replace(found, routes=routes, last=specs_of(routes), feasible=late == 0)
    return _polish(model, problem, options, clock, warm, solver_s, share, fitted_start=True), solver_s


# The rounds on re-spotted breaks: their share of the search's budget (time or iterations) and how many. Three
# quarters in six rounds: on ten last-mile days of 100-1,000 orders (10 s; 1,000 at 30 s; one search, 4-6 seeds
# each, side by side) the plans drove 0.5-3.8 % less than with a quarter in three rounds on 9 of 10 days (the
# search on sampled break places settles early; the respotted model is the one whose travel the plan drives), and
# neither a tenth share, half, nine tenths in nine rounds nor ten rounds did better (docs/benchmarks.md,
# "Longer on re-spotted breaks").
POLISH_SHARE = 0.75
# With more time per order the first search (without the breaks, below) gains more from the time than the rounds
# do: at 30 s on eight days of 100-200 orders (3 seeds each, side by side) a quarter in six rounds cost less than
# three quarters on 7 of 8 (-0.1 to -1.3 %; +0.2 % on Monaco 100 s1), whereas at 10 s it cost more on 5 of the
# same 8 (docs/benchmarks.md, "A quarter on re-spotted breaks when there is time"). So a quarter at most this
# many orders a second of the limit (200 orders at 30 s, 100 from 15 s), three quarters above.
POLISH_SHARE_AT_LEISURE = 0.25
LEISURE_ORDERS_PER_S = 7


def polish_share(orders: int, time_limit_s: float) -> float:
    """The share of the search (time or iterations) spent in the rounds on re-spotted breaks."""
    return POLISH_SHARE_AT_LEISURE if orders <= LEISURE_ORDERS_PER_S * time_limit_s else POLISH_SHARE


# Only where the budget lets the first search settle: at most this many orders per second of the time limit (600
# orders at 10 s, 1,800 at 30 s). On this machine at 10 s the rounds lowered the cost of the 500-order days
# (0.926 of VROOM's against 0.948 without them, the same vans), but a 2,000-order day (300-500 iterations in all)
# left orders out with a quarter of them taken (benchmarks/results/lastmile-10s-respot.json, -500-after.json).
POLISH_ORDERS_PER_S = 60
POLISH_ROUNDS = 6
POLISH_MIN_S = 0.2  # a round shorter than this is not worth building its data
# Where the rounds run, the search before them runs without the breaks (``break_fit.py``), the breaks fitted in
# after it — on days of at most 35 orders per second of the limit (350 at 10 s, 1,050 at 30 s). Measured side by
# side (docs/benchmarks.md, "The first search without the breaks"): lower travel on 7 of 8 days of 100-200 orders
# at 10 s and on both 1,000-order days at 30 s (-1.3, -2.6 %); mixed at 500 orders in 10 s (-1.6, +1.6 %); and
# on the 10,000-stop day, whose parts of ~800 orders share its limit, +0.9 % and +0.6 % cost with 2-3 more vans
# (two seeds; likely because a shift shortened by the whole break leaves no room where the break would have
# fallen in a wait).
BREAKLESS_FIRST = True
BREAKLESS_ORDERS_PER_S = 35


def _polish(
    model: SolverModel,
    problem: Problem,
    options: SolveOptions,
    clock: _Clock,
    outcome: SolveOutcome,
    solver_s: float,
    share: float,
    fitted_start: bool = False,
) -> tuple[SolverModel, SolveOutcome, float]:
    """The last stretch of the search with the breaks re-spotted at their hosts, in ``POLISH_ROUNDS`` rounds
    (``respot.py``). Returns ``model`` itself (the re-spotted copies differ only in where the solver believes
    breaks are, which the exact schedule does not read) with the best routes found. ``fitted_start``: the
    routes are a breakless search's with the breaks fitted in (``break_fit.py``), possibly late; the rounds
    start from them all the same and keep only feasible plans."""
    if not share:
        return model, outcome, solver_s
    n = options.max_iterations
    if not outcome.feasible and not fitted_start:  # nothing to re-spot: the rounds' time goes to the search
        budget = clock.left(problem)
        if budget < POLISH_MIN_S:
            return model, outcome, solver_s
        rest = None if n is None else max(1, int(n * share))
        found, extra = _solve(model, options, clock, budget, warm=outcome, iterations=rest)
        return model, replace(found, iterations=outcome.iterations + found.iterations), solver_s + extra
    round_iters = None if n is None else max(1, int(n * share) // POLISH_ROUNDS)
    best, iterations = outcome, outcome.iterations
    for k in range(POLISH_ROUNDS):
        budget = clock.left(problem) / (POLISH_ROUNDS - k)
        if budget < POLISH_MIN_S:
            break
        found, extra = _solve(respotted(model, best.routes), options, clock, budget, warm=best, iterations=round_iters)
        solver_s += extra
        iterations += found.iterations
        if found.feasible:
            best = found
    return model, replace(best, iterations=iterations, converged=outcome.converged), solver_s


def _routes(problem: Problem, model: SolverModel, outcome: SolveOutcome) -> list[BuiltRoute]:
    pool = {i: list(vt.vehicles) for i, vt in enumerate(model.vehicle_types)}
    routes = []
    for sr in outcome.routes:
        vi = pool[sr.vehicle_type].pop(0)
        seq = route_sequence(model, problem, sr, vi)
        if seq is not None:
            route = make_route(model, problem, sr.vehicle_type, vi, seq)[0]
            routes.append(BuiltRoute(sr.vehicle_type, vi, seq, route))
    return routes


def _objective_warnings(problem: Problem, options: SolveOptions) -> list[Issue]:
    """Vehicles that cannot be costed on travel only (their distance limit needs the real distance matrix)."""
    if options.objective is not Objective.TRAVEL_COST:
        return []
    return [
        Issue(
            "W1207",
            f"{v.id}: has a maximum distance, so its hourly cost applies to the whole route (waiting and service "
            "included), not to driving only",
            ("vehicles", i, "max_distance_m"),
            v.id,
        )
        for i, v in enumerate(problem.vehicles)
        if route_limit(v) is not None and v.type.cost_per_hour_cents > 0
    ]


def _reloads(v: Vehicle) -> bool:
    """The vehicle may come back to load: it reloads, or it is an electric van that returns to charge."""
    return v.reloads or v.type.range_m is not None


def _capacity_short(problem: Problem, excluded: set[int]) -> dict[str, int]:
    short = {}
    for dim in problem.dimensions():
        if any(dim not in v.type.capacity for v in problem.vehicles):
            continue
        need = sum(o.size.get(dim, 0) for i, o in enumerate(problem.orders) if i not in excluded)
        have = sum(v.type.capacity[dim] * (1 + (v.max_reloads or 0) if _reloads(v) else 1) for v in problem.vehicles)
        if need > have and not any(_reloads(v) and v.max_reloads is None for v in problem.vehicles):
            short[dim] = need - have
    return short


def make_plan(
    problem: Problem,
    provider: TravelTimeProvider,
    options: SolveOptions,
    on_progress: ProgressCallback | None = None,
    parts: RunnerFactory | None = None,
) -> Plan:
    """Plan a validated problem with the given travel model: in one model, or in parts when it has more than
    ``options.split_above_orders`` orders (``decompose.py``; ``parts`` makes the runner of the parts, default:
    child processes of this one, ``part_runner.PartRunner``). Before anything is built, a day whose estimated
    peak memory is above the limit is refused (E1740, ``memory.py``). Inbound transfers set their orders' release
    times first (domain/transfers.py). A day whose depots limit parcels or loading docks is planned in one model:
    the parts would each count the whole limit (not yet shared out between parts)."""
    if problem.transfers:  # released once here, so the many route checks of the search need not do it again
        problem = replace(with_transfers(problem), transfers=())
    limited = any(d.capacity_parcels_per_day is not None or d.docks is not None for d in problem.depots)
    if len(problem.orders) > options.split_above_orders and not limited:
        return plan_in_parts(problem, provider, options, plan_whole, on_progress, parts or PartRunner)
    memory.refuse_if_too_big(memory.estimate(problem, limit_s=options.time_limit_s), options)
    return plan_whole(problem, provider, options, on_progress)


def plan_whole(
    problem: Problem,
    provider: TravelTimeProvider,
    options: SolveOptions,
    on_progress: ProgressCallback | None = None,
) -> Plan:
    """Plan a validated problem in one model. The orders to one pickup point (same point, same place) are one
    visit: their handover shared, merged into one client, expanded back into one stop per order
    (``pickup_stops``) — on every path that plans (the platform's jobs, ``doorstep plan``, re-sequencing, each
    part of a large day)."""
    zoned = apply_zones(problem)  # access zones as skills and narrowed windows (optimize/zones.py)
    shared = share_handover(zoned.problem)
    merged, groups = merge_point_orders(shared)
    counts = {lead: sum(parcels_of(o) for o in members) for lead, members in groups.items()}
    planned = _plan_clients(merged, provider, options, on_progress, counts)
    return zoned.explain(expand_point_stops(planned, groups, shared))


def _plan_clients(
    problem: Problem,
    provider: TravelTimeProvider,
    options: SolveOptions,
    on_progress: ProgressCallback | None = None,
    parcels: dict[str, int] | None = None,
) -> Plan:
    """Plan a validated problem whose every order is one client of the solver model (``parcels``: the count of
    an order standing for several, for depot capacities)."""
    clock = _Clock(options, on_progress)
    clock.phase("matrix")
    geo = build_geometry(problem, provider)
    warnings: list[Issue] = [w for w in geo.warnings if isinstance(w, Issue)] + _objective_warnings(problem, options)
    clock.phase("build")
    allotted = allot_depots(problem, geo, parcels)  # depot capacities (optimize/depot_capacity.py)
    problem = allotted.problem
    impossible = {oi: u for oi in range(len(problem.orders)) if (u := reasons.diagnose(problem, geo, oi)) is not None}
    impossible.update(allotted.left_out)
    model, outcome, solver_s = _search(problem, geo, options, clock, set(impossible))
    clock.phase("finish")
    routes, dropped = repair(model, problem, provider, _routes(problem, model, outcome))
    plan = _assemble(problem, routes, impossible, dropped, warnings)
    plan = reinsert(problem, plan, _second_chance(problem, plan, impossible), provider, clock.remaining(), options)
    _check_fleet_full(problem, geo, plan, outcome.converged)
    plan = allotted.explain(schedule_docks(problem, plan, provider))  # loading docks (optimize/docks.py)
    plan.stats = _stats(problem, plan, outcome, options, provider, solver_s, clock.elapsed())
    clock.phase(
        "done",
        best_cost_cents=plan.stats.cost_cents,
        best_value=plan.stats.cost_cents,
        feasible=True,
        assigned=plan.stats.orders_assigned,
    )
    return plan


def _check_fleet_full(problem: Problem, geo: Geometry, plan: Plan, converged: bool = True) -> None:
    """FLEET_FULL only when the fleet is full: an order is TIME_LIMIT instead when an unused vehicle could serve
    it alone, or when the search was cut off while still improving (``converged`` false: it ran out of time
    before it could tell); the plan then warns (W1208) that it is the best found in the time given."""
    used_ids = {r.vehicle_id for r in plan.routes}
    used = {vi for vi, v in enumerate(problem.vehicles) if v.id in used_ids}
    plan.unassigned = [reasons.not_full(problem, geo, u, used, converged) for u in plan.unassigned]
    late = [u for u in plan.unassigned if u.reason is UnassignedReason.TIME_LIMIT]
    if late:
        msg = (
            f"{len(late)} order(s) left out because the search ran out of time (an unused vehicle could serve "
            "them, or the plan was still improving): this is the best plan found in the time limit"
        )
        plan.warnings.append(Issue("W1208", msg, ("options", "time_limit_s")))


REINSERT_AT_MOST = 100  # each try costs a few milliseconds on a 1,000-stop plan
REINSERT_MIN_S = 0.25
_RANK = {Priority.MUST_SERVE: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


def _second_chance(problem: Problem, plan: Plan, impossible: dict[int, Unassigned]) -> list[str]:
    """The orders worth a checked insertion after the search: every order left out that could be served alone
    (not ``impossible``) and is not optional, must-serve and high first. The repair's drop-outs are among them,
    and so are the orders a search cut off by the time limit had not placed yet (12 of 2,000 on a last-mile
    day at 10 s, each insertable into a route with room to spare)."""
    cannot = {problem.orders[oi].id for oi in impossible}
    priority = {o.id: o.priority for o in problem.orders}
    left = [u.order_id for u in plan.unassigned if u.order_id not in cannot and priority[u.order_id] in _RANK]
    return sorted(left, key=lambda oid: _RANK[priority[oid]])


def reinsert(
    problem: Problem,
    plan: Plan,
    order_ids: list[str],
    provider: TravelTimeProvider,
    budget_s: float = 1.0,
    options: SolveOptions | None = None,
) -> Plan:
    """Give orders a second chance: the cheapest checked insertion anywhere in the plan, an unused vehicle
    included (the solver's approximate timing may have crowded them onto the wrong route, or the search ran out
    of time before placing them), within the options' balancing caps. Bounded by ``budget_s`` (at least
    ``REINSERT_MIN_S``: a few tries even when the search used the whole limit); on a full fleet most tries find
    nothing."""
    deadline = time.perf_counter() + max(REINSERT_MIN_S, budget_s)
    for oid in order_ids[:REINSERT_AT_MOST]:
        if time.perf_counter() > deadline:
            break
        fitting = _fitting(problem, plan, oid, provider, options)
        if fitting is not None:
            plan = apply_insertion(plan, fitting)
        else:
            plan = _swap_in(problem, plan, oid, provider, options, deadline)
    return plan


def _fitting(
    problem: Problem, plan: Plan, order_id: str, provider: TravelTimeProvider, options: SolveOptions | None
) -> Proposal | None:
    """The cheapest checked insertion of ``order_id`` within the balancing caps, if any."""
    # depot limits: the allotment keeps capacities in any plan, and the docks are booked after (schedule_docks)
    result = propose_insertion(problem, plan, order_id, provider, limit=3, depot_limits=False)
    return next((p for p in result.proposals if options is None or _within_balance(p.route, options)), None)


SWAP_NEIGHBOURS = 8  # served orders nearest the one left out that may make room for it


def _swap_in(
    problem: Problem,
    plan: Plan,
    order_id: str,
    provider: TravelTimeProvider,
    options: SolveOptions | None,
    deadline: float,
) -> Plan:
    """Make room for an order no route can take: for each of the served orders nearest it, take that one off,
    put the left-out order in, and put the other one back anywhere; the first swap where both fit is kept (so no
    served order is ever lost). On a 2,000-order day cut off at 10 s it placed the orders a plain insertion could
    not, each where a neighbour's stop had sat."""
    where = problem.order(order_id).location
    served = {s.order_id for r in plan.routes for s in r.stops if s.order_id}
    nearest = sorted(
        (o for o in problem.orders if o.id in served and o.kind is not OrderKind.PAIRED),
        key=lambda o: haversine_m(o.location, where),
    )[:SWAP_NEIGHBOURS]
    for other in nearest:
        if time.perf_counter() > deadline:
            break
        try:
            cut = remove_order(problem, plan, other.id, provider)
        except DoorstepError:
            continue
        first = _fitting(problem, cut, order_id, provider, options)
        if first is None:
            continue
        with_it = apply_insertion(cut, first)
        back = _fitting(problem, with_it, other.id, provider, options)
        if back is None:
            continue
        swapped = apply_insertion(with_it, back)
        changed = [r for r in swapped.routes if r not in plan.routes]
        if not any(check_route(problem, r, provider) for r in changed):  # a removal's re-timing may leave a route late
            return swapped
    return plan


def _within_balance(route: Route, options: SolveOptions) -> bool:
    """Whether a route keeps the balancing caps, which are the plan's options rather than the problem's (the
    checker does not know them): stops per route and route duration."""
    stops, longest = options.balance_max_stops, options.balance_max_duration_s
    return (stops is None or len(route.order_ids) <= stops) and (longest is None or route.duration_s <= longest)


def _assemble(
    problem: Problem,
    routes: list[Route],
    impossible: dict[int, Unassigned],
    dropped: list[Unassigned],
    warnings: list[Issue],
) -> Plan:
    served = {s.order_id for r in routes for s in r.stops if s.order_id}
    taken_off = {u.order_id: u for u in dropped}
    short = _capacity_short(problem, set(impossible))
    unassigned = []
    for oi, o in enumerate(problem.orders):
        if o.id in served:
            continue
        if oi in impossible:
            unassigned.append(impossible[oi])
        else:
            unassigned.append(taken_off.get(o.id) or reasons.after_solve(problem, oi, short))
    return Plan(
        id=new_id("pln"),
        created_at=datetime.now(UTC),
        routes=routes,
        unassigned=unassigned,
        warnings=warnings,
    )


def _stats(
    problem: Problem,
    plan: Plan,
    outcome: SolveOutcome,
    options: SolveOptions,
    provider: TravelTimeProvider,
    solver_s: float,
    total_s: float,
) -> PlanStats:
    return plan_stats(problem, plan, outcome.objective, outcome.iterations, options, provider, solver_s, total_s)


__all__ = ["Priority", "Visit", "make_plan"]
