"""An order's items written in one spreadsheet cell: ``2x Shoes {SH-42} [4006381333931]; 1x Gift bag``.

Items are separated by ``;`` (or line breaks). Each is an optional quantity (``2x``, ``2 x``, ``2×``, ``2*``;
default 1), a description, and after it, in either order, an optional SKU in braces ``{SH-42}`` and an optional
barcode in square brackets ``[4006381333931]``. A shop builds the cell with one spreadsheet formula, e.g.
``=TEXTJOIN("; ", TRUE, ...)`` over its line items. Descriptions cannot contain ``;``, braces or brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from doorstep.domain.orders import Item

_QTY = re.compile(r"^(\d+)\s*[x×X*]\s+")
_TAG = re.compile(r"\{([^{}\[\]]*)\}|\[([^{}\[\]]*)\]")


@dataclass(slots=True)
class ItemsCell:
    """The items read from a cell, and what could not be read (item number, what is wrong)."""

    items: list[Item] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # numbers[k]: the place of items[k] in the cell (from 1)
    unreadable: list[tuple[int, str]] = field(default_factory=list)


def _one(text: str) -> Item | str:
    """One item, or what is wrong with it."""
    m = _QTY.match(text)
    rest = text[m.end() :] if m else text
    tags = list(_TAG.finditer(rest))
    description = _TAG.sub(" ", rest)
    if any(ch in description for ch in "{}[]"):
        return f"{text!r} has an unmatched brace or bracket (write {{sku}} and [barcode] after the description)"
    skus = [t.group(1) for t in tags if t.group(0).startswith("{")]
    barcodes = [t.group(2) for t in tags if t.group(0).startswith("[")]
    if len(skus) > 1 or len(barcodes) > 1:
        return f"{text!r} has more than one {{sku}} or [barcode]"
    return Item(
        description=" ".join(description.split()),
        quantity=int(m.group(1)) if m else 1,
        sku=skus[0].strip() if skus else "",
        barcode=barcodes[0].strip() if barcodes else "",
    )


def parse_items_cell(text: str) -> ItemsCell:
    """Every item of a cell, and every item that cannot be read (by number, from 1)."""
    out = ItemsCell()
    parts = [p.strip() for p in re.split(r"[;\n]", text)]
    for n, part in enumerate((p for p in parts if p), start=1):
        got = _one(part)
        if isinstance(got, str):
            out.unreadable.append((n, got))
        else:
            out.items.append(got)
            out.numbers.append(n)
    return out
