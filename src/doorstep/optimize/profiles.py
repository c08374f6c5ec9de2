"""Solver profiles: each speed profile's matrices with the arcs a group of vehicles may not use forbidden.

Skills and depot restrictions are enforced here: a vehicle's profile makes every client it may not visit
unreachable (travel into it longer than the whole day: ``forbidden_values``). Breaks are not: a vehicle takes
only its own breaks through their load dimensions (optimize/breaks.py), so vehicles that differ only in their
breaks share a profile. The open-end
location is virtual: reaching it is free, leaving it is forbidden.
"""

from __future__ import annotations

import numpy as np

from doorstep.domain.problem import Problem
from doorstep.optimize import eligibility
from doorstep.optimize.costs import Coefficients
from doorstep.optimize.geometry import Geometry
from doorstep.optimize.model import IntMatrix, MProfile, SolverModel, Visit
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.optimize.scaling import FORBIDDEN, seconds_since
from doorstep.optimize.travel_keys import travel_key
from doorstep.routing.provider import UNREACHABLE


def forbidden_values(problem: Problem, geo: Geometry, speed: str) -> tuple[int, int]:
    """(seconds, metres) that forbid an arc for this problem: twice the longest real arc plus the whole span of
    the day, so a route using one always ends past every shift (infeasible), yet small enough that the penalty
    ceiling (``pyvrp_adapter._violation_bound``) stays well above the prizes. A fixed 1e7 s made that ceiling
    collapse (1.7e4 per second of lateness against a normal order's 8e8) on days with skills or breaks."""
    span = max((seconds_since(geo.t0, v.shift_end) for v in problem.vehicles), default=0)
    dur, dist = geo.durations[speed], geo.distances[speed]
    real_dur = dur[dur < UNREACHABLE]
    real_dist = dist[dist < UNREACHABLE]
    longest_s = int(real_dur.max()) if real_dur.size else 0
    longest_m = int(real_dist.max()) if real_dist.size else 0
    return min(FORBIDDEN, 2 * (span + longest_s) + 1), min(FORBIDDEN, 2 * longest_m + 1)


def _solver_base(m: IntMatrix, geo: Geometry, forbid: int) -> IntMatrix:
    """Real matrix with the virtual open-end location free to reach and never left. A depot may lead straight
    to a break place: a route left with its break alone is how the search closes a route (optimize/breaks.py)."""
    out = np.minimum(m, forbid)
    if geo.end_loc is not None:
        out[geo.end_loc, :] = forbid
        out[:, geo.end_loc] = 0
    np.fill_diagonal(out, 0)
    return out


def _forbidden_locs(problem: Problem, model: SolverModel, vi: int) -> tuple[int, ...]:
    v = problem.vehicles[vi]
    may = [eligibility.may_serve(v, o) for o in problem.orders]
    locs = {c.loc for c in model.clients if (c.kind is Visit.ORDER and not may[c.order])}
    for s in model.shipments:
        if not may[s.order]:
            locs |= {s.p_loc, s.d_loc}
    return tuple(sorted(locs))


def _eligibility_key(problem: Problem, vi: int) -> tuple[object, ...]:
    """What ``_forbidden_locs`` depends on (skills and start depot): vehicles alike share the answer."""
    v = problem.vehicles[vi]
    return (v.all_skills, v.start_depot_id)


def _objective_matrix(dur: IntMatrix, metres: IntMatrix, options: SolveOptions, coef: Coefficients) -> IntMatrix:
    """What the solver's distance matrix holds: metres, travel seconds, or each arc's travel cost."""
    if coef.travel_arcs:
        return coef.arc_per_metre * metres + coef.arc_per_second * dur
    return dur if options.objective is Objective.DURATION else metres


def build_profiles(
    problem: Problem, geo: Geometry, options: SolveOptions, model: SolverModel, coeffs: list[Coefficients]
) -> list[int]:
    """Fill ``model.profiles``; return each vehicle's profile index."""
    base: dict[str, tuple[IntMatrix, IntMatrix]] = {}
    forbid: dict[str, tuple[int, int]] = {}
    objective: dict[tuple[object, ...], IntMatrix] = {}
    forbidden: dict[tuple[object, ...], tuple[int, ...]] = {}
    keys: dict[tuple[object, ...], int] = {}
    per_vehicle: list[int] = []
    for vi, v in enumerate(problem.vehicles):
        speed = travel_key(problem, v)
        if speed not in base:
            fs, fm = forbid[speed] = forbidden_values(problem, geo, speed)
            base[speed] = (_solver_base(geo.durations[speed], geo, fs), _solver_base(geo.distances[speed], geo, fm))
        c = coeffs[vi]
        rates = (c.arc_per_metre, c.arc_per_second) if c.travel_arcs else None
        elig = _eligibility_key(problem, vi)
        if elig not in forbidden:
            forbidden[elig] = _forbidden_locs(problem, model, vi)
        key = (speed, forbidden[elig], rates)
        if key not in keys:
            if (speed, rates) not in objective:
                objective[(speed, rates)] = _objective_matrix(*base[speed], options, c)
            dur, dist = base[speed][0], objective[(speed, rates)]
            if key[1]:
                fs, fm = forbid[speed]
                cols = list(key[1])
                dur, dist = dur.copy(), dist.copy()
                dur[:, cols] = fs
                dist[:, cols] = _objective_matrix(np.array([[fs]]), np.array([[fm]]), options, c)[0, 0]
                dur[cols, cols] = 0
                dist[cols, cols] = 0
            keys[key] = len(model.profiles)
            model.profiles.append(MProfile(speed, dur, dist))
        per_vehicle.append(keys[key])
    return per_vehicle
