"""Delivery slots: each organization's slot policy, the offers made at checkout, holds on them and the counter
row per slot that keeps its maximum under concurrent checkouts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned


class SlotPolicyRow(OrgOwned, Base):
    """The organization's slot policy document (zones, templates, blackouts, ranking, prices), one per org."""

    __tablename__ = "slot_policies"
    __table_args__ = (UniqueConstraint("org_id", name="uq_slot_policies_org"),)
    data: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(default=1)


class SlotPlace:
    """What an offer and the hold made on it both say: the window, where, and what is to be delivered."""

    zone_id: Mapped[str] = mapped_column(String(40))
    service_level: Mapped[str] = mapped_column(String(40))
    depot_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date]
    start: Mapped[datetime]
    end: Mapped[datetime]
    lat: Mapped[float]
    lng: Mapped[float]
    size: Mapped[dict[str, Any]]
    skills: Mapped[list[Any]]


class SlotOfferRow(SlotPlace, OrgOwned, Base):
    """One window offered at checkout, with its price and cost, short-lived: a hold refers to it by id."""

    __tablename__ = "slot_offers"
    slot_key: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[str] = mapped_column(String(40))
    cost_cents: Mapped[int]
    added_m: Mapped[int]
    price_cents: Mapped[int | None]
    expires_at: Mapped[datetime]


class SlotHoldRow(SlotPlace, OrgOwned, Base):
    """A place reserved in a slot for a few minutes; confirmed into an order, or expired (the place is freed)."""

    __tablename__ = "slot_holds"
    __table_args__ = (
        UniqueConstraint("offer_id", name="uq_slot_holds_offer"),
        Index("ix_slot_holds_due", "status", "expires_at"),
        Index("ix_slot_holds_org_day", "org_id", "day"),
    )
    offer_id: Mapped[str] = mapped_column(String(64))
    slot_key: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20))  # held | confirmed | expired
    expires_at: Mapped[datetime]
    order_id: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None]


class SlotCountRow(OrgOwned, Base):
    """Places taken in one slot (live holds plus confirmed orders): changed only by conditional updates, so the
    slot's maximum holds on SQLite and PostgreSQL alike."""

    __tablename__ = "slot_counts"
    __table_args__ = (UniqueConstraint("org_id", "slot_key", name="uq_slot_counts_org_key"),)
    slot_key: Mapped[str] = mapped_column(String(200))
    taken: Mapped[int] = mapped_column(default=0)
