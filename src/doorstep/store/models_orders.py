"""Orders and the events of the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class OrderRow(OrgOwned, Base):
    """An order: filterable columns plus ``data``, the order in Doorstep JSON (the one source for planning)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("org_id", "external_ref", name="uq_orders_org_external_ref"),
        Index("ix_orders_org_day_status", "org_id", "day", "status"),
    )
    external_ref: Mapped[str] = mapped_column(String(200))
    depot_id: Mapped[str] = mapped_column(String(64), ForeignKey("depots.id"), index=True)
    day: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float]
    lng: Mapped[float]
    address: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")  # 2 and up: a re-attempt of a failed one
    # delivered to this pickup point (its location and hours are the order's): capacity is counted per point and day
    pickup_point_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("pickup_points.id"), index=True)
    # the delivery zone of the slot policy its location lies in (the first that contains it; null: outside every
    # zone, or no policy), set by the analytics context on order events and policy changes (docs/analytics.md).
    # Not indexed: the KPI queries reach it through the primary key (stop_events.order_id -> orders.id)
    zone_id: Mapped[str | None] = mapped_column(String(64))


class EventRow(Base):
    """One status change or notable action: the audit trail, webhook source and analytics input."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "org_id", "subject_id"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64), ForeignKey("organizations.id"), index=True)
    type: Mapped[str] = mapped_column(String(50))  # order.created, plan.completed, route.dispatched, ...
    subject_id: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]]
