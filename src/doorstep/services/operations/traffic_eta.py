"""Re-time a plan's ETAs with the traffic of the hour each leg is driven in.

The optimizer planned on one matrix (free-flow × the factor of the plan's main departure hour). Here every leg's
free-flow time is recovered from it and driven again leaving at the stop's new departure: a leg in the evening
peak gets longer, one at lunchtime shorter. Stops keep their order; waiting for a window start or a planned
break absorbs early arrivals; a stop pushed past its window is reported (W3005), never silently moved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from doorstep.domain.errors import Issue
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType
from doorstep.domain.problem import Problem
from doorstep.optimize.geometry import plan_origin
from doorstep.routing.traffic import TrafficModel


def _earliest(stop: ScheduledStop) -> datetime | None:
    """When the stop may start at the earliest: its window start, a break's planned start, or on arrival."""
    if stop.window_start is not None:
        return stop.window_start
    return stop.start if stop.type is StopType.BREAK else None


def retime_route(route: Route, model: TrafficModel, main_factor: float) -> list[Issue]:
    """Rewrite the route's arrival/start/departure times leg by leg; W3005 for each stop now past its window."""
    if not route.stops:
        return []
    issues: list[Issue] = []
    old_end = route.stops[-1].arrival
    prev = route.stops[0]
    driving = 0
    for stop in route.stops[1:]:
        free = round(stop.travel_s / main_factor) if main_factor > 0 else stop.travel_s
        drive = model.leg_duration(prev.departure, free) if stop.travel_s else 0
        busy = stop.departure - stop.start
        stop.arrival = prev.departure + timedelta(seconds=drive)
        earliest = _earliest(stop)
        stop.start = max(stop.arrival, earliest) if earliest is not None else stop.arrival
        stop.waiting_s = round((stop.start - stop.arrival).total_seconds())
        stop.departure = stop.start + busy
        stop.travel_s = drive
        driving += drive
        if stop.window_end is not None and stop.start > stop.window_end and stop.type is not StopType.BREAK:
            late = round((stop.start - stop.window_end).total_seconds() / 60)
            ref = stop.external_ref or stop.order_id or stop.type.value
            msg = f"{route.vehicle_name or route.vehicle_id}: {ref} starts {late} min after its window with traffic"
            issues.append(Issue("W3005", msg, ("routes", route.id), stop.order_id))
        prev = stop
    route.duration_s += round((route.stops[-1].arrival - old_end).total_seconds())
    route.driving_s = driving
    return issues


def retime_plan(plan: Plan, problem: Problem, model: TrafficModel) -> list[Issue]:
    """Re-time every route (in place) and return the W3005 warnings (also appended to the plan's warnings)."""
    main = model.factor_at(plan_origin(problem))
    issues = [w for route in plan.routes for w in retime_route(route, model, main)]
    plan.stats.duration_s = sum(r.duration_s for r in plan.routes)
    plan.warnings.extend(issues)
    return issues
