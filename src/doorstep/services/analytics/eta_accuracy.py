"""ETA accuracy: per horizon (60, 30, 10 minutes ahead), the error of the ETA the stop was given against its real
arrival — the first driver action on the stop (arrived, or completed or failed without an arrival) — over the
delivery stops of a date range. Percentiles by SQL (ordered, one row read at the rank), the same on SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.domain.analytics import HorizonError, KpiRequest
from doorstep.services.analytics.scope import DELIVERY_STOPS, Scope
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.eta_horizons import HORIZONS_MIN
from doorstep.store.models import PlanRow, RouteRow, StopEventRow, StopRow


def _errors(sc: Scope, minutes: int) -> Any:
    """One row per stop of the range with an ETA at this horizon: its error in seconds (arrival - ETA)."""
    se, st, r, p = StopEventRow, StopRow, RouteRow, PlanRow
    lo, hi = sc.utc_bounds
    arrivals = (
        select(se.stop_id, func.min(se.at).label("arrived"))
        .where(se.org_id == sc.org_id, se.at >= lo, se.at < hi)
        .group_by(se.stop_id)
        .subquery()
    )
    eta = getattr(st, f"eta_{minutes}")
    err = sc.seconds(arrivals.c.arrived, eta)
    return (
        select(err.label("e"), func.abs(err).label("a"))
        .select_from(st)
        .join(arrivals, arrivals.c.stop_id == st.id)
        .join(r, r.id == st.route_id)
        .join(p, p.id == r.plan_id)
        .where(st.org_id == sc.org_id, eta.is_not(None), st.type.in_(DELIVERY_STOPS), *sc.days(p.day))
        .subquery()
    )


def _at_rank(s: Session, errors: Any, n: int, q: float) -> int:
    rank = int(q * (n - 1))
    return round(s.scalar(select(errors.c.a).order_by(errors.c.a).offset(rank).limit(1)) or 0)


def eta_accuracy(p: Platform, actor: Actor, req: KpiRequest) -> list[HorizonError]:
    """The error of the 60-, 30- and 10-minute ETAs of the range's delivery stops (null figures: no stop)."""
    actor.require(Permission.READ)
    out = []
    with p.uow(actor) as uow:
        sc = Scope(uow.org_id, req, uow.session.get_bind().dialect.name)
        for minutes in HORIZONS_MIN:
            errors = _errors(sc, minutes)
            n, mean = uow.session.execute(select(func.count(), func.avg(errors.c.e))).one()
            if not n:
                out.append(HorizonError(minutes, 0, None, None, None))
                continue
            s = uow.session
            out.append(HorizonError(minutes, n, _at_rank(s, errors, n, 0.5), _at_rank(s, errors, n, 0.9),
                                    round(float(mean))))  # fmt: skip
    return out
