"""KPIs of a date range, per day, week, depot, driver or vehicle (``GET /v1/analytics/kpis``), and the peak-time
heatmap (attempts, failures and late deliveries by local hour and weekday). Definitions: docs/analytics.md."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from doorstep.domain.analytics import GroupBy, HeatCell, KpiGroup, KpiReport, KpiRequest, KpiSums, figures, week_of
from doorstep.domain.analytics import parse_request as parse
from doorstep.domain.errors import DoorstepError
from doorstep.services.access import Actor, Permission
from doorstep.services.analytics import daily_cache, rollups
from doorstep.services.analytics.scope import DELIVERY_STOPS, DONE, Scope, key_text
from doorstep.services.platform import Platform
from doorstep.store.models import DepotRow, DriverRow, PlanRow, RouteRow, StopEventRow, StopRow, VehicleRow
from doorstep.store.uow import UnitOfWork


def parse_request(first: str | None, last: str | None, group_by: str | None = None) -> KpiRequest:
    """The checked request, or a coded error listing every problem."""
    req, issues = parse(first, last, group_by)
    if req is None:
        raise DoorstepError(issues)
    return req


def _scope(uow: UnitOfWork, req: KpiRequest) -> Scope:
    return Scope(uow.org_id, req, uow.session.get_bind().dialect.name)


def _labels(uow: UnitOfWork, by: GroupBy, keys: list[Any]) -> dict[Any, str]:
    """Names for depot, driver and vehicle keys (days and weeks are their own labels)."""
    ids = [k for k in keys if isinstance(k, str)]
    if by not in (GroupBy.DEPOT, GroupBy.DRIVER, GroupBy.VEHICLE) or not ids:
        return {}
    model = DepotRow if by is GroupBy.DEPOT else DriverRow if by is GroupBy.DRIVER else VehicleRow
    q = select(model.id, model.name).where(model.org_id == uow.org_id, model.id.in_(ids))
    return {row.id: row.name for row in uow.session.execute(q)}


def _fallback_label(by: GroupBy, key: Any) -> str:
    if key is None:
        return f"(no {by.value})"
    if by is GroupBy.WEEK and isinstance(key, date):
        iso = key.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return key_text(key) or ""


def kpi_report(p: Platform, actor: Actor, req: KpiRequest) -> KpiReport:
    """The KPIs of the request's range per group and in total; groups with nothing in them are left out (a range
    with no data gives an empty series and a total of zeros). Closed days come from their rollup (made now when
    missing), the open ones from the record."""
    actor.require(Permission.READ)
    sums: dict[Any, KpiSums] = {}
    closed = daily_cache.last_closed(p.clock().date())
    with p.uow(actor) as uow:
        sc = _scope(uow, req)
        if req.first <= closed:
            daily_cache.fill(uow.session, sc, req.first, min(req.last, closed))
            daily_cache.read(uow.session, sc, req.first, min(req.last, closed), sums)
        if req.last > closed:
            live = Scope(sc.org_id, replace(req, first=max(req.first, closed + timedelta(days=1))), sc.dialect)
            for rollup in (rollups.attempts, rollups.routes, rollups.capacity, rollups.out_of_turn, rollups.messages):
                rollup(uow.session, live, sums)
        if req.group_by is GroupBy.WEEK:
            weeks: dict[Any, KpiSums] = {}
            for day, s in sums.items():
                weeks.setdefault(week_of(day), KpiSums()).add(s)
            sums = weeks
        keys = sorted((k for k, s in sums.items() if not s.empty), key=lambda k: (k is None, key_text(k) or ""))
        labels = _labels(uow, req.group_by, keys)
    total = KpiSums()
    for k in keys:
        total.add(sums[k])
    series = [
        KpiGroup(key_text(k), labels.get(k) or _fallback_label(req.group_by, k), figures(sums[k])) for k in keys
    ]
    return KpiReport(req.first, req.last, req.group_by, series, figures(total))


def heatmap(p: Platform, actor: Actor, req: KpiRequest) -> list[HeatCell]:
    """Delivery attempts, failures and late deliveries by local hour (the depot's time zone) and weekday of the
    delivery day; SQL counts them per day, depot and UTC quarter-hour, shifted here by the depot's offset."""
    actor.require(Permission.READ)
    se, st, r, pl, d = StopEventRow, StopRow, RouteRow, PlanRow, DepotRow
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    with p.uow(actor) as uow:
        sc = _scope(uow, req)
        lo, hi = sc.utc_bounds
        quarter = sc.utc_quarter(se.at).label("q")
        late = and_(se.status == "completed", se.at > st.promised_end)
        q = (
            select(
                pl.day, d.timezone, quarter, func.count().label("n"),
                rollups.count_if(se.status == "failed").label("failed"), rollups.count_if(late).label("late"),
            )
            .select_from(se)
            .join(st, st.id == se.stop_id)
            .join(r, r.id == se.route_id)
            .join(pl, pl.id == r.plan_id)
            .join(d, d.id == pl.depot_id)
            .where(se.org_id == uow.org_id, se.at >= lo, se.at < hi, se.status.in_(DONE))
            .where(st.type.in_(DELIVERY_STOPS), *sc.days(pl.day))
            .group_by(pl.day, d.timezone, quarter)
        )
        for row in uow.session.execute(q):
            offset = ZoneInfo(row.timezone).utcoffset(datetime.combine(row.day, time(12)))
            minutes = (int(row.q) * 15 + int(offset.total_seconds() // 60 if offset else 0)) % 1440
            cell = cells[(row.day.weekday(), minutes // 60)]
            cell[0] += row.n
            cell[1] += row.failed or 0
            cell[2] += row.late or 0
    return [HeatCell(wd, h, *cells[(wd, h)]) for wd, h in sorted(cells)]
