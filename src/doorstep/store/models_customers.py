"""What the customer side keeps: tracking links (so they can expire and be revoked) and feedback on deliveries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class TrackingTokenRow(OrgOwned, Base):
    """A customer's tracking link for one order: only the SHA-256 of the token is stored (the token is 190 random
    bits, so a stolen database does not open the links); it works until ``expires_at`` unless revoked."""

    __tablename__ = "tracking_tokens"
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    issued_by: Mapped[str] = mapped_column(String(100))  # the staff member, API key or "system" (a message)


class FeedbackRow(OrgOwned, Base):
    """A customer's rating of a delivery (one per order; a second submission replaces the first), stored with the
    driver and route that delivered it for the analytics to come."""

    __tablename__ = "feedback"
    order_id: Mapped[str] = mapped_column(String(64), unique=True)
    day: Mapped[date] = mapped_column(index=True)  # the order's delivery day
    route_id: Mapped[str | None] = mapped_column(String(64), index=True)
    driver_id: Mapped[str | None] = mapped_column(String(64), index=True)
    rating: Mapped[int]
    tags: Mapped[list[Any]]
    comment: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="")
    revisions: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
