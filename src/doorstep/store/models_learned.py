"""The times an organization learned from its days (``domain.learned.LearnedTimes`` as a document), one row per
organization, replaced by each learning run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped

from doorstep.store.base import Base, OrgOwned


class LearnedModelRow(OrgOwned, Base):
    """The organization's learned model: when, from how many visits and legs, and the model document."""

    __tablename__ = "learned_models"
    __table_args__ = (UniqueConstraint("org_id", name="uq_learned_models_org"),)
    learned_at: Mapped[datetime]
    service_n: Mapped[int]
    leg_n: Mapped[int]
    data: Mapped[dict[str, Any]]
