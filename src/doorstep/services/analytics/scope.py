"""What every KPI rollup shares: the organization, the range, the grouping key and the SQL dialect's time
arithmetic (SQLite and PostgreSQL differ in how they subtract timestamps and read an hour)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, Integer, cast, extract, func
from sqlalchemy.sql.elements import ColumnElement

from doorstep.domain.analytics import GroupBy, KpiRequest

DELIVERY_STOPS = ("delivery", "paired_delivery")  # the stops a delivery KPI counts (not pickups, breaks, depots)
DONE = ("completed", "failed")  # an attempt's outcome


class Grain(StrEnum):
    """The keys the rollup of closed days groups by at once."""

    ROUTE = "route"  # day, depot, driver and vehicle (kpi_daily)
    ZONE = "zone"  # day and delivery zone (kpi_zone_daily)


@dataclass(frozen=True, slots=True)
class ZonePick:
    """One delivery zone's share of the heatmap (``zone_id`` None: the orders outside every zone)."""

    zone_id: str | None


@dataclass(frozen=True, slots=True)
class Scope:
    """One organization's KPI request on one database."""

    org_id: str
    req: KpiRequest
    dialect: str  # "sqlite" | "postgresql"
    grain: Grain | None = None  # the rollup of closed days: several keys at once

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """A UTC interval surely holding every instant of the local days asked for (time zones span -12..+14 h):
        it lets the range use the (org_id, at) indexes before the exact filter on the plan's local day."""
        lo = datetime.combine(self.req.first - timedelta(days=1), time(0), UTC)
        hi = datetime.combine(self.req.last + timedelta(days=2), time(0), UTC)
        return lo, hi

    def days(self, day_col: Any) -> list[ColumnElement[bool]]:
        """The exact filter: local delivery days from first to last."""
        return [day_col >= self.req.first, day_col <= self.req.last]

    @property
    def zoned(self) -> bool:
        """Whether the delivery zone is among the grouping keys (the grain, or a request by zone): only then do
        the route rollups find each route's zone."""
        return self.grain is Grain.ZONE or (self.grain is None and self.req.group_by is GroupBy.ZONE)

    @property
    def width(self) -> int:
        """How many grouping columns: the grain's, or one."""
        return {None: 1, Grain.ROUTE: 4, Grain.ZONE: 2}[self.grain]

    def keys(self, day: Any, depot: Any, driver: Any, vehicle: Any, zone: Any) -> list[ColumnElement[Any]]:
        """The grouping columns, labelled k0, k1, ...: the request's one (a week groups by day here; the service
        adds the days of a week up), or the grain's."""
        if self.grain is Grain.ROUTE:
            cols = [day, depot, driver, vehicle]
        elif self.grain is Grain.ZONE:
            cols = [day, zone]
        else:
            by = {GroupBy.DAY: day, GroupBy.WEEK: day, GroupBy.DEPOT: depot, GroupBy.DRIVER: driver,
                  GroupBy.VEHICLE: vehicle}  # fmt: skip
            cols = [by.get(self.req.group_by, zone)]
        return [c.label(f"k{n}") for n, c in enumerate(cols)]

    def row_key(self, row: Any) -> Any:
        """A result row's group key: the value of k0, or the tuple of the grain's keys."""
        return tuple(getattr(row, f"k{n}") for n in range(self.width)) if self.grain else row.k0

    def seconds(self, later: Any, earlier: Any) -> ColumnElement[float]:
        """``later - earlier`` in seconds, as a float (on SQLite rounded to the millisecond: Julian days carry
        float noise that would tip a mean of whole seconds ending in .5 either way; PostgreSQL's epoch is exact)."""
        if self.dialect == "sqlite":
            return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)
        return cast(extract("epoch", later - earlier), Float)

    def utc_quarter(self, at: Any) -> ColumnElement[int]:
        """The quarter-hour of the UTC day an instant falls in (0..95): the service shifts it to local time."""
        if self.dialect != "sqlite":
            at = func.timezone("UTC", at)
        minutes = cast(extract("hour", at), Integer) * 60 + cast(extract("minute", at), Integer)
        return minutes // 15


def key_text(key: Any) -> str | None:
    """A group key as the API shows it (days as ISO dates)."""
    if key is None:
        return None
    return key.isoformat() if isinstance(key, date) else str(key)
