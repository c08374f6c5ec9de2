"""A small fixed delivery day for the KPI tests, made through the real API: two vans (a diesel one with a GPS
trail, an electric one without), six orders promised 09:00-12:00 (Lisbon, +01:00), each driver working three
stops at set times; customer messages added as the notifier would store them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.ids import new_id
from doorstep.services.customer import feedback
from doorstep.services.customer.feedback import FeedbackIn
from doorstep.services.customer.tracking_links import Opened
from doorstep.store.models import MessageRow
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.driver_day import login
from tests.api.test_plans import add_orders, plan_now

DAY = "2025-06-17"  # a Tuesday
COSTS = {"fixed_cost_cents": 1500, "cost_per_km_cents": 40, "cost_per_hour_cents": 2400}
STEP_M = 1000.0  # the trail moves this far north between fixes
TRAIL = ("09:00", "10:00", "12:40")  # fix times of the diesel van's trail


def at(hhmm: str) -> str:
    """A local time of the day as ISO-8601 with Lisbon's summer offset."""
    return f"{DAY}T{hhmm}:00+01:00"


@dataclass
class KpiDay:
    """The tenant, its plan, and per van (0: diesel with a trail, 1: electric without) route, driver, stops."""

    t: Tenant
    plan: dict[str, Any]
    routes: list[dict[str, Any]] = field(default_factory=list)
    drivers: list[str] = field(default_factory=list)
    stops: list[list[dict[str, Any]]] = field(default_factory=list)
    capacity: int = 3


def _fleet(c: TestClient, t: Tenant, capacity: int) -> list[str]:
    """A diesel and an electric van type with the same costs, a van of each, shifts 08:00-18:00."""
    c.delete(f"/v1/shifts/{t.ids['shift']}", headers=t.h())
    vans = []
    for name, fuel in (("Diesel", "diesel"), ("Electric", "electric")):
        vt = {"name": name, "capacity": {"parcels": capacity}, "fuel": fuel, **COSTS}
        r = c.post("/v1/vehicle-types", json=vt, headers=t.h())
        assert r.status_code == 201, r.text
        van = {"name": f"Van {name}", "type_id": r.json()["id"], "depot_id": t.ids["depot"]}
        vid = c.post("/v1/vehicles", json=van, headers=t.h()).json()["id"]
        shift = {"vehicle_id": vid, "day": DAY, "start": at("08:00"), "end": at("18:00")}
        assert c.post("/v1/shifts", json=shift, headers=t.h()).status_code == 201
        vans.append(vid)
    return vans


def make_kpi_day(c: TestClient, capacity: int = 3) -> KpiDay:
    """Plan and publish six orders on the two vans, with a logged-in driver on each route (no actions yet)."""
    t = make_tenant(c)
    vans = _fleet(c, t, capacity)
    add_orders(c, t, 6)
    plan = plan_now(c, t)
    assert plan["status"] == "succeeded" and len(plan["routes"]) == 2, plan
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    day = KpiDay(t, plan, capacity=capacity)
    for vid in vans:
        route = next(r for r in plan["routes"] if r["vehicle_id"] == vid)
        drv = c.post("/v1/drivers", json={"name": f"Driver of {vid[-4:]}"}, headers=t.h()).json()["id"]
        r = c.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}, headers=t.h())
        assert r.status_code == 200, r.text
        day.routes.append(route)
        day.drivers.append(drv)
        day.stops.append(_stops(c, t, drv, route["id"]))
    return day


def _stops(c: TestClient, t: Tenant, driver_id: str, route_id: str) -> list[dict[str, Any]]:
    token = login(c, t, driver_id)
    body = c.get("/v1/driver/routes", headers=token).json()
    route = next(r for r in body["routes"] if r["id"] == route_id)
    return [{**s, "token": token} for s in route["stops"] if s["order_id"]]


def act(c: TestClient, stop: dict[str, Any], status: str, hhmm: str, **kw: Any) -> dict[str, Any]:
    """One driver action on a stop at a set local time."""
    body = {"client_id": uuid.uuid4().hex, "status": status, "at": at(hhmm), **kw}
    r = c.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=stop["token"])
    assert r.status_code in (200, 201), r.text
    out: dict[str, Any] = r.json()
    return out


def trail(c: TestClient, day: KpiDay, k: int = 0) -> None:
    """The van's GPS trail: fixes at TRAIL times, each STEP_M metres north of the one before."""
    token = day.stops[k][0]["token"]
    start = datetime.fromisoformat(at("00:00"))
    fixes = []
    for n, hhmm in enumerate(TRAIL):
        h, m = (int(x) for x in hhmm.split(":"))
        fixes.append({"client_id": f"kpi-fix-{n:04d}", "at": (start + timedelta(hours=h, minutes=m)).isoformat(),
                      "lat": 38.70 + n * STEP_M / 111_195, "lng": -9.14, "accuracy_m": 5})  # fmt: skip
    p = platform_of(c)
    clock, p.clock = p.clock, lambda: datetime.fromisoformat(at("13:00"))  # positions are live data: sent that day
    try:
        r = c.post("/v1/driver/positions", json={"route_id": day.routes[k]["id"], "positions": fixes}, headers=token)
    finally:
        p.clock = clock
    assert r.status_code == 200 and r.json()["stored"] == len(TRAIL), r.text


def work_the_day(c: TestClient, day: KpiDay) -> None:
    """Van 0: delivered 09:30 (proof), failed 10:00 not_home, delivered 12:30 (late). Van 1: its last stop first
    (10:00, proof: out of the planned order), then delivered 10:15 (no proof) and failed 10:40 no_access."""
    a, b, cc = day.stops[0]
    act(c, a, "completed", "09:30", proof={"recipient": "Ana"})
    act(c, b, "failed", "10:00", reason="not_home")
    act(c, cc, "completed", "12:30")
    d, e, f = day.stops[1]
    act(c, f, "completed", "10:00", proof={"recipient": "Rui"})
    act(c, d, "completed", "10:15")
    act(c, e, "failed", "10:40", reason="no_access")
    trail(c, day, 0)


def add_messages(c: TestClient, day: KpiDay, statuses: list[str]) -> None:
    """Customer messages of the day's orders with the given statuses, as the notifier stores them."""
    p = platform_of(c)
    orders = [s["order_id"] for s in day.stops[0]]
    with p.uow(day.t.org_id) as uow:
        for k, status in enumerate(statuses):
            uow.session.add(MessageRow(
                id=new_id("msg"), org_id=day.t.org_id, order_id=orders[k % len(orders)], event_id=new_id("evt"),
                trigger="delivered", version=k + 1, channel="email", recipient="a@example.com", language="en",
                subject="", body_text="Delivered", body_html="", status=status, attempts=1,
            ))  # fmt: skip
        uow.commit()


def add_ratings(c: TestClient, day: KpiDay) -> None:
    """The customers' ratings through the feedback service: van 0's first delivery 5 then (a second submission
    replacing it) 4, its late delivery 2; van 1's first delivery 4; the fourth delivery unrated."""
    p = platform_of(c)
    (a, _, cc), (_, _, f) = day.stops[0], day.stops[1]
    until = datetime(2030, 1, 1, tzinfo=UTC)
    for stop, rating in ((a, 5), (a, 4), (cc, 2), (f, 4)):
        opened = Opened(day.t.org_id, stop["order_id"], "tok_test", until)
        feedback.submit(p, opened, FeedbackIn(rating=rating))
