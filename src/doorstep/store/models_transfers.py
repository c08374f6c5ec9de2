"""Inbound transfers: trunk runs from a central warehouse to a depot, and the orders each one carries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class TransferRow(OrgOwned, Base):
    """A trunk run to ``depot_id`` expected at ``arrival`` (``day``: its local date at the depot), unloaded and
    sorted in ``sorting_s``. ``status``: expected, then arrived (``arrived_at``: when it really did)."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_depot_day", "depot_id", "day"),)
    depot_id: Mapped[str] = mapped_column(String(64), ForeignKey("depots.id"))
    day: Mapped[date]
    arrival: Mapped[datetime]
    sorting_s: Mapped[int] = mapped_column(default=0)
    origin: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="expected")
    arrived_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TransferOrderRow(OrgOwned, Base):
    """An order carried by a transfer; an order is on one transfer at most (the unique order id)."""

    __tablename__ = "transfer_orders"
    __table_args__ = (UniqueConstraint("order_id", name="uq_transfer_orders_order_id"),)
    transfer_id: Mapped[str] = mapped_column(String(64), ForeignKey("transfers.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(64), ForeignKey("orders.id"))
