"""Small builders for test problems: a depot in Lisbon, vans, orders placed by (km east, km north) offsets."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain import (
    Break,
    Depot,
    LatLng,
    Order,
    OrderKind,
    PairedPickup,
    Place,
    Priority,
    Problem,
    TimeWindow,
    Vehicle,
    VehicleType,
)

TZ = ZoneInfo("Europe/Lisbon")
DAY = datetime(2026, 11, 23, tzinfo=TZ)
ORIGIN = LatLng(38.74, -9.15)


def t(h: int, m: int = 0) -> datetime:
    """A local time on the test day."""
    return DAY.replace(hour=h, minute=m)


def km(east: float, north: float, origin: LatLng = ORIGIN) -> LatLng:
    """A point ``east``/``north`` kilometres from the origin."""
    lat = origin.lat + north / 111.32
    lng = origin.lng + east / (111.32 * math.cos(math.radians(origin.lat)))
    return LatLng(round(lat, 6), round(lng, 6))


def depot(id_: str = "dep_a", at: LatLng = ORIGIN, **kw: Any) -> Depot:
    """A depot (Europe/Lisbon)."""
    kw.setdefault("timezone", "Europe/Lisbon")
    return Depot(id=id_, name=id_, location=at, **kw)


VAN = VehicleType(id="vty_van", name="Van", capacity={"parcels": 100}, cost_per_km_cents=30, cost_per_hour_cents=2000)


def vehicle(
    id_: str = "veh_1", vtype: VehicleType = VAN, dep: str = "dep_a", start: int = 8, end: int = 18, **kw: Any
) -> Vehicle:
    """A vehicle with an 8-18 shift from ``dep``."""
    return Vehicle(id=id_, type=vtype, start_depot_id=dep, shift_start=t(start), shift_end=t(end), **kw)


def order(
    ref: str,
    at: LatLng,
    kind: OrderKind = OrderKind.DELIVERY,
    windows: tuple[tuple[int, int], ...] = (),
    **kw: Any,
) -> Order:
    """An order with windows given as (start hour, end hour) pairs."""
    tws = tuple(TimeWindow(t(a), t(b)) for a, b in windows)
    kw.setdefault("service_s", 120)
    kw.setdefault("size", {"parcels": 1})
    return Order(id=f"ord_{ref}", external_ref=ref, kind=kind, location=at, time_windows=tws, **kw)


def problem(orders: list[Order], vehicles: list[Vehicle] | None = None, depots: list[Depot] | None = None) -> Problem:
    """A problem with one depot and one van unless given."""
    return Problem(depots=tuple(depots or [depot()]), vehicles=tuple(vehicles or [vehicle()]), orders=tuple(orders))


__all__ = [
    "DAY",
    "ORIGIN",
    "TZ",
    "VAN",
    "Break",
    "OrderKind",
    "PairedPickup",
    "Place",
    "Priority",
    "TimeWindow",
    "VehicleType",
    "depot",
    "km",
    "order",
    "problem",
    "replace",
    "t",
    "timedelta",
    "vehicle",
]
