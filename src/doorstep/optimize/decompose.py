"""A large day planned in parts (docs/modelling.md, "Large days"): split by depot and sweep (``split.py``), each
part a full problem planned by the usual path on its own matrices in a child process (``part_runner.py``), then a
recovery part (what the parts left out, with the vehicles they did not use), one plan merged from them, its
reasons given against the whole fleet and the whole plan checked by the independent checker.

No matrix over the whole day is ever built: each part's matrices cover its own places, the reasons of the orders
left out are worked out on a problem of those orders alone, and the checker takes the routes a few at a time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from doorstep.domain.errors import Issue
from doorstep.domain.ids import new_id
from doorstep.domain.plan import Plan, PlanStats, Route, Unassigned, UnassignedReason
from doorstep.domain.problem import Problem
from doorstep.optimize import memory, reasons
from doorstep.optimize.check import check_plan
from doorstep.optimize.check_transit import ZONE_TRANSIT
from doorstep.optimize.geometry import build_geometry, plan_origin
from doorstep.optimize.options import MAX_WORKERS, SolveOptions
from doorstep.optimize.part_runner import (
    PartResult,
    PartRunner,
    PartSolver,
    PartWork,
    RunnerFactory,
    Runs,
    served_all,
)
from doorstep.optimize.part_travel import PartTravel, part_travel
from doorstep.optimize.progress import Progress, ProgressCallback
from doorstep.optimize.pyvrp_adapter import start_method
from doorstep.optimize.recut import Recut, recut
from doorstep.optimize.split import PartSpec, Split, split_day
from doorstep.optimize.start_routes import start_routes_of
from doorstep.optimize.stats import plan_stats
from doorstep.optimize.zones import apply_zones
from doorstep.routing.provider import TravelTimeProvider

R = UnassignedReason
RECOVERY_SHARE = 0.08  # of the time limit, kept for the recovery part (used only when a part left orders out)
RECOVERY_MIN_S, RECOVERY_MAX_S = 1.0, 20.0
RECOVERY_SKIP_S = 0.5  # with less left (the parts overran their deadlines), no recovery part
MERGE_S_PER_ORDER = 0.0005  # merging, the whole-fleet reasons and the checker: 2-4 s measured at 10,000 orders
REPORT_EVERY_S = 0.25
# The first pass (``_first_pass``): its share of the parts' first stretch, and the least a part's share may be. At
# 10,000 stops in 120 s the first complete plan came at 17.5 s instead of 98 s, the day costing the same within
# noise (docs/benchmarks.md).
FIRST_PASS_SHARE = 0.15
FIRST_PASS_MIN_S = 2.0
# The boundary pass (``recut.py``): its share of the parts' time (0: off), and the share of a part's orders (by its
# routes) at each of its edges. Measured at 10,000 stops, 120 s, two seeds (docs/benchmarks.md): alone, 0.15 / 0.25
# cost the same as no pass within noise (-0.3 %, +0.5 %), 0.3 / 0.5 cost 0.8 % more; with the first pass it cost
# 2.0 % and 3.6 % more. Off until it pays.
BOUNDARY_SHARE = 0.0
BOUNDARY_EDGE = 0.25
BOUNDARY_MIN_S = 3.0  # a boundary part's least share of the time (else no boundary pass)
# Reasons found inside one part that hold for the whole day as they are: a repair's (the route could not keep
# the order), an optional order not worth its detour, a part that failed.
_KEPT = (R.NOT_WORTH_IT, R.RANGE, R.ACCESS_ZONE, R.PART_FAILED)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def processes(options: SolveOptions) -> int:
    """Part processes: ``part_workers``, else ``workers`` when above 1, else the cores (at most ``MAX_WORKERS``)."""
    if options.part_workers is not None:
        return options.part_workers
    return options.workers if options.workers > 1 else min(MAX_WORKERS, cores())


def part_problem(problem: Problem, spec: PartSpec, name: str) -> Problem:
    """A part as a full problem: its orders and vehicles, every depot, driver and zone of the day."""
    return replace(
        problem,
        orders=tuple(problem.orders[oi] for oi in spec.orders),
        vehicles=tuple(problem.vehicles[vi] for vi in spec.vehicles),
        matrices=None,  # its travel comes from its own matrices (part_travel.py)
        name=name,
    )


@dataclass(slots=True)
class _Board:
    """The latest report of each part, and the whole day's report made from them."""

    cb: ProgressCallback | None
    t0: float
    limit: float
    parts: int
    orders: int
    last: dict[int, Progress] = field(default_factory=dict)
    best: dict[int, int] = field(default_factory=dict)  # each part's latest best value (kept through its finish)
    sizes: dict[int, int] = field(default_factory=dict)
    sent: float = 0.0

    def day(self, phase: str, force: bool = False, **kw: object) -> None:
        if self.cb is None or (not force and time.perf_counter() - self.sent < REPORT_EVERY_S):
            return
        self.sent = time.perf_counter()
        elapsed = time.perf_counter() - self.t0
        kw.setdefault("orders", self.orders)
        self.cb(Progress(phase, elapsed, self.limit, parts=self.parts, **kw))  # type: ignore[arg-type]

    def split(self) -> None:
        """The day's split, then each part as ``queued`` with its orders: every part is known (and shown) from the
        start, not only once its process reports."""
        self.day("split", force=True)
        for index, n in sorted(self.sizes.items()):
            if self.cb is not None:
                self.cb(Progress("queued", 0.0, 0.0, part=index, parts=self.parts, orders=n))

    def part(self, index: int, p: Progress) -> None:
        self.last[index] = p
        if self.cb is not None:
            self.cb(replace(p, part=index, parts=self.parts, orders=self.sizes.get(index, 0)))
        if p.feasible and p.best_value is not None:
            self.best[index] = p.best_value
        whole = len(self.best) == self.parts
        total = sum(self.best.values())
        self.day(
            "solve",
            best_value=total if whole else None,
            best_cost_cents=total if whole and p.unit == "cents" else None,
            feasible=whole,
            assigned=sum(q.assigned for q in self.last.values()),
            iterations=sum(q.iterations for q in self.last.values()),
            unit=p.unit,
        )


