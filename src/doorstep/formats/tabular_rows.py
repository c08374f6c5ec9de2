"""One data row of an orders table -> one Order, with every bad cell reported (never the first only)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo

from doorstep.domain.fleet import Depot
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.ids import derived_id
from doorstep.domain.items import item_problems
from doorstep.domain.orders import (
    MAX_TIME_WINDOWS,
    Contact,
    Geocoded,
    Item,
    Order,
    OrderKind,
    PairedPickup,
    Place,
    Priority,
    TimeWindow,
)
from doorstep.domain.pickup import PickupPoint, to_point
from doorstep.domain.validate import FAR_FROM_DEPOT_M
from doorstep.formats.items_cell import parse_items_cell
from doorstep.formats.tabular_cells import RowReader
from doorstep.formats.times import at_local, parse_when, zone
from doorstep.routing.geocoder import Geocoder, order_place

_PAIR = re.compile(r"^\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*[-–]\s*(\d{1,2}:\d{2}(?::\d{2})?)\s*$")
_SCALED = {"weight_kg": ("weight_g", 1000), "volume_l": ("volume_cm3", 1000)}


@dataclass(frozen=True, slots=True)
class RowContext:
    """What every row needs: the plan date, the depots (by id and by name) and the default time zone; and, when
    the table is read for an organization, its pickup points (None: ``pickup_point_id`` is carried as given)."""

    plan_date: date
    depots: dict[str, Depot]
    default_tz: tzinfo
    default_depot: Depot | None = None
    points: Mapping[str, PickupPoint] | None = None
    geocoder: Geocoder | None = None  # places a row with an address and no lat/lng


def make_context(
    depots: list[Depot] | tuple[Depot, ...],
    plan_date: date,
    points: Mapping[str, PickupPoint] | None = None,
    geocoder: Geocoder | None = None,
) -> RowContext:
    """Index depots by id and lower-cased name; local times default to the first depot's zone (else UTC)."""
    by_key: dict[str, Depot] = {}
    for d in depots:
        by_key.setdefault(d.name.strip().lower(), d)
    by_key.update({d.id: d for d in depots})
    tz = zone(depots[0].timezone) if depots else None
    return RowContext(plan_date, by_key, tz or UTC, depots[0] if depots else None, points, geocoder)


def _choice[E: (OrderKind, Priority)](r: RowReader, col: str, enum: type[E], default: E) -> E:
    text = r.text(col)
    if not text:
        return default
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    try:
        return enum(key)
    except ValueError:
        allowed = "|".join(m.value for m in enum)
        r.add("E1111", col, f"{text!r} is not one of {allowed}")
        return default


def swapped_near_depot(point: LatLng, depots: Iterable[Depot]) -> bool:
    """Whether a valid point is far from every depot but would be near one with lat and lng swapped."""
    locs = [d.location for d in depots if d.location.is_valid()]
    swapped = LatLng(point.lng, point.lat)
    if not locs or not swapped.is_valid():
        return False
    near = min(haversine_m(point, loc) for loc in locs)
    return near > FAR_FROM_DEPOT_M and min(haversine_m(swapped, loc) for loc in locs) <= FAR_FROM_DEPOT_M


def _point(r: RowReader, lat_col: str, lng_col: str, ctx: RowContext, *, required: bool) -> LatLng | None:
    if not r.has(lat_col) and not r.has(lng_col) and not required:
        return None
    for col in (lat_col, lng_col):
        if not r.has(col):
            r.add("E1102", col, "a value is required")
    lat, lng = r.number(lat_col), r.number(lng_col)
    if lat is None or lng is None:
        return None
    point = LatLng(lat, lng)
    if point.is_valid() and not swapped_near_depot(point, ctx.depots.values()):
        return point
    if point.is_valid():
        r.add("E1106", lat_col, f"lat={lat}, lng={lng} look swapped (swapped, the point is near a depot)")
    elif LatLng(lng, lat).is_valid():
        r.add("E1106", lat_col, f"lat={lat}, lng={lng} look swapped (latitude must be within -90..90)")
    else:
        r.add("E1105", lat_col, f"lat={lat}, lng={lng} out of range")
    return None


def _by_address(r: RowReader, ctx: RowContext) -> bool:
    """Whether the row is placed by its address: no lat/lng, an address, a geocoder, no pickup point named."""
    no_point = not r.has("lat") and not r.has("lng") and not r.text("pickup_point_id")
    return no_point and ctx.geocoder is not None and bool(r.text("address").strip())


def _geocoded(r: RowReader, ctx: RowContext, depot: Depot | None) -> tuple[LatLng | None, Geocoded | None]:
    """The row's address placed by the geocoder and how exactly (E1134 / E1135 at the address cell, W1212 when
    approximate)."""
    home = depot or ctx.default_depot
    if ctx.geocoder is None:
        return None, None
    answer = ctx.geocoder.geocode(r.text("address"), near=home.location if home else None)
    where, how, issues = order_place(answer, ("address",))
    for issue in issues:
        r.add(issue.code, "address", issue.message)
    return where, how


