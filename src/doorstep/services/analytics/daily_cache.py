"""The rollup of closed days (``kpi_daily``, and ``kpi_heat`` for the heatmap): the KPI sums of each past day per
depot, driver, vehicle and delivery zone, written
the first time a request covers the day and dropped when a later event touches it (``analytics.rollup``), so a
year of KPIs reads a few thousand rows. A day is closed two days after it (the UTC date), when its routes are
done and its messages sent; the open days are always computed from the record."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.domain.analytics import GroupBy, KpiSums
from doorstep.services.analytics import rollups
from doorstep.services.analytics.heat import Counts, heat
from doorstep.services.analytics.scope import Scope, ZonePick
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.platform import Platform
from doorstep.store.base import utcnow
from doorstep.store.models import KpiDayRow, PlanRow, RouteRow, kpi_daily, kpi_heat
from doorstep.store.models_analytics import FLOAT_SUMS, INT_SUMS, NONE, REASON_SUMS

CLOSED_AFTER = timedelta(days=2)
ROLLUP_EVENTS = ["stop.*", "route.*", "feedback.received"]  # what changes a day's figures after the fact
# (late actions, re-plans, a customer's rating)


def last_closed(today: date) -> date:
    """The newest day whose rollup may be kept."""
    return today - CLOSED_AFTER


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs."""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == d:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _row(org_id: str, key: tuple[Any, ...], s: KpiSums) -> dict[str, Any]:
    day, depot, driver, vehicle, zone = key
    row: dict[str, Any] = {"org_id": org_id, "day": day, "depot_id": depot or NONE, "driver_id": driver or NONE,
                           "vehicle_id": vehicle or NONE, "zone_id": zone or NONE}  # fmt: skip
    row |= {n: getattr(s, n) for n in (*INT_SUMS, *FLOAT_SUMS)}
    row |= {n: s.failed_by_reason.get(n[len("failed_") :], 0) for n in REASON_SUMS}
    return row


def fill(s: Session, sc: Scope, first: date, last: date) -> None:
    """Roll up the days from first to last not rolled up yet (per run of consecutive days). A concurrent request
    that rolled up the same day first wins; this one reads theirs."""
    have = set(s.scalars(select(KpiDayRow.day).where(KpiDayRow.org_id == sc.org_id, KpiDayRow.day >= first,
                                                       KpiDayRow.day <= last)))  # fmt: skip
    missing = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    for lo, hi in _runs([d for d in missing if d not in have]):
        grain = Scope(sc.org_id, replace(sc.req, first=lo, last=hi, group_by=GroupBy.DAY), sc.dialect, grain=True)
        sums: dict[Any, KpiSums] = {}
        for rollup in (rollups.attempts, rollups.routes, rollups.capacity, rollups.out_of_turn, rollups.messages,
                           rollups.ratings):
            rollup(s, grain, sums)
        rows = [_row(sc.org_id, key, g) for key, g in sums.items() if not g.empty]
        cells = [{"org_id": sc.org_id, "day": day, "depot_id": depot, "zone_id": zone or NONE, "hour": hour,
                  "attempts": n[0], "failed": n[1], "late": n[2]}
                 for (day, depot, zone, hour), n in heat(s, grain).items()]  # fmt: skip
        now = utcnow()
        try:
            if rows:
                s.execute(insert(kpi_daily), rows)
            if cells:
                s.execute(insert(kpi_heat), cells)
            s.add_all([KpiDayRow(org_id=sc.org_id, day=lo + timedelta(days=k), computed_at=now)
                       for k in range((hi - lo).days + 1)])  # fmt: skip
            s.commit()
        except IntegrityError:
            s.rollback()


def read(s: Session, sc: Scope, first: date, last: date, sums: dict[Any, KpiSums]) -> None:
    """Add the rolled-up sums of the days first..last to ``sums``, grouped by the request's key (SQL sums)."""
    t = kpi_daily.c
    key = {GroupBy.DAY: t.day, GroupBy.WEEK: t.day, GroupBy.DEPOT: t.depot_id, GroupBy.DRIVER: t.driver_id,
           GroupBy.VEHICLE: t.vehicle_id, GroupBy.ZONE: t.zone_id}[sc.req.group_by]  # fmt: skip
    names = (*INT_SUMS, *FLOAT_SUMS, *REASON_SUMS)
    q = (
        select(key.label("k0"), *(func.sum(t[n]).label(n) for n in names))
        .where(t.org_id == sc.org_id, t.day >= first, t.day <= last)
        .group_by(key)
    )
    for row in s.execute(q):
        k = None if row.k0 == NONE else row.k0
        g = KpiSums()
        for n in INT_SUMS:
            setattr(g, n, int(getattr(row, n) or 0))
        for n in FLOAT_SUMS:
            setattr(g, n, float(getattr(row, n) or 0))
        g.failed_by_reason = {n[len("failed_"):]: int(getattr(row, n)) for n in REASON_SUMS if getattr(row, n)}
        sums.setdefault(k, KpiSums()).add(g)


def read_heat(
    s: Session, org_id: str, first: date, last: date, zone: ZonePick | None = None
) -> dict[tuple[date, int], Counts]:
    """The rolled-up heatmap counts of the days first..last per day and local hour (depots and zones added up, or
    only the picked zone's)."""
    t = kpi_heat.c
    q = (
        select(t.day, t.hour, *(func.sum(c).label(c.name) for c in (t.attempts, t.failed, t.late)))
        .where(t.org_id == org_id, t.day >= first, t.day <= last)
        .group_by(t.day, t.hour)
    )
    if zone is not None:
        q = q.where(t.zone_id == (zone.zone_id or NONE))
    return {(row.day, row.hour): [int(row.attempts), int(row.failed), int(row.late)] for row in s.execute(q)}


def drop(s: Session, org_id: str, days: list[date] | None = None) -> None:
    """Forget the rollup of these days (every day of the organization when None): the next request makes it
    again from the record."""
    for table in (kpi_daily, kpi_heat):
        q = delete(table).where(table.c.org_id == org_id)
        s.execute(q if days is None else q.where(table.c.day.in_(days)))
    q = delete(KpiDayRow).where(KpiDayRow.org_id == org_id)
    s.execute(q if days is None else q.where(KpiDayRow.day.in_(days)))


def on_event(p: Platform, event: EventRecord) -> None:
    """Drop the rollup of the day a stop or route event belongs to (the day of the route's plan), so the next
    request computes it again with this change."""
    route_id = event.subject_id if event.type.startswith("route.") else event.data.get("route_id")
    if not isinstance(route_id, str):
        return
    with p.uow(event.org_id) as uow:
        day = uow.session.scalar(
            select(PlanRow.day).join(RouteRow, RouteRow.plan_id == PlanRow.id).where(RouteRow.id == route_id)
        )
        if day is None:
            return
        drop(uow.session, event.org_id, [day])
        uow.commit()
