"""Loading docks in the planner: at most ``docks`` vans load at a depot at once.

Decided after the search, on the routes it found (``schedule_docks``); a depot without docks, or whose loading
takes no time, is left alone. A van loads for the depot's ``loading_s`` ending at its departure, at the start of
its route and at every reload (``domain/depots.py``). Per depot, the loadings are booked in the order of their
planned departures (list scheduling; ties: the route with the least slack first, its slack being how long its
departure may wait before a stop, a break or the shift's end is late):

- a loading keeps its planned time when a dock is free then;
- otherwise it takes the first free slot after, which delays the van's departure (the re-timer carries the delay
  down the route, each reload waiting for its own slot as for a release time);
- when that delay would make the route late and a free slot exists before the planned time (not before the shift
  starts, the depot opens or the goods are ready), the van loads early instead and waits.

A route that a delay made late loses orders until it checks clean (the independent checker, on the day's
problem), those named by a violation first, then the least important, the latest first; each is then offered to
the other routes (a checked insertion that moves no loading), and becomes unassigned with ``DEPOT_DOCKS`` when none
takes it. Every loading's dock number is written on its start or reload stop (``ScheduledStop.dock``).
The checker verifies that no depot has more overlapping loadings than docks (optimize/check_depots.py).

**Kept routes.** A re-plan's problem lists the loadings of the routes it keeps (dispatched, or published and
locked: ``Problem.kept_loadings``). They are booked first, each on the dock its route was given (any free one when
it names none, or one this depot no longer has), and never move: the new loadings fit around them like around each
other, and a bump (above) never moves a kept one.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.fleet import Depot
from doorstep.domain.kept_loadings import KeptLoading
from doorstep.domain.orders import OrderKind, Priority
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType, Unassigned, UnassignedReason, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg, retime
from doorstep.optimize.check import check_route
from doorstep.optimize.insertion import apply_insertion, propose_insertion
from doorstep.optimize.live_changes import remove_order
from doorstep.optimize.live_route import with_routes, with_totals
from doorstep.optimize.reasons import ACTIONS
from doorstep.routing.provider import TravelTimeProvider

_BOUNDS = (StopType.START, StopType.RELOAD)
_RANK = {Priority.OPTIONAL: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.MUST_SERVE: 3}
FAR = timedelta(days=3650)


def docked_depots(problem: Problem) -> dict[str, Depot]:
    """Depots whose docks limit loading (a number of docks and a loading time)."""
    return {d.id: d for d in problem.depots if d.docks is not None and d.loading_s > 0}


Owner = tuple[int, int]  # (route line, trip) of a booking
KEPT: Owner = (-1, -1)  # a kept route's loading: booked before the others, never moved


@dataclass(slots=True)
class _Slots:
    """The booked loadings of one depot: (start, end, dock, owner)."""

    docks: int
    booked: list[tuple[datetime, datetime, int, Owner]] = field(default_factory=list)

    def _free_dock(self, a: datetime, b: datetime) -> int | None:
        busy = {k for s, e, k, _ in self.booked if s < b and a < e}
        return next((k for k in range(1, self.docks + 1) if k not in busy), None)

    def after(self, t: datetime, span: timedelta) -> datetime:
        """The first start at or after ``t`` with a dock free for ``span``."""
        for c in sorted({t, *(e for _, e, _, _ in self.booked if e > t)}):
            if self._free_dock(c, c + span) is not None:
                return c
        return t  # unreachable: after the last booking every dock is free

    def before(self, t: datetime, earliest: datetime, span: timedelta) -> datetime | None:
        """The latest start in [earliest, t] with a dock free for ``span``, or None."""
        cands = {t, earliest, *(s - span for s, _, _, _ in self.booked)}
        for c in sorted((c for c in cands if earliest <= c <= t), reverse=True):
            if self._free_dock(c, c + span) is not None:
                return c
        return None

    def overlapping(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime, int, Owner]]:
        """The bookings that overlap [a, b)."""
        return [x for x in self.booked if x[0] < b and a < x[1]]

    def book(self, a: datetime, b: datetime, owner: Owner) -> int:
        dock = self._free_dock(a, b)
        assert dock is not None
        self.booked.append((a, b, dock, owner))
        return dock

    def hold(self, kept: Iterable[KeptLoading]) -> None:
        """Book the kept routes' loadings as they are: on their own dock when it is one of this depot's, else on a
        free one (the first dock when none is free: kept loadings over the docks are the checker's to report)."""
        for k in sorted(kept, key=lambda k: (k.start, k.dock is None)):
            dock = k.dock if k.dock is not None and 1 <= k.dock <= self.docks else self._free_dock(k.start, k.end)
            self.booked.append((k.start, k.end, dock or 1, KEPT))


@dataclass(slots=True)
class _Line:
    """One route being booked: the departures fixed so far (stop index -> departure, dock)."""

    route: Route
    fixed: dict[int, tuple[datetime, int]] = field(default_factory=dict)
    moved: bool = False


def _bounds(route: Route) -> list[int]:
    return [k for k, s in enumerate(route.stops[:-1]) if s.type in _BOUNDS]


def _trip_release(problem: Problem, route: Route, k: int) -> datetime | None:
    """The latest release time of the deliveries loaded at stop ``k``."""
    out: datetime | None = None
    for s in route.stops[k + 1 :]:
        if s.type in (StopType.RELOAD, StopType.END):
            break
        if s.type is StopType.DELIVERY and s.order_id:
            o = problem.order(s.order_id)
            if o.kind is OrderKind.DELIVERY and o.release_at is not None:
                out = o.release_at if out is None else max(out, o.release_at)
    return out


def _windows(problem: Problem, s: ScheduledStop) -> list[tuple[datetime, datetime]]:
    """The windows of the order's place where the stop is (its planned one when none match)."""
    o = problem.order(s.order_id or "")
    windows = o.time_windows
    if s.type is StopType.PAIRED_PICKUP and o.pickup is not None:
        windows = o.pickup.time_windows
    elif s.location != o.location:
        windows = next((a.time_windows for a in o.alternatives if a.location == s.location), windows)
    return [(w.start, w.end) for w in windows]


def retimed(problem: Problem, route: Route, fixed: dict[int, tuple[datetime, int]]) -> Route:
    """The route driven with the departures in ``fixed`` (trip number -> departure and dock: the start leaves
    exactly then, a reload not before), every reload also waiting for its goods, each order stop served in its
    first window still open."""
    stops = list(route.stops)
    vehicle = problem.vehicle(route.vehicle_id)
    bounds = _bounds(route)
    floors: dict[int, datetime] = {}
    for trip, k in enumerate(bounds[1:], start=1):
        want = [t for t in (_trip_release(problem, route, k), fixed[trip][0] if trip in fixed else None) if t]
        if want:
            floors[id(stops[k])] = max(want)
    if 0 in fixed:
        dep, dock = fixed[0]
        s0 = stops[0]
        begin = dep - timedelta(seconds=s0.service_s)
        stops[0] = replace(s0, arrival=begin, start=begin, departure=dep, waiting_s=0, dock=dock,
                           duration_so_far_s=s0.service_s)  # fmt: skip

    def window(s: ScheduledStop, arrive: datetime) -> tuple[datetime | None, datetime | None]:
        if id(s) in floors:
            return floors[id(s)] - timedelta(seconds=s.service_s), None
        if s.order_id is None or s.type is StopType.BREAK:
            return s.window_start, s.window_end
        fitting = [w for w in _windows(problem, s) if w[1] >= arrive]
        return min(fitting) if fitting else (s.window_start, s.window_end)

    legs = [Leg(s.travel_s, s.travel_m) for s in stops[1:]]
    timed = retime(stops, 1, legs, window=window)
    for trip, k in enumerate(bounds[1:], start=1):
        old = route.stops[k]
        kept = fixed[trip][1] if trip in fixed else old.dock
        timed[k] = replace(timed[k], window_start=old.window_start, window_end=old.window_end, dock=kept)
    end = route.stops[-1]  # the end stop keeps its time at the depot after arriving
    timed[-1] = replace(timed[-1], departure=timed[-1].arrival + (end.departure - end.arrival))
    return with_totals(route, vehicle, timed)


def _slack(route: Route, k: int, shift_end: datetime) -> timedelta:
    """How long the departure at stop ``k`` may wait before a later stop or the return is late."""
    best, waited = FAR, timedelta(0)
    for s in route.stops[k + 1 :]:
        waited += timedelta(seconds=s.waiting_s)  # a reload's wait for its goods or its dock absorbs a delay too
        if s.window_end is not None and s.type is not StopType.RELOAD:
            best = min(best, s.window_end - s.start + waited)
        if s.type is StopType.END:
            best = min(best, shift_end - s.arrival + waited)
    return best


def _earliest(problem: Problem, line: _Line, k: int, depot: Depot) -> datetime:
    """The earliest departure of the loading at stop ``k``: not before the shift starts, the depot opens, the
    goods are ready, or (a reload) the van is back and unloaded."""
    r, v = line.route, problem.vehicle(line.route.vehicle_id)
    load = timedelta(seconds=depot.loading_s)
    s = r.stops[k]
    opens = depot.hours_on(depot.local_day(v.shift_start))[0]
    low = [v.shift_start + load] + ([opens + load] if opens is not None else [])
    if k > 0:
        low.append(s.arrival + timedelta(seconds=s.service_s))
    release = _trip_release(problem, r, k)
    return max([*low, *([release] if release else [])])


def _latest(problem: Problem, route: Route, k: int, depot: Depot) -> datetime:
    """The latest departure at stop ``k`` that keeps the route on time (by its slack)."""
    v = problem.vehicle(route.vehicle_id)
    _, closes = depot.hours_on(depot.local_day(v.shift_start))
    end = v.shift_end if v.open_end or closes is None else min(v.shift_end, closes)
    return route.stops[k].departure + _slack(route, k, end)


def _book(problem: Problem, lines: list[_Line], n: int, trip: int, slots: _Slots, depot: Depot) -> None:
    """Book one loading: at its planned time, else the first free slot after, else (when that is too late) the
    last free slot before, else after moving the loadings in its way earlier, else late (the repair follows)."""
    line = lines[n]
    r = line.route
    k = _bounds(r)[trip]
    load = timedelta(seconds=depot.loading_s)
    planned = r.stops[k].departure
    begin = slots.after(planned - load, load)
    if begin + load > _latest(problem, r, k, depot):
        early = slots.before(planned - load, _earliest(problem, line, k, depot) - load, load)
        if early is not None:
            begin = early
        elif _bump(problem, lines, slots, depot, planned - load, load):
            begin = planned - load
    _fix(problem, line, trip, begin + load, slots.book(begin, begin + load, (n, trip)))


def _fix(problem: Problem, line: _Line, trip: int, departure: datetime, dock: int) -> None:
    planned = line.route.stops[_bounds(line.route)[trip]].departure
    line.fixed[trip] = (departure, dock)
    line.route = retimed(problem, line.route, line.fixed)
    line.moved = line.moved or departure != planned


def _bump(problem: Problem, lines: list[_Line], slots: _Slots, depot: Depot, a: datetime, load: timedelta) -> bool:
    """Free a dock over [a, a + load) by moving loadings in its way to free slots that end by ``a`` (within what
    their own routes allow: not before the shift, the opening or the goods); nothing moves unless a dock frees."""
    kept = list(slots.booked)
    moves: list[tuple[Owner, datetime, int]] = []
    for x in sorted(slots.overlapping(a, a + load), key=lambda x: x[0]):
        if slots._free_dock(a, a + load) is not None:
            break
        if x[3] == KEPT:
            continue  # a kept route has left, or will leave, as it was booked
        m, trip = x[3]
        line = lines[m]
        slots.booked.remove(x)
        new = slots.before(min(x[0], a - load), _earliest(problem, line, _bounds(line.route)[trip], depot) - load, load)
        if new is None:
            slots.booked.append(x)
            continue
        moves.append((x[3], new, slots.book(new, new + load, x[3])))
    if slots._free_dock(a, a + load) is None:
        slots.booked[:] = kept
        return False
    for (m, trip), new, dock in moves:
        _fix(problem, lines[m], trip, new + load, dock)
    return True


def _schedule(problem: Problem, lines: list[_Line], depot: Depot) -> None:
    """Book every loading of the depot's routes, in the order of their departures; at equal departures the route
    with the least room to move (later or earlier) first."""
    assert depot.docks is not None
    slots = _Slots(depot.docks)
    slots.hold(k for k in problem.kept_loadings if k.depot_id == depot.id)
    heap: list[tuple[datetime, timedelta, int, int]] = []

    def push(n: int, trip: int) -> None:
        line = lines[n]
        bounds = _bounds(line.route)
        if trip < len(bounds):
            k = bounds[trip]
            dep = line.route.stops[k].departure
            room = (_latest(problem, line.route, k, depot) - dep) + (dep - _earliest(problem, line, k, depot))
            heapq.heappush(heap, (dep, room, n, trip))

    for n in range(len(lines)):
        push(n, 0)
    while heap:
        _, _, n, trip = heapq.heappop(heap)
        _book(problem, lines, n, trip, slots, depot)
        push(n, trip + 1)


def _victim(problem: Problem, route: Route, bad: list[Violation]) -> str | None:
    named = [v.order_id for v in bad if v.order_id is not None and v.order_id in route.order_ids]
    if named:
        return named[0]
    on = route.order_ids
    ranked = sorted(enumerate(on), key=lambda p: (_RANK[problem.order(p[1]).priority], -p[0]))
    return ranked[0][1] if ranked else None


def _repair(
    problem: Problem, plan: Plan, line: _Line, depot: Depot, provider: TravelTimeProvider
) -> tuple[Plan, list[Unassigned]]:
    """Take orders off a delayed route until it checks clean, keeping its booked departures."""
    lost: list[Unassigned] = []
    route = line.route
    bad = check_route(problem, route, provider)
    while bad and route.order_ids:
        oid = _victim(problem, route, bad)
        if oid is None:
            break
        o = problem.order(oid)
        dep = route.stops[0].departure.astimezone(ZoneInfo(depot.timezone))
        msg = (f"{o.external_ref or oid}: taken off {route.vehicle_name}, whose loading at {depot.name or depot.id} "
               f"waits for a free dock (leaves at {dep:%H:%M}) ({bad[0].kind}: {bad[0].message})")  # fmt: skip
        lost.append(Unassigned(oid, o.external_ref, UnassignedReason.DEPOT_DOCKS, msg,
                               ACTIONS[UnassignedReason.DEPOT_DOCKS]))  # fmt: skip
        plan = remove_order(problem, plan, oid, provider)
        found = next((r for r in plan.routes if r.id == route.id), None)
        if found is None:
            return plan, lost
        line.route = route = retimed(problem, found, line.fixed)
        plan = with_routes(plan, [route if r.id == route.id else r for r in plan.routes])
        bad = check_route(problem, route, provider)
    return plan, lost


def schedule_docks(problem: Problem, plan: Plan, provider: TravelTimeProvider) -> Plan:
    """The plan with every depot's loadings fitted into its docks, around the loadings of the routes a re-plan
    keeps (the plan itself without docked depots)."""
    depots = docked_depots(problem)
    if not depots:
        return plan
    starts = {v.id: v.start_depot_id for v in problem.vehicles}
    lost: list[Unassigned] = []
    for depot in depots.values():
        lines = [_Line(r) for r in plan.routes if starts.get(r.vehicle_id) == depot.id]
        if not lines:
            continue
        _schedule(problem, lines, depot)
        fresh = {line.route.id: line.route for line in lines}
        plan = with_routes(plan, [fresh.get(r.id, r) for r in plan.routes])
        for line in lines:
            if line.moved:
                plan, gone = _repair(problem, plan, line, depot, provider)
                lost += gone
    plan, lost = _second_chance(problem, plan, lost, provider)
    return replace(plan, unassigned=[*plan.unassigned, *lost])


def _departures(route: Route) -> list[datetime]:
    return [route.stops[k].departure for k in _bounds(route)]


def _second_chance(
    problem: Problem, plan: Plan, lost: list[Unassigned], provider: TravelTimeProvider
) -> tuple[Plan, list[Unassigned]]:
    """Each order a dock wait took off, offered to the other routes: the cheapest checked insertion that leaves
    every loading where it was booked (no new route: its loading was never booked; no departure moved)."""
    left = []
    for u in lost:
        found = None
        # no departure moves (below), and the allotment keeps the capacities: the depot checks would add nothing
        for p in propose_insertion(problem, plan, u.order_id, provider, limit=3, depot_limits=False).proposals:
            before = next((r for r in plan.routes if r.vehicle_id == p.vehicle_id), None)
            if not p.opens_route and before is not None and _departures(before) == _departures(p.route):
                found = p
                break
        if found is None:
            left.append(u)
        else:
            plan = apply_insertion(plan, found)
    return plan, left