def _window(r: RowReader, cols: tuple[str, str], ctx: RowContext, tz: tzinfo) -> TimeWindow | None:
    """A window from a start and an end column; a missing side means the start or end of the plan day."""
    start_col, end_col = cols
    if not r.has(start_col) and not r.has(end_col):
        return None
    start, end = r.when(start_col, ctx.plan_date, tz), r.when(end_col, ctx.plan_date, tz)
    if (r.has(start_col) and start is None) or (r.has(end_col) and end is None):
        return None
    start = start or at_local(ctx.plan_date, 0, tz)
    end = end or at_local(ctx.plan_date, 86400, tz)
    if end < start:
        r.add(
            "E1104",
            end_col,
            f"window {r.text(start_col) or '00:00'}..{r.text(end_col)} ends before it starts",
        )
        return None
    return TimeWindow(start, end)


def _windows_cell(r: RowReader, ctx: RowContext, tz: tzinfo) -> list[TimeWindow]:
    """``09:00-11:00;14:00-16:00`` (or ISO ``start/end`` items) from the ``windows`` column."""
    out: list[TimeWindow] = []
    for item in (i.strip() for i in r.text("windows").split(";")):
        if not item:
            continue
        m = _PAIR.match(item)
        parts = [m.group(1), m.group(2)] if m else item.split("/")
        try:
            if len(parts) != 2:
                raise ValueError(item)
            start, end = (parse_when(p, ctx.plan_date, tz) for p in parts)
        except ValueError:
            r.add("E1103", "windows", f"{item!r} is not a time window (write 09:00-11:00)")
            continue
        if end < start:
            r.add("E1104", "windows", f"window {item!r} ends before it starts")
            continue
        out.append(TimeWindow(start, end))
    return out


def _all_windows(r: RowReader, pairs: list[tuple[str, str]], ctx: RowContext, tz: tzinfo) -> tuple[TimeWindow, ...]:
    found = [w for cols in pairs if (w := _window(r, cols, ctx, tz)) is not None]
    if r.has("windows"):
        found += _windows_cell(r, ctx, tz)
    if len(found) > MAX_TIME_WINDOWS:
        r.add(
            "E1121",
            pairs[0][0] if pairs else "windows",
            f"{len(found)} time windows (max {MAX_TIME_WINDOWS})",
        )
    return tuple(sorted(found, key=lambda w: w.start))


def _sizes(r: RowReader, size_cols: list[str]) -> dict[str, int]:
    size: dict[str, int] = {}
    for col in size_cols:
        dim, scale = _SCALED.get(col, (col.removeprefix("size_"), 1))
        value = r.amount(col, scale)
        if value is not None:
            size[dim] = value
    return size


def _value_cents(r: RowReader) -> int:
    if r.has("value"):
        return r.amount("value", 100) or 0
    return r.amount("value_cents") or 0


def _depot(r: RowReader, ctx: RowContext) -> Depot | None:
    key = r.text("depot")
    if not key:
        return None
    depot = ctx.depots.get(key) or ctx.depots.get(key.lower())
    if depot is None and ctx.depots:
        known = ", ".join(sorted({d.id for d in ctx.depots.values()})) or "none"
        r.add("E1109", "depot", f"unknown depot {key!r} (known: {known})")
    return depot


def _pickup(r: RowReader, kind: OrderKind, ctx: RowContext, tz: tzinfo) -> PairedPickup | None:
    cols = ("pickup_lat", "pickup_lng", "pickup_address", "pickup_window_start", "pickup_window_end")
    if kind is not OrderKind.PAIRED:
        for col in (c for c in (*cols, "pickup_service_s") if r.has(c)):
            r.add("W1206", col, f"ignored: pickup columns apply to kind=paired only (this row is {kind.value})")
        return None
    if not r.has("pickup_lat") and not r.has("pickup_lng"):
        r.add("E1112", "pickup_lat", "a paired order needs pickup_lat and pickup_lng")
        return None
    point = _point(r, "pickup_lat", "pickup_lng", ctx, required=True)
    window = _window(r, ("pickup_window_start", "pickup_window_end"), ctx, tz)
    service = r.duration("pickup_service_s") or 0
    if point is None:
        return None
    return PairedPickup(point, r.text("pickup_address"), (window,) if window else (), service)


def _alternative(r: RowReader, ctx: RowContext) -> tuple[Place, ...]:
    point = _point(r, "alt_lat", "alt_lng", ctx, required=False)
    if point is None:
        return ()
    return (Place(point, r.text("alt_address"), r.text("alt_label")),)


