"""routes.geojson: route lines, stop points and unassigned points in GeoJSON's lng,lat order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan
from doorstep.domain.problem import ExplicitMatrices, Problem
from doorstep.formats.geojson import plan_geojson
from doorstep.formats.plan_common import route_colour


def _kind(doc: dict[str, Any], kind: str) -> list[dict[str, object]]:
    return [f for f in doc["features"] if f["properties"]["kind"] == kind]


def test_route_line_in_lng_lat_order(plan: Plan, problem: Problem) -> None:
    """A route is one LineString through its stops with [lng, lat] coordinates and its totals."""
    doc = plan_geojson(plan, problem)
    assert doc["type"] == "FeatureCollection"
    (line,) = _kind(doc, "route")
    coords = line["geometry"]["coordinates"]  # type: ignore[index]
    assert coords[0] == [-9.1034, 38.7372]
    assert len(coords) == len(plan.routes[0].stops)
    props = line["properties"]
    assert props["colour"] == route_colour(0)  # type: ignore[index]
    assert props["distance_m"] == 24000 and props["cost_cents"] == 12100  # type: ignore[index]
    assert props["vehicle"] == "Van 1"  # type: ignore[index]


def test_stop_points_carry_sequence_type_and_eta(plan: Plan, problem: Problem) -> None:
    """Each stop is a Point with its sequence number, type and local ETA."""
    stops = _kind(plan_geojson(plan, problem), "stop")
    assert [s["properties"]["seq"] for s in stops] == list(range(7))  # type: ignore[index]
    first = stops[1]["properties"]
    assert first["type"] == "delivery" and first["eta"] == "2025-06-17T09:10:00+01:00"  # type: ignore[index]
    assert stops[1]["geometry"] == {"type": "Point", "coordinates": [-9.138, 38.7115]}


def test_unassigned_points_with_reason(plan: Plan, problem: Problem) -> None:
    """Unassigned orders are Points at the order with reason, message and action."""
    (miss,) = _kind(plan_geojson(plan, problem), "unassigned")
    assert miss["properties"]["reason"] == "CAPACITY"  # type: ignore[index]
    assert miss["properties"]["action"] == "Split the order."  # type: ignore[index]
    assert miss["geometry"]["coordinates"] == [-9.16, 38.77]  # type: ignore[index]


def test_synthetic_points_have_no_geometry(plan: Plan, problem: Problem) -> None:
    """With placeholder points (matrix indices only) no feature claims a position."""
    matrices = ExplicitMatrices(points=(LatLng(0, 0),), durations={"*": [[0]]}, synthetic_points=True)
    doc = plan_geojson(plan, replace(problem, matrices=matrices))
    assert all(f["geometry"] is None for f in doc["features"])
