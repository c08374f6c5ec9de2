"""VROOM problem JSON -> Problem: VROOM's meaning of each field; malformed input named by id and path."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from doorstep.domain import DoorstepError, LatLng, OrderKind, Priority, SpeedProfile, validate_problem
from doorstep.formats.vroom_common import VROOM_EPOCH
from doorstep.formats.vroom_input import VroomInput, problem_from_vroom, read_vroom

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parents[2] / "examples"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "vroom-matrices.json").read_text())
    return data


def _read(data: dict[str, Any] | None = None) -> VroomInput:
    return read_vroom(data if data is not None else _data())


def _errors(data: dict[str, Any]) -> list[tuple[str, tuple[str | int, ...], str | None]]:
    with pytest.raises(DoorstepError) as exc:
        read_vroom(data)
    return [(i.code, i.loc, i.id) for i in exc.value.issues]


def secs(s: int) -> Any:
    """VROOM seconds as the aware datetime the reader produces."""
    return VROOM_EPOCH + timedelta(seconds=s)


def test_jobs_map_to_orders() -> None:
    """setup+service, delivery/pickup amounts, int skills, priority and windows keep VROOM's meaning."""
    result = _read()
    j1, j2, j3, shp = result.problem.orders
    assert (j1.kind, j1.service_s, j1.size, j1.collect) == (
        OrderKind.DELIVERY,
        300,
        {"amount_0": 2, "amount_1": 10},
        {"amount_0": 1, "amount_1": 0},
    )
    assert j1.skills == {"1"} and j1.priority is Priority.NORMAL
    assert [(w.start, w.end) for w in j1.time_windows] == [
        (secs(32400), secs(36000)),
        (secs(50400), secs(54000)),
    ]
    assert (j2.kind, j2.size, j2.priority) == (
        OrderKind.PICKUP,
        {"amount_0": 3, "amount_1": 5},
        Priority.HIGH,
    )
    assert j3.size == {"amount_0": 1, "amount_1": 1} and j3.location == LatLng(38.72, -9.14)
    assert result.context.job_ids == {j1.id: 1, j2.id: 2, j3.id: 3}
    assert shp.kind is OrderKind.PAIRED


def test_shipment_becomes_paired_order() -> None:
    """A shipment is one PAIRED order: delivery at ``location``, collection in ``pickup``."""
    result = _read()
    shp = result.problem.orders[3]
    assert shp.pickup is not None and shp.pickup.service_s == 90
    assert shp.pickup.time_windows[0].start == secs(30000)
    assert shp.service_s == 90 and shp.size == {"amount_0": 2, "amount_1": 20}
    assert shp.priority is Priority.HIGH and shp.skills == {"1"}
    assert result.context.shipment_ids == {shp.id: (1, 9)}


def test_vehicles_map_with_breaks_costs_and_limits() -> None:
    """Capacity, skills, time window, first break window, costs (VROOM defaults) and limits are mapped."""
    result = _read()
    v7, v8 = result.problem.vehicles
    assert v7.type.capacity == {"amount_0": 10, "amount_1": 100} and v7.skills == {"1", "2"}
    assert (v7.shift_start, v7.shift_end) == (secs(28800), secs(61200))
    assert [(b.start, b.end, b.duration_s) for b in v7.breaks] == [(secs(43200), secs(46800), 1800)]
    assert (v7.type.fixed_cost_cents, v7.type.cost_per_hour_cents, v7.type.cost_per_km_cents) == (0, 3600, 0)
    assert (v7.max_stops, v7.max_shift_s, v7.max_distance_m) == (8, 20000, 90000)
    assert not v7.open_end and v7.end_depot == v7.start_depot_id
    assert v8.open_end and v8.end_depot_id is None and v8.type.profile is SpeedProfile.TRUCK
    assert (v8.type.fixed_cost_cents, v8.type.cost_per_hour_cents, v8.type.cost_per_km_cents) == (
        5000,
        2000,
        30,
    )
    assert v8.shift_end == secs(2**31 - 1)
    assert result.context.vehicle_ids == {v7.id: 7, v8.id: 8} and result.context.break_ids[v7.id] == [70]
    assert len(result.problem.depots) == 2 and {d.timezone for d in result.problem.depots} == {"UTC"}


def test_matrices_points_and_context() -> None:
    """Matrices keep their profiles; indices without coordinates get unique placeholder points."""
    result = _read()
    m = result.problem.matrices
    assert m is not None and set(m.durations) == {"car", "truck"} and set(m.distances) == {"car"}
    assert m.synthetic_points and len(set(m.points)) == 5 and all(p.is_valid() for p in m.points)
    assert m.points[3] == LatLng(38.72, -9.14) and m.points[4] == LatLng(38.74, -9.10)
    orders = result.problem.orders
    assert orders[0].location == m.points[1] and orders[3].pickup is not None
    assert orders[3].pickup.location == m.points[2] and orders[3].location == m.points[3]
    assert result.context.dimensions == ["amount_0", "amount_1"] and result.context.location_index


