"""Order items in the file formats: the CSV/XLSX ``items`` cell and the Doorstep JSON ``items`` list, with every bad
item reported at once, located at its row (or JSON path), item and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from doorstep.domain import DoorstepError, Item, validate_problem
from doorstep.formats.doorstep_json import problem_from_dict, problem_to_dict
from doorstep.formats.items_cell import parse_items_cell
from doorstep.formats.load import load_problem
from tests.formats.test_doorstep_json import _doc
from tests.formats.test_tabular import read, write

HEADER = "ref,lat,lng,items"


def test_items_cell_grammar() -> None:
    """Quantity prefix (2x, 2 x, 2×, 2*), {sku} and [barcode] in either order; '2 XL' is a description."""
    cell = parse_items_cell("2x Shoes {SH-42} [4006381333931]; 3 × Socks [B-2] {SO-1};\n2* Cup; 2 XL Shirts; Bag []")
    assert cell.items == [
        Item("Shoes", 2, "SH-42", "4006381333931"),
        Item("Socks", 3, "SO-1", "B-2"),
        Item("Cup", 2),
        Item("2 XL Shirts", 1),
        Item("Bag", 1),
    ]
    assert cell.unreadable == []
    bad = parse_items_cell("Ok; Cup [A] [B]; Mug {x; Plate")
    assert [n for n, _ in bad.unreadable] == [2, 3] and bad.numbers == [1, 4]


def test_csv_items_are_read(tmp_path: Path) -> None:
    """The items column becomes Order.items (blank cell: none)."""
    text = f'{HEADER}\nA1,38.72,-9.14,"2x Shoes {{SH-42}} [4006381333931]; Card"\nA2,38.72,-9.14,\n'
    got = read(write(tmp_path, text))
    assert got.orders[0].items == (Item("Shoes", 2, "SH-42", "4006381333931"), Item("Card"))
    assert got.orders[0].barcodes == ("4006381333931",) and got.orders[1].items == ()


def test_csv_bad_items_all_reported_with_row_item_and_field(tmp_path: Path) -> None:
    """Each problem of the cell is one issue at ("row", n, "items", k, field): E1129 unreadable, E1123 no
    description, E1124 bad quantity, E1125 bad barcode, E1126 repeated barcode; E1127 too many at the cell."""
    many = "; ".join(f"Thing {k}" for k in range(201))
    text = (
        f"{HEADER}\n"
        'B1,38.72,-9.14,"0x Cup [A1]; Mug [A1]; Plate [oops; {S-1} [  ]; Bowl [' + "9" * 129 + ']"\n'
        f'B2,38.72,-9.14,"{many}"\n'
    )
    with pytest.raises(DoorstepError) as exc:
        read(write(tmp_path, text))
    got = sorted((i.code, i.loc) for i in exc.value.issues)
    assert got == sorted([
        ("E1124", ("row", 2, "items", 0, "quantity")),
        ("E1126", ("row", 2, "items", 1, "barcode")),
        ("E1129", ("row", 2, "items", 2)),
        ("E1123", ("row", 2, "items", 3, "description")),
        ("E1125", ("row", 2, "items", 4, "barcode")),
        ("E1127", ("row", 3, "items")),
    ])  # fmt: skip
    messages = {i.code: i.message for i in exc.value.issues}
    assert messages["E1129"].startswith("row 2, column items: item 3:")
    assert messages["E1126"] == "row 2, column items: item 2: barcode 'A1' is already on item 1"


def test_xlsx_items_column(tmp_path: Path) -> None:
    """An XLSX sheet with an 'Items' header reads the same cell syntax."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Ref", "Lat", "Lng", "Items"])
    ws.append(["X1", 38.72, -9.14, "1x Lamp {L-9} [5901234123457]"])
    path = tmp_path / "orders.xlsx"
    wb.save(path)
    assert read(path).orders[0].items == (Item("Lamp", 1, "L-9", "5901234123457"),)


def _with_items(items: list[Any]) -> dict[str, Any]:
    doc = _doc()
    doc["orders"][0]["items"] = items
    return doc


def test_doorstep_json_items_round_trip_and_schema() -> None:
    """Items survive the document round trip; a wrong type is E1006 at its JSON path."""
    doc = _with_items([{"sku": "S", "description": "Shoes", "quantity": 2, "barcode": "123"}, {"description": "Card"}])
    problem = problem_from_dict(doc)
    assert problem.orders[0].items == (Item("Shoes", 2, "S", "123"), Item("Card"))
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(problem)))) == problem
    with pytest.raises(DoorstepError) as exc:
        problem_from_dict(_with_items([{"description": "Shoes", "quantity": "2", "colour": "red"}]))
    assert {(i.code, i.loc) for i in exc.value.issues} == {
        ("E1006", ("orders", 0, "items", 0)),
        ("E1006", ("orders", 0, "items", 0, "quantity")),
    }


def test_doorstep_json_item_values_checked_by_validation(tmp_path: Path) -> None:
    """Values the schema lets through are coded by validation at orders[i].items[k].field, all at once."""
    doc = _with_items([{"description": " ", "quantity": 0, "barcode": "X\n1"}, {"description": "A", "barcode": "X\n1"}])
    issues = [(i.code, i.loc) for i in validate_problem(problem_from_dict(doc)) if i.code.startswith("E")]
    assert sorted(issues) == [
        ("E1123", ("orders", 0, "items", 0, "description")),
        ("E1124", ("orders", 0, "items", 0, "quantity")),
        ("E1125", ("orders", 0, "items", 0, "barcode")),
        ("E1125", ("orders", 0, "items", 1, "barcode")),
        ("E1126", ("orders", 0, "items", 1, "barcode")),
    ]
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DoorstepError) as exc:
        load_problem(path)
    assert {i.code for i in exc.value.issues} == {"E1123", "E1124", "E1125", "E1126"}
