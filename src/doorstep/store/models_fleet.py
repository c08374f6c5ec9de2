"""Depots, vehicle types, vehicles, drivers and shifts of an organization."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned


class DepotRow(OrgOwned, Base):
    """Where vehicles load; ``opens``/``closes`` are local HH:MM in ``timezone``; as a distribution centre, the
    parcels it handles a day and its loading docks (None: no limit)."""

    __tablename__ = "depots"
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float]
    lng: Mapped[float]
    timezone: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(500), default="")
    opens: Mapped[str | None] = mapped_column(String(5))
    closes: Mapped[str | None] = mapped_column(String(5))
    loading_s: Mapped[int] = mapped_column(default=0)
    capacity_parcels_per_day: Mapped[int | None]
    docks: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)


class VehicleTypeRow(OrgOwned, Base):
    """Capacity, speed profile, skills and costs shared by vehicles of one kind."""

    __tablename__ = "vehicle_types"
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[dict[str, Any]]
    profile: Mapped[str] = mapped_column(String(20))
    skills: Mapped[list[Any]]
    fixed_cost_cents: Mapped[int] = mapped_column(default=0)
    cost_per_km_cents: Mapped[int] = mapped_column(default=0)
    cost_per_hour_cents: Mapped[int] = mapped_column(default=0)
    fuel: Mapped[str | None] = mapped_column(String(20))  # diesel | petrol | electric | none (CO2 factors)
    range_m: Mapped[int | None]  # electric: metres on a full charge (None: no range limit)
    reserve_m: Mapped[int] = mapped_column(default=0, server_default="0")
    charge_s: Mapped[int] = mapped_column(default=0, server_default="0")  # charging time at each return
    version: Mapped[int] = mapped_column(default=1)


class AccessZoneRow(OrgOwned, Base):
    """A low-emission or restricted-access zone: a GeoJSON area, the vehicle types allowed to serve stops inside
    (ids), local delivery hours (``[["06:00", "11:00"]]``, empty: any time) and their time zone ("": the depot's)."""

    __tablename__ = "access_zones"
    name: Mapped[str] = mapped_column(String(200))
    geometry: Mapped[dict[str, Any]]
    vehicle_types: Mapped[list[Any]]
    hours: Mapped[list[Any]]
    timezone: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(default=1)


class VehicleRow(OrgOwned, Base):
    """A vehicle of a type, based at a depot: where its routes end (``end_depot_id`` None: back at its depot;
    ``open_end``: at the last stop), its limits, and whether it may come back to its depot mid-day to reload."""

    __tablename__ = "vehicles"
    name: Mapped[str] = mapped_column(String(200))
    type_id: Mapped[str] = mapped_column(String(64), ForeignKey("vehicle_types.id"), index=True)
    depot_id: Mapped[str] = mapped_column(String(64), ForeignKey("depots.id"), index=True)
    skills: Mapped[list[Any]]
    max_distance_m: Mapped[int | None]
    max_stops: Mapped[int | None]
    end_depot_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("depots.id"), index=True)
    open_end: Mapped[bool] = mapped_column(default=False, server_default="0")
    max_shift_s: Mapped[int | None]
    reloads: Mapped[bool] = mapped_column(default=False, server_default="0")
    max_reloads: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)


class DriverRow(OrgOwned, Base):
    """A person who drives; ``user_id`` links the login that sees this driver's routes."""

    __tablename__ = "drivers"
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(320), default="", server_default="")  # where an invite is sent
    language: Mapped[str] = mapped_column(String(10), default="", server_default="")  # of the invite ("": en)
    user_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("users.id"), index=True)
    skills: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(default=1)


class ShiftRow(OrgOwned, Base):
    """A vehicle available on a day between two instants, optionally with its driver and breaks."""

    __tablename__ = "shifts"
    __table_args__ = (UniqueConstraint("vehicle_id", "day", name="uq_shifts_vehicle_day"),)
    vehicle_id: Mapped[str] = mapped_column(String(64), ForeignKey("vehicles.id"), index=True)
    driver_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("drivers.id"))
    day: Mapped[date] = mapped_column(index=True)
    start: Mapped[datetime]
    end: Mapped[datetime]
    breaks: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(default=1)
