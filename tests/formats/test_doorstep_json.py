"""Doorstep problem/fleet JSON: exact round trip, local HH:MM, derived ids, schema errors by path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from doorstep.domain import (
    Break,
    Contact,
    Depot,
    DoorstepError,
    ExplicitMatrices,
    Item,
    LatLng,
    Order,
    OrderKind,
    PairedPickup,
    Place,
    Priority,
    Problem,
    SpeedProfile,
    TimeWindow,
    Vehicle,
    VehicleType,
)
from doorstep.domain.problem import Fleet
from doorstep.formats.doorstep_json import problem_from_dict, problem_to_dict
from doorstep.formats.fleet_json import fleet_from_dict, fleet_to_dict
from doorstep.formats.json_common import parse_json, schema

EXAMPLES = Path(__file__).parents[2] / "examples"
LISBON = ZoneInfo("Europe/Lisbon")


def _json_trip(data: dict[str, Any]) -> Any:
    return json.loads(json.dumps(data))


def test_round_trip_of_the_shared_problem(problem: Problem) -> None:
    """problem_from_dict(problem_to_dict(p)) == p, also through JSON text."""
    assert problem_from_dict(_json_trip(problem_to_dict(problem))) == problem


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
ids = st.from_regex(r"[a-z]{1,6}", fullmatch=True)
points = st.builds(LatLng, st.floats(-90, 90), st.floats(-180, 180))
offsets = st.sampled_from([UTC, LISBON, timezone(timedelta(hours=-3, minutes=-30))])
instants = st.builds(
    lambda s, tz: datetime(2025, 3, 18, tzinfo=UTC).astimezone(tz) + timedelta(seconds=s),
    st.integers(0, 86_400 * 2),
    offsets,
)
windows = st.lists(st.builds(TimeWindow, instants, instants), max_size=3).map(tuple)
amounts = st.dictionaries(st.sampled_from(["parcels", "weight_g", "volume_cm3"]), st.integers(-5, 10**7))


@st.composite
def orders(draw: st.DrawFn, ref: str) -> Order:
    """An order using every field."""
    kind = draw(st.sampled_from(list(OrderKind)))
    pickup = PairedPickup(draw(points), draw(names), draw(windows), draw(st.integers(0, 999)))
    return Order(
        id=f"ord_{ref}",
        external_ref=ref,
        kind=kind,
        location=draw(points),
        address=draw(names),
        contact=Contact(draw(names), draw(names), draw(names)),
        time_windows=draw(windows),
        service_s=draw(st.integers(0, 3600)),
        size=draw(amounts),
        collect=draw(amounts),
        skills=frozenset(draw(st.lists(names, max_size=2))),
        priority=draw(st.sampled_from(list(Priority))),
        value_cents=draw(st.integers(0, 10**6)),
        alternatives=tuple(draw(st.lists(st.builds(Place, points, names, names, windows), max_size=1))),
        instructions=draw(names),
        release_at=draw(st.none() | instants),
        depot_id=draw(st.none() | st.just("dep_a")),
        pickup=pickup if kind is OrderKind.PAIRED else None,
        tags=tuple(draw(st.lists(names, max_size=2))),
        items=tuple(draw(st.lists(st.builds(Item, names, st.integers(-2, 10**6), names, names), max_size=3))),
        pickup_point_id=draw(st.none() | st.just("pup_a")),
        handover_s=draw(st.integers(0, 3600)),
    )


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A problem with one depot, vehicles sharing a type, orders and optional matrices."""
    depot = Depot(id="dep_a", name=draw(names), location=draw(points), timezone="Europe/Lisbon", loading_s=60)
    vtype = VehicleType(
        id="vty_a",
        name=draw(names),
        capacity=draw(amounts),
        profile=draw(st.sampled_from(list(SpeedProfile))),
        skills=frozenset(draw(st.lists(names, max_size=2))),
        cost_per_km_cents=draw(st.integers(0, 100)),
    )
    vehicles = tuple(
        Vehicle(
            id=f"veh_{v}",
            type=vtype,
            start_depot_id="dep_a",
            shift_start=draw(instants),
            shift_end=draw(instants),
            end_depot_id=draw(st.none() | st.just("dep_a")),
            max_stops=draw(st.none() | st.integers(0, 50)),
            breaks=tuple(draw(st.lists(st.builds(Break, instants, instants, st.integers(0, 3600)), max_size=2))),
        )
        for v in draw(st.lists(ids, max_size=3, unique=True))
    )
    refs = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(1, 3))
    matrices = ExplicitMatrices(
        points=tuple(draw(st.lists(points, min_size=n, max_size=n))),
        durations={"*": [[draw(st.integers(0, 99)) for _ in range(n)] for _ in range(n)]},
    )
    return Problem(
        depots=(depot,),
        vehicles=vehicles,
        orders=tuple(draw(orders(r)) for r in refs),
        matrices=draw(st.none() | st.just(matrices)),
        name=draw(names),
    )


@settings(max_examples=60, deadline=None)
@given(problems())
def test_round_trip_is_exact_for_any_problem(problem: Problem) -> None:
    """Any problem survives problem_to_dict -> JSON text -> problem_from_dict unchanged."""
    assert problem_from_dict(_json_trip(problem_to_dict(problem))) == problem


