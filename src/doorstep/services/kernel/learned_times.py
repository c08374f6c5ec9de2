"""An organization's learned times as the use cases read them: loaded from the store once per learning run
(cached by organization and learning time), used by planning and ETAs when ``DOORSTEP_LEARNED_TIMES`` is on."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select

from doorstep.domain.ids import new_id
from doorstep.domain.learned import LearnedTimes
from doorstep.store.models import LearnedModelRow
from doorstep.store.uow import UnitOfWork

_cache: dict[str, tuple[datetime, LearnedTimes]] = {}
_lock = threading.Lock()


def load_learned(uow: UnitOfWork) -> LearnedTimes | None:
    """The organization's learned model (None before its first learning run)."""
    row = uow.session.execute(
        select(LearnedModelRow.learned_at).where(LearnedModelRow.org_id == uow.org_id)
    ).scalar_one_or_none()
    if row is None:
        return None
    with _lock:
        hit = _cache.get(uow.org_id)
        if hit is not None and hit[0] == row:
            return hit[1]
    doc = uow.session.execute(select(LearnedModelRow.data).where(LearnedModelRow.org_id == uow.org_id)).scalar_one()
    model = LearnedTimes.from_dict(doc)
    with _lock:
        _cache[uow.org_id] = (row, model)
    return model


def save_learned(uow: UnitOfWork, model: LearnedTimes) -> None:
    """Replace the organization's learned model (the caller commits)."""
    assert model.learned_at is not None
    row = uow.session.execute(
        select(LearnedModelRow).where(LearnedModelRow.org_id == uow.org_id)
    ).scalar_one_or_none()
    if row is None:
        row = LearnedModelRow(id=new_id("lrn"), org_id=uow.org_id)
        uow.session.add(row)
    row.learned_at, row.service_n, row.leg_n = model.learned_at, model.service_n, model.leg_n
    row.data = model.to_dict()
