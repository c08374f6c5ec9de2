"""Stored rows to domain objects (and back) for planning and order validation."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from doorstep.domain.fleet import Break, Depot, Driver, SpeedProfile, Vehicle, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order
from doorstep.formats.doorstep_json import order_from_dict
from doorstep.formats.fleet_json import JsonReader
from doorstep.store.models import DepotRow, DriverRow, OrderRow, ShiftRow, VehicleRow, VehicleTypeRow


def depot_of(row: DepotRow) -> Depot:
    """The domain depot of a stored one."""
    return Depot(
        id=row.id,
        name=row.name,
        location=LatLng(row.lat, row.lng),
        timezone=row.timezone,
        address=row.address,
        opens=time.fromisoformat(row.opens) if row.opens else None,
        closes=time.fromisoformat(row.closes) if row.closes else None,
        loading_s=row.loading_s,
        capacity_parcels_per_day=row.capacity_parcels_per_day,
        docks=row.docks,
    )


def vehicle_type_of(row: VehicleTypeRow) -> VehicleType:
    """The domain vehicle type of a stored one."""
    return VehicleType(
        id=row.id,
        name=row.name,
        capacity={k: int(v) for k, v in row.capacity.items()},
        profile=SpeedProfile(row.profile),
        skills=frozenset(row.skills),
        fixed_cost_cents=row.fixed_cost_cents,
        cost_per_km_cents=row.cost_per_km_cents,
        cost_per_hour_cents=row.cost_per_hour_cents,
        fuel=row.fuel,
        range_m=row.range_m,
        reserve_m=row.reserve_m,
        charge_s=row.charge_s,
    )


def vehicle_of(row: VehicleRow, vtype: VehicleType, shift: ShiftRow, driver: DriverRow | None) -> Vehicle:
    """The vehicle as available during one shift (driver skills add to the vehicle's)."""
    breaks = tuple(
        Break(datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"]), int(b["duration_s"]))
        for b in shift.breaks
    )
    skills = frozenset(row.skills) | (frozenset(driver.skills) if driver else frozenset())
    return Vehicle(
        id=row.id,
        type=vtype,
        start_depot_id=row.depot_id,
        shift_start=shift.start,
        shift_end=shift.end,
        name=row.name,
        end_depot_id=row.end_depot_id,
        open_end=row.open_end,
        max_shift_s=row.max_shift_s,
        max_distance_m=row.max_distance_m,
        max_stops=row.max_stops,
        breaks=breaks,
        skills=skills,
        reloads=row.reloads,
        max_reloads=row.max_reloads,
        driver_id=shift.driver_id,
    )


def driver_of(row: DriverRow) -> Driver:
    """The domain driver of a stored one."""
    return Driver(id=row.id, name=row.name, phone=row.phone, skills=frozenset(row.skills))


def order_of(row: OrderRow, depots: dict[str, Depot]) -> Order:
    """The domain order stored in ``row.data`` (times are stored ISO-8601 with offset)."""
    return parse_order(row.data, 0, depots, row.day)[0]


def parse_order(data: dict[str, Any], i: int, depots: dict[str, Depot], day: date) -> tuple[Order, JsonReader]:
    """An order from its Doorstep JSON object; bad times are collected in the returned reader's issues."""
    rd = JsonReader(day, depots=depots)
    return order_from_dict(data, i, rd), rd
