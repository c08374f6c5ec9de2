"""The KPI rollup of closed days: per organization, day, depot, driver and vehicle, and per day and delivery zone,
the additive sums of ``domain.analytics.KpiSums`` (a column each; failures a column per reason); per day, depot
(or zone) and local hour the heatmap's counts; and which days are rolled up.

Computed from the day's record the first time a closed day is asked for, dropped when a later event touches that
day (the ``analytics.rollup`` handler), so a year of KPIs reads a few thousand rows instead of every stop event.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

from sqlalchemy import Column, Date, Float, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.domain.analytics import KpiSums
from doorstep.domain.failures import FailureReason
from doorstep.store.base import Base, UTCDateTime

# the sums a rollup row holds, by type (failed_by_reason becomes one column per reason of the catalogue)
INT_SUMS = tuple(f.name for f in fields(KpiSums) if f.type in ("int", int))
FLOAT_SUMS = tuple(f.name for f in fields(KpiSums) if f.type in ("float", float))
REASON_SUMS = tuple(f"failed_{r.value}" for r in FailureReason)
NONE = ""  # the driver, vehicle or zone key of rows without one (a route without driver, an order in no zone)

kpi_daily = Table(
    "kpi_daily",
    Base.metadata,
    Column("org_id", String(64), ForeignKey("organizations.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("depot_id", String(64), primary_key=True),
    Column("driver_id", String(64), primary_key=True),
    Column("vehicle_id", String(64), primary_key=True),
    *(Column(name, Integer, nullable=False, default=0) for name in (*INT_SUMS, *REASON_SUMS)),
    *(Column(name, Float, nullable=False, default=0.0) for name in FLOAT_SUMS),
)

# the same sums per day and delivery zone (the order's; NONE: outside every zone), for KPIs by zone: kept apart so
# a route whose orders lie in many zones does not multiply the rows the other groupings read
kpi_zone_daily = Table(
    "kpi_zone_daily",
    Base.metadata,
    Column("org_id", String(64), ForeignKey("organizations.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("zone_id", String(64), primary_key=True),
    *(Column(name, Integer, nullable=False, default=0) for name in (*INT_SUMS, *REASON_SUMS)),
    *(Column(name, Float, nullable=False, default=0.0) for name in FLOAT_SUMS),
)

kpi_heat = Table(
    "kpi_heat",
    Base.metadata,
    Column("org_id", String(64), ForeignKey("organizations.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("depot_id", String(64), primary_key=True),
    Column("hour", Integer, primary_key=True),  # local, in the depot's time zone
    *(Column(name, Integer, nullable=False, default=0) for name in ("attempts", "failed", "late")),
)

kpi_zone_heat = Table(  # the heatmap's counts per day, delivery zone and local hour (the heatmap of one zone)
    "kpi_zone_heat",
    Base.metadata,
    Column("org_id", String(64), ForeignKey("organizations.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("zone_id", String(64), primary_key=True),
    Column("hour", Integer, primary_key=True),
    *(Column(name, Integer, nullable=False, default=0) for name in ("attempts", "failed", "late")),
)


class KpiDayRow(Base):
    """A day of an organization whose rollup rows are in ``kpi_daily`` (a day with nothing has no rows, only this)."""

    __tablename__ = "kpi_days"
    org_id: Mapped[str] = mapped_column(String(64), ForeignKey("organizations.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
