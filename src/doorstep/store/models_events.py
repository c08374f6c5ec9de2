"""The event outbox's dispatch log: one row per recorded event and handler that must react to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned


class EventHandlingRow(OrgOwned, Base):
    """Whether ``handler`` ran for ``event_id``: written with the event (same transaction), then claimed, run and
    marked done by the dispatcher; a failing run is retried with back-off and ends ``stuck`` (visible, retryable)."""

    __tablename__ = "event_handlings"
    __table_args__ = (
        UniqueConstraint("event_id", "handler", name="uq_event_handlings_event_handler"),
        Index("ix_event_handlings_due", "status", "next_attempt_at"),
    )
    # no foreign key (as webhook deliveries): rows of one unit are inserted in no guaranteed table order
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(50))
    handler: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))  # pending | running | done | stuck
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]  # a running claim older than this belongs to a dead dispatcher
    last_error: Mapped[str | None] = mapped_column(String(2000))
    done_at: Mapped[datetime | None]
