"""What planning on straight lines costs on real roads: the same day planned twice (straight-line model, road
network), both plans then driven on road times. Used by benchmarks/network.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.optimize.options import SolveOptions
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.services.demo_osm import demo_problem_from_extract
from doorstep.services.planning import check, plan


def on_roads(p: Problem, result: Plan, roads: OsrmLocalProvider) -> dict[str, Any]:
    """Driving km/h and cost of the plan's routes on road times, and what the checker finds when driven so."""
    vehicles = {v.id: v for v in p.vehicles}
    km = hours = cost = 0.0
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
    violations = check(p, result, roads)
    late = [v for v in violations if v.kind in ("TIME_WINDOW", "SHIFT")]
    return {
        "routes": len(result.routes),
        "orders_assigned": sum(len(r.order_ids) for r in result.routes),
        "road_km": round(km, 1),
        "road_driving_h": round(hours, 2),
        "road_cost_eur": round(cost / 100, 2),
        "violations_on_roads": len(violations),
        "late_stops_on_roads": len(late),
        "late_minutes_total": round(sum(v.amount for v in late) / 60, 1),
        "violation_kinds": sorted({v.kind for v in violations}),
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
