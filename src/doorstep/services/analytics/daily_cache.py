"""The rollup of closed days (``kpi_daily``, ``kpi_zone_daily``, and ``kpi_heat``, ``kpi_zone_heat`` for the
heatmap): the KPI sums of each past day per depot, driver and vehicle and per delivery zone, written
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
from doorstep.services.analytics.heat import Counts, HeatKey, heat
from doorstep.services.analytics.scope import Grain, Scope, ZonePick
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.platform import Platform
from doorstep.store.base import utcnow
from doorstep.store.models import KpiDayRow, PlanRow, RouteRow, kpi_daily, kpi_heat, kpi_zone_daily, kpi_zone_heat
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


def _sums_row(keys: dict[str, Any], s: KpiSums) -> dict[str, Any]:
    row = dict(keys)
    row |= {n: getattr(s, n) for n in (*INT_SUMS, *FLOAT_SUMS)}
    row |= {n: s.failed_by_reason.get(n[len("failed_") :], 0) for n in REASON_SUMS}
    return row


def _rows(org_id: str, grain: Grain, sums: dict[Any, KpiSums]) -> list[dict[str, Any]]:
    """The rows of ``kpi_daily`` (route grain) or ``kpi_zone_daily`` (zone grain) of the grain's sums."""
    if grain is Grain.ZONE:
        return [_sums_row({"org_id": org_id, "day": day, "zone_id": zone or NONE}, g)
                for (day, zone), g in sums.items() if not g.empty]  # fmt: skip
    return [_sums_row({"org_id": org_id, "day": day, "depot_id": depot or NONE, "driver_id": driver or NONE,
                       "vehicle_id": vehicle or NONE}, g)
            for (day, depot, driver, vehicle), g in sums.items() if not g.empty]  # fmt: skip


def _cells(org_id: str, counts: dict[HeatKey, Counts]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The heatmap counts per day, depot, zone and hour added up per day, depot and hour (``kpi_heat``) and per
    day, zone and hour (``kpi_zone_heat``)."""
    by_depot: dict[tuple[Any, ...], Counts] = {}
    by_zone: dict[tuple[Any, ...], Counts] = {}
    for (day, depot, zone, hour), n in counts.items():
        for cells, key in ((by_depot, (day, depot, hour)), (by_zone, (day, zone or NONE, hour))):
            cells[key] = [a + b for a, b in zip(cells.get(key, [0, 0, 0]), n, strict=True)]
    return (
        [{"org_id": org_id, "day": d, "depot_id": k, "hour": h, "attempts": n[0], "failed": n[1], "late": n[2]}
         for (d, k, h), n in by_depot.items()],
        [{"org_id": org_id, "day": d, "zone_id": k, "hour": h, "attempts": n[0], "failed": n[1], "late": n[2]}
         for (d, k, h), n in by_zone.items()],
    )  # fmt: skip


def fill(s: Session, sc: Scope, first: date, last: date) -> None:
    """Roll up the days from first to last not rolled up yet (per run of consecutive days): the SQL rollups per
    day, depot, driver and vehicle, then per day and zone; the heatmap counts per day, depot, zone and hour, added
    up both ways. A concurrent request that rolled up the same day first wins; this one reads theirs."""
    have = set(s.scalars(select(KpiDayRow.day).where(KpiDayRow.org_id == sc.org_id, KpiDayRow.day >= first,
                                                       KpiDayRow.day <= last)))  # fmt: skip
    missing = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    for lo, hi in _runs([d for d in missing if d not in have]):
        req = replace(sc.req, first=lo, last=hi, group_by=GroupBy.DAY)
        tables: list[tuple[Any, list[dict[str, Any]]]] = []
        for grain, table in ((Grain.ROUTE, kpi_daily), (Grain.ZONE, kpi_zone_daily)):
            at_grain = Scope(sc.org_id, req, sc.dialect, grain=grain)
            sums: dict[Any, KpiSums] = {}
            for rollup in (rollups.attempts, rollups.routes, rollups.capacity, rollups.out_of_turn, rollups.messages,
                           rollups.ratings):
                rollup(s, at_grain, sums)
            tables.append((table, _rows(sc.org_id, grain, sums)))
        cells = _cells(sc.org_id, heat(s, Scope(sc.org_id, req, sc.dialect), zones=True))
        tables += [(kpi_heat, cells[0]), (kpi_zone_heat, cells[1])]
        now = utcnow()
        try:
            for table, rows in tables:
                if rows:
                    s.execute(insert(table), rows)
            s.add_all([KpiDayRow(org_id=sc.org_id, day=lo + timedelta(days=k), computed_at=now)
                       for k in range((hi - lo).days + 1)])  # fmt: skip
            s.commit()
        except IntegrityError:
            s.rollback()


def read(s: Session, sc: Scope, first: date, last: date, sums: dict[Any, KpiSums]) -> None:
    """Add the rolled-up sums of the days first..last to ``sums``, grouped by the request's key (SQL sums; by zone
    from ``kpi_zone_daily``)."""
    t = (kpi_zone_daily if sc.req.group_by is GroupBy.ZONE else kpi_daily).c
    key = t.zone_id if sc.req.group_by is GroupBy.ZONE else {
        GroupBy.DAY: t.day, GroupBy.WEEK: t.day, GroupBy.DEPOT: t.depot_id, GroupBy.DRIVER: t.driver_id,
        GroupBy.VEHICLE: t.vehicle_id}[sc.req.group_by]  # fmt: skip
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
    """The rolled-up heatmap counts of the days first..last per day and local hour (depots added up), or of the
    picked zone only."""
    t = (kpi_heat if zone is None else kpi_zone_heat).c
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
    for table in (kpi_daily, kpi_zone_daily, kpi_heat, kpi_zone_heat):
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
