"""KPIs of a date range, per day, week, depot, driver, vehicle or delivery zone (``GET /v1/analytics/kpis``), and
the peak-time heatmap (attempts, failures and late deliveries by local hour and weekday, of every zone or one).
Definitions: docs/analytics.md."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from doorstep.domain.analytics import GroupBy, HeatCell, KpiGroup, KpiReport, KpiRequest, KpiSums, figures, week_of
from doorstep.domain.analytics import parse_request as parse
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.analytics import daily_cache, rollups
from doorstep.services.analytics.heat import heat
from doorstep.services.analytics.scope import Scope, ZonePick, key_text
from doorstep.services.analytics.zones import OUTSIDE, zone_names
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import DepotRow, DriverRow, VehicleRow
from doorstep.store.uow import UnitOfWork


def parse_request(
    first: str | None, last: str | None, group_by: str | None = None, allowed: tuple[GroupBy, ...] = tuple(GroupBy)
) -> KpiRequest:
    """The checked request, or a coded error listing every problem."""
    req, issues = parse(first, last, group_by, allowed)
    if req is None:
        raise DoorstepError(issues)
    return req


def _scope(uow: UnitOfWork, req: KpiRequest) -> Scope:
    return Scope(uow.org_id, req, uow.session.get_bind().dialect.name)


def _labels(uow: UnitOfWork, by: GroupBy, keys: list[Any]) -> dict[Any, str]:
    """Names for depot, driver, vehicle and zone keys (days and weeks are their own labels)."""
    ids = [k for k in keys if isinstance(k, str)]
    if by is GroupBy.ZONE:
        return zone_names(uow)
    if by not in (GroupBy.DEPOT, GroupBy.DRIVER, GroupBy.VEHICLE) or not ids:
        return {}
    model = DepotRow if by is GroupBy.DEPOT else DriverRow if by is GroupBy.DRIVER else VehicleRow
    q = select(model.id, model.name).where(model.org_id == uow.org_id, model.id.in_(ids))
    return {row.id: row.name for row in uow.session.execute(q)}


def _fallback_label(by: GroupBy, key: Any) -> str:
    if key is None:
        return OUTSIDE if by is GroupBy.ZONE else f"(no {by.value})"
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
            for rollup in (rollups.attempts, rollups.routes, rollups.capacity, rollups.out_of_turn, rollups.messages,
                           rollups.ratings):
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


def check_zone(p: Platform, actor: Actor, zone: str | None) -> ZonePick | None:
    """The heatmap's zone: none asked (every zone), ``none`` (the orders outside every zone) or a zone of the
    policy; E1482 for another id."""
    actor.require(Permission.READ)
    if zone is None:
        return None
    if zone == "none":
        return ZonePick(None)
    with p.uow(actor) as uow:
        names = zone_names(uow)
    if zone not in names:
        known = ", ".join(names) or "none: the organization has no slot policy"
        raise DoorstepError([Issue("E1482", f"zone={zone!r} is not a delivery zone (zones: {known}); "
                                   "'none' asks for the orders outside every zone", ("query", "zone"))])  # fmt: skip
    return ZonePick(zone)


def heatmap(p: Platform, actor: Actor, req: KpiRequest, zone: ZonePick | None = None) -> list[HeatCell]:
    """Delivery attempts, failures and late deliveries by local hour (the depot's time zone) and weekday of the
    delivery day, of every zone or one: closed days from their rollup (made now when missing), open ones from the
    record."""
    actor.require(Permission.READ)
    by_day: dict[tuple[date, int], list[int]] = {}
    closed = daily_cache.last_closed(p.clock().date())
    with p.uow(actor) as uow:
        sc = _scope(uow, req)
        if req.first <= closed:
            daily_cache.fill(uow.session, sc, req.first, min(req.last, closed))
            by_day |= daily_cache.read_heat(uow.session, sc.org_id, req.first, min(req.last, closed), zone)
        if req.last > closed:
            live = Scope(sc.org_id, replace(req, first=max(req.first, closed + timedelta(days=1))), sc.dialect)
            for (day, _, zone_id, hour), n in heat(uow.session, live, zones=zone is not None).items():
                if zone is not None and zone_id != zone.zone_id:
                    continue
                cell = by_day.setdefault((day, hour), [0, 0, 0])
                by_day[(day, hour)] = [a + b for a, b in zip(cell, n, strict=True)]
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (day, hour), n in by_day.items():
        cell = cells[(day.weekday(), hour)]
        cells[(day.weekday(), hour)] = [a + b for a, b in zip(cell, n, strict=True)]
    return [HeatCell(wd, h, *cells[(wd, h)]) for wd, h in sorted(cells)]
