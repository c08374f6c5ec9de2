"""An organization's learned times as the use cases read them: loaded from the store once per learning run
(cached by organization and learning time), used by planning and ETAs when ``DOORSTEP_LEARNED_TIMES`` is on."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sqlalchemy import select

from doorstep.domain.ids import new_id
from doorstep.domain.learned import LearnedTimes
from doorstep.store.models import LearnedModelRow
from doorstep.store.uow import UnitOfWork

_cache: dict[str, tuple[datetime | None, LearnedTimes | None]] = {}  # org -> (its learned_at, its model)
_checked: dict[str, float] = {}  # org -> when (monotonic) its learned_at was last read from the store
_lock = threading.Lock()
# Every live ETA asks for the model (twice: its travel and its service times); within this many seconds of the
# last look the cached answer stands without a query. A learning run in this process is seen at once (save
# clears the mark); one in another process (a worker) at the next look.
RECHECK_S = 30.0


def load_learned(uow: UnitOfWork) -> LearnedTimes | None:
    """The organization's learned model (None before its first learning run)."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(uow.org_id)
        if hit is not None and now - _checked.get(uow.org_id, -RECHECK_S) < RECHECK_S:
            return hit[1]
    learned_at = uow.session.execute(
        select(LearnedModelRow.learned_at).where(LearnedModelRow.org_id == uow.org_id)
    ).scalar_one_or_none()
    model: LearnedTimes | None = None
    if learned_at is not None:
        if hit is not None and hit[0] == learned_at:
            model = hit[1]
        else:
            doc = uow.session.execute(
                select(LearnedModelRow.data).where(LearnedModelRow.org_id == uow.org_id)
            ).scalar_one()
            model = LearnedTimes.from_dict(doc)
    with _lock:
        _cache[uow.org_id], _checked[uow.org_id] = (learned_at, model), now
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
    with _lock:
        _checked.pop(uow.org_id, None)  # this process reads the new model at its next look