def plan_in_parts(
    problem: Problem,
    provider: TravelTimeProvider,
    options: SolveOptions,
    solve: PartSolver,
    on_progress: ProgressCallback | None = None,
    runner: RunnerFactory = PartRunner,
) -> Plan:
    """Plan a large validated day in parts (see the module's docstring); raises E1740 before building anything
    when the parts would not fit in memory. ``runner`` makes the runner of the parts: child processes of this one
    (``PartRunner``), or, on the platform's Celery workers, the one the platform gives (``jobs.parts_runner``)."""
    t0 = time.perf_counter()
    workers = processes(options)
    split = split_day(problem, options.part_orders, workers)
    names = [f"{problem.name or 'day'} part {i + 1}/{len(split.parts)}" for i in range(len(split.parts))]
    parts = [part_problem(problem, s, n) for s, n in zip(split.parts, names, strict=True)]
    spawn = start_method() == "spawn"
    memory.refuse_if_too_big(memory.estimate(problem, parts, workers, spawn, options.time_limit_s), options)
    board = _Board(on_progress, t0, options.time_limit_s, len(parts), len(problem.orders))
    board.sizes = {i + 1: len(p.orders) for i, p in enumerate(parts)}
    board.split()
    origin = plan_origin(problem)
    travel_warnings: list[Issue] = []

    def make_travel(p: Problem) -> PartTravel:
        t = part_travel(p, provider, origin)
        travel_warnings.extend(w for w in t.warnings if w not in travel_warnings)
        return t

    limit = options.time_limit_s
    recovery_s = min(RECOVERY_MAX_S, max(RECOVERY_MIN_S, RECOVERY_SHARE * limit))
    merge_s = MERGE_S_PER_ORDER * len(problem.orders)
    part_opts = replace(options, workers=1, split_above_orders=max(options.split_above_orders, len(problem.orders)))
    parts_end = _monotonic_at(t0, limit - recovery_s - merge_s)
    late_end = _monotonic_at(t0, limit - merge_s - RECOVERY_MIN_S)  # when no part so far left an order out
    boundaries = boundary_count(split) if BOUNDARY_SHARE > 0 else 0
    main_end = parts_end - BOUNDARY_SHARE * (parts_end - time.monotonic()) if boundaries else parts_end
    if boundaries and (parts_end - main_end) * workers / boundaries < BOUNDARY_MIN_S:
        boundaries, main_end = 0, parts_end
    started = time.perf_counter()
    first = _first_pass(parts, part_opts, workers, main_end, solve, board, make_travel, runner)
    # The parts may run into the recovery's time only when their first pass served all it could: otherwise a part
    # started after a clean one finished took that time while a part still running (one left short of vans) went
    # on to leave orders out, and the recovery part, left with less than RECOVERY_SKIP_S, never ran.
    late = late_end if not boundaries and served_all(first) else None
    runs = runner(part_opts, workers, main_end, solve, board.part, late_end=late)
    works = [PartWork(i + 1, restarted(p, first.get(i + 1)), make_travel) for i, p in enumerate(parts)]
    results = better(first, runs.run(works))
    merged = _Merged.of(problem, split, parts, results)
    merged.iterations += sum(r.plan.stats.iterations for r in first.values() if r.plan is not None)
    if boundaries:
        plans = {i: r.plan for i, r in results.items() if r.plan is not None}
        cut = recut(problem, split, plans, problem.name or "day", BOUNDARY_EDGE)
        boundaries = len(cut.parts)
        board.day("boundary", force=True)
        quiet = runner(part_opts, workers, parts_end, solve, lambda _i, _p: None,
                       late_end=late_end if served_all(results) else None)  # fmt: skip
        _boundary_pass(merged, cut, quiet, make_travel)
    _recover(problem, merged, part_opts, solve, make_travel, _monotonic_at(t0, limit - merge_s), board)
    solver_s = time.perf_counter() - started  # the parallel parts and the recovery part, wall time
    board.day("merge", force=True)
    plan = merged.plan(problem, provider, options)
    plan.warnings.extend(travel_warnings)
    short = sorted(i for i, r in first.items() if not served_all({i: r}))
    plan.warnings.append(_parts_note(len(parts), runs.where(), merged.failed, boundaries, short))
    plan.warnings.extend(check_issues(problem, plan, provider))
    plan.stats = _stats(problem, plan, options, provider, merged, solver_s, time.perf_counter() - t0)
    board.day("done", force=True, best_cost_cents=plan.stats.cost_cents, best_value=plan.stats.cost_cents,
              feasible=True, assigned=plan.stats.orders_assigned)  # fmt: skip
    return plan


