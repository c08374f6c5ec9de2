"""The KPI rollups: SQL aggregations (SQLAlchemy Core; the same on SQLite and PostgreSQL) over the day's record —
driver actions on stops (``stop_events``), routes with their plans, GPS trails (``positions``), customer
messages and events. Each returns the additive sums per group key; nothing loops over raw rows in Python
(the capacity figure reads one small value per route). By zone: attempts, messages and ratings count in their
order's zone (``orders.zone_id``); a route's figures in the zone of most of its attempts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from doorstep.domain.analytics import KpiSums
from doorstep.domain.emissions import DEFAULT_FUEL, G_CO2E_PER_KM
from doorstep.services.analytics.scope import DELIVERY_STOPS, DONE, Grain, Scope
from doorstep.store.models import (
    EventRow,
    FeedbackRow,
    MessageRow,
    OrderRow,
    PlanRow,
    PositionRow,
    RouteRow,
    ShiftRow,
    StopEventRow,
    StopRow,
    VehicleRow,
    VehicleTypeRow,
)

EARTH_RADIUS_M = 6_371_008.8
Sums = dict[Any, KpiSums]


def count_if(cond: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet the condition."""
    return func.sum(case((cond, 1), else_=0))


def _at(sums: Sums, key: Any) -> KpiSums:
    return sums.setdefault(key, KpiSums())


def attempts(s: Session, sc: Scope, sums: Sums) -> None:
    """Attempts, deliveries, failures by reason, on time, first attempt and proof, per group."""
    se, st, r, p, o = StopEventRow, StopRow, RouteRow, PlanRow, OrderRow
    lo, hi = sc.utc_bounds
    keys = sc.keys(p.day, p.depot_id, se.driver_id, r.vehicle_id, o.zone_id)
    first = func.coalesce(o.attempt, 1) == 1
    q = (
        select(
            *keys, se.status, se.reason, func.count().label("n"),
            count_if(st.promised_start.is_not(None)).label("promised"),
            count_if(and_(se.at >= st.promised_start, se.at <= st.promised_end)).label("on_time"),
            count_if(se.at > st.promised_end).label("late"), count_if(first).label("first"),
            count_if(se.proof_id.is_not(None)).label("proof"),
        )
        .select_from(se)
        .join(st, st.id == se.stop_id)
        .join(r, r.id == se.route_id)
        .join(p, p.id == r.plan_id)
        .outerjoin(o, o.id == se.order_id)
        .where(se.org_id == sc.org_id, se.at >= lo, se.at < hi, se.status.in_(DONE), st.type.in_(DELIVERY_STOPS))
        .where(*sc.days(p.day))
        .group_by(*keys, se.status, se.reason)
    )
    for row in s.execute(q):
        g = _at(sums, sc.row_key(row))
        g.attempts += row.n
        g.first_attempts += row.first or 0
        if row.status == "completed":
            g.deliveries += row.n
            g.promised += row.promised or 0
            g.on_time += row.on_time or 0
            g.late += row.late or 0
            g.first_attempt_ok += row.first or 0
            g.with_proof += row.proof or 0
        else:
            g.failed += row.n
            reason = row.reason or "other"
            g.failed_by_reason[reason] = g.failed_by_reason.get(reason, 0) + row.n


def _worked_routes(sc: Scope) -> Any:
    """Ids of the routes with a delivery attempt in the coarse UTC bounds (their plan's day filters exactly)."""
    se, st = StopEventRow, StopRow
    lo, hi = sc.utc_bounds
    return (
        select(se.route_id)
        .join(st, st.id == se.stop_id)
        .where(se.org_id == sc.org_id, se.at >= lo, se.at < hi, se.status.in_(DONE), st.type.in_(DELIVERY_STOPS))
        .group_by(se.route_id)
    )


