"""Depot, vehicle type, vehicle, driver and shift bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from doorstep.api.schemas_common import MAX_INT, Amount, ErrorDetail, IsoTime, Out, Strict
from doorstep.domain.contact import address_issues


class DepotIn(Strict):
    """Where vehicles load; ``opens``/``closes`` are local HH:MM in ``timezone``; as a local distribution centre,
    the parcels it handles a day and its loading docks (docs/modelling.md, depots as distribution centres)."""

    name: str = Field(min_length=1, max_length=200, examples=["Hub Lisboa"])
    lat: float = Field(ge=-90, le=90, examples=[38.7372])
    lng: float = Field(ge=-180, le=180, examples=[-9.1034])
    timezone: str = Field(max_length=64, examples=["Europe/Lisbon"])
    address: str = Field("", max_length=500)
    opens: str | None = Field(None, max_length=5, examples=["07:00"])
    closes: str | None = Field(None, max_length=5, examples=["20:00"])
    loading_s: int = Field(0, ge=0, le=86_400, description="time to load a van at the start of every trip")
    capacity_parcels_per_day: int | None = Field(
        None, examples=[1200], description="parcels planned out of and back into it in a day (null: no limit; E1700)"
    )
    docks: int | None = Field(None, examples=[4], description="vans loading at the same time, at most (null: no "
                              "limit; E1701)")  # fmt: skip


class VehicleTypeIn(Strict):
    """Capacity per dimension (unlisted: unlimited), speed profile, skills and costs in cents."""

    name: str = Field(min_length=1, max_length=200, examples=["Van L"])
    capacity: dict[str, Amount] = Field(default_factory=dict, examples=[{"parcels": 180, "weight_g": 1200000}])
    profile: str = Field("van", max_length=20)
    skills: list[str] = Field(default_factory=list, max_length=50)
    fixed_cost_cents: int = Field(0, ge=0, le=MAX_INT)
    cost_per_km_cents: int = Field(0, ge=0, le=MAX_INT)
    cost_per_hour_cents: int = Field(0, ge=0, le=MAX_INT)
    fuel: Literal["diesel", "petrol", "electric", "none"] | None = Field(
        None, description="what it runs on, for CO2 per delivery (docs/analytics.md); null: counted as diesel"
    )
    range_m: int | None = Field(
        None, ge=1, le=MAX_INT, description="electric: metres on a full charge (null: no range limit)"
    )
    reserve_m: int = Field(0, ge=0, le=MAX_INT, description="electric: metres kept in hand on every trip")
    charge_s: int = Field(0, ge=0, le=86_400, description="electric: charging time at each return to the depot")


class AccessZoneIn(Strict):
    """A low-emission or restricted-access zone: only ``vehicle_types`` serve stops inside, within ``hours``."""

    name: str = Field(min_length=1, max_length=200, examples=["Baixa low-emission zone"])
    geometry: dict[str, Any] = Field(
        description="GeoJSON Polygon or MultiPolygon (or a Feature holding one), positions [lng, lat]",
        examples=[{"type": "Polygon", "coordinates": [[[-9.14, 38.71], [-9.13, 38.71], [-9.13, 38.72],
                                                       [-9.14, 38.71]]]}],
    )  # fmt: skip
    vehicle_types: list[str] = Field(max_length=100, description="ids of the vehicle types allowed to serve inside")
    hours: list[list[str]] = Field(
        default_factory=list, max_length=24, description='local delivery hours, e.g. [["06:00", "11:00"]]; empty: any'
    )
    timezone: str = Field("", max_length=64, description="IANA zone of the hours (empty: the depot's)")


class VehicleIn(Strict):
    """A vehicle of a type based at a depot: where its routes end, its limits, and whether it reloads mid-day."""

    name: str = Field(min_length=1, max_length=200, examples=["Van L1"])
    type_id: str = Field(max_length=64)
    depot_id: str = Field(max_length=64, description="where its routes start (and end, unless told otherwise)")
    skills: list[str] = Field(default_factory=list, max_length=50)
    max_distance_m: int | None = Field(None, ge=0, le=MAX_INT, description="longest route in metres")
    max_stops: int | None = Field(
        None, ge=1, le=100_000, description="most stops on a route (per trip between reloads when it reloads)"
    )
    end_depot_id: str | None = Field(
        None, max_length=64, description="the depot its routes end at (null: back at depot_id)"
    )
    open_end: bool = Field(False, description="routes end at their last stop (the driver goes home)")
    max_shift_s: int | None = Field(
        None, ge=1, le=MAX_INT, description="longest route, start to end, in seconds (inside the day's shift)"
    )
    reloads: bool = Field(False, description="may come back to its depot during the day to load again")
    max_reloads: int | None = Field(None, ge=0, le=1_000, description="at most this many reloads (null: no limit)")


class DriverIn(Strict):
    """A driver; ``user_id`` links the login that sees this driver's routes."""

    name: str = Field(min_length=1, max_length=200, examples=["Rita Costa"])
    phone: str = Field("", max_length=50, description="international format (+351 912 345 678) to get SMS invites")
    email: str = Field("", max_length=320, description="where an invite by email goes")
    language: str = Field("", max_length=10, description="the invite's language: en, fr, de, es or pt (empty: en)")
    user_id: str | None = Field(None, max_length=64)
    skills: list[str] = Field(default_factory=list, max_length=50)


class BreakIn(Strict):
    """A break that must start within [start, end] and last ``duration_s``."""

    start: AwareDatetime
    end: AwareDatetime
    duration_s: int = Field(ge=0, le=86_400)


class ShiftIn(Strict):
    """A vehicle available on ``day`` from ``start`` to ``end`` (ISO-8601 with offset)."""

    vehicle_id: str = Field(max_length=64)
    driver_id: str | None = Field(None, max_length=64)
    day: dt.date
    start: AwareDatetime = Field(examples=["2025-06-17T08:00:00+01:00"])
    end: AwareDatetime = Field(examples=["2025-06-17T18:00:00+01:00"])
    breaks: list[BreakIn] = Field(default_factory=list, max_length=10)


class Versioned(Out):
    """Stored objects carry an id, a version for optimistic concurrency and a creation time."""

    id: str
    version: int
    created_at: dt.datetime


class DepotOut(DepotIn, Versioned):
    """A stored depot."""


class VehicleTypeOut(VehicleTypeIn, Versioned):
    """A stored vehicle type."""


class AccessZoneOut(AccessZoneIn, Versioned):
    """A stored access zone."""


class VehicleOut(VehicleIn, Versioned):
    """A stored vehicle."""


class DriverOut(DriverIn, Versioned):
    """A stored driver; ``warnings`` name a phone or email that an invite cannot reach (W1210/W1211)."""

    warnings: list[ErrorDetail] = Field(default_factory=list, description="W1210/W1211: unusable email or phone")

    @model_validator(mode="after")
    def _contact_warnings(self) -> DriverOut:
        """Unusable contacts, checked on every read (whatever was passed in): a fixed address clears its warning."""
        self.warnings = [ErrorDetail.model_validate(i.to_dict()) for i in address_issues(self.email, self.phone)]
        return self


class BreakOut(BaseModel):
    """A break that must start within [start, end] and last ``duration_s``."""

    start: IsoTime
    end: IsoTime
    duration_s: int


class ShiftOut(Versioned):
    """A stored shift."""

    vehicle_id: str
    driver_id: str | None
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    breaks: list[BreakOut]