def _first_pass(
    parts: list[Problem],
    options: SolveOptions,
    workers: int,
    main_end: float,
    solve: PartSolver,
    board: _Board,
    make_travel: Callable[[Problem], PartTravel],
    runner: RunnerFactory,
) -> dict[int, PartResult]:
    """Every part planned briefly (``FIRST_PASS_SHARE`` of the first pass's time), so that a complete plan of the
    day exists early instead of once the last wave of parts ends; none when a part's share would be under
    ``FIRST_PASS_MIN_S``. The main pass starts each part from these routes (``restarted``)."""
    end = time.monotonic() + FIRST_PASS_SHARE * (main_end - time.monotonic())
    if (end - time.monotonic()) * workers / len(parts) < FIRST_PASS_MIN_S:
        return {}
    board.day("first_pass", force=True)
    works = [PartWork(i + 1, p, make_travel) for i, p in enumerate(parts)]
    return runner(options, workers, end, solve, board.part).run(works)


def restarted(part: Problem, first: PartResult | None) -> Problem:
    """The part, to be planned again from its first-pass routes (a hint: ``optimize/start_routes.py``)."""
    if first is None or first.plan is None:
        return part
    return replace(part, start_routes=start_routes_of(first.plan.routes))


def better(first: dict[int, PartResult], second: dict[int, PartResult]) -> dict[int, PartResult]:
    """Per part, the main pass's plan, unless it has none or serves fewer orders than the first pass's."""
    out = dict(second)
    for i, a in first.items():
        b = second.get(i)
        served = a.plan.stats.orders_assigned if a.plan is not None else 0
        if a.plan is not None and (b is None or b.plan is None or served > b.plan.stats.orders_assigned):
            out[i] = a
    return out


def _monotonic_at(t0_perf: float, seconds: float) -> float:
    """The monotonic time ``seconds`` after ``t0_perf`` (a perf_counter reading)."""
    return time.monotonic() + (t0_perf + seconds - time.perf_counter())