def _items(r: RowReader) -> tuple[Item, ...]:
    """The ``items`` cell (docs/input-formats.md): unreadable items E1129, bad values E1123..E1128, each located at
    the item (``("row", 7, "items", 1, "barcode")``; items counted from 0 as in JSON)."""
    if not r.has("items"):
        return ()
    cell = parse_items_cell(r.text("items"))
    for n, what in cell.unreadable:
        r.add_at("E1129", "items", f"item {n}: {what}", n - 1)
    for bad in item_problems(cell.items):
        number = cell.numbers[bad.index] if bad.index is not None else None
        sub = (number - 1, *bad.loc[2:]) if number is not None else ()
        r.add_at(bad.code, "items", bad.message(number), *sub)
    return tuple(cell.items)


# The longest text each column may hold: the JSON API's limits (api/schemas_orders.py), so an import stores
# nothing the API would refuse.
TEXT_LIMITS = {
    "external_ref": 200, "address": 500, "name": 200, "phone": 50, "email": 320, "instructions": 2000,
    "alt_address": 500, "alt_label": 200, "pickup_address": 500,
}  # fmt: skip


def _pickup_point(r: RowReader, ctx: RowContext) -> tuple[str | None, PickupPoint | None]:
    """The row's ``pickup_point_id`` and, when the organization's points are known, the point (E1302 for an id
    that is not one of them)."""
    pid = r.text("pickup_point_id") or None
    if pid is None or ctx.points is None:
        return pid, None
    point = ctx.points.get(pid)
    if point is None:
        r.add("E1302", "pickup_point_id", f"pickup point {pid!r} not found")
    return pid, point


def _at_point(r: RowReader, ctx: RowContext, order: Order, point: PickupPoint | None) -> Order:
    """The row's order delivered to its point: its place, the opening hours that day intersected with the row's
    windows, the point's handover time; each reason it cannot go there is an issue of the row
    (``domain.pickup.to_point``: E2270 inactive, E1573 closed, E1572 no window in the hours, E1574 not a plain
    delivery or another depot's point)."""
    depot = ctx.depots.get(order.depot_id or "") or ctx.default_depot
    if point is None or depot is None:
        return order
    placed, issues = to_point(replace(order, depot_id=depot.id), {point.id: point}, depot, ctx.plan_date, ())
    for issue in issues:
        r.add(issue.code, "pickup_point_id", issue.message)
    return placed


def _lengths(r: RowReader) -> None:
    """E1132 for every text cell longer than its column allows (all of them at once)."""
    for col, limit in TEXT_LIMITS.items():
        if len(text := r.text(col)) > limit:
            r.add("E1132", col, f"{len(text):,} characters, at most {limit:,}")


def build_order(r: RowReader, ctx: RowContext, size_cols: list[str], pairs: list[tuple[str, str]]) -> Order | None:
    """The row's Order, or None when any cell is bad (the issues are in ``r.issues``: every one of the row, those
    of its pickup point included)."""
    ref = r.text("external_ref") or f"row-{r.row}"
    r.ref = ref[: TEXT_LIMITS["external_ref"]]
    _lengths(r)
    kind = _choice(r, "kind", OrderKind, OrderKind.DELIVERY)
    depot = _depot(r, ctx)
    tz = (zone(depot.timezone) if depot else None) or ctx.default_tz
    pid, point = _pickup_point(r, ctx)
    geocoded: Geocoded | None = None
    if _by_address(r, ctx):
        location, geocoded = _geocoded(r, ctx, depot)
    else:
        location = _point(r, "lat", "lng", ctx, required=pid is None or ctx.points is None)
    if location is None and point is not None:
        location = point.location
    windows = _all_windows(r, pairs, ctx, tz)
    service = r.duration("service_s") or 0
    size = _sizes(r, size_cols)
    priority = _choice(r, "priority", Priority, Priority.NORMAL)
    value = _value_cents(r)
    release: datetime | None = r.when("release_at", ctx.plan_date, tz)
    pickup = _pickup(r, kind, ctx, tz)
    alternatives = _alternative(r, ctx)
    items = _items(r)
    if location is None:
        return None
    order = Order(
        id=derived_id("ord", ref),
        external_ref=ref,
        kind=kind,
        location=location,
        address=r.text("address"),
        contact=Contact(r.text("name"), r.text("phone"), r.text("email")),
        time_windows=windows,
        service_s=service,
        size=size,
        skills=frozenset(r.split("skills")),
        priority=priority,
        value_cents=value,
        alternatives=alternatives,
        instructions=r.text("instructions"),
        release_at=release,
        depot_id=depot.id if depot else (r.text("depot") or None),
        pickup=pickup,
        tags=r.split("tags"),
        items=items,
        pickup_point_id=pid,
        geocoded=geocoded,
    )
    order = _at_point(r, ctx, order, point)
    return None if any(i.severity == "error" for i in r.issues) else order
