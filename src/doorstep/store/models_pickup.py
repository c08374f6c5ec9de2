"""Pickup points (shop counters and parcel lockers) of an organization."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned


class PickupPointRow(OrgOwned, Base):
    """A counter or locker served by one depot: ``hours`` maps a weekday (``mon``..``sun``) to its local
    ``[opens, closes]`` periods; ``capacity_parcels`` is what it takes a day."""

    __tablename__ = "pickup_points"
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    lat: Mapped[float]
    lng: Mapped[float]
    address: Mapped[str] = mapped_column(String(500), default="")
    depot_id: Mapped[str] = mapped_column(String(64), ForeignKey("depots.id"), index=True)
    hours: Mapped[dict[str, Any]]
    capacity_parcels: Mapped[int]
    handover_s: Mapped[int] = mapped_column(default=300)
    per_parcel_s: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
