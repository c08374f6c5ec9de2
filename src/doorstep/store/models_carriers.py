"""Partner carriers, the orders booked with them, and the status callbacks they sent (kept for de-duplication)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class CarrierRow(OrgOwned, Base):
    """A carrier: ``data`` holds its checked settings (endpoints, service areas, price, cut-off, capacity, call
    timeout and retries, auto-confirm); the callback secret is a column of its own and never leaves the server."""

    __tablename__ = "carriers"
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]]
    secret: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CarrierBookingRow(OrgOwned, Base):
    """One order handed (or being handed) to a carrier. ``status``: pending (the booking job runs), booked, failed
    (the carrier did not answer: the order stayed ours, flagged), cancelled, delivered. ``active_key`` is the
    order id while the booking is pending or booked, so an order has at most one open booking."""

    __tablename__ = "carrier_bookings"
    __table_args__ = (
        UniqueConstraint("active_key", name="uq_carrier_bookings_active_key"),
        Index("ix_carrier_bookings_carrier_day", "carrier_id", "day"),
        Index("ix_carrier_bookings_carrier_ref", "carrier_id", "external_id"),  # callbacks name the carrier's ref
    )
    carrier_id: Mapped[str] = mapped_column(String(64), ForeignKey("carriers.id"))
    order_id: Mapped[str] = mapped_column(String(64), ForeignKey("orders.id"), index=True)
    plan_id: Mapped[str | None] = mapped_column(String(64))
    day: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    active_key: Mapped[str | None] = mapped_column(String(64))
    price_cents: Mapped[int] = mapped_column(default=0)
    saving_cents: Mapped[int] = mapped_column(default=0)
    external_id: Mapped[str] = mapped_column(String(200), default="")
    tracking_url: Mapped[str] = mapped_column(String(1000), default="")
    label_url: Mapped[str] = mapped_column(String(1000), default="")
    carrier_status: Mapped[str] = mapped_column(String(30), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CarrierCallbackRow(OrgOwned, Base):
    """A status callback received from a carrier, unique per carrier and the carrier's event id (a duplicate is
    answered as before and changes nothing)."""

    __tablename__ = "carrier_callbacks"
    __table_args__ = (UniqueConstraint("carrier_id", "event_id", name="uq_carrier_callbacks_carrier_event"),)
    carrier_id: Mapped[str] = mapped_column(String(64), ForeignKey("carriers.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    booking_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
