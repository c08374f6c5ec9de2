"""Depots as distribution centres in the files: capacity and docks on depots, ``transfers`` and ``kept_loadings``
in problem JSON (read by ``doorstep plan``), the per-depot report and dock numbers in plan.json; bad transfers and
kept loadings exit 2 with their codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.formats.doorstep_json import problem_from_dict, problem_to_dict
from doorstep.formats.json_common import schema
from doorstep.formats.plan_json import plan_from_dict

runner = CliRunner()


def _doc(**transfer: Any) -> dict[str, Any]:
    """A two-van day at a depot with one dock and room for 5 parcels; a trunk run brings two orders at 10:00."""
    trunk = {"id": "trk_7", "depot_id": "Hub", "arrival": "10:00", "sorting_s": 1800, "orders": ["A1", "ord_A2"],
             "origin": "Central DC", "reference": "TRUNK 7"} | transfer  # fmt: skip
    return {
        "doorstep": "problem/1",
        "date": "2025-03-18",
        "depots": [{"id": "Hub", "name": "Hub", "location": {"lat": 38.7223, "lng": -9.1393},
                    "timezone": "Europe/Lisbon", "opens": "07:00", "closes": "20:00", "loading_s": 900,
                    "capacity_parcels_per_day": 5, "docks": 1}],
        "vehicle_types": [{"name": "Van", "capacity": {"parcels": 10}}],
        "vehicles": [
            {"name": f"Van {k}", "vehicle_type_id": "Van", "start_depot_id": "Hub", "shift_start": "08:00",
             "shift_end": "18:00"}
            for k in (1, 2)
        ],
        "orders": [
            {"external_ref": ref, "location": {"lat": 38.72 + k / 200, "lng": -9.14 + k / 300},
             "time_windows": [{"start": "08:30", "end": "16:00"}], "size": {"parcels": 1}}
            for k, ref in enumerate(["A1", "A2", "B1", "B2", "B3", "B4"])
        ],
        "transfers": [trunk],
    }


def test_problem_with_transfers_and_depot_limits_round_trips() -> None:
    """The document is valid against the published schema, reads with HH:MM arrival local to the depot, and
    problem_to_dict/problem_from_dict give the same problem back."""
    doc = _doc()
    assert list(Draft202012Validator(schema("doorstep-problem.schema.json")).iter_errors(doc)) == []
    p = problem_from_dict(doc)
    (d,) = p.depots
    (t,) = p.transfers
    assert (d.capacity_parcels_per_day, d.docks) == (5, 1)
    assert t.arrival.isoformat() == "2025-03-18T10:00:00+00:00" and t.orders == ("A1", "ord_A2")
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(p)))) == p


def test_doorstep_plan_sees_transfers_capacity_and_docks(tmp_path: Path) -> None:
    """`doorstep plan` on the file: five of six parcels planned (one DEPOT_CAPACITY), the trunk's orders leave at
    10:30 or later, the vans load one after the other (dock 1), plan.json reports the depot, and `doorstep check`
    finds no violation."""
    src = tmp_path / "day.json"
    src.write_text(json.dumps(_doc()), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", str(src), "--out", str(out), "--time-limit", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Depot Hub: 5 parcels of 5 · at most 1 of 1 docks loading at once" in result.output
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    body = doc["plan"]
    assert [u["reason"] for u in body["unassigned"]] == ["DEPOT_CAPACITY"]
    assert body["depots"] == [{"depot_id": "Hub", "parcels": 5, "capacity_parcels_per_day": 5,
                               "loading_peak": 1, "docks": 1}]  # fmt: skip
    leaves = {}
    for r in body["routes"]:
        assert r["stops"][0]["dock"] == 1
        for s in r["stops"][1:]:
            leaves[s["external_ref"]] = r["stops"][0]["departure"]
    assert all(leaves[ref] >= "2025-03-18T10:30:00+00:00" for ref in ("A1", "A2") if ref in leaves)
    plan = plan_from_dict(doc)[0]
    assert [s.dock for r in plan.routes for s in r.stops[:1]] == [1] * len(plan.routes)
    check = runner.invoke(app, ["check", str(out / "plan.json")], catch_exceptions=False)
    assert check.exit_code == 0, check.output


def test_bad_transfer_in_a_file_exits_2_with_every_problem(tmp_path: Path) -> None:
    """A transfer to an unknown depot listing an unknown order: exit 2, E1000 with E1703 and E1704 in details."""
    src = tmp_path / "day.json"
    src.write_text(json.dumps(_doc(depot_id="Nowhere", orders=["A1", "ZZ"])), encoding="utf-8")
    result = runner.invoke(app, ["plan", str(src), "--out", str(tmp_path / "o"), "--json"], catch_exceptions=False)
    assert result.exit_code == 2
    codes = [d["code"] for d in json.loads(result.stdout)["error"]["details"]]
    assert "E1703" in codes and "E1704" in codes


def test_kept_loadings_round_trip_and_every_bad_one_is_reported(tmp_path: Path) -> None:
    """``kept_loadings`` (a kept route's van at a dock) is valid against the schema, reads HH:MM local to its depot
    and round-trips; an unknown depot (E1713), an end before the start and a dock 0 (E1714 twice) exit 2 together."""
    kept = {"depot_id": "Hub", "start": "08:00", "end": "08:15", "dock": 1, "route_id": "rte_kept"}
    doc = _doc() | {"kept_loadings": [kept]}
    assert list(Draft202012Validator(schema("doorstep-problem.schema.json")).iter_errors(doc)) == []
    p = problem_from_dict(doc)
    (k,) = p.kept_loadings
    assert (k.start.isoformat(), k.end.isoformat(), k.dock, k.route_id) == (
        "2025-03-18T08:00:00+00:00", "2025-03-18T08:15:00+00:00", 1, "rte_kept"
    )
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(p)))) == p
    bad = [kept | {"depot_id": "Nowhere"}, kept | {"start": "09:00", "end": "08:45", "dock": 0}]
    src = tmp_path / "day.json"
    src.write_text(json.dumps(_doc() | {"kept_loadings": bad}), encoding="utf-8")
    result = runner.invoke(app, ["plan", str(src), "--out", str(tmp_path / "o"), "--json"], catch_exceptions=False)
    assert result.exit_code == 2
    details = json.loads(result.stdout)["error"]["details"]
    assert sorted((d["code"], tuple(d["loc"])) for d in details) == [
        ("E1713", ("kept_loadings", 0, "depot_id")),
        ("E1714", ("kept_loadings", 1, "dock")),
        ("E1714", ("kept_loadings", 1, "end")),
    ]
