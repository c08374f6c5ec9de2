"""Loading a van: the parcels of a route in the order they go in (the last delivered goes in first, so the first
delivered is at the rear door), what comes back instead (pickups, returns, store-to-door legs), the totals per
capacity dimension, and how a scanned barcode compares with the parcels a van should carry.

A parcel is one order's goods; its item barcodes are what the loading scan checks. Item barcodes are unique
within an order, not across orders (a shoe box's EAN), so a code on k items of a route needs k scans before a
further scan of it counts as a repeat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from doorstep.domain.orders import Order
from doorstep.domain.plan import Route, StopType

# Stops whose goods leave the depot in the van (a paired delivery's goods are collected on the way, not loaded).
LOADED = frozenset({StopType.DELIVERY})
# Stops whose goods come back to the depot (or are collected on the way): listed apart on the load sheet.
COLLECTED = frozenset({StopType.PICKUP, StopType.PAIRED_PICKUP})


@dataclass(frozen=True, slots=True, kw_only=True)
class Parcel:
    """One order's goods on a route: its stop number as the driver app counts them (order stops from 1), its trip
    (1 unless the van reloads), who and where, the item barcodes, the shelf when known, the size per dimension."""

    stop_no: int
    trip: int
    order_id: str
    external_ref: str
    kind: str  # delivery, pickup, return, paired
    name: str = ""
    address: str = ""
    barcodes: tuple[str, ...] = ()
    shelf: str = ""  # where it waits in the warehouse: no order field holds it yet, so always "" for now
    size: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trip:
    """One departure of a route from its depot (the start, or a reload): when, and what is loaded for it."""

    number: int
    departure: datetime | None
    parcels: tuple[Parcel, ...]  # in loading order: the last delivered first
    dock: int | None = None  # the loading dock it loads at (a depot with docks)

    @property
    def parcel_count(self) -> int:
        """Boxes to load: an order's ``parcels`` size when it has one, else one per order."""
        return sum(max(1, int(p.size.get("parcels", 1))) for p in self.parcels)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadPlan:
    """What a route loads and brings back, with totals per capacity dimension."""

    route_id: str
    vehicle: str
    trips: tuple[Trip, ...]
    collected: tuple[Parcel, ...]  # in stop order
    dimensions: tuple[str, ...]
    capacity: Mapping[str, int] = field(default_factory=dict)

    @property
    def loads(self) -> tuple[Parcel, ...]:
        """Every loaded parcel in loading order, trip after trip."""
        return tuple(p for t in self.trips for p in t.parcels)

    @property
    def departure(self) -> datetime | None:
        """When the van leaves the depot first."""
        return self.trips[0].departure if self.trips else None

    def totals(self, parcels: Sequence[Parcel] | None = None) -> dict[str, int]:
        """The sum of each dimension over ``parcels`` (default: everything loaded)."""
        chosen = self.loads if parcels is None else parcels
        return {d: sum(int(p.size.get(d, 0)) for p in chosen) for d in self.dimensions}


def _kind(order: Order | None, stop_type: StopType) -> str:
    if stop_type in (StopType.PAIRED_PICKUP, StopType.PAIRED_DELIVERY):
        return "paired"
    return order.kind.value if order is not None else stop_type.value


def _parcel(
    no: int, trip: int, stop_type: StopType, order_id: str, ref: str, address: str, order: Order | None
) -> Parcel:
    size = dict(order.size) if order is not None else {}
    if order is not None and order.is_pickup_like and order.collect:
        size = dict(order.collect)
    return Parcel(
        stop_no=no, trip=trip, order_id=order_id, external_ref=ref or (order.external_ref if order else ""),
        kind=_kind(order, stop_type), name=order.contact.name if order else "",
        address=address or (order.address if order else ""), barcodes=order.barcodes if order else (),
        size=size,
    )  # fmt: skip


def load_plan(route: Route, orders: Mapping[str, Order], capacity: Mapping[str, int] | None = None) -> LoadPlan:
    """The route's loading order per trip and its collections; ``orders`` by id (a stop whose order is unknown
    is still listed, with what the stop itself says)."""
    trips: list[tuple[datetime | None, list[Parcel]]] = []
    docks: list[int | None] = []
    collected: list[Parcel] = []
    no = 0
    for stop in route.stops:
        if stop.type in (StopType.START, StopType.RELOAD):
            trips.append((stop.departure, []))
            docks.append(stop.dock)
            continue
        if not stop.order_id or stop.type is StopType.BREAK:
            continue
        no += 1
        if not trips:
            trips.append((None, []))
            docks.append(None)
        order = orders.get(stop.order_id)
        parcel = _parcel(no, len(trips), stop.type, stop.order_id, stop.external_ref, stop.address, order)
        if stop.type in LOADED:
            trips[-1][1].append(parcel)
        elif stop.type in COLLECTED:
            collected.append(parcel)
    dims: dict[str, None] = dict.fromkeys(capacity or {})
    for p in [*collected, *(p for _, ps in trips for p in ps)]:
        dims.update(dict.fromkeys(p.size))
    made = tuple(
        Trip(number=k, departure=dep, parcels=tuple(reversed(ps)), dock=docks[k - 1])
        for k, (dep, ps) in enumerate(trips, start=1)
        if ps or k == 1
    )
    return LoadPlan(
        route_id=route.id, vehicle=route.vehicle_name or route.vehicle_id, trips=made, collected=tuple(collected),
        dimensions=tuple(dims), capacity=dict(capacity or {}),
    )  # fmt: skip


class ScanOutcome(StrEnum):
    """What a scanned code is to the van being loaded."""

    LOADED = "loaded"  # a parcel of this van, first scan of that item
    DUPLICATE = "duplicate"  # every item of this van with that code was scanned already: ignored
    FOREIGN = "foreign"  # a parcel of another route of the day: the warning names its van
    UNKNOWN = "unknown"  # no parcel of the day carries that code


@dataclass(frozen=True, slots=True)
class Expected:
    """One item barcode the van should carry, in loading order."""

    code: str
    parcel: Parcel


def expected_items(plan: LoadPlan) -> list[Expected]:
    """Every item barcode of the loaded parcels, in loading order (orders without barcodes have none)."""
    return [Expected(code, p) for p in plan.loads for code in p.barcodes]


def match_code(code: str, expected: Sequence[Expected], loaded_codes: Sequence[str]) -> Expected | None:
    """The expected item this scan loads, or None when the code is not (or no longer) expected: the n-th scan of
    a code loads the n-th item carrying it, in loading order."""
    carrying = [e for e in expected if e.code == code]
    taken = sum(1 for c in loaded_codes if c == code)
    return carrying[taken] if taken < len(carrying) else None


@dataclass(frozen=True, slots=True)
class LoadCheck:
    """The van as scanned so far: the items loaded and missing, in loading order."""

    loaded: tuple[Expected, ...]
    missing: tuple[Expected, ...]


def check_load(expected: Sequence[Expected], loaded_codes: Sequence[str]) -> LoadCheck:
    """Which expected items the loaded scans cover (each scan one item, first come first served)."""
    remaining = list(loaded_codes)
    loaded: list[Expected] = []
    missing: list[Expected] = []
    for e in expected:
        if e.code in remaining:
            remaining.remove(e.code)
            loaded.append(e)
        else:
            missing.append(e)
    return LoadCheck(tuple(loaded), tuple(missing))
