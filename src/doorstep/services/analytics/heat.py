"""The peak-time heatmap's counts: delivery attempts, failures and late deliveries per delivery day, depot, the
order's delivery zone and local hour (the depot's time zone). SQL counts them per day, depot, zone and UTC
quarter-hour; the quarter is shifted here by the depot's offset on that day (a handful of rows per day, never the
events themselves)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from doorstep.services.analytics.rollups import count_if
from doorstep.services.analytics.scope import DELIVERY_STOPS, DONE, Scope
from doorstep.store.models import DepotRow, OrderRow, PlanRow, RouteRow, StopEventRow, StopRow

HeatKey = tuple[date, str, str | None, int]  # delivery day, depot, the order's zone, local hour
Counts = list[int]  # attempts, failed, late


def heat(s: Session, sc: Scope, zones: bool = False) -> dict[HeatKey, Counts]:
    """Attempts, failures and late deliveries (completed after their promised window) of the scope's days; per
    order's zone when asked (else the zone key is None)."""
    se, st, r, pl, d, o = StopEventRow, StopRow, RouteRow, PlanRow, DepotRow, OrderRow
    lo, hi = sc.utc_bounds
    quarter = sc.utc_quarter(se.at).label("q")
    late = and_(se.status == "completed", se.at > st.promised_end)
    zone = [o.zone_id] if zones else []
    q = (
        select(
            pl.day, pl.depot_id, *zone, d.timezone, quarter, func.count().label("n"),
            count_if(se.status == "failed").label("failed"), count_if(late).label("late"),
        )
        .select_from(se)
        .join(st, st.id == se.stop_id)
        .join(r, r.id == se.route_id)
        .join(pl, pl.id == r.plan_id)
        .join(d, d.id == pl.depot_id)
        .where(se.org_id == sc.org_id, se.at >= lo, se.at < hi, se.status.in_(DONE))
        .where(st.type.in_(DELIVERY_STOPS), *sc.days(pl.day))
        .group_by(pl.day, pl.depot_id, *zone, d.timezone, quarter)
    )
    if zones:
        q = q.outerjoin(o, o.id == se.order_id)
    cells: dict[HeatKey, Counts] = defaultdict(lambda: [0, 0, 0])
    for row in s.execute(q):
        offset = ZoneInfo(row.timezone).utcoffset(datetime.combine(row.day, time(12)))
        minutes = (int(row.q) * 15 + int(offset.total_seconds() // 60 if offset else 0)) % 1440
        cell = cells[(row.day, row.depot_id, row.zone_id if zones else None, minutes // 60)]
        cell[0] += row.n
        cell[1] += row.failed or 0
        cell[2] += row.late or 0
    return dict(cells)
