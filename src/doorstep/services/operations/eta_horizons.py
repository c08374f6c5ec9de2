"""What the ETA said 60, 30 and 10 minutes ahead: each time a route is re-timed, a remaining order stop whose
predicted arrival is between 30 and 60 minutes away gets that prediction kept as its 60-minute ETA (once, the
first such prediction), between 10 and 30 minutes its 30-minute ETA, under 10 minutes its 10-minute ETA. The
ETA accuracy KPI compares them with the real arrival (docs/analytics.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from doorstep.live.eta import RouteEta
from doorstep.store.models import StopRow
from doorstep.store.uow import UnitOfWork

HORIZONS_MIN = (60, 30, 10)  # each owns the leads from the next smaller horizon (exclusive) up to itself
# a re-timing this far from a stop's planned arrival is no ETA of its day (a past day's route re-timed today)
SAME_DAY = timedelta(hours=12)


def horizon_of(lead: timedelta) -> int | None:
    """The horizon a prediction made ``lead`` ahead of the predicted arrival stands for (None: over an hour, or
    already there)."""
    minutes = lead.total_seconds() / 60
    if minutes <= 0 or minutes > HORIZONS_MIN[0]:
        return None
    return min(h for h in HORIZONS_MIN if minutes <= h and (h == HORIZONS_MIN[-1] or minutes > _below(h)))


def _below(h: int) -> int:
    return HORIZONS_MIN[HORIZONS_MIN.index(h) + 1]


def record_horizons(uow: UnitOfWork, route_id: str, eta: RouteEta, at: datetime) -> None:
    """Keep, on the route's order stops that have none yet for their horizon, the prediction made at ``at`` (not
    when ``at`` is more than 12 hours from the stop's planned arrival: then it is not that day's ETA)."""
    due: dict[tuple[str, int], datetime] = {}
    for s in eta.stops:
        h = horizon_of(s.eta - at) if s.order_id else None
        if h is not None and s.order_id is not None:
            due[(s.order_id, h)] = s.eta
    if not due:
        return
    rows = uow.session.execute(
        select(StopRow.id, StopRow.order_id, StopRow.arrival, StopRow.eta_60, StopRow.eta_30, StopRow.eta_10).where(
            StopRow.route_id == route_id, StopRow.order_id.in_({o for o, _ in due})
        )
    )
    for row in rows:
        if abs(row.arrival - at) > SAME_DAY:
            continue
        for h in HORIZONS_MIN:
            when = due.get((row.order_id, h))
            if when is not None and getattr(row, f"eta_{h}") is None:
                uow.session.execute(update(StopRow).where(StopRow.id == row.id).values({f"eta_{h}": when}))
