"""The items of an order (what the parcel holds, with barcodes): their limits, their checks, and how the barcodes a
driver scanned compare with the ones expected.

Barcodes are unique within one order (E1126), not across orders: item barcodes are often product codes (an EAN on
a shoe box), which many orders share. Every order-input path (REST API, Doorstep JSON, CSV/XLSX) applies the same
checks, each problem located at ``items[k].field``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from doorstep.domain.orders import Item

MAX_ITEMS = 200
MAX_QUANTITY = 10_000
MAX_DESCRIPTION = 500
MAX_SKU = 100
MAX_BARCODE = 128


@dataclass(frozen=True, slots=True)
class ItemProblem:
    """One problem with an order's items: its code, the item (None: the list) and field, and what is wrong (the
    caller names the item: ``item 3: no description``)."""

    code: str
    index: int | None
    field: str | None
    what: str

    @property
    def loc(self) -> tuple[str | int, ...]:
        """Where it is, below the order: ``("items", 2, "barcode")`` or ``("items",)``."""
        return ("items",) + ((self.index,) if self.index is not None else ()) + ((self.field,) if self.field else ())

    def message(self, number: int | None = None) -> str:
        """``item 3: no description`` (``number`` defaults to the item's place in the list, from 1)."""
        if self.index is None:
            return self.what
        return f"item {number if number is not None else self.index + 1}: {self.what}"


def barcode_problem(code: str) -> str | None:
    """What is wrong with a barcode's text, or None: 1..128 printable characters, no space at either end."""
    if not code.strip():
        return "barcode is blank (leave it out when the item has none)"
    if len(code) > MAX_BARCODE:
        return f"barcode has {len(code)} characters (at most {MAX_BARCODE})"
    if not code.isprintable():
        return "barcode contains control characters (tabs, line breaks, ...)"
    if code != code.strip():
        return f"barcode {code!r} starts or ends with a space"
    return None


def _one(item: Item, k: int) -> Iterator[ItemProblem]:
    if not item.description.strip():
        yield ItemProblem("E1123", k, "description", "no description")
    elif len(item.description) > MAX_DESCRIPTION:
        yield ItemProblem("E1128", k, "description", f"description longer than {MAX_DESCRIPTION} characters")
    if len(item.sku) > MAX_SKU:
        yield ItemProblem("E1128", k, "sku", f"sku longer than {MAX_SKU} characters")
    if not 1 <= item.quantity <= MAX_QUANTITY:
        yield ItemProblem("E1124", k, "quantity", f"quantity {item.quantity} is not 1..{MAX_QUANTITY}")
    if item.barcode:
        bad = barcode_problem(item.barcode)
        if bad:
            yield ItemProblem("E1125", k, "barcode", bad)


def item_problems(items: Sequence[Item]) -> list[ItemProblem]:
    """Every problem with an order's items at once: too many (E1127), no description (E1123), bad quantity
    (E1124), bad barcode (E1125), a barcode on two items (E1126), text too long (E1128)."""
    out: list[ItemProblem] = []
    if len(items) > MAX_ITEMS:
        out.append(ItemProblem("E1127", None, None, f"{len(items)} items (at most {MAX_ITEMS} per order)"))
    first: dict[str, int] = {}
    for k, item in enumerate(items):
        out.extend(_one(item, k))
        if not item.barcode:
            continue
        if item.barcode in first:
            msg = f"barcode {item.barcode!r} is already on item {first[item.barcode] + 1}"
            out.append(ItemProblem("E1126", k, "barcode", msg))
        else:
            first[item.barcode] = k
    return out


@dataclass(frozen=True, slots=True)
class ScanCheck:
    """Scanned barcodes against an order's item barcodes: which expected ones were scanned, which were missed,
    and which scanned codes belong to no item of the order."""

    expected: tuple[str, ...]
    scanned: tuple[str, ...]  # expected codes that were scanned, in item order
    missing: tuple[str, ...]
    unknown: tuple[str, ...]  # scanned codes of no item, in scan order

    def to_dict(self) -> dict[str, object]:
        """The stored and published form (``"2/3 scanned"`` is ``len(scanned)``/``len(expected)``)."""
        return {
            "expected": len(self.expected), "scanned": len(self.scanned), "missing": list(self.missing),
            "unknown": list(self.unknown),
        }  # fmt: skip


def check_scans(expected: Sequence[str], scanned: Iterable[str]) -> ScanCheck:
    """Compare what the driver scanned (spaces at the ends ignored, repeats counted once) with the expected codes."""
    seen: list[str] = []
    for code in (c.strip() for c in scanned):
        if code and code not in seen:
            seen.append(code)
    want = set(expected)
    return ScanCheck(
        expected=tuple(expected),
        scanned=tuple(c for c in expected if c in seen),
        missing=tuple(c for c in expected if c not in seen),
        unknown=tuple(c for c in seen if c not in want),
    )
