"""load_problem/load_fleet: format detection, fleet rules, merged validation, rows named, skip_invalid."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from doorstep.domain import DoorstepError, Issue, Problem
from doorstep.formats.doorstep_json import problem_to_dict
from doorstep.formats.load import LoadResult, detect_format, load_fleet, load_problem

EXAMPLES = Path(__file__).parents[2] / "examples"
DATA = Path(__file__).parent / "data"
FLEET = EXAMPLES / "fleet.json"
DAY = date(2025, 3, 18)
HEADER = "ref,lat,lng,window_start,window_end,parcels,weight_kg"


def csv(tmp_path: Path, *lines: str, header: str = HEADER, name: str = "orders.csv") -> Path:
    """An orders CSV in tmp_path."""
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def failure(*args: Any, **kw: Any) -> list[Issue]:
    """The issues load_problem raises with."""
    with pytest.raises(DoorstepError) as exc:
        load_problem(*args, **kw)
    return list(exc.value.issues)


def test_examples_load_cleanly() -> None:
    """The shipped examples (CSV + fleet, VROOM) load without errors or warnings."""
    res = load_problem(EXAMPLES / "orders.csv", FLEET, plan_date=DAY)
    assert (res.source_format, len(res.problem.orders), res.warnings, res.skipped) == ("csv", 20, [], [])
    assert len(res.problem.vehicles) == 3 and res.vroom is None
    vroom = load_problem(EXAMPLES / "vroom-problem.json")
    assert (vroom.source_format, vroom.warnings) == ("vroom-json", [])
    assert vroom.vroom is not None and len(vroom.vroom.job_ids) == 8


def test_fleet_example_without_date_uses_today() -> None:
    """A fleet without a date and no caller date still loads (times on today's date at the depot)."""
    assert len(load_fleet(FLEET).vehicles) == 3


def test_doorstep_json_problem(tmp_path: Path, problem: Problem) -> None:
    """A Doorstep problem document loads as doorstep-json without a fleet file."""
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_to_dict(problem)))
    res = load_problem(path)
    assert res.source_format == "doorstep-json" and res.problem == problem
    assert [w.code for w in res.warnings] == ["W1203"]  # the shared problem has one oversized order


def test_format_detection_by_content(tmp_path: Path) -> None:
    """Without a known extension, JSON and ZIP content are recognised; VROOM is JSON without 'doorstep'."""
    path = tmp_path / "problem"
    path.write_text((EXAMPLES / "vroom-problem.json").read_text())
    assert detect_format(path) == "vroom-json"
    assert detect_format(EXAMPLES / "orders.csv") == "csv"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("orders.pdf", "%PDF-1.4", "E1004"),
        ("orders.xls", "x", "E1004"),
        ("other.json", '{"hello": 1}', "E1004"),
        ("bad.json", '{"jobs": [', "E1005"),
    ],
)
def test_unsupported_or_malformed_files(tmp_path: Path, name: str, content: str, code: str) -> None:
    """Unsupported types are E1004 and broken JSON E1005."""
    path = tmp_path / name
    path.write_text(content)
    assert [i.code for i in failure(path)] == [code]


def test_missing_file(tmp_path: Path) -> None:
    """A missing orders or fleet file is E1001 naming the path."""
    (issue,) = failure(tmp_path / "nope.csv", FLEET)
    assert issue.code == "E1001" and "nope.csv" in issue.message
    (issue,) = failure(EXAMPLES / "orders.csv", tmp_path / "fleet.json")
    assert issue.code == "E1001"


def test_csv_needs_a_fleet(tmp_path: Path) -> None:
    """A CSV without a fleet is E1117, reported with the CSV's own errors."""
    issues = failure(csv(tmp_path, "A1,38.72,-9.14,09:00,25:00,1,1"))
    assert [i.code for i in issues] == ["E1117", "E1103"]


def test_fleet_and_order_errors_reported_together(tmp_path: Path) -> None:
    """A bad fleet file and bad rows are rejected in one error listing both."""
    fleet = json.loads(FLEET.read_text())
    fleet["vehicles"][0]["shift_end"] = "17h"
    fleet_path = tmp_path / "fleet.json"
    fleet_path.write_text(json.dumps(fleet))
    issues = failure(csv(tmp_path, "A1,38.72,-9.14,9,,1,1"), fleet_path, plan_date=DAY)
    assert [(i.code, i.loc) for i in issues] == [
        ("E1103", ("vehicles", 0, "shift_end")),
        ("E1103", ("row", 2, "window_start")),
    ]
    assert issues[0].message.startswith("fleet.json: ")


