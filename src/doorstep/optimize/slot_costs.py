"""Slot evaluation: what each delivery window would cost, as the cheapest feasible insertion of the customer's stop
into the day's plan with the stop bound to that window.

One insertion search serves every window of a day: the order carries all the day's windows, so the candidate
positions near the address and the travel between those few points are found once (``optimize/insertion.py``);
each candidate is timed exactly on the route (arrival, waiting for the window, every later stop and break kept
on time, back within the shift) and grouped by the window its stop was served in. Per window the cheapest
candidates are then judged like any live insertion: capacity and limits, then the independent checker on the
whole route (nothing the route did not already break). A window with no such candidate is not offered.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg, retime
from doorstep.optimize.check import check_route
from doorstep.optimize.insertion import (
    LiveState,
    Proposal,
    _Candidate,
    _over_limits,
    _prepare,
    _Search,
    _shifts,
    stop_at,
)
from doorstep.optimize.live_route import (
    PlaceChoice,
    place_choices,
    stop_type,
    with_loads,
    with_totals,
)
from doorstep.optimize.opened_route import with_breaks
from doorstep.routing.provider import TravelTimeProvider

CHECKED_PER_WINDOW = 6  # candidates of one window within limits given to the checker before it is given up

WindowKey = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class WindowCost:
    """The cheapest checked way to serve the order in one window: the cost and kilometres it adds."""

    start: datetime
    end: datetime
    proposal: Proposal


class _Known:
    """Violations a route already has, found once per route (a proposal may keep them, never add one)."""

    def __init__(self, problem: Problem, provider: TravelTimeProvider) -> None:
        self.problem, self.provider = problem, provider
        self.cache: dict[str, set[tuple[str, str | None]]] = {}

    def of(self, cand: _Candidate) -> set[tuple[str, str | None]]:
        if cand.opens:
            return set()
        if cand.base.id not in self.cache:
            found: list[Violation] = check_route(self.problem, cand.base, self.provider)
            self.cache[cand.base.id] = {(v.kind, v.order_id) for v in found}
        return self.cache[cand.base.id]


def _leave_late(stops: list[ScheduledStop]) -> list[ScheduledStop]:
    """A route the stop opens leaves the depot as late as its first stop allows (as the planner's routes do), so
    a late window does not pay for a van waiting since the start of its shift."""
    wait = timedelta(seconds=stops[1].waiting_s) if len(stops) > 1 else timedelta(0)
    if wait <= timedelta(0):
        return stops
    first = stops[0]
    start = replace(first, arrival=first.arrival + wait, start=first.start + wait, departure=first.departure + wait)
    legs = [Leg(s.travel_s, s.travel_m) for s in stops[1:]]
    return retime([start, *stops[1:]], 1, legs)


def leave_late(problem: Problem, route: Route) -> Route:
    """The route leaving its depot as late as its first stop allows (totals and cost recomputed)."""
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    return with_totals(route, vehicle, _leave_late(route.stops))


def _proposal(
    problem: Problem, cand: _Candidate, stops: list[ScheduledStop], known: _Known, provider: TravelTimeProvider
) -> Proposal | None:
    """The candidate (its stops with loads) as a proposal, if the checker finds nothing the route did not have."""
    route = with_totals(cand.base, cand.vehicle, stops)
    allowed = known.of(cand)
    if any((v.kind, v.order_id) not in allowed for v in check_route(problem, route, provider)):
        return None
    return Proposal(
        vehicle_id=cand.vehicle.id, route=route, positions=cand.positions,
        cost_delta_cents=route.cost_cents - (0 if cand.opens else cand.base.cost_cents),
        distance_delta_m=route.distance_m - (0 if cand.opens else cand.base.distance_m),
        duration_delta_s=route.duration_s - (0 if cand.opens else cand.base.duration_s),
        opens_route=cand.opens, shifted=_shifts(cand.base, route),
    )  # fmt: skip


def _slack(vehicle: Vehicle, route: Route) -> list[float]:
    """Per stop, how many seconds later the vehicle may arrive there without any stop from it on starting later
    past its window than now, or the route ending past the shift (waiting absorbs a delay; Savelsbergh's
    forward slack). Only a filter: the exact re-timing still judges every candidate it lets through."""
    stops = route.stops
    out = [0.0] * len(stops)
    ahead = math.inf
    for j in range(len(stops) - 1, 0, -1):
        st = stops[j]
        if st.type is StopType.END:
            allowed = max(0.0, (max(vehicle.shift_end, st.arrival) - st.arrival).total_seconds())
        elif st.window_end is not None:
            allowed = max(0.0, (st.window_end - st.start).total_seconds())
        else:
            allowed = math.inf
        ahead = st.waiting_s + min(allowed, ahead)
        out[j] = ahead
    return out


def _candidates(search: _Search, order: Order) -> Iterator[_Candidate]:
    """The search's single-stop candidates, each window tried only where the stop can start in it and the delay
    it causes fits the route's slack (most windows of a day fail that at once)."""
    stype = stop_type(order)
    places: dict[LatLng, list[PlaceChoice]] = {}
    for choice in place_choices(order):
        places.setdefault(choice.location, []).append(choice)
    now = search.state.now
    for vehicle, base, opens in search.routes:
        fixed = search.state.fixed_in(base)
        slack = _slack(vehicle, base)
        for p in search.positions[vehicle.id]:
            prev, nxt = base.stops[p - 1], base.stops[p]
            leave = prev.departure if now is None or p != fixed else max(prev.departure, now)
            for where, group in places.items():
                into = search.travel.leg(vehicle, prev.location, where)
                out = search.travel.leg(vehicle, where, nxt.location)
                if into is None or out is None:
                    continue
                arrive = leave + timedelta(seconds=into.travel_s)
                for choice in group:
                    if choice.window is None or arrive > choice.window.end:
                        continue
                    new = stop_at(search.problem, order, choice, stype, prev)
                    begin = max(arrive, choice.window.start)
                    delay = (begin + timedelta(seconds=new.service_s + out.travel_s) - nxt.arrival).total_seconds()
                    if (nxt.type is not StopType.END or not vehicle.open_end) and delay > slack[p]:
                        continue
                    stops = [*base.stops[:p], new, *base.stops[p:]]
                    yield from search._try(vehicle, base, opens, fixed, stops, (p,))


def window_costs(
    problem: Problem, plan: Plan, order: Order, provider: TravelTimeProvider, state: LiveState | None = None
) -> list[WindowCost]:
    """Per window of ``order`` (a single-stop order of ``problem`` on no route of ``plan``), its cheapest checked
    insertion; windows without one are left out. In window order. A vehicle found over its capacity or limits is
    not tried again for the other windows (the load a delivery adds does not depend on its window)."""
    state = state or LiveState()
    search = _prepare(problem, plan, order, state, provider, depots=False)  # slot offers: no depot limits (yet)
    by_window: dict[WindowKey, list[_Candidate]] = {}
    for cand in _candidates(search, order):
        stop = cand.stops[cand.positions[0]]
        if stop.window_start is not None and stop.window_end is not None:
            by_window.setdefault((stop.window_start, stop.window_end), []).append(cand)
    known = _Known(problem, provider)
    full: set[str] = set()
    out = []
    for key in sorted(by_window):
        checked = 0
        for cand in sorted(by_window[key], key=lambda c: c.cost):
            if checked >= CHECKED_PER_WINDOW:
                break
            if cand.vehicle.id in full:
                continue
            if cand.opens and cand.vehicle.breaks:
                placed = with_breaks(cand.stops, cand.vehicle, search.travel.leg, search.state.now)
                if placed is None:
                    continue
                cand.stops = placed
            stops = with_loads(problem, _leave_late(cand.stops) if cand.opens else cand.stops)
            if _over_limits(problem, cand.vehicle, cand.base, stops):
                if cand.base.trips <= 1:
                    full.add(cand.vehicle.id)
                continue
            checked += 1
            found = _proposal(problem, cand, stops, known, provider)
            if found is not None:
                out.append(WindowCost(key[0], key[1], found))
                break
    return out
