"""Depots, vehicle types, vehicles, breaks and drivers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from doorstep.domain.geo import LatLng


class SpeedProfile(StrEnum):
    """Travel-time profile; each provider maps it to speeds or a routing profile."""

    CAR = "car"
    VAN = "van"
    TRUCK = "truck"
    CARGO_BIKE = "cargo_bike"
    BIKE = "bike"
    FOOT = "foot"


@dataclass(frozen=True, slots=True, kw_only=True)
class Depot:
    """Where vehicles load. ``opens``/``closes`` are local wall times in ``timezone`` (None: always open).

    As a local distribution centre it may also have a daily capacity (parcels handled a day, out and back in:
    ``domain/depots.py`` says what counts) and a number of loading docks (vans loading at once); None: no limit.
    """

    id: str
    name: str
    location: LatLng
    timezone: str
    address: str = ""
    opens: time | None = None
    closes: time | None = None
    loading_s: int = 0  # time to load a vehicle at the start of every trip
    capacity_parcels_per_day: int | None = None  # parcels planned out of and back into the depot in a day
    docks: int | None = None  # vans loading (``loading_s``) at the same time, at most

    def hours_on(self, day: date) -> tuple[datetime | None, datetime | None]:
        """Opening and closing as aware datetimes on ``day`` (local to the depot); None where unrestricted."""
        tz = ZoneInfo(self.timezone)
        opens = datetime.combine(day, self.opens, tz) if self.opens is not None else None
        closes = datetime.combine(day, self.closes, tz) if self.closes is not None else None
        return opens, closes

    def local_day(self, when: datetime) -> date:
        """The calendar day of ``when`` at the depot."""
        return when.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True, slots=True)
class Break:
    """A driver break that must *start* within [start, end] and last ``duration_s``."""

    start: datetime
    end: datetime
    duration_s: int


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleType:
    """Shared attributes of a kind of vehicle. Capacity dimensions not listed are unlimited for it."""

    id: str
    name: str
    capacity: dict[str, int] = field(default_factory=dict)
    profile: SpeedProfile = SpeedProfile.VAN
    skills: frozenset[str] = frozenset()
    fixed_cost_cents: int = 0
    cost_per_km_cents: int = 0
    cost_per_hour_cents: int = 0
    fuel: str | None = None  # diesel | petrol | electric | none (CO2 factors: domain/emissions.py); None: diesel
    range_m: int | None = None  # electric: distance on a full charge (None: no range limit)
    reserve_m: int = 0  # electric: kept in hand on every trip (a trip drives at most range_m - reserve_m)
    charge_s: int = 0  # electric: charging time added to every return to the start depot between trips

    @property
    def trip_limit_m(self) -> int | None:
        """The longest trip (depot to depot) on one charge, or None without a range."""
        return None if self.range_m is None else max(0, self.range_m - self.reserve_m)


@dataclass(frozen=True, slots=True, kw_only=True)
class Vehicle:
    """One vehicle available for the day, with its shift. ``end_depot_id`` None means back to start;
    ``open_end`` means the route ends at its last stop (the driver goes home)."""

    id: str
    type: VehicleType
    start_depot_id: str
    shift_start: datetime
    shift_end: datetime
    name: str = ""
    end_depot_id: str | None = None
    open_end: bool = False
    max_shift_s: int | None = None  # longest allowed route duration within the shift window
    max_distance_m: int | None = None
    max_stops: int | None = None
    breaks: tuple[Break, ...] = ()
    skills: frozenset[str] = frozenset()  # in addition to the type's
    reloads: bool = False  # may come back to its depot mid-shift to reload
    max_reloads: int | None = None
    driver_id: str | None = None

    @property
    def all_skills(self) -> frozenset[str]:
        """The type's skills plus the vehicle's own (a refrigerated box, a tail lift, a certified driver)."""
        return self.type.skills | self.skills

    @property
    def end_depot(self) -> str:
        """Where the route ends (ignored when ``open_end``)."""
        return self.end_depot_id or self.start_depot_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Driver:
    """A person who drives; skills on the driver add to the vehicle's when the driver is assigned."""

    id: str
    name: str
    phone: str = ""
    skills: frozenset[str] = frozenset()
    available_from: datetime | None = None
    available_until: datetime | None = None