def _main_zones(sc: Scope) -> Any:
    """Per worked route, its zone for the route figures (distance, time, cost, CO2, capacity): the zone of most of
    its delivery attempts in the range (ties: a zone before none, then the smaller id)."""
    se, st, o = StopEventRow, StopRow, OrderRow
    lo, hi = sc.utc_bounds
    counts = (
        select(se.route_id, o.zone_id, func.count().label("n"))
        .select_from(se)
        .join(st, st.id == se.stop_id)
        .outerjoin(o, o.id == se.order_id)
        .where(se.org_id == sc.org_id, se.at >= lo, se.at < hi, se.status.in_(DONE), st.type.in_(DELIVERY_STOPS))
        .group_by(se.route_id, o.zone_id)
        .subquery()
    )
    rank = func.row_number().over(partition_by=counts.c.route_id,
                                  order_by=(counts.c.n.desc(), case((counts.c.zone_id.is_(None), 1), else_=0),
                                            counts.c.zone_id))  # fmt: skip
    ranked = select(counts.c.route_id, counts.c.zone_id, rank.label("rk")).subquery()
    return select(ranked.c.route_id, ranked.c.zone_id).where(ranked.c.rk == 1).subquery()


def _route_zones(s: Session, sc: Scope) -> dict[str, str | None] | None:
    """Each worked route's zone (``_main_zones``), read once per rollup when the zone is a key (None otherwise).
    The route rollups group by route and add each route into its zone here: joining the ranked subquery into
    their SQL made PostgreSQL rank the range's attempts once per rollup, with parallel workers (~0.2 s each)."""
    if not sc.zoned:
        return None
    main = _main_zones(sc)
    return {row.route_id: row.zone_id for row in s.execute(select(main.c.route_id, main.c.zone_id))}


def _route_key_column(sc: Scope) -> Any:
    """The zone key column of a route rollup: the route's id when zoned (mapped to its zone by ``_zoned_key``),
    else a null column that is never read."""
    return RouteRow.id if sc.zoned else literal(None)


def _zoned_key(sc: Scope, key: Any, zones: dict[str, str | None] | None) -> Any:
    """A route rollup row's group key with the route's id (in the zone's place) replaced by its zone."""
    if zones is None:
        return key
    if isinstance(key, tuple):  # the zone grain: (day, route id)
        return (key[0], zones.get(key[1]))
    return zones.get(key)


def _trails(sc: Scope) -> Any:
    """Per worked route: its GPS fixes (count, first, last) and the length of the trail (an equirectangular
    distance between consecutive fixes: within 0.1 % of the great circle at these lengths)."""
    pos = PositionRow
    lo, hi = sc.utc_bounds
    order = (pos.at, pos.id)
    legs = (
        select(
            pos.route_id, pos.at, pos.lat, pos.lng,
            func.lag(pos.lat).over(partition_by=pos.route_id, order_by=order).label("plat"),
            func.lag(pos.lng).over(partition_by=pos.route_id, order_by=order).label("plng"),
        )
        .where(pos.org_id == sc.org_id, pos.at >= lo, pos.at < hi, pos.route_id.in_(_worked_routes(sc)))
        .subquery()
    )
    dlat = func.radians(legs.c.lat - legs.c.plat)
    dlng = func.radians(legs.c.lng - legs.c.plng) * func.cos(func.radians((legs.c.lat + legs.c.plat) / 2.0))
    seg = EARTH_RADIUS_M * func.sqrt(dlat * dlat + dlng * dlng)
    return (
        select(
            legs.c.route_id, func.count().label("fixes"), func.min(legs.c.at).label("t0"),
            func.max(legs.c.at).label("t1"), func.sum(seg).label("m"),
        )
        .group_by(legs.c.route_id)
        .subquery()
    )


def _co2_factor(fuel: Any) -> ColumnElement[float]:
    whens = [(fuel == f.value, literal(g)) for f, g in G_CO2E_PER_KM.items()]
    return case(*whens, else_=literal(G_CO2E_PER_KM[DEFAULT_FUEL]))