def test_approximations_are_reported() -> None:
    """A break's extra windows and unsupported fields are W1206 warnings, not silently dropped."""
    data = _data()
    data["vehicles"][1]["speed_factor"] = 1.5
    warnings = _read(data).warnings
    assert [(w.code, w.loc) for w in warnings] == [
        ("W1206", ("vehicles", 0, "breaks", 0, "time_windows")),
        ("W1206", ("vehicles", 1, "speed_factor")),
    ]


def test_legacy_matrix_and_amount() -> None:
    """Top-level ``matrix`` applies to every profile; job ``amount`` is a delivery."""
    data = {
        "vehicles": [{"id": 1, "start_index": 0, "capacity": [5]}],
        "jobs": [{"id": 1, "location_index": 1, "amount": [2]}],
        "matrix": [[0, 5], [5, 0]],
    }
    problem, _ = problem_from_vroom(data)
    assert problem.matrices is not None and problem.matrices.durations == {"*": [[0, 5], [5, 0]]}
    assert problem.orders[0].size == {"amount_0": 2}


def test_example_problem_reads_and_validates() -> None:
    """examples/vroom-problem.json reads without warnings and validates without errors."""
    result = _read(json.loads((EXAMPLES / "vroom-problem.json").read_text()))
    assert not result.warnings
    assert not [i for i in validate_problem(result.problem) if i.severity == "error"]
    assert len(result.problem.orders) == 10 and result.problem.matrices is None


def test_malformed_problem_reports_everything_at_once() -> None:
    """Missing ids, wrong types, amount lengths, duplicate ids and bad indices are all reported, located."""
    data = _data()
    data["jobs"][0]["delivery"] = [1, 2, 3]
    data["jobs"][1]["service"] = "2 min"
    data["jobs"].append(deepcopy(data["jobs"][2]))
    data["jobs"].append({"location_index": 1})
    data["jobs"].append({"id": 5, "location_index": 9})
    data["vehicles"][1]["profile"] = "hovercraft"
    data["vehicles"][0]["capacity"] = [10]
    got = _errors(data)
    assert ("E1007", ("vehicles", 0, "capacity"), "vehicle 7") in got
    assert ("E1111", ("vehicles", 1, "profile"), "vehicle 8") in got
    assert ("E1007", ("jobs", 0, "delivery"), "job 1") in got
    assert ("E1007", ("jobs", 1, "service"), "job 2") in got
    assert ("E1110", ("jobs", 3, "id"), "job 3") in got
    assert ("E1007", ("jobs", 4, "id"), "job at $.jobs[4]") in got
    assert ("E1116", ("jobs", 5, "location_index"), "job 5") in got
    assert len(got) == 7


def test_index_without_matrices_and_coordinates_with_matrices() -> None:
    """location_index needs matrices, and with matrices every place needs an index."""
    data = {"vehicles": [{"id": 1, "start": [-9.1, 38.7]}], "jobs": [{"id": 1, "location_index": 0}]}
    assert _errors(data) == [("E1007", ("jobs", 0, "location_index"), "job 1")]
    data["matrix"] = [[0]]
    assert _errors(data) == [("E1007", ("vehicles", 0, "start"), "vehicle 1")]


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"jobs": "none"}, ("E1007", ("jobs",), "problem")),
        ({"vehicles": [{"id": 1}]}, ("E1007", ("vehicles", 0), "vehicle 1")),
        (
            {"vehicles": [{"id": True, "start": [0, 0]}]},
            ("E1007", ("vehicles", 0, "id"), "vehicle at $.vehicles[0]"),
        ),
        ({"jobs": [{"id": 1}]}, ("E1007", ("jobs", 0), "job 1")),
        (
            {"jobs": [{"id": 1, "location": [1, 2], "priority": 101}]},
            ("E1007", ("jobs", 0, "priority"), "job 1"),
        ),
        (
            {"jobs": [{"id": 1, "location": [1, 2], "time_windows": [[5]]}]},
            ("E1007", ("jobs", 0, "time_windows"), "job 1"),
        ),
        (
            {"shipments": [{"pickup": {"id": 1, "location": [1, 2]}}]},
            ("E1007", ("shipments", 0, "delivery"), "shipment delivery at $.shipments[0].delivery"),
        ),
        ({"matrix": [[0, 1]]}, ("E1116", ("matrix",), "matrices")),
    ],
)
def test_single_malformations(patch: dict[str, Any], expected: tuple[str, tuple[str | int, ...], str]) -> None:
    """Each kind of malformed value is its own coded issue naming the object and its JSON path."""
    data = {
        "vehicles": [{"id": 1, "start": [-9.1, 38.7]}],
        "jobs": [{"id": 1, "location": [-9.1, 38.71]}],
        **patch,
    }
    assert expected in _errors(data)
