"""What the day on the road leaves behind: driver login codes, stop events, proofs of delivery, GPS positions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned, utcnow


class DriverCodeRow(OrgOwned, Base):
    """A one-time login code for the driver app; only its SHA-256 is stored."""

    __tablename__ = "driver_codes"
    driver_id: Mapped[str] = mapped_column(String(64), ForeignKey("drivers.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    issued_by: Mapped[str] = mapped_column(String(100))


class StopEventRow(OrgOwned, Base):
    """One driver action on a stop (arrived, completed, failed), keyed by the phone's client id for replays."""

    __tablename__ = "stop_events"
    __table_args__ = (
        UniqueConstraint("org_id", "client_id", name="uq_stop_events_org_client"),
        Index("ix_stop_events_org_at", "org_id", "at"),  # analytics read a date range of one organization
    )
    client_id: Mapped[str] = mapped_column(String(100))
    route_id: Mapped[str] = mapped_column(String(64), ForeignKey("routes.id"), index=True)
    stop_id: Mapped[str] = mapped_column(String(64), ForeignKey("stops.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(String(64))
    driver_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime]  # when it happened on the phone
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    distance_m: Mapped[int | None]  # from the stop, when a position came with the action
    flagged: Mapped[bool] = mapped_column(default=False)
    proof_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any]]  # the first answer, replayed for a repeated client id


class ProofRow(OrgOwned, Base):
    """Proof of delivery: photo, signature, scanned barcodes, recipient, where and when."""

    __tablename__ = "proofs"
    stop_id: Mapped[str] = mapped_column(String(64), ForeignKey("stops.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(40))
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # PNG
    barcodes: Mapped[list[Any]]
    recipient: Mapped[str] = mapped_column(String(200), default="")
    safe_place: Mapped[str] = mapped_column(String(200), default="", server_default="")  # where it was left
    at: Mapped[datetime]
    lat: Mapped[float | None]
    lng: Mapped[float | None]


class PositionRow(Base):
    """One stored GPS fix of a driver (the trail of a route)."""

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("org_id", "driver_id", "client_id", name="uq_positions_driver_client"),
        Index("ix_positions_route_at", "route_id", "at"),
    )
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    org_id: Mapped[str] = mapped_column(String(64), ForeignKey("organizations.id"))
    driver_id: Mapped[str] = mapped_column(String(64), ForeignKey("drivers.id"))
    route_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    lat: Mapped[float]
    lng: Mapped[float]
    accuracy_m: Mapped[float | None]
    speed_mps: Mapped[float | None]
    heading_deg: Mapped[float | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class LatestPositionRow(Base):
    """The newest fix per driver (the dispatcher's map reads this, not the trail)."""

    __tablename__ = "driver_positions"
    driver_id: Mapped[str] = mapped_column(String(64), ForeignKey("drivers.id"), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64), ForeignKey("organizations.id"), index=True)
    route_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    lat: Mapped[float]
    lng: Mapped[float]
    accuracy_m: Mapped[float | None]