def _route_rows(sc: Scope) -> Any:
    """One row per worked route: its key, driven or planned km and hours, cost, CO2 and shift."""
    r, p, v, vt, sh = RouteRow, PlanRow, VehicleRow, VehicleTypeRow, ShiftRow
    tr = _trails(sc)
    planned_m = func.coalesce(r.data["distance_m"].as_integer(), 0)
    planned_s = func.coalesce(r.data["duration_s"].as_integer(), 0)
    driven = func.coalesce(tr.c.fixes, 0) >= 2
    actual_s = sc.seconds(tr.c.t1, tr.c.t0)
    km = case((driven, tr.c.m / 1000.0), else_=cast(planned_m, Float) / 1000.0)
    hours = case((driven, actual_s / 3600.0), else_=cast(planned_s, Float) / 3600.0)
    fixed, per_km, per_h = (func.coalesce(c, 0) for c in (vt.fixed_cost_cents, vt.cost_per_km_cents,
                                                           vt.cost_per_hour_cents))  # fmt: skip
    q = (
        select(
            *sc.keys(p.day, p.depot_id, r.driver_id, r.vehicle_id, _route_key_column(sc)),
            case((driven, 1), else_=0).label("driven"), km.label("km"), hours.label("hours"),
            (fixed + per_km * km + per_h * hours).label("cost"), (km * _co2_factor(vt.fuel)).label("co2"),
            (sc.seconds(sh.end, sh.start) / 3600.0).label("shift_h"),
            case((driven, planned_m), else_=0).label("planned_m"), case((driven, tr.c.m), else_=0).label("actual_m"),
            case((driven, planned_s), else_=0).label("planned_s"), case((driven, actual_s), else_=0).label("actual_s"),
        )
        .select_from(r)
        .join(p, p.id == r.plan_id)
        .outerjoin(v, v.id == r.vehicle_id)
        .outerjoin(vt, vt.id == v.type_id)
        .outerjoin(sh, and_(sh.vehicle_id == r.vehicle_id, sh.day == p.day))
        .outerjoin(tr, tr.c.route_id == r.id)
    )
    return q.where(r.org_id == sc.org_id, r.id.in_(_worked_routes(sc)), *sc.days(p.day)).subquery()


def routes(s: Session, sc: Scope, sums: Sums) -> None:
    """Per group: routes, km, hours, cost, CO2, shift use and planned against driven (routes with a trail)."""
    rt = _route_rows(sc)
    in_shift = rt.c.shift_h.is_not(None)
    keys = [rt.c[f"k{n}"] for n in range(sc.width)]
    q = select(
        *keys, func.count().label("routes"), func.sum(rt.c.driven).label("driven"),
        func.sum(rt.c.km).label("km"), func.sum(rt.c.hours).label("hours"), func.sum(rt.c.cost).label("cost"),
        func.sum(rt.c.co2).label("co2"), func.sum(case((in_shift, rt.c.hours), else_=0.0)).label("hours_in_shifts"),
        func.sum(func.coalesce(rt.c.shift_h, 0.0)).label("shift_h"), func.sum(rt.c.planned_m).label("planned_m"),
        func.sum(rt.c.actual_m).label("actual_m"), func.sum(rt.c.planned_s).label("planned_s"),
        func.sum(rt.c.actual_s).label("actual_s"),
    ).group_by(*keys)  # fmt: skip
    zones = _route_zones(s, sc)
    for row in s.execute(q):
        g = _at(sums, _zoned_key(sc, sc.row_key(row), zones))
        g.routes += row.routes
        g.driven_routes += int(row.driven or 0)
        g.km += float(row.km or 0)
        g.hours += float(row.hours or 0)
        g.cost_cents += float(row.cost or 0)
        g.co2_g += float(row.co2 or 0)
        g.hours_in_shifts += float(row.hours_in_shifts or 0)
        g.shift_hours += float(row.shift_h or 0)
        g.planned_m_driven += int(row.planned_m or 0)
        g.actual_m += float(row.actual_m or 0)
        g.planned_s_driven += int(row.planned_s or 0)
        g.actual_s += float(row.actual_s or 0)


def capacity(s: Session, sc: Scope, sums: Sums) -> None:
    """Per group, the mean over routes of the load leaving the depot over the van's capacity, in the dimension
    that fills it most (a route with reloads counts its first trip). Reads one small value per route."""
    r, p, v, vt = RouteRow, PlanRow, VehicleRow, VehicleTypeRow
    q = (
        select(*sc.keys(p.day, p.depot_id, r.driver_id, r.vehicle_id, _route_key_column(sc)),
               r.data[("stops", 0, "load_after")].label("load"), vt.capacity)
        .select_from(r)
        .join(p, p.id == r.plan_id)
        .join(v, v.id == r.vehicle_id)
        .join(vt, vt.id == v.type_id)
    )
    q = q.where(r.org_id == sc.org_id, r.id.in_(_worked_routes(sc)), *sc.days(p.day))
    zones = _route_zones(s, sc)
    for row in s.execute(q):
        load, cap = row.load if isinstance(row.load, dict) else {}, row.capacity or {}
        shares = [float(load.get(dim, 0)) / float(c) for dim, c in cap.items() if c]
        if shares:
            g = _at(sums, _zoned_key(sc, sc.row_key(row), zones))
            g.capacity_ratio_sum += max(shares)
            g.capacity_routes += 1


