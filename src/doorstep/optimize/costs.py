"""Objective coefficients and prizes (priority tiers) in solver units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doorstep.domain import emissions
from doorstep.domain.fleet import Vehicle
from doorstep.domain.orders import Order, Priority
from doorstep.optimize.charging import route_limit
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.optimize.scaling import (
    COST_UNITS_PER_CENT,
    FALLBACK_CENTS_PER_HOUR,
    PER_METRE_PER_CENT_PER_KM,
    PER_SECOND_PER_CENT_PER_HOUR,
)
from doorstep.routing.provider import UNREACHABLE

PRIZE_BUDGET = 10**18  # keep the sum of all prizes far from int64 overflow
TIER = 100  # one high-priority order outweighs this many normal ones


@dataclass(frozen=True, slots=True)
class Coefficients:
    """Per-vehicle objective coefficients. With ``travel_arcs`` the solver's distance matrix holds each arc's
    travel cost (``arc_per_metre`` x metres + ``arc_per_second`` x driving seconds) and ``per_distance`` is 1."""

    fixed: int
    per_distance: int
    per_duration: int
    travel_arcs: bool = False
    arc_per_metre: int = 0
    arc_per_second: int = 0


def co2_per_metre(v: Vehicle, options: SolveOptions) -> int:
    """The CO2 price of one metre in solver units: the fuel's g/km times the price per kg (``co2_cost_cents_per_kg``),
    so a diesel van (225.9 g/km) at 10 cents/kg costs 2.26 cents more per km, an electric one (57.25 g/km) 0.57."""
    if not options.co2_cost_cents_per_kg:
        return 0
    return round(emissions.factor(v.type.fuel) * options.co2_cost_cents_per_kg * PER_METRE_PER_CENT_PER_KM / 1000)


def coefficients(v: Vehicle, options: SolveOptions) -> Coefficients:
    """What one metre, one second and one used vehicle cost in solver units under the chosen objective (the money
    objectives add the CO2 price of each metre, ``co2_per_metre``)."""
    vt = v.type
    if options.objective is Objective.DISTANCE:
        return Coefficients(0, 1, 0)
    if options.objective is Objective.DURATION:
        return Coefficients(0, 1, 0)  # the distance matrix then holds travel durations
    if options.objective is Objective.TRAVEL_COST and route_limit(v) is None:
        # PyVRP's max_distance reads the distance matrix, so a vehicle with a distance limit keeps real metres
        # and is costed the Doorstep way (hourly cost over the whole route); the planner warns (W1207).
        return Coefficients(
            fixed=vt.fixed_cost_cents * COST_UNITS_PER_CENT,
            per_distance=1,
            per_duration=options.balance_duration_cost_per_hour_cents * PER_SECOND_PER_CENT_PER_HOUR,
            travel_arcs=True,
            arc_per_metre=vt.cost_per_km_cents * PER_METRE_PER_CENT_PER_KM + co2_per_metre(v, options),
            arc_per_second=vt.cost_per_hour_cents * PER_SECOND_PER_CENT_PER_HOUR,
        )
    per_hour = vt.cost_per_hour_cents + options.balance_duration_cost_per_hour_cents
    if vt.cost_per_km_cents == 0 and vt.cost_per_hour_cents == 0 and options.fallback_duration_objective:
        per_hour += FALLBACK_CENTS_PER_HOUR
    return Coefficients(
        fixed=vt.fixed_cost_cents * COST_UNITS_PER_CENT,
        per_distance=vt.cost_per_km_cents * PER_METRE_PER_CENT_PER_KM + co2_per_metre(v, options),
        per_duration=per_hour * PER_SECOND_PER_CENT_PER_HOUR,
    )


@dataclass(frozen=True, slots=True)
class Prizes:
    """Prize per priority tier; a normal prize exceeds the cost of serving any order on a route of its own,
    breaks included: a break's prize (``brk``) is paid back in the fixed cost of every vehicle holding it
    (optimize/breaks.py), so an order alone must outweigh a fixed cost that big to open a route."""

    normal: int
    high: int
    must: int
    brk: int = 0

    def for_order(self, order: Order, options: SolveOptions) -> int:
        """The order's prize (optional orders: their value in objective units)."""
        if order.priority is Priority.OPTIONAL:
            scale = COST_UNITS_PER_CENT if options.objective.in_cents else 1
            return order.value_cents * scale
        return {Priority.NORMAL: self.normal, Priority.HIGH: self.high, Priority.MUST_SERVE: self.must}[order.priority]


def _worst_route(c: Coefficients, max_dist: int, max_dur: int, horizon: int) -> int:
    """An upper bound on what serving one order alone on its own route costs (there and back, full shift)."""
    arc = c.arc_per_metre * max_dist + c.arc_per_second * max_dur if c.travel_arcs else c.per_distance * max_dist
    return c.fixed + 2 * arc + c.per_duration * (horizon + 2 * max_dur)


def _finite_max(m: np.ndarray) -> int:
    vals = m[m < UNREACHABLE]
    return int(vals.max()) if vals.size else 0


def prizes(
    coeffs: list[Coefficients],
    obj_distance: list[np.ndarray],
    durations: list[np.ndarray],
    horizon: int,
    n: int,
    breaks_per_vehicle: int = 0,
) -> Prizes:
    """Tiered prizes: serving an order always beats its cost; one high order beats many normal ones. A break is
    worth twice the worst route; a normal order that plus one break's worth per break a vehicle holds. With the
    order's prize equal to the break's, a route could not open for one order (its fixed cost holds the break
    prizes too): the search kept the vans of its first construction and left orders out beside idle vans
    (114 of a 2,000-order day, 16 vans unused)."""
    max_dist = max((_finite_max(m) for m in obj_distance), default=0)
    max_dur = max((_finite_max(m) for m in durations), default=0)
    bound = max((_worst_route(c, max_dist, max_dur, horizon) for c in coeffs), default=1)
    brk = 2 * bound + 1
    normal = (1 + breaks_per_vehicle) * brk
    tier = max(2, min(TIER, PRIZE_BUDGET // max(1, n * normal)))
    must_tier = max(2, min(tier * tier, PRIZE_BUDGET // max(1, n * normal)))
    return Prizes(normal=normal, high=normal * tier, must=normal * must_tier, brk=brk)