@dataclass(slots=True)
class _Merged:
    """The parts' routes and left-out orders gathered into one day."""

    routes: list[Route]
    left: dict[str, Unassigned]  # order id -> the reason its part gave
    used: set[str]  # vehicle ids with a route
    failed: list[int]  # part numbers whose processes failed twice
    failed_vehicles: set[str]
    warnings: list[Issue] = field(default_factory=list)  # the parts' own (W1208 is worked out for the day)
    objective: int = 0
    iterations: int = 0

    @classmethod
    def of(cls, problem: Problem, split: Split, parts: list[Problem], results: dict[int, PartResult]) -> _Merged:
        m = cls([], {}, set(), [], set())
        for oi in split.unplaced:
            o = problem.orders[oi]
            m.left[o.id] = Unassigned(o.id, o.external_ref, R.NO_VEHICLE, "", "")  # explained against the fleet
        for i, part in enumerate(parts, start=1):
            res = results.get(i)
            if res is None or res.plan is None:
                m.failed.append(i)
                m.failed_vehicles |= {v.id for v in part.vehicles}
                why = (res.errors[-1] if res is not None and res.errors else "no result").splitlines()[0]
                for o in part.orders:
                    m.left[o.id] = _failed(o.id, o.external_ref, i, len(parts), why)
                continue
            m.add(res.plan)
        return m

    def add(self, plan: Plan, reasons: bool = True, objective: bool = True) -> None:
        """A part's routes and left-out orders; ``reasons`` False (the recovery part): an order still left out
        keeps the reason its own part gave; ``objective`` False (a boundary part): its objective is not added (the
        day's objective stays the sum of the first pass's parts)."""
        for r in plan.routes:
            r.id = new_id("rte")  # unique across the parts' processes
            self.routes.append(r)
            self.used.add(r.vehicle_id)
        for r in plan.routes:
            for s in r.stops:
                if s.order_id is not None:
                    self.left.pop(s.order_id, None)
        for u in plan.unassigned if reasons else ():
            self.left[u.order_id] = u
        self.warnings.extend(w for w in plan.warnings if w.code != "W1208" and w not in self.warnings)
        self.objective += plan.stats.objective if objective else 0
        self.iterations += plan.stats.iterations

    def plan(self, problem: Problem, provider: TravelTimeProvider, options: SolveOptions) -> Plan:
        """The merged plan, every order left out explained against the whole fleet and plan."""
        unassigned = whole_day_reasons(problem, provider, self.left, self.used)
        late = [u for u in unassigned if u.reason is R.TIME_LIMIT]
        warnings = list(self.warnings)
        if late:
            msg = (
                f"{len(late)} order(s) left out because the search ran out of time (an unused vehicle could serve "
                "them, or the plan was still improving): this is the best plan found in the time limit"
            )
            warnings.append(Issue("W1208", msg, ("options", "time_limit_s")))
        return Plan(id=new_id("pln"), created_at=datetime.now(UTC), routes=self.routes, unassigned=unassigned,
                    warnings=warnings)  # fmt: skip


def boundary_count(split: Split) -> int:
    """The boundary parts a day's split would have: one between each two consecutive parts of a depot."""
    per_depot: dict[str, int] = {}
    for spec in split.parts:
        per_depot[spec.depot_id] = per_depot.get(spec.depot_id, 0) + 1
    return sum(k - 1 for k in per_depot.values())


def _boundary_pass(merged: _Merged, cut: Recut, runner: Runs, make_travel: Callable[[Problem], PartTravel]) -> None:
    """Plan the boundary parts (``recut.py``) from their routes; a boundary part's plan replaces the routes it
    started from, and a boundary part that fails keeps them."""
    works = [PartWork(k, b.problem, make_travel) for k, b in enumerate(cut.parts, start=1)]
    results = runner.run(works)
    for k, b in enumerate(cut.parts, start=1):
        res = results.get(k)
        if res is None or res.plan is None:
            continue
        gone = {id(r) for r in b.routes}
        merged.routes = [r for r in merged.routes if id(r) not in gone]
        merged.add(res.plan, objective=False)
    merged.used = {r.vehicle_id for r in merged.routes}


def _failed(order_id: str, ref: str, part: int, parts: int, why: str) -> Unassigned:
    detail = f"part {part} of {parts} of the day could not be planned: its process failed twice ({why})"
    return Unassigned(order_id, ref, R.PART_FAILED, f"{ref or order_id}: {detail}", reasons.ACTIONS[R.PART_FAILED])


def _recover(
    problem: Problem,
    merged: _Merged,
    options: SolveOptions,
    solve: PartSolver,
    make_travel: Callable[[Problem], PartTravel],
    end: float,
    board: _Board,
) -> None:
    """The recovery part: the orders the parts left out (not those of a failed part) with the vehicles no part
    used (nor a failed part's), planned in what is left of the time; its routes join the day. The orders it
    leaves out keep the reasons their parts gave (whole-day reasons are worked out after). It runs in a child
    process of the planning process whichever runner ran the parts: one part, nothing to share out."""
    ids = {oid for oid, u in merged.left.items() if u.reason is not R.PART_FAILED}
    orders = tuple(o for o in problem.orders if o.id in ids)
    idle = tuple(v for v in problem.vehicles if v.id not in merged.used and v.id not in merged.failed_vehicles)
    if not orders or not idle or end - time.monotonic() < RECOVERY_SKIP_S:
        return
    board.day("recovery", force=True, orders=len(orders))
    sub = replace(problem, orders=orders, vehicles=idle, matrices=None, name=f"{problem.name or 'day'} recovery")
    recovery = PartRunner(options, 1, end, solve, lambda _i, _p: None, RECOVERY_SKIP_S)
    result = recovery.run([PartWork(0, sub, make_travel)]).get(0)
    if result is None or result.plan is None:
        return
    merged.add(result.plan, reasons=False)


