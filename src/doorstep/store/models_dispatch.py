"""Live operations on the dispatcher side: re-planning proposals, the live state of routes (progress, last
position, latest ETAs) and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class ProposalRow(OrgOwned, Base):
    """A proposed change to a live plan (insert, cancel, redistribute, resequence) waiting for a decision."""

    __tablename__ = "live_proposals"
    plan_id: Mapped[str] = mapped_column(String(64), ForeignKey("plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(64))  # the order, vehicle or route the change is about
    status: Mapped[str] = mapped_column(String(20))  # pending, applied, rejected, stale
    options: Mapped[list[Any]]  # alternatives: [{"summary": {...}, "routes": [...], "removed": [...], ...}]
    base_versions: Mapped[dict[str, Any]]  # route id -> version the proposal was computed on
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    chosen: Mapped[int | None]


class RouteLiveRow(OrgOwned, Base):
    """A route's live state: how many leading stops are done or under way, stop outcomes, position, ETAs."""

    __tablename__ = "route_live"
    route_id: Mapped[str] = mapped_column(String(64), ForeignKey("routes.id"), unique=True)
    done: Mapped[int] = mapped_column(default=1)  # the start counts
    outcomes: Mapped[dict[str, Any]]  # order id -> arrived / completed / failed
    position: Mapped[dict[str, Any] | None]
    etas: Mapped[list[Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReturnRow(OrgOwned, Base):
    """A return: a customer's return request or a parcel going back to its sender, with every step."""

    __tablename__ = "returns"
    order_id: Mapped[str] = mapped_column(String(64), ForeignKey("orders.id"), index=True)
    pickup_order_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(30))  # customer_return | return_to_sender
    status: Mapped[str] = mapped_column(String(20))
    barcode: Mapped[str] = mapped_column(String(200), index=True)
    history: Mapped[list[Any]]  # [{"status", "at", "actor", "lat", "lng"}]
