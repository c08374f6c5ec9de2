"""The loading scan: every barcode a driver scanned into the van before departure, and the "done loading" checks,
keyed by the phone's client id for replays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned


class LoadScanRow(OrgOwned, Base):
    """One scan (``kind`` scan: a code and its outcome) or one check (``kind`` check: what was missing)."""

    __tablename__ = "load_scans"
    __table_args__ = (
        UniqueConstraint("org_id", "client_id", name="uq_load_scans_org_client"),
        Index("ix_load_scans_route_at", "route_id", "at"),
    )
    client_id: Mapped[str] = mapped_column(String(100))
    route_id: Mapped[str] = mapped_column(String(64), ForeignKey("routes.id"))
    driver_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # scan | check
    code: Mapped[str] = mapped_column(String(128), default="")
    outcome: Mapped[str] = mapped_column(String(20))  # loaded, duplicate, foreign, unknown; checked
    order_id: Mapped[str | None] = mapped_column(String(64))  # the parcel it loaded (or the foreign one)
    at: Mapped[datetime]  # when it happened on the phone
    result: Mapped[dict[str, Any]]  # the first answer, replayed for a repeated client id
