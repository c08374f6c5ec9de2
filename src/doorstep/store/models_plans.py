"""Plan versions (planning jobs and their results), routes and stops."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned


class PlanRow(OrgOwned, Base):
    """One plan version for a depot and day: the job's status and progress, then its result (plan.json)."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("org_id", "depot_id", "day", "version", name="uq_plans_depot_day_version"),
        Index("ix_plans_depot_day", "org_id", "depot_id", "day"),
    )
    depot_id: Mapped[str] = mapped_column(String(64), ForeignKey("depots.id"))
    day: Mapped[date]
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    options: Mapped[dict[str, Any]]
    progress: Mapped[list[Any]]  # [[elapsed_s, best_cost_cents], ...]
    # a large day planned in parts: the whole day's phase and each part's progress (services/planning/part_progress.py);
    # None for a day planned in one model
    part_progress: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any] | None]  # plan.json document
    error: Mapped[dict[str, Any] | None]  # the error envelope of a failed job
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]  # a running job's last sign of life: a silent one died with its worker
    # Only one job per (org, depot, day) may be active: enforced by this nullable unique marker.
    active_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class RouteRow(OrgOwned, Base):
    """A vehicle's route in a plan version; ``data`` is the route in plan.json form (stops with ETAs)."""

    __tablename__ = "routes"
    plan_id: Mapped[str] = mapped_column(String(64), ForeignKey("plans.id"), index=True)
    vehicle_id: Mapped[str] = mapped_column(String(64))
    driver_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("drivers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    locked: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    data: Mapped[dict[str, Any]]


class StopRow(OrgOwned, Base):
    """One stop of a route, in visit order, with its planned arrival."""

    __tablename__ = "stops"
    route_id: Mapped[str] = mapped_column(String(64), ForeignKey("routes.id"), index=True)
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    lat: Mapped[float]
    lng: Mapped[float]
    arrival: Mapped[datetime]
    departure: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    # the window promised to the customer, fixed when the stop is first planned (the on-time rate measures it):
    # the order's window the stop was planned into, else the planned arrival give or take the ETA margin
    promised_start: Mapped[datetime | None]
    promised_end: Mapped[datetime | None]
    # what the ETA said about the arrival when it was 60, 30 and 10 minutes ahead (the ETA accuracy KPI)
    eta_60: Mapped[datetime | None]
    eta_30: Mapped[datetime | None]
    eta_10: Mapped[datetime | None]
