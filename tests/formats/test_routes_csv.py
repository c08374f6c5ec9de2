"""routes.csv: one row per stop with local times, contacts and instructions."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

from doorstep.domain.orders import Contact
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.formats.cell_safety import safe_cell
from doorstep.formats.routes_csv import COLUMNS, routes_csv, write_routes_csv
from tests.formats.conftest import make_plan


def _rows(plan: Plan, problem: Problem) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(routes_csv(plan, problem))))


def test_one_row_per_stop_in_sequence(plan: Plan, problem: Problem) -> None:
    """Every stop of every route is a row, numbered from 0 in driving order."""
    rows = _rows(plan, problem)
    assert len(rows) == sum(len(r.stops) for r in plan.routes)
    assert [r["seq"] for r in rows] == [str(i) for i in range(len(rows))]
    assert [r["type"] for r in rows][:2] == ["start", "delivery"]
    assert tuple(rows[0]) == COLUMNS


def test_times_are_local_to_the_depot(plan: Plan, problem: Problem) -> None:
    """Times are Lisbon wall times (HH:MM) and ISO with the +01:00 summer offset, not UTC."""
    delivery = _rows(plan, problem)[1]
    assert delivery["arrival"] == "09:10"
    assert delivery["arrival_iso"] == "2025-06-17T09:10:00+01:00"
    assert delivery["departure"] == "09:13"
    assert delivery["window"] == "09:00-11:00"
    assert delivery["service_min"] == "3"


def test_driver_details_from_the_order(plan: Plan, problem: Problem) -> None:
    """Contact, phone, instructions, reference and load come from the order and the stop."""
    delivery = _rows(plan, problem)[1]
    assert delivery["contact_name"] == "Ana Silva"
    assert delivery["contact_phone"] == "+351 910 000 001"
    assert delivery["instructions"] == "Ring twice"
    assert delivery["order_ref"] == "A-1"
    assert delivery["load_after"] == "parcels=0"
    assert delivery["vehicle"] == "Van 1"


def test_file_is_utf8_with_bom(tmp_path: Path, plan: Plan, problem: Problem) -> None:
    """The written file starts with a BOM so spreadsheets read accents; the text round-trips."""
    path = tmp_path / "routes.csv"
    write_routes_csv(path, plan, problem)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Avenida da República 10" in raw.decode("utf-8-sig")


def test_formula_cells_are_written_as_text(problem: Problem) -> None:
    """User text that a spreadsheet would run (=, +, -, @, tab, CR first) gets a leading apostrophe (OWASP CSV
    injection); a tab-led formula keeps its tab; phone numbers and negative coordinates stay as written."""
    o1 = problem.orders[0]
    hostile = replace(
        o1,
        address="=HYPERLINK(\"http://evil.example\",\"x\")",
        contact=Contact("@SUM(1+1)", "+351 910 000 001"),
        instructions="\t=1+2",
    )
    van = replace(problem.vehicles[0], name="-2+3+cmd|' /C calc'!A0")
    bad = replace(problem, orders=(hostile, *problem.orders[1:]), vehicles=(van, *problem.vehicles[1:]))
    plan = make_plan(bad)
    plan = replace(plan, routes=[replace(r, vehicle_name=van.name) for r in plan.routes])
    delivery = _rows(plan, bad)[1]
    assert delivery["address"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert delivery["contact_name"] == "'@SUM(1+1)"
    assert delivery["instructions"] == "'\t=1+2"
    assert delivery["vehicle"] == "'-2+3+cmd|' /C calc'!A0"
    assert delivery["contact_phone"] == "+351 910 000 001"
    assert delivery["lng"] == "-9.138000"


def test_safe_cell_rules() -> None:
    """Every formula start is neutralised, CR included; inert numbers and plain text are unchanged."""
    assert [safe_cell(t) for t in ("=1", "+A1", "-A1", "@A1", "\t=1", "\r=1", "\uff1d1+1")] == [
        "'=1", "'+A1", "'-A1", "'@A1", "'\t=1", "'\r=1", "'\uff1d1+1",
    ]  # fmt: skip
    assert [safe_cell(t) for t in ("-12.5", "+351 910", "", "Ring twice", "a=1")] == [
        "-12.5", "+351 910", "", "Ring twice", "a=1",
    ]  # fmt: skip


def test_a_stop_at_a_pickup_point_names_the_point(plan: Plan, problem: Problem) -> None:
    """The pickup_point_id column carries the order's point (blank for a home delivery and the depot stops)."""
    first = plan.routes[0].stops[1].order_id
    orders = tuple(replace(o, pickup_point_id="pup_rossio") if o.id == first else o for o in problem.orders)
    rows = _rows(plan, replace(problem, orders=orders))
    assert [r["pickup_point_id"] for r in rows[:3]] == ["", "pup_rossio", ""]
