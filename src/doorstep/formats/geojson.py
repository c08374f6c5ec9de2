"""routes.geojson: one LineString per route and one Point per stop and per unassigned order.

Coordinates are GeoJSON's ``[lng, lat]`` (converted here, at the boundary). Lines follow the roads when a road
network gave the route's path (the collection then carries the data's ``attribution``), else they join the stops
in order. When the problem's points are synthetic (matrix indices only) every geometry is
``null`` so no tool draws placeholders as if they were places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan, Route
from doorstep.domain.problem import Problem
from doorstep.formats.plan_common import (
    find_order,
    iso_local,
    order_index,
    route_colour,
    route_zone,
    synthetic_points,
)


def _point(p: LatLng, synthetic: bool) -> dict[str, Any] | None:
    return None if synthetic else {"type": "Point", "coordinates": p.to_lnglat()}


def route_feature(route: Route, colour: str, synthetic: bool, path: Sequence[LatLng] | None = None) -> dict[str, Any]:
    """The route's line (its road path when known, else straight between stops) with its totals."""
    line = path or [s.location for s in route.stops]
    geometry = None if synthetic else {"type": "LineString", "coordinates": [p.to_lnglat() for p in line]}
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "kind": "route",
            "route_id": route.id,
            "vehicle": route.vehicle_name or route.vehicle_id,
            "vehicle_id": route.vehicle_id,
            "colour": colour,
            "stops": len(route.order_ids),
            "distance_m": route.distance_m,
            "duration_s": route.duration_s,
            "cost_cents": route.cost_cents,
            "line": "roads" if path else "straight",
        },
    }


def stop_features(route: Route, colour: str, problem: Problem, synthetic: bool) -> list[dict[str, Any]]:
    """A point per stop: sequence number, type, ETA (local ISO) and what is done there."""
    tz = route_zone(problem, route)
    orders = order_index(problem)
    out = []
    for seq, stop in enumerate(route.stops):
        order = orders.get(stop.order_id) if stop.order_id else None
        props = {
            "kind": "stop",
            "route_id": route.id,
            "vehicle": route.vehicle_name or route.vehicle_id,
            "colour": colour,
            "seq": seq,
            "type": stop.type.value,
            "order_id": stop.order_id,
            "order_ref": stop.external_ref or (order.external_ref if order else ""),
            "address": stop.address or (order.address if order else ""),
            "eta": iso_local(stop.arrival, tz),
            "start": iso_local(stop.start, tz),
            "departure": iso_local(stop.departure, tz),
        }
        out.append({"type": "Feature", "geometry": _point(stop.location, synthetic), "properties": props})
    return out


def unassigned_features(plan: Plan, problem: Problem, synthetic: bool) -> list[dict[str, Any]]:
    """A point per unassigned order with its reason and the suggested action."""
    out = []
    for u in plan.unassigned:
        order = find_order(problem, u.order_id)
        props = {
            "kind": "unassigned",
            "order_id": u.order_id,
            "order_ref": u.external_ref,
            "address": order.address if order else "",
            "reason": u.reason.value,
            "message": u.message,
            "action": u.action,
        }
        geometry = _point(order.location, synthetic) if order else None
        out.append({"type": "Feature", "geometry": geometry, "properties": props})
    return out


def plan_geojson(
    plan: Plan, problem: Problem, paths: Mapping[str, Sequence[LatLng]] | None = None, attribution: str = ""
) -> dict[str, Any]:
    """The plan as a GeoJSON FeatureCollection (routes, then stops, then unassigned orders)."""
    paths = paths or {}
    synthetic = synthetic_points(problem)
    features: list[dict[str, Any]] = []
    for i, route in enumerate(plan.routes):
        features.append(route_feature(route, route_colour(i), synthetic, paths.get(route.id)))
    for i, route in enumerate(plan.routes):
        features.extend(stop_features(route, route_colour(i), problem, synthetic))
    features.extend(unassigned_features(plan, problem, synthetic))
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if attribution and paths:
        collection["attribution"] = attribution
    return collection
