"""What planning on straight lines costs on real roads: the same day planned twice (straight-line model, road
network), both plans then driven on road times. Used by benchmarks/network.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from doorstep.demo.osm import demo_problem_from_extract
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.plan import Plan, Route, StopType
from doorstep.domain.problem import Problem
from doorstep.optimize.options import SolveOptions
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.services.planning.planning import plan


def _drive(route: Route, dur: Any) -> tuple[int, int, int]:
    """Drive the route's stops in order on road times from its first departure: (late stops, late seconds,
    seconds past the shift end). Waiting for a window start or a planned break start as planned."""
    t = route.stops[0].departure
    late = late_s = 0
    for i, stop in enumerate(route.stops[1:], start=1):
        arrive = t + timedelta(seconds=int(dur[i - 1, i]))
        earliest = stop.window_start or (stop.start if stop.type is StopType.BREAK else None)
        start = max(arrive, earliest) if earliest is not None else arrive
        if stop.window_end is not None and start > stop.window_end and stop.type is not StopType.BREAK:
            late += 1
            late_s += int((start - stop.window_end).total_seconds())
        t = start + (stop.departure - stop.start)
    over = max(0, int((arrive - route.stops[-1].arrival).total_seconds())) if len(route.stops) > 1 else 0
    return late, late_s, over


def on_roads(p: Problem, result: Plan, roads: OsrmLocalProvider) -> dict[str, Any]:
    """Driving km/h and cost of the plan's routes on road times, and the stops that become late when driven so."""
    vehicles = {v.id: v for v in p.vehicles}
    km = hours = cost = 0.0
    late = late_s = overrun_s = 0
    for route in result.routes:
        stops = [s.location for s in route.stops]
        m = roads.matrix(stops, SpeedProfile.CAR)
        legs = [(int(m.durations[i, i + 1]), int(m.distances[i, i + 1])) for i in range(len(stops) - 1)]
        assert all(d < UNREACHABLE for d, _ in legs)
        drive_s, drive_m = sum(d for d, _ in legs), sum(x for _, x in legs)
        service_s = sum(s.service_s for s in route.stops)
        vt = vehicles[route.vehicle_id].type
        km += drive_m / 1000
        hours += drive_s / 3600
        cost += vt.fixed_cost_cents + vt.cost_per_km_cents * drive_m / 1000
        cost += vt.cost_per_hour_cents * (drive_s + service_s) / 3600
        a, b, c = _drive(route, m.durations)
        late, late_s, overrun_s = late + a, late_s + b, overrun_s + c
    return {
        "routes": len(result.routes),
        "orders_assigned": sum(len(r.order_ids) for r in result.routes),
        "road_km": round(km, 1),
        "road_driving_h": round(hours, 2),
        "road_cost_eur": round(cost / 100, 2),
        "late_stops_on_roads": late,
        "late_minutes_total": round(late_s / 60, 1),
        "finish_later_than_planned_min": round(overrun_s / 60, 1),
    }


def compare_plans(pbf: Path, network: Path, orders: int, time_limit: float) -> dict[str, Any]:
    """Plan on straight lines and on roads (same day, same seed and time limit); evaluate both on roads."""
    roads = OsrmLocalProvider(network)
    p = demo_problem_from_extract(pbf, roads, SpeedProfile.CAR, seed=11, orders=orders)
    p = _as_cars(p)
    options = SolveOptions(time_limit_s=time_limit, seed=1)
    line_plan = plan(p, provider=StraightLineProvider(), options=options)
    road_plan = plan(p, provider=roads, options=options)
    believed = {
        "cost_eur": round(line_plan.stats.cost_cents / 100, 2),
        "km": round(line_plan.stats.distance_m / 1000, 1),
    }
    return {
        "orders": len(p.orders),
        "vehicles": len(p.vehicles),
        "time_limit_s": time_limit,
        "straight_line_plan_as_planned": believed,
        "straight_line_plan_on_roads": on_roads(p, line_plan, roads),
        "road_plan_on_roads": on_roads(p, road_plan, roads),
    }


def _as_cars(p: Problem) -> Problem:
    """The demo's vans with the car profile, so both models plan the same vehicles on the car network."""
    from dataclasses import replace

    types = {v.type.id: replace(v.type, profile=SpeedProfile.CAR) for v in p.vehicles}
    vehicles = tuple(replace(v, type=types[v.type.id]) for v in p.vehicles)
    return replace(p, vehicles=vehicles)


__all__ = ["compare_plans"]
