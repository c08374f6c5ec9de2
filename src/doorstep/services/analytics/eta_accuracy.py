"""ETA accuracy: per horizon (60, 30, 10 minutes ahead), the error of the ETA the stop was given against its real
arrival — the first driver action on the stop (arrived, or completed or failed without an arrival) — over the
delivery stops of a date range, in total and per local delivery day or delivery zone. Percentiles by SQL (ordered,
the row at the rank read; per group through a window), the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from doorstep.domain.analytics import EtaGroup, GroupBy, HorizonError, KpiRequest
from doorstep.services.analytics.scope import DELIVERY_STOPS, Scope, key_text
from doorstep.services.analytics.zones import OUTSIDE, zone_names
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.eta_horizons import HORIZONS_MIN
from doorstep.store.models import OrderRow, PlanRow, RouteRow, StopEventRow, StopRow

QUANTILES = (5, 9)  # tenths: the median and the 90th percentile (nearest rank, lower)


def _errors(sc: Scope, minutes: int, by: GroupBy | None) -> Any:
    """One row per stop of the range with an ETA at this horizon: its group ``g`` (the plan's day, the order's
    zone, or one group), its error in seconds (arrival - ETA) and the absolute error."""
    se, st, r, p, o = StopEventRow, StopRow, RouteRow, PlanRow, OrderRow
    lo, hi = sc.utc_bounds
    arrivals = (
        select(se.stop_id, func.min(se.at).label("arrived"))
        .where(se.org_id == sc.org_id, se.at >= lo, se.at < hi)
        .group_by(se.stop_id)
        .subquery()
    )
    eta = getattr(st, f"eta_{minutes}")
    err = sc.seconds(arrivals.c.arrived, eta)
    group = p.day if by is GroupBy.DAY else o.zone_id if by is GroupBy.ZONE else literal(0)
    q = (
        select(group.label("g"), err.label("e"), func.abs(err).label("a"))
        .select_from(st)
        .join(arrivals, arrivals.c.stop_id == st.id)
        .join(r, r.id == st.route_id)
        .join(p, p.id == r.plan_id)
    )
    if by is GroupBy.ZONE:
        q = q.outerjoin(o, o.id == st.order_id)
    return q.where(st.org_id == sc.org_id, eta.is_not(None), st.type.in_(DELIVERY_STOPS), *sc.days(p.day)).subquery()


def _at_rank(s: Session, errors: Any, n: int, q: float) -> int:
    rank = int(q * (n - 1))
    return round(s.scalar(select(errors.c.a).order_by(errors.c.a).offset(rank).limit(1)) or 0)


def _total(s: Session, errors: Any, minutes: int) -> HorizonError:
    n, mean = s.execute(select(func.count(), func.avg(errors.c.e))).one()
    if not n:
        return HorizonError(minutes, 0, None, None, None)
    return HorizonError(minutes, n, _at_rank(s, errors, n, 0.5), _at_rank(s, errors, n, 0.9), round(float(mean)))


def _per_group(s: Session, errors: Any, minutes: int) -> dict[Any, HorizonError]:
    """Per group: count, mean and the absolute errors at the median's and the 90th percentile's rank (row numbers
    in each group ordered by the absolute error; rank = floor(q × (n - 1)) + 1, as the total's)."""
    stats = {row.g: (row.n, row.mean) for row in s.execute(
        select(errors.c.g, func.count().label("n"), func.avg(errors.c.e).label("mean")).group_by(errors.c.g))}
    ranked = select(
        errors.c.g, errors.c.a, func.count().over(partition_by=errors.c.g).label("n"),
        func.row_number().over(partition_by=errors.c.g, order_by=errors.c.a).label("rn"),
    ).subquery()  # fmt: skip
    wanted = [(ranked.c.n - 1) * q // 10 + 1 for q in QUANTILES]
    at: dict[tuple[Any, int], float] = {}
    for row in s.execute(select(ranked.c.g, ranked.c.a, ranked.c.n, ranked.c.rn).where(ranked.c.rn.in_(wanted))):
        for q in QUANTILES:
            if row.rn == (row.n - 1) * q // 10 + 1:
                at[(row.g, q)] = float(row.a)
    return {g: HorizonError(minutes, n, round(at[(g, 5)]), round(at[(g, 9)]), round(float(mean)))
            for g, (n, mean) in stats.items()}  # fmt: skip


def eta_accuracy(p: Platform, actor: Actor, req: KpiRequest) -> list[HorizonError]:
    """The error of the 60-, 30- and 10-minute ETAs of the range's delivery stops (null figures: no stop)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        sc = Scope(uow.org_id, req, uow.session.get_bind().dialect.name)
        return [_total(uow.session, _errors(sc, minutes, None), minutes) for minutes in HORIZONS_MIN]


def eta_accuracy_by(p: Platform, actor: Actor, req: KpiRequest) -> list[EtaGroup]:
    """The same per local delivery day or per delivery zone (the request's ``group_by``): groups with a stop in any
    horizon, each with the three horizons (a horizon without a stop in the group has null figures); days in order,
    zones by id, the orders outside every zone last."""
    actor.require(Permission.READ)
    by = req.group_by
    with p.uow(actor) as uow:
        sc = Scope(uow.org_id, req, uow.session.get_bind().dialect.name)
        per = {m: _per_group(uow.session, _errors(sc, m, by), m) for m in HORIZONS_MIN}
        names = zone_names(uow) if by is GroupBy.ZONE else {}
    keys = sorted({g for groups in per.values() for g in groups}, key=lambda k: (k is None, key_text(k) or ""))
    out = []
    for k in keys:
        label = (names.get(k) or k) if k is not None else OUTSIDE
        rows = [per[m].get(k) or HorizonError(m, 0, None, None, None) for m in HORIZONS_MIN]
        out.append(EtaGroup(key_text(k), key_text(label) or "", rows))
    return out
