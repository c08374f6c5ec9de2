"""The documented columns of an orders table, their aliases, and how a header row maps onto them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from doorstep.domain.errors import Issue
from doorstep.domain.orders import MAX_TIME_WINDOWS

# canonical name -> accepted header spellings (compared after normalize_header)
ALIASES: dict[str, tuple[str, ...]] = {
    "external_ref": ("external_ref", "ref", "reference", "order_id", "order_ref", "id"),
    "lat": ("lat", "latitude"),
    "lng": ("lng", "lon", "long", "longitude"),
    "address": ("address",),
    "kind": ("kind", "type"),
    "window_start": ("window_start", "tw_start", "from", "window1_start"),
    "window_end": ("window_end", "tw_end", "to", "window1_end"),
    "windows": ("windows", "time_windows"),
    "service_s": ("service_s", "service", "service_time"),
    "parcels": ("parcels",),
    "weight_g": ("weight_g",),
    "weight_kg": ("weight_kg",),
    "volume_cm3": ("volume_cm3",),
    "volume_l": ("volume_l",),
    "skills": ("skills",),
    "priority": ("priority",),
    "value_cents": ("value_cents",),
    "value": ("value",),
    "name": ("name", "contact", "customer", "contact_name", "customer_name"),
    "phone": ("phone",),
    "email": ("email",),
    "instructions": ("instructions", "notes"),
    "release_at": ("release_at", "ready_at"),
    "depot": ("depot", "depot_id"),
    "pickup_point_id": ("pickup_point_id", "pickup_point", "point_id"),
    "pickup_lat": ("pickup_lat", "pickup_latitude"),
    "pickup_lng": ("pickup_lng", "pickup_lon", "pickup_long", "pickup_longitude"),
    "pickup_address": ("pickup_address",),
    "pickup_window_start": ("pickup_window_start",),
    "pickup_window_end": ("pickup_window_end",),
    "pickup_service_s": ("pickup_service_s", "pickup_service"),
    "alt_lat": ("alt_lat",),
    "alt_lng": ("alt_lng", "alt_lon"),
    "alt_label": ("alt_label",),
    "alt_address": ("alt_address",),
    "tags": ("tags",),
    "items": ("items", "contents", "line_items"),
}
REQUIRED = ("lat", "lng")
SIZE_NAMES = ("parcels", "weight_g", "weight_kg", "volume_cm3", "volume_l")
# columns that give the same value in two units: only one of each pair may be present
EXCLUSIVE = (("weight_g", "weight_kg"), ("volume_cm3", "volume_l"), ("value_cents", "value"))
_LOOKUP = {alias: canon for canon, aliases in ALIASES.items() for alias in aliases}
_WINDOW_K = re.compile(r"^(?:window|tw)_?(\d+)_(start|end)$")
_SIZE = re.compile(r"^size_([a-z0-9_]+)$")


def normalize_header(text: str) -> str:
    """Case-, space- and hyphen-insensitive form of a header: ``' Window Start '`` -> ``window_start``."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower()).strip("_")


def canonical(header: str) -> str | None:
    """The canonical column a header names (``size_<dim>``, ``window<k>_start`` included), or None."""
    norm = normalize_header(header)
    if norm in _LOOKUP:
        return _LOOKUP[norm]
    m = _WINDOW_K.match(norm)
    if m and 2 <= int(m.group(1)) <= MAX_TIME_WINDOWS:
        return f"window{int(m.group(1))}_{m.group(2)}"
    m = _SIZE.match(norm)
    if m:
        dim = m.group(1)
        return dim if dim in SIZE_NAMES else f"size_{dim}"
    return None


@dataclass(slots=True)
class Columns:
    """Where each canonical column sits in the rows and how the user spelled its header."""

    index: dict[str, int] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def window_pairs(self) -> list[tuple[str, str]]:
        """The (start, end) column names of every numbered window present, in order."""
        pairs = [("window_start", "window_end")]
        pairs += [(f"window{k}_start", f"window{k}_end") for k in range(2, MAX_TIME_WINDOWS + 1)]
        return [(s, e) for s, e in pairs if s in self.index or e in self.index]

    def size_columns(self) -> list[str]:
        """Canonical names of the size columns present (known names and ``size_<dim>``)."""
        return [c for c in self.index if c in SIZE_NAMES or c.startswith("size_")]


def map_headers(headers: list[str], by_address: bool = False) -> Columns:
    """Map a header row onto canonical columns: W1202 once per unknown column, E1122 for a column named twice,
    E1101 listing every missing required column (``lat`` and ``lng`` are not required in a table with a
    ``pickup_point_id`` column, nor, ``by_address`` (a geocoder is at hand), in one with an ``address`` column:
    such rows may leave them out)."""
    cols = Columns()
    for i, raw in enumerate(headers):
        text = raw.strip()
        if not text:
            continue
        canon = canonical(text)
        if canon is None:
            msg = f"column {text!r} is not a known column and was ignored"
            cols.issues.append(Issue("W1202", msg, ("column", text)))
        elif canon in cols.index:
            msg = f"columns {cols.header[canon]!r} and {text!r} both mean {canon}"
            cols.issues.append(Issue("E1122", msg, ("column", text)))
        else:
            cols.index[canon] = i
            cols.header[canon] = text
    for a, b in EXCLUSIVE:
        if a in cols.index and b in cols.index:
            msg = f"columns {cols.header[a]!r} and {cols.header[b]!r} give the same value in two units"
            cols.issues.append(Issue("E1122", msg, ("column", cols.header[b])))
    optional = "pickup_point_id" in cols.index or (by_address and "address" in cols.index)
    missing = [c for c in REQUIRED if c not in cols.index and not optional]
    if missing:
        names = ", ".join(f"{c} ({'|'.join(ALIASES[c])})" for c in missing)
        cols.issues.append(Issue("E1101", f"missing required column(s): {names}", ("columns", *missing)))
    return cols