def _doc(**extra: Any) -> dict[str, Any]:
    """A minimal problem document written the way people write it (names, HH:MM, no ids)."""
    doc: dict[str, Any] = {
        "doorstep": "problem/1",
        "date": "2025-03-18",
        "depots": [{"name": "Hub", "location": {"lat": 38.74, "lng": -9.10}, "timezone": "Europe/Lisbon"}],
        "vehicle_types": [{"name": "Van", "capacity": {"parcels": 10}}],
        "vehicles": [
            {
                "name": "Van 1",
                "vehicle_type_id": "Van",
                "start_depot_id": "Hub",
                "shift_start": "08:00",
                "shift_end": "17:00",
                "breaks": [{"start": "12:00", "end": "14:00", "duration_s": 1800}],
            }
        ],
        "orders": [{"external_ref": "A 1", "location": {"lat": 38.72, "lng": -9.14}}],
    }
    doc.update(extra)
    return doc


def test_local_times_ids_derived_and_references_by_name() -> None:
    """HH:MM is local at the start depot on the document date; missing ids derive from names and refs."""
    p = problem_from_dict(_doc())
    (v,) = p.vehicles
    assert v.shift_start == datetime(2025, 3, 18, 8, 0, tzinfo=LISBON)
    assert v.breaks[0].end == datetime(2025, 3, 18, 14, 0, tzinfo=LISBON)
    assert (p.depots[0].id, v.id, v.type.id, p.orders[0].id) == ("dep_Hub", "veh_Van-1", "vty_Van", "ord_A-1")
    assert v.start_depot_id == "dep_Hub"
    assert problem_from_dict(_doc()) == p  # stable on re-import


def test_caller_plan_date_wins_over_document_date() -> None:
    """An explicit plan_date replaces the document's date for HH:MM times."""
    p = problem_from_dict(_doc(), plan_date=date(2025, 7, 1))
    assert p.vehicles[0].shift_start == datetime(2025, 7, 1, 8, 0, tzinfo=LISBON)


def test_schema_violations_all_reported_with_json_paths() -> None:
    """Every schema violation is an E1006 located by JSON path, reported together."""
    doc = _doc(colour="red")
    doc["orders"][0]["location"] = {"lat": "38.7"}
    doc["vehicles"][0]["max_stops"] = "ten"
    with pytest.raises(DoorstepError) as exc:
        problem_from_dict(doc)
    locs = {i.loc: i for i in exc.value.issues}
    assert all(i.code == "E1006" for i in exc.value.issues)
    assert ("orders", 0, "location", "lat") in locs and ("orders", 0, "location") in locs
    assert locs[("vehicles", 0, "max_stops")].id == "Van 1"
    assert "'colour'" in locs[()].message
    assert locs[("orders", 0, "location", "lat")].message.startswith("$.orders[0].location.lat:")


def test_bad_times_and_unknown_type_reported_together() -> None:
    """Unparsable times (E1103) and an unknown vehicle type (E1114) come in one error, located."""
    doc = _doc()
    doc["vehicles"][0]["shift_end"] = "5pm"
    doc["vehicles"].append({**doc["vehicles"][0], "name": "Van 2", "vehicle_type_id": "Truck"})
    doc["orders"][0]["time_windows"] = [{"start": "09:00", "end": "99:00"}]
    with pytest.raises(DoorstepError) as exc:
        problem_from_dict(doc)
    got = {(i.code, i.loc, i.id) for i in exc.value.issues}
    assert got == {
        ("E1103", ("vehicles", 0, "shift_end"), "veh_Van-1"),
        ("E1114", ("vehicles", 1, "vehicle_type_id"), "veh_Van-2"),
        ("E1103", ("orders", 0, "time_windows", 0, "end"), "ord_A-1"),
    }


def test_json_syntax_error_has_line_and_column() -> None:
    """A JSON syntax error is E1005 with its line and column."""
    with pytest.raises(DoorstepError) as exc:
        parse_json('{\n  "doorstep": "problem/1",\n  "orders": [}\n', "p.json")
    (issue,) = exc.value.issues
    assert issue.code == "E1005" and issue.loc == ("line", 3, "column", 14)


def test_fleet_round_trip_and_example() -> None:
    """The example fleet reads, and fleet_to_dict/fleet_from_dict round-trips it exactly."""
    fleet = fleet_from_dict(json.loads((EXAMPLES / "fleet.json").read_text()), plan_date=date(2025, 3, 18))
    assert len(fleet.vehicles) == 3 and fleet.vehicles[0].all_skills == {"cold"}
    assert fleet_from_dict(_json_trip(fleet_to_dict(fleet))) == fleet
    assert isinstance(fleet, Fleet)


def test_fleet_document_requires_its_version() -> None:
    """A fleet document without 'doorstep': 'fleet/1' is rejected by the schema."""
    with pytest.raises(DoorstepError) as exc:
        fleet_from_dict({"depots": [], "vehicle_types": [], "vehicles": []})
    assert [i.code for i in exc.value.issues] == ["E1006"]


@pytest.mark.parametrize("name", ["doorstep-problem.schema.json", "doorstep-fleet.schema.json"])
def test_published_schemas_are_valid(name: str) -> None:
    """The published schemas are themselves valid JSON Schema 2020-12."""
    Draft202012Validator.check_schema(schema(name))
