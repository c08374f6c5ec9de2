"""Carrier offers for a plan made from files (``doorstep plan --carriers carriers.json``): the planning job's own
overflow post-step (``overflow.propose``: the same candidates, savings and greedy re-evaluation), with the carriers
of a file instead of an organization's. Nothing is booked or asked of a carrier: the offers are proposals in
plan.json, and the routes stay as the optimizer made them.

What differs from a planning job, each for a reason:

- there are no bookings, so every carrier has its whole ``capacity_per_day``;
- "now" is the machine's clock: a carrier past its cut-off for the plan's day is left out, with W1720 saying so;
- the plan's day is the local day of the earliest shift start in the first depot's time zone (its cut-offs are
  read there), else of the earliest order window, else today;
- an order that names no depot (a CSV without a ``depot`` column) is priced from the depot its route leaves from,
  or from the nearest depot when it is unassigned: a carrier's price counts km from a depot.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from doorstep.domain.carrier_types import CarrierOffer
from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.errors import Issue
from doorstep.domain.geo import haversine_m
from doorstep.domain.orders import Order
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.planning.overflow import Market, propose


def plan_day(problem: Problem, now: datetime) -> tuple[date, str]:
    """The plan's local day and the time zone its cut-offs are read in (see the module)."""
    tz = problem.depots[0].timezone if problem.depots else "UTC"
    starts = [v.shift_start for v in problem.vehicles] or [w.start for o in problem.orders for w in o.time_windows]
    first = min(starts) if starts else now
    return first.astimezone(ZoneInfo(tz)).date(), tz


def with_depots(problem: Problem, plan: Plan) -> Problem:
    """The problem with a depot on every order: its own, else its route's start depot, else the nearest one."""
    if all(o.depot_id for o in problem.orders) or not problem.depots:
        return problem
    leaves = {oid: problem.vehicle(r.vehicle_id).start_depot_id for r in plan.routes for oid in r.order_ids}

    def depot_of(o: Order) -> str:
        if o.depot_id:
            return o.depot_id
        return leaves.get(o.id) or min(problem.depots, key=lambda d: haversine_m(d.location, o.location)).id

    return replace(problem, orders=tuple(replace(o, depot_id=depot_of(o)) for o in problem.orders))


def offers_from_file(
    problem: Problem, plan: Plan, carriers: list[CarrierConfig], provider: TravelTimeProvider, currency: str,
    now: datetime,
) -> tuple[list[CarrierOffer], list[Issue]]:  # fmt: skip
    """The plan's offers to the file's carriers, and a W1720 for each active carrier past its cut-off."""
    day, tz = plan_day(problem, now)
    warnings = [
        Issue("W1720", f"carrier {c.id} ({c.name}) takes orders for {day.isoformat()} until {c.cutoff:%H:%M} "
                       f"{tz}: it is {now.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} now", ("carriers", c.id), c.id)
        for c in carriers if c.active and c.cutoff is not None and not c.open_for(day, tz, now)
    ]  # fmt: skip
    market = Market.of(carriers, day, tz, now, {})
    return propose(with_depots(problem, plan), plan, market, provider, currency), warnings
