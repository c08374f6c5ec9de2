"""Item checks and the scan comparison, without any I/O."""

from __future__ import annotations

from doorstep.domain.items import MAX_BARCODE, barcode_problem, check_scans, item_problems
from doorstep.domain.orders import Item


def test_scan_check_counts_expected_codes_once_and_lists_the_rest() -> None:
    """Repeats and spaces at the ends are ignored; unknown codes keep scan order, missing ones item order."""
    check = check_scans(["A", "B", "C"], [" C", "X", "C", "A ", "", "Y"])
    assert check.scanned == ("A", "C") and check.missing == ("B",) and check.unknown == ("X", "Y")
    assert check.to_dict() == {"expected": 3, "scanned": 2, "missing": ["B"], "unknown": ["X", "Y"]}
    assert check_scans(["A"], []).to_dict() == {"expected": 1, "scanned": 0, "missing": ["A"], "unknown": []}


def test_barcode_text_rules() -> None:
    """Printable, 1..128 characters, no spaces at the ends; inner spaces (Code 128 allows them) are fine."""
    assert barcode_problem("ABC 123") is None and barcode_problem("9" * MAX_BARCODE) is None
    for bad in ("", "   ", "9" * (MAX_BARCODE + 1), "A\x1dB", " A"):
        assert barcode_problem(bad) is not None, bad


def test_item_problems_name_the_item_and_field() -> None:
    """Messages say which item; a repeated barcode names the first item that has it."""
    problems = item_problems([Item("Cup", 1, "", "Z"), Item("Mug", 10_001, "", "Z")])
    assert [(p.code, p.loc, p.message()) for p in problems] == [
        ("E1124", ("items", 1, "quantity"), "item 2: quantity 10001 is not 1..10000"),
        ("E1126", ("items", 1, "barcode"), "item 2: barcode 'Z' is already on item 1"),
    ]
    assert item_problems([Item("Cup")] * 200) == []