def whole_day_reasons(
    problem: Problem, provider: TravelTimeProvider, left: dict[str, Unassigned], used: set[str]
) -> list[Unassigned]:
    """Each order left out, explained against the whole fleet: what no vehicle could do alone (checked on a
    problem of these orders only, so on a small matrix), else ``FLEET_FULL`` or ``TIME_LIMIT`` as the whole plan
    shows (an idle vehicle that could serve it alone). A reason a part found that holds for the day as it is
    (``_KEPT``) stays."""
    if not left:
        return []
    kept = {oid: u for oid, u in left.items() if u.reason in _KEPT}
    rest = tuple(o for o in problem.orders if o.id in left and o.id not in kept)
    out = dict(kept)
    if rest:
        zoned = apply_zones(replace(problem, orders=rest, matrices=None)).problem
        geo = build_geometry(zoned, provider)
        busy = {vi for vi, v in enumerate(zoned.vehicles) if v.id in used}
        for oi, o in enumerate(zoned.orders):
            found = reasons.diagnose(zoned, geo, oi)
            if found is None:
                full = reasons.after_solve(zoned, oi, {})  # FLEET_FULL, or NOT_WORTH_IT for an optional order
                found = reasons.not_full(zoned, geo, full, busy)  # FLEET_FULL only when no idle vehicle could
            out[o.id] = found
    return [out[o.id] for o in problem.orders if o.id in out]


def check_issues(problem: Problem, plan: Plan, provider: TravelTimeProvider) -> list[Issue]:
    """The independent checker on the merged plan: every violation it finds becomes a W1747 warning (the parts'
    routes were each checked where they were made; a violation here is a bug to report, never hidden). Except a
    leg through an access zone when the plan already says its travel model cannot avoid zones (W3006: remote
    OSRM draws the roads but cannot route around a zone): that is the known limit W3006 names, not a bug."""
    unavoidable = any(w.code == "W3006" for w in plan.warnings)
    return [
        Issue("W1747", f"{v.kind}: {v.message}", ("routes", v.route_id or ""), v.order_id)
        for v in check_plan(problem, plan, provider)
        if not (unavoidable and v.kind == ZONE_TRANSIT)
    ]


def _parts_note(
    parts: int, where: str, failed: list[int], boundaries: int = 0, short: Sequence[int] = ()
) -> Issue:
    """W1746: the day was planned in parts, where they ran (``Runs.where``), across how many boundaries the
    boundary pass planned again, which parts' first pass left orders out (the parts then kept to the recovery
    part's time), and which parts failed."""
    msg = f"a large day: planned in {parts} parts {where}; "
    if boundaries:
        msg += f"then {boundaries} part(s) straddling the part boundaries planned again from their routes"
    else:
        msg += "routes do not cross part boundaries"
    if short:
        msg += f"; the first pass of part(s) {', '.join(map(str, short))} left orders out"
    if failed:
        msg += f"; part(s) {', '.join(map(str, failed))} failed twice and their orders are unassigned (PART_FAILED)"
    return Issue("W1746", msg, ("orders",))


def _stats(
    problem: Problem,
    plan: Plan,
    options: SolveOptions,
    provider: TravelTimeProvider,
    merged: _Merged,
    solver_s: float,
    total_s: float,
) -> PlanStats:
    """The whole day's statistics: sums over every route; ``solver_s`` is the wall time of the parts (the
    parallel ones and the recovery part, their matrices included: they are computed while earlier parts run)."""
    return plan_stats(problem, plan, merged.objective, merged.iterations, options, provider, solver_s, total_s)


def parts_count(problem: Problem, options: SolveOptions) -> int:
    """How many parts a day would be planned in (0: one model)."""
    if len(problem.orders) <= options.split_above_orders:
        return 0
    return len(split_day(problem, options.part_orders, processes(options)).parts)


__all__ = ["parts_count", "plan_in_parts"]
