"""The roads each planned route follows, for map.html and routes.geojson, when the travel model can draw them."""

from __future__ import annotations

from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.domain.zones import barred_zones
from doorstep.routing.route_geometry import RouteGeometryProvider, joined_path


def route_paths(plan: Plan, problem: Problem, provider: object) -> tuple[dict[str, list[LatLng]], str]:
    """Route id -> road path, and the attribution to show; empty when the provider has no road geometry.

    A route whose legs cannot be routed keeps straight lines (it is simply left out of the mapping). A vehicle
    barred from access zones is drawn around them, as it drives (``avoid`` only when there is one: a provider
    written before zones still draws the rest).
    """
    if not isinstance(provider, RouteGeometryProvider):
        return {}, ""
    vehicles = {v.id: v for v in problem.vehicles}
    paths: dict[str, list[LatLng]] = {}
    for route in plan.routes:
        vehicle = vehicles.get(route.vehicle_id)
        stops = [s.location for s in route.stops]
        if vehicle is None or len(stops) < 2:
            continue
        avoid = barred_zones(problem.zones, vehicle.type.id)
        legs = (
            provider.route_legs(stops, vehicle.type.profile, avoid=avoid)
            if avoid
            else provider.route_legs(stops, vehicle.type.profile)
        )
        if legs:
            paths[route.id] = joined_path(legs)
    return paths, provider.attribution if paths else ""
