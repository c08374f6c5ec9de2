"""Re-time a plan's ETAs with the traffic of the hour each leg is driven in.

The optimizer planned on one matrix (free-flow × the factor of the plan's main departure hour). Here every leg's
free-flow time is recovered from it and driven again leaving at the stop's new departure: a leg in the evening
peak gets longer, one at lunchtime shorter. Stops keep their order; waiting for a window start (a break's
window included) absorbs early arrivals; a stop pushed past its window is reported (W3005), never silently moved.
"""

from __future__ import annotations

from doorstep.domain.errors import Issue
from doorstep.domain.plan import Plan, Route, StopType
from doorstep.domain.problem import Problem
from doorstep.domain.timing import Leg, lateness_s, retime
from doorstep.optimize.geometry import plan_origin
from doorstep.routing.traffic import TrafficModel


def retime_route(route: Route, model: TrafficModel, main_factor: float) -> list[Issue]:
    """Rewrite the route's times leg by leg with the one timing engine (``domain.timing.retime``: waits for a
    window or a break's window, keeps service times); W3005 for each stop now past its window."""
    if not route.stops:
        return []
    old_end = route.stops[-1].arrival
    free = [round(s.travel_s / main_factor) if main_factor > 0 else s.travel_s for s in route.stops[1:]]
    legs = [Leg(t, s.travel_m) for t, s in zip(free, route.stops[1:], strict=True)]
    route.stops = retime(route.stops, 1, legs, drive=model.leg_duration)
    issues: list[Issue] = []
    for stop in route.stops[1:]:
        if stop.type is not StopType.BREAK and (late := lateness_s(stop)):
            ref = stop.external_ref or stop.order_id or stop.type.value
            who = route.vehicle_name or route.vehicle_id
            msg = f"{who}: {ref} starts {round(late / 60)} min after its window with traffic"
            issues.append(Issue("W3005", msg, ("routes", route.id), stop.order_id))
    route.duration_s += round((route.stops[-1].arrival - old_end).total_seconds())
    route.driving_s = sum(s.travel_s for s in route.stops[1:])
    return issues


def retime_plan(plan: Plan, problem: Problem, model: TrafficModel) -> list[Issue]:
    """Re-time every route (in place) and return the W3005 warnings (also appended to the plan's warnings)."""
    main = model.factor_at(plan_origin(problem))
    issues = [w for route in plan.routes for w in retime_route(route, model, main)]
    plan.stats.duration_s = sum(r.duration_s for r in plan.routes)
    plan.warnings.extend(issues)
    return issues
