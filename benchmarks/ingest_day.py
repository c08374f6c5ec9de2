"""The day the position-ingest benchmark drives: one published, dispatched route per driver, built through the
services (depot, vans with shifts rostered to the drivers, orders, a solver run, publish, dispatch), and the
route each phone drives along, so every position batch carries a ``route_id`` and feeds the ETA worker."""

from __future__ import annotations

import itertools
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from doorstep.domain.geo import LatLng
from doorstep.services.dispatch.routes import dispatch
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.orders import create_orders
from doorstep.services.planning.plans import get_plan, publish_plan, start_plan
from doorstep.store.models import RouteLiveRow

DEPOT = LatLng(38.7372, -9.1034)  # Lisbon
TZ = "Europe/Lisbon"
SPREAD_DEG = 0.06  # neighbourhoods within about 6 km of the depot
NEIGHBOURHOOD_DEG = 0.002  # the orders of one neighbourhood within about 200 m


@dataclass(frozen=True, slots=True)
class DayRoutes:
    """What the benchmark needs of the planned day: each driver's route and the path it drives."""

    plan_id: str
    orders: int
    unassigned: int
    route_of: dict[str, str]  # driver id -> route id
    path_of: dict[str, list[LatLng]]  # driver id -> depot, stops in order
    seconds: float  # time taken to build the day (solver included)
    solve_s: float


def plan_day(
    p: Platform, sys: Actor, driver_ids: list[str], per_route: int, time_limit_s: float, contacts: bool = False
) -> DayRoutes:
    """Today's plan (in the depot's time zone) with one route of ``per_route`` one-parcel orders per driver.
    The orders come in neighbourhoods of ``per_route``, each the territory of one van (a skill only that van
    has: vans with fixed territories, as many couriers run them), so a short solve gives every van its route;
    each van's shift is rostered to one driver, so each route is that driver's. The solver still plans the
    whole day as one problem (the stored plan is as big as a real one: every re-timing parses it). Published and
    dispatched, as on a live day. ``contacts``: every customer has an email at example.com (customer messages)."""
    t0 = time.perf_counter()
    tz = ZoneInfo(TZ)
    day = datetime.now(tz).date()
    depot = {"name": "Lisbon hub", "lat": DEPOT.lat, "lng": DEPOT.lng, "timezone": TZ, "address": None,
             "opens": None, "closes": None, "loading_s": 0}  # fmt: skip
    depot_id = fleet_admin.create(p, sys, "depot", depot).id
    vtype = {"name": "Van", "capacity": {"parcels": 2 * per_route}, "profile": "car", "skills": [],
             "fixed_cost_cents": 0, "cost_per_km_cents": 30, "cost_per_hour_cents": 2000}  # fmt: skip
    type_id = fleet_admin.create(p, sys, "vehicle_type", vtype).id
    start = datetime.combine(day, dtime(0, 0), tz)  # the whole day: the benchmark may run at any hour
    for k, driver_id in enumerate(driver_ids):
        van = {"name": f"Van {k}", "type_id": type_id, "depot_id": depot_id, "skills": [f"zone-{k}"],
               "max_distance_m": None,
               "max_stops": None}  # fmt: skip
        vid = fleet_admin.create(p, sys, "vehicle", van).id
        shift = {"vehicle_id": vid, "driver_id": driver_id, "day": day, "start": start,
                 "end": start + timedelta(hours=23, minutes=59), "breaks": []}  # fmt: skip
        fleet_admin.create(p, sys, "shift", shift)
    n = per_route * len(driver_ids)
    _orders(p, sys, depot_id, day, len(driver_ids), per_route, contacts)
    s0 = time.perf_counter()
    plan = start_plan(p, sys, depot_id, day, {"time_limit_s": time_limit_s, "seed": 1})  # runs inline here
    solve_s = time.perf_counter() - s0
    row, routes = get_plan(p, sys, plan.id)
    unassigned = len((row.result or {}).get("plan", {}).get("unassigned", []))
    if row.status != "succeeded" or len(routes) != len(driver_ids):  # a few unassigned orders do not matter
        raise SystemExit(f"plan {plan.id}: {row.status}, {len(routes)} routes, {unassigned} unassigned orders")
    publish_plan(p, sys, plan.id)
    route_of, path_of = {}, {}
    for r in routes:
        assert r.driver_id is not None
        dispatch(p, sys, r.id, r.version)  # also stores the route's first ETAs
        route_of[r.driver_id] = r.id
        path_of[r.driver_id] = [DEPOT] + [
            LatLng(s["location"]["lat"], s["location"]["lng"]) for s in r.data["stops"] if s.get("order_id")
        ]
    return DayRoutes(plan.id, n, unassigned, route_of, path_of, time.perf_counter() - t0, solve_s)


