"""Access zones and electric vans in problem documents: GeoJSON areas, hours, coded errors all at once."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from doorstep.domain import DoorstepError, LatLng
from doorstep.domain.errors import Issue
from doorstep.domain.validate import validate_problem
from doorstep.domain.zones import AccessZone, in_polygon
from doorstep.formats.doorstep_json import problem_from_dict, problem_to_dict
from doorstep.formats.zones_json import read_zones_file, zone_to_dict, zones_from_list

SQUARE = [[-9.16, 38.73], [-9.14, 38.73], [-9.14, 38.75], [-9.16, 38.75], [-9.16, 38.73]]
HOLE = [[-9.152, 38.738], [-9.148, 38.738], [-9.148, 38.742], [-9.152, 38.742], [-9.152, 38.738]]


def _doc(zones: list[Any], vehicle_type: dict[str, Any] | None = None) -> dict[str, Any]:
    vt = vehicle_type or {"id": "vty_ev", "name": "E-van", "fuel": "electric"}
    return {
        "doorstep": "problem/1",
        "date": "2026-11-23",
        "depots": [{"id": "dep_a", "name": "A", "location": {"lat": 38.74, "lng": -9.15}, "timezone": "Europe/Lisbon"}],
        "vehicle_types": [vt, {"id": "vty_d", "name": "Diesel"}],
        "vehicles": [
            {
                "id": "veh_1",
                "name": "V1",
                "vehicle_type_id": vt["id"],
                "start_depot_id": "dep_a",
                "shift_start": "08:00",
                "shift_end": "18:00",
            },
        ],
        "orders": [{"id": "ord_1", "external_ref": "1", "location": {"lat": 38.745, "lng": -9.145}}],
        "zones": zones,
    }


def test_polygon_with_a_hole_and_multipolygon() -> None:
    """A point in the hole is outside; a MultiPolygon holds a point in either part; a Feature is read too."""
    issues: list[Issue] = []
    zones = zones_from_list(
        [
            {"id": "zon_a", "geometry": {"type": "Polygon", "coordinates": [SQUARE, HOLE]}, "vehicle_types": ["x"]},
            {
                "id": "zon_b",
                "geometry": {
                    "type": "Feature",
                    "geometry": {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[0, 0], [1, 0], [1, 1], [0, 0]]]]},
                },
                "vehicle_types": ["x"],
            },
        ],
        issues,
    )
    assert issues == []
    a, b = zones
    assert a.contains(LatLng(38.745, -9.145)) and not a.contains(LatLng(38.74, -9.15))
    assert not a.contains(LatLng(38.80, -9.15))
    assert b.contains(LatLng(38.74, -9.15)) and b.contains(LatLng(0.2, 0.5))
    assert not in_polygon(LatLng(0.9, 0.1), b.polygons[1])


def test_zones_round_trip_through_a_problem_document() -> None:
    """Zones (by type name or id, with hours up to 24:00) survive problem_to_dict / problem_from_dict exactly."""
    doc = _doc([
        {"id": "zon_lez", "name": "LEZ", "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
         "vehicle_types": ["E-van"], "hours": [["06:00", "11:00"], ["20:00", "24:00"]]},
    ])  # fmt: skip
    problem = problem_from_dict(doc)
    (zone,) = problem.zones
    assert zone.vehicle_type_ids == frozenset({"vty_ev"})
    assert zone.hours == ((time(6), time(11)), (time(20), None))
    assert zone.hours_text() == "06:00-11:00, 20:00-24:00"
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(problem))))
    assert again == problem
    assert zone_to_dict(zone)["geometry"] == {"type": "Polygon", "coordinates": [SQUARE]}


def test_electric_fields_round_trip() -> None:
    """fuel, range_m, reserve_m and charge_s of a vehicle type are read and written back."""
    doc = _doc([], {"id": "vty_ev", "name": "E-van", "fuel": "electric", "range_m": 150_000, "reserve_m": 20_000,
                    "charge_s": 2700})  # fmt: skip
    problem = problem_from_dict(doc)
    vt = problem.vehicles[0].type
    assert (vt.fuel, vt.range_m, vt.reserve_m, vt.charge_s, vt.trip_limit_m) == (
        "electric", 150_000, 20_000, 2700, 130_000)  # fmt: skip
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(problem)))) == problem


def test_every_bad_zone_is_reported_at_once() -> None:
    """Open ring, short ring, a point out of range, a LineString, unknown type, bad hours, no types and a bad
    time zone: one error with each problem coded and located."""
    poly = {"type": "Polygon", "coordinates": [SQUARE]}
    doc = _doc(
        [
            {"id": "z1", "geometry": {"type": "Polygon", "coordinates": [SQUARE[:-1]]}, "vehicle_types": ["vty_ev"]},
            {"id": "z2", "geometry": {"type": "Polygon", "coordinates": [SQUARE[:3]]}, "vehicle_types": ["vty_ev"]},
            {"id": "z3", "geometry": {"type": "Polygon", "coordinates": [[[200, 0], *SQUARE[1:]]]},
             "vehicle_types": ["vty_ev"]},
            {"id": "z4", "geometry": {"type": "LineString", "coordinates": SQUARE}, "vehicle_types": ["vty_ev"]},
            {"id": "z5", "geometry": poly, "vehicle_types": ["Tram"]},
            {"id": "z6", "geometry": poly, "vehicle_types": ["vty_ev"], "hours": [["11:00", "06:00"], ["6am", "9"]]},
            {"id": "z6b", "geometry": poly, "vehicle_types": []},
            {"id": "z7", "geometry": poly, "vehicle_types": ["vty_ev"], "timezone": "Mars/Olympus"},
        ],
    )  # fmt: skip
    with pytest.raises(DoorstepError) as exc:
        problem_from_dict(doc)
    found = [(i.code, i.id, i.loc) for i in exc.value.issues]
    assert found == [
        ("E1620", "z1", ("zones", 0, "geometry", "coordinates", 0)),
        ("E1620", "z2", ("zones", 1, "geometry", "coordinates", 0)),
        ("E1620", "z3", ("zones", 2, "geometry", "coordinates", 0, 0)),
        ("E1620", "z4", ("zones", 3, "geometry")),
        ("E1622", "z6", ("zones", 5, "hours", 0)),
        ("E1622", "z6", ("zones", 5, "hours", 1)),
        ("E1624", "z6b", ("zones", 6, "vehicle_types")),
        ("E1113", "z7", ("zones", 7, "timezone")),
        ("E1621", "z5", ("zones", 4, "vehicle_types")),
    ]


def test_semantic_errors_of_a_parsed_problem() -> None:
    """Duplicate zone ids (E1623) and a reserve not below the range (E1625) come from validate_problem."""
    doc = _doc(
        [{"id": "z", "geometry": {"type": "Polygon", "coordinates": [SQUARE]}, "vehicle_types": ["vty_ev"]}] * 2,
        {"id": "vty_ev", "name": "E-van", "range_m": 50_000, "reserve_m": 60_000},
    )
    problem = problem_from_dict(doc)
    codes = [(i.code, i.id) for i in validate_problem(problem) if i.code.startswith("E")]
    assert codes == [("E1625", "veh_1"), ("E1623", "z")]


def test_zone_contains_matches_ring_orientation_either_way() -> None:
    """A clockwise outline holds the same points as a counter-clockwise one."""
    ring = tuple(LatLng(lat, lng) for lng, lat in SQUARE[:-1])
    zone = AccessZone(id="z", name="", polygons=((ring,),), vehicle_type_ids=frozenset({"x"}))
    rev = AccessZone(id="z", name="", polygons=((ring[::-1],),), vehicle_type_ids=frozenset({"x"}))
    for p in (LatLng(38.745, -9.145), LatLng(38.76, -9.145), LatLng(38.74, -9.17)):
        assert zone.contains(p) == rev.contains(p)


def test_zones_file_as_list_object_or_feature_collection(tmp_path: Path) -> None:
    """A zones file reads the same as a list, as {"zones": [...]} and as a FeatureCollection with ids; a feature
    without an id is E1620; without vehicle types only a network build (need_types=False) accepts it."""
    ring = [[7.42, 43.738], [7.43, 43.738], [7.43, 43.741], [7.42, 43.738]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    doc = {"id": "zon_c", "name": "Casino", "geometry": geometry, "vehicle_types": ["vty_van"]}
    feature = {"type": "Feature", "id": "zon_c", "properties": {"name": "Casino", "vehicle_types": ["vty_van"]},
               "geometry": geometry}  # fmt: skip
    shapes = [[doc], {"zones": [doc]}, {"type": "FeatureCollection", "features": [feature]}]
    read = []
    for k, data in enumerate(shapes):
        path = tmp_path / f"z{k}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        read.append(read_zones_file(path))
    assert read[0] == read[1] == read[2] and read[0][0].id == "zon_c" and read[0][0].name == "Casino"
    bare = tmp_path / "bare.json"
    no_id = {"type": "Feature", "properties": {}, "geometry": geometry}
    bare.write_text(json.dumps({"type": "FeatureCollection", "features": [no_id]}), encoding="utf-8")
    with pytest.raises(DoorstepError) as exc:
        read_zones_file(bare)
    assert [i.code for i in exc.value.issues] == ["E1620", "E1624"]
    with pytest.raises(DoorstepError) as exc:
        read_zones_file(bare, need_types=False)
    assert [i.code for i in exc.value.issues] == ["E1620"]
    typeless = tmp_path / "typeless.json"
    typeless.write_text(json.dumps([{"id": "zon_c", "geometry": geometry}]), encoding="utf-8")
    assert read_zones_file(typeless, need_types=False)[0].vehicle_type_ids == frozenset()