def test_validation_warnings_name_the_row(tmp_path: Path) -> None:
    """W1201 (far from the depot) and W1203 (larger than any vehicle) are located at the CSV row."""
    path = csv(tmp_path, "A1,38.72,-9.14,,,1,1", "A2,41.15,-8.61,,,1,1", "A3,38.72,-9.14,,,500,1")
    res = load_problem(path, FLEET, plan_date=DAY)
    assert [(w.code, w.loc[:2], w.id) for w in res.warnings] == [
        ("W1201", ("row", 3), "ord_A2"),
        ("W1203", ("row", 4), "ord_A3"),
    ]
    assert res.warnings[0].message.startswith("row 3: ")


def test_rejected_whole_by_default_and_skip_invalid_plans_the_rest(tmp_path: Path) -> None:
    """Bad rows reject the import with every error; skip_invalid keeps good rows and lists skipped ones."""
    path = csv(
        tmp_path,
        "A1,38.72,-9.14,09:00,11:00,1,1",
        "A2,38.72,-9.14,11:00,09:00,1,1",
        "A3,-9.14,38.72,,,1,1",
        "A4,38.72,-9.14,,,-1,1",
        "A5,38.73,-9.13,,,2,1",
    )
    assert [i.loc[1] for i in failure(path, FLEET, plan_date=DAY)] == [3, 4, 5]
    res = load_problem(path, FLEET, plan_date=DAY, skip_invalid=True)
    assert [o.external_ref for o in res.problem.orders] == ["A1", "A5"]
    assert [(s.code, s.loc) for s in res.skipped] == [("W1205", ("row", n)) for n in (3, 4, 5)]


def test_skip_invalid_drops_orders_failing_validation(tmp_path: Path) -> None:
    """Orders rejected by validate_problem (JSON input) are dropped one by one under skip_invalid."""
    doc = json.loads(json.dumps(problem_to_dict_of_example()))
    doc["orders"][1]["service_s"] = -5
    doc["orders"][2]["depot_id"] = "dep_nowhere"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    issues = failure(path)
    assert {(i.code, i.loc[:2]) for i in issues} == {("E1107", ("orders", 1)), ("E1109", ("orders", 2))}
    res = load_problem(path, skip_invalid=True)
    assert len(res.problem.orders) == 18
    assert [s.id for s in res.skipped] == [doc["orders"][1]["id"], doc["orders"][2]["id"]]


def problem_to_dict_of_example() -> dict[str, Any]:
    """The example CSV + fleet as a Doorstep problem document."""
    return problem_to_dict(load_problem(EXAMPLES / "orders.csv", FLEET, plan_date=DAY).problem)


def test_fleet_file_replaces_document_fleet(tmp_path: Path) -> None:
    """A fleet file given with a JSON input that has its own vehicles replaces them."""
    doc = problem_to_dict_of_example()
    doc["vehicles"] = doc["vehicles"][:1]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    assert len(load_problem(path).problem.vehicles) == 1
    assert len(load_problem(path, FLEET, plan_date=DAY).problem.vehicles) == 3


def test_vroom_with_synthetic_points_has_no_distance_warnings() -> None:
    """Index-only VROOM locations get placeholder points, so W1201 is not reported for them."""
    res: LoadResult = load_problem(DATA / "vroom-matrices.json")
    assert res.problem.matrices is not None and res.problem.matrices.synthetic_points
    assert "W1201" not in {w.code for w in res.warnings}
    assert [w.code for w in res.warnings] == ["W1206"]


def test_xlsx_loads_with_fleet(tmp_path: Path) -> None:
    """An XLSX orders file loads through load_problem like a CSV."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ref", "lat", "lng", "parcels"])
    ws.append(["X1", 38.72, -9.14, 1])
    path = tmp_path / "orders.xlsx"
    wb.save(path)
    res = load_problem(path, FLEET, plan_date=DAY)
    assert res.source_format == "xlsx" and res.problem.orders[0].external_ref == "X1"