def _orders(p: Platform, sys: Actor, depot_id: str, day: date, hoods: int, per_hood: int, contacts: bool) -> None:
    rng = random.Random(5)
    centres = [(rng.uniform(-SPREAD_DEG, SPREAD_DEG), rng.uniform(-SPREAD_DEG, SPREAD_DEG)) for _ in range(hoods)]
    items = [
        {"external_ref": f"B-{i:05d}", "depot_id": depot_id, "date": day,
         "location": {"lat": DEPOT.lat + dy + rng.uniform(-NEIGHBOURHOOD_DEG, NEIGHBOURHOOD_DEG),
                      "lng": DEPOT.lng + dx + rng.uniform(-NEIGHBOURHOOD_DEG, NEIGHBOURHOOD_DEG)},
         "service_s": 120, "size": {"parcels": 1}, "skills": [f"zone-{i // per_hood}"]}
        for i, (dy, dx) in enumerate(c for c in centres for _ in range(per_hood))
    ]  # fmt: skip
    n = len(items)
    if contacts:
        for item in items:
            ref = str(item["external_ref"]).lower()
            item["contact"] = {"name": ref, "email": f"{ref}@example.com", "phone": "", "language": "pt"}
    for k in range(0, n, 1_000):
        create_orders(p, sys, items[k : k + 1_000])


def along(path: list[LatLng], metres: float) -> LatLng:
    """The point ``metres`` along the path (back and forth, so a long run never runs off its end)."""
    legs = [_dist(a, b) for a, b in itertools.pairwise(path)]
    total = sum(legs)
    if total <= 0:
        return path[0]
    m = metres % (2 * total)
    m = m if m <= total else 2 * total - m
    for (a, b), leg in zip(itertools.pairwise(path), legs, strict=True):
        if m <= leg:
            f = m / leg if leg else 0.0
            return LatLng(a.lat + f * (b.lat - a.lat), a.lng + f * (b.lng - a.lng))
        m -= leg
    return path[-1]


def _dist(a: LatLng, b: LatLng) -> float:
    dy = (b.lat - a.lat) * 111_195
    dx = (b.lng - a.lng) * 111_195 * math.cos(math.radians(a.lat))
    return math.hypot(dx, dy)


class EtaWatch:
    """Counts the ETA updates the server stores during the run: ``route_live.updated_at`` read every
    ``every_s`` (a route is re-timed for positions at most once per 10 s, so polling each second sees each one)."""

    def __init__(self, engine: Engine, route_ids: set[str]) -> None:
        self.engine, self.route_ids = engine, route_ids
        self.seen: dict[str, set[datetime]] = {r: set() for r in route_ids}
        self.baseline: dict[str, datetime | None] = {}

    def read(self) -> dict[str, datetime | None]:
        """Each route's latest ETA time now."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(RouteLiveRow.route_id, RouteLiveRow.updated_at)).all()
        return {r: (u if u is None or u.tzinfo else u.replace(tzinfo=UTC)) for r, u in rows if r in self.route_ids}

    def start(self) -> None:
        """Note the ETAs stored before the run (dispatch stores the first ones)."""
        self.baseline = self.read()

    def poll(self) -> None:
        """Record every ETA time that differs from the one stored before the run."""
        for route_id, updated in self.read().items():
            if updated is not None and updated != self.baseline.get(route_id):
                self.seen[route_id].add(updated)

    def summary(self, run_end: datetime) -> dict[str, Any]:
        """Updates seen, routes re-timed, and how stale the oldest route's ETAs were when the run ended."""
        latest = [max(s) for s in self.seen.values() if s]
        return {
            "eta_updates": sum(len(s) for s in self.seen.values()),
            "routes_retimed": len(latest),
            "routes": len(self.route_ids),
            "eta_oldest_age_s": round((run_end - min(latest)).total_seconds(), 1) if latest else None,
        }
