"""Staffing runs: the job that plans a synthetic day of each forecast day with the real fleet, its progress and
its result (services/analytics/staffing.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.store.base import Base, OrgOwned


class StaffingRunRow(OrgOwned, Base):
    """One staffing job: queued, running (``progress``: the days planned so far), then succeeded with
    ``result`` (vans, driver hours, km and unassigned orders per day) or failed with ``error``."""

    __tablename__ = "staffing_runs"
    status: Mapped[str] = mapped_column(String(20))
    options: Mapped[dict[str, Any]]  # days, time_limit_s, seed
    progress: Mapped[dict[str, Any]]  # {"days_done": n, "days": total, "rows": [...]}
    result: Mapped[dict[str, Any] | None]
    error: Mapped[dict[str, Any] | None]  # the error envelope of a failed job
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
