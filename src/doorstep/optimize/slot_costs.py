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

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from doorstep.domain.orders import Order
from doorstep.domain.plan import Plan, Route, ScheduledStop, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg, retime
from doorstep.optimize.check import check_route
from doorstep.optimize.insertion import LiveState, Proposal, _Candidate, _over_limits, _prepare, _shifts
from doorstep.optimize.live_route import with_loads, with_totals
from doorstep.routing.provider import TravelTimeProvider

CHECKED_PER_WINDOW = 6  # candidates of one window given to the checker before the window is given up

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


def _proposal(problem: Problem, cand: _Candidate, known: _Known, provider: TravelTimeProvider) -> Proposal | None:
    stops = with_loads(problem, _leave_late(cand.stops) if cand.opens else cand.stops)
    if _over_limits(problem, cand.vehicle, cand.base, stops):
        return None
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


def window_costs(
    problem: Problem, plan: Plan, order: Order, provider: TravelTimeProvider, state: LiveState | None = None
) -> list[WindowCost]:
    """Per window of ``order`` (an order of ``problem`` on no route of ``plan``), its cheapest checked insertion;
    windows without one are left out. In window order."""
    state = state or LiveState()
    search = _prepare(problem, plan, order, state, provider)
    by_window: dict[WindowKey, list[_Candidate]] = {}
    for cand in search.candidates():
        stop = cand.stops[cand.positions[0]]
        if stop.window_start is not None and stop.window_end is not None:
            by_window.setdefault((stop.window_start, stop.window_end), []).append(cand)
    known = _Known(problem, provider)
    out = []
    for key in sorted(by_window):
        ranked = sorted(by_window[key], key=lambda c: c.cost)
        for cand in ranked[:CHECKED_PER_WINDOW]:
            found = _proposal(problem, cand, known, provider)
            if found is not None:
                out.append(WindowCost(key[0], key[1], found))
                break
    return out