def out_of_turn(s: Session, sc: Scope, sums: Sums) -> None:
    """Per group, attempted stops the driver took ahead of the planned order: the route's ``route.updated`` event
    with ``visited_early`` naming the stop (found through the route's events: the subject index); by the order's
    zone."""
    se, st, r, p, ev, o = StopEventRow, StopRow, RouteRow, PlanRow, EventRow, OrderRow
    lo, hi = sc.utc_bounds
    keys = sc.keys(p.day, p.depot_id, se.driver_id, r.vehicle_id, o.zone_id)
    early = and_(ev.org_id == se.org_id, ev.subject_id == se.route_id, ev.type == "route.updated",
                 ev.data["visited_early"].as_string() == se.stop_id)  # fmt: skip
    q = (
        select(*keys, func.count(func.distinct(se.stop_id)).label("n"))
        .select_from(se)
        .join(st, st.id == se.stop_id)
        .join(r, r.id == se.route_id)
        .join(p, p.id == r.plan_id)
        .join(ev, early)
        .outerjoin(o, o.id == se.order_id)
        .where(se.org_id == sc.org_id, se.at >= lo, se.at < hi, se.status.in_(DONE), st.type.in_(DELIVERY_STOPS))
        .where(*sc.days(p.day))
        .group_by(*keys)
    )
    for row in s.execute(q):
        _at(sums, sc.row_key(row)).out_of_turn += row.n


def messages(s: Session, sc: Scope, sums: Sums) -> None:
    """Per group, customer messages sent and failed (by the order's day; by driver or vehicle through the route
    that attempted the order, so messages of orders never attempted count in the day and depot groups only)."""
    m, o, se, r = MessageRow, OrderRow, StopEventRow, RouteRow
    keys = sc.keys(o.day, o.depot_id, se.driver_id, r.vehicle_id, o.zone_id)
    failed = or_(m.status == "failed", m.status == "bounced")
    q = select(*keys, count_if(m.status == "sent").label("sent"), count_if(failed).label("failed"))
    q = q.select_from(m).join(o, o.id == m.order_id)
    attempt = and_(se.order_id == m.order_id, se.status.in_(DONE))
    if sc.grain is Grain.ROUTE:  # a message of an order never attempted has no driver or vehicle
        q = q.outerjoin(se, attempt).outerjoin(r, r.id == se.route_id)
    elif sc.req.group_by.value in ("driver", "vehicle"):
        q = q.join(se, attempt).join(r, r.id == se.route_id)
    q = q.where(m.org_id == sc.org_id, *sc.days(o.day)).group_by(*keys)
    for row in s.execute(q):
        if row.sent or row.failed:
            g = _at(sums, sc.row_key(row))
            g.messages_sent += row.sent or 0
            g.messages_failed += row.failed or 0


def ratings(s: Session, sc: Scope, sums: Sums) -> None:
    """Per group, the customers' ratings (one per order, the latest submission) and how many of each score: by
    the order's day and depot, the driver who delivered it and the vehicle of the route it was delivered on."""
    f, o, r = FeedbackRow, OrderRow, RouteRow
    keys = sc.keys(f.day, o.depot_id, f.driver_id, r.vehicle_id, o.zone_id)
    per_score = [count_if(f.rating == k).label(f"r{k}") for k in range(1, 6)]
    q = select(*keys, func.count().label("n"), func.sum(f.rating).label("total"), *per_score)
    q = q.select_from(f).join(o, o.id == f.order_id).outerjoin(r, r.id == f.route_id)
    q = q.where(f.org_id == sc.org_id, *sc.days(f.day)).group_by(*keys)
    for row in s.execute(q):
        g = _at(sums, sc.row_key(row))
        g.ratings += row.n
        g.rating_sum += int(row.total or 0)
        for k in range(1, 6):
            setattr(g, f"rating_{k}", getattr(g, f"rating_{k}") + int(getattr(row, f"r{k}") or 0))
