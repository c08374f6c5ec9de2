"""Days of history through the real API: for each day of a range, the simulated city's customers order (volumes
from ``demand``), the day is planned and published, virtual drivers drive it in the hidden world (``world``) and
report every position, arrival, completion and failure through the driver API with the day's own time stamps,
and, when asked, the organization re-learns overnight (``POST /v1/analytics/learned/run``).

The client is any authenticated ``httpx.Client`` on a Doorstep server (an API key with read and write, or a logged
in dispatcher). Days in the past are fine: the driver API takes stamps from the past, and ETAs are computed as of
each report's time.
"""

from __future__ import annotations

import heapq
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from doorstep.demo.history.demand import DemandModel, volumes
from doorstep.demo.history.drive import drive_route
from doorstep.demo.history.world import DEPOT, DISTRICTS, TIMEZONE, World
from doorstep.live.simulation import SimEvent, SimKind, route_from_api

DEFAULT_DEMAND = DemandModel(zones={"Baixa": 36, "Boavista": 28, "Foz": 20, "Paranhos": 28}, trend_per_week=0.0)


def demand_of(orders_per_day: float) -> DemandModel:
    """The default demand scaled to about ``orders_per_day`` orders on an average weekday."""
    scale = orders_per_day / sum(DEFAULT_DEMAND.zones.values())
    return replace(DEFAULT_DEMAND, zones={z: m * scale for z, m in DEFAULT_DEMAND.zones.items()})
WINDOWS = (("09:00", "11:00"), ("11:00", "13:00"), ("14:00", "16:00"), ("16:00", "18:00"))
STATUS = {SimKind.ARRIVE: "arrived", SimKind.COMPLETE: "completed", SimKind.FAIL: "failed"}


@dataclass(frozen=True, slots=True)
class HistoryConfig:
    """What the simulated history looks like."""

    start: date
    days: int
    seed: int = 1
    vans: int = 5
    van_parcels: int = 80
    service_s: int = 180  # what the shop tells Doorstep every delivery takes
    window_share: float = 0.3  # orders with a two-hour window chosen at checkout
    position_every_s: int = 300
    plan_time_limit_s: float = 3.0
    learn: bool = False  # re-learn after each day
    demand: DemandModel = DEFAULT_DEMAND


@dataclass
class DayReport:
    """What one simulated day did."""

    day: date
    orders: int
    routes: int
    sent: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)


def api_client(url: str, api_key: str) -> httpx.Client:
    """A client of the Doorstep API at ``url`` with a dispatcher's API key (read and write)."""
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=120)


def _ok(resp: httpx.Response) -> Any:
    if resp.status_code >= 300:
        raise RuntimeError(f"{resp.request.method} {resp.request.url.path}: {resp.status_code} {resp.text[:300]}")
    return resp.json() if resp.content else None


class History:
    """Drives ``config.days`` days of the world through the API of ``api`` (an authenticated client)."""

    def __init__(self, api: httpx.Client, world: World, config: HistoryConfig) -> None:
        self.api, self.world, self.config = api, world, config
        self.depot_id = ""
        self.vehicles: list[str] = []
        self.drivers: list[str] = []
        self.volumes = volumes(config.demand, config.start, config.days, config.seed)

    def setup(self) -> None:
        """The depot, the vans and one driver per van (the same every day, so drivers can be learned)."""
        hub = {"name": "Porto hub", "lat": DEPOT.lat, "lng": DEPOT.lng, "timezone": TIMEZONE}
        self.depot_id = _ok(self.api.post("/v1/depots", json=hub))["id"]
        vt = {"name": "Van", "capacity": {"parcels": self.config.van_parcels}, "cost_per_km_cents": 30,
              "cost_per_hour_cents": 2000, "fixed_cost_cents": 5000}  # fmt: skip
        type_id = _ok(self.api.post("/v1/vehicle-types", json=vt))["id"]
        for k in range(self.config.vans):
            van = {"name": f"Van {k + 1}", "type_id": type_id, "depot_id": self.depot_id}
            self.vehicles.append(_ok(self.api.post("/v1/vehicles", json=van))["id"])
            self.drivers.append(_ok(self.api.post("/v1/drivers", json={"name": f"Driver {k + 1}"}))["id"])

    def run(self, on_day: Callable[[DayReport], None] | None = None) -> list[DayReport]:
        """Every day of the range in order (days without orders, Sundays, are skipped)."""
        if not self.depot_id:
            self.setup()
        out = []
        for offset in range(self.config.days):
            day = self.config.start + timedelta(days=offset)
            if sum(self.volumes[day].values()) == 0:
                continue
            report = self.day(day)
            out.append(report)
            if on_day is not None:
                on_day(report)
        return out

    def day(self, day: date) -> DayReport:
        """Order, plan, publish, drive and (when configured) re-learn one day."""
        rng = random.Random(f"{self.config.seed}:{day.isoformat()}")
        orders = self._orders(rng, day)
        for van, driver in zip(self.vehicles, self.drivers, strict=True):
            shift = {"vehicle_id": van, "driver_id": driver, "day": day.isoformat(),
                     "start": self._local(day, "08:00"), "end": self._local(day, "18:00")}  # fmt: skip
            _ok(self.api.post("/v1/shifts", json=shift))
        for k in range(0, len(orders), 1000):
            _ok(self.api.post("/v1/orders/bulk", json={"orders": orders[k : k + 1000]}))
        plan = self._plan(day)
        routes = [r for r in plan["routes"] if r["data"]["stops"]]
        report = DayReport(day, len(orders), len(routes))
        self._drive(rng, routes, report)
        if self.config.learn:
            self._learn()
        return report

    def _local(self, day: date, hhmm: str) -> str:
        h, m = (int(x) for x in hhmm.split(":"))
        return datetime(day.year, day.month, day.day, h, m, tzinfo=ZoneInfo(TIMEZONE)).isoformat()

    def _orders(self, rng: random.Random, day: date) -> list[dict[str, Any]]:
        out = []
        for d in DISTRICTS:
            for c in self.world.pick(rng, d.name, self.volumes[day].get(d.name, 0)):
                order: dict[str, Any] = {
                    "external_ref": f"{day.isoformat()}-{c.ref}", "depot_id": self.depot_id, "date": day.isoformat(),
                    "location": {"lat": c.location.lat, "lng": c.location.lng}, "address": f"{c.ref}, {d.name}",
                    "service_s": self.config.service_s, "size": {"parcels": rng.randint(1, 3)},
                }  # fmt: skip
                if rng.random() < self.config.window_share:
                    start, end = rng.choice(WINDOWS)
                    order["time_windows"] = [{"start": start, "end": end}]
                out.append(order)
        return out

    def _plan(self, day: date) -> dict[str, Any]:
        opts = {"time_limit_s": self.config.plan_time_limit_s, "seed": self.config.seed}
        plan_id = _ok(self.api.post("/v1/plans", json={"depot_id": self.depot_id, "date": day.isoformat(),
                                                        "options": opts}))["id"]  # fmt: skip
        for _ in range(6000):
            plan: dict[str, Any] = _ok(self.api.get(f"/v1/plans/{plan_id}"))
            if plan["status"] == "succeeded":
                break
            if plan["status"] == "failed":
                raise RuntimeError(f"plan of {day} failed: {plan.get('error')}")
            time.sleep(0.1)
        _ok(self.api.post(f"/v1/plans/{plan_id}/publish"))
        return dict(_ok(self.api.get(f"/v1/plans/{plan_id}")))

    def _drive(self, rng: random.Random, routes: list[dict[str, Any]], report: DayReport) -> None:
        streams: list[Iterator[tuple[SimEvent, str]]] = []
        phones: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
        for r in routes:
            driver = self.drivers[self.vehicles.index(r["vehicle_id"])]
            if r["driver_id"] != driver:
                version = _ok(self.api.get(f"/v1/routes/{r['id']}"))["version"]
                _ok(self.api.post(f"/v1/routes/{r['id']}/assign", json={"driver_id": driver, "version": version}))
            version = _ok(self.api.get(f"/v1/routes/{r['id']}"))["version"]
            _ok(self.api.post(f"/v1/routes/{r['id']}/dispatch", json={"version": version}))
            code = _ok(self.api.post(f"/v1/drivers/{driver}/login-codes", json={}))["code"]
            token = _ok(self.api.post("/v1/driver/session", json={"code": code}))["token"]
            headers = {"Authorization": f"Bearer {token}"}
            mine = _ok(self.api.get("/v1/driver/routes", headers=headers))["routes"]
            stops: list[dict[str, Any]] = next((x["stops"] for x in mine if x["id"] == r["id"]), [])
            phones[r["id"]] = headers, {s["order_id"]: s["id"] for s in stops if s.get("order_id")}
            route = route_from_api(r["data"], r["id"])
            number = self.vehicles.index(r["vehicle_id"])
            streams.append(_tagged(r["id"], drive_route(self.world, route, number, rng, self.config.position_every_s)))
        for ev, route_id in heapq.merge(*streams, key=lambda x: x[0].at):
            self._send(phones[route_id], route_id, ev, report)

    def _send(self, phone: tuple[dict[str, str], dict[str, str]], route_id: str, ev: SimEvent, rep: DayReport) -> None:
        headers, stop_ids = phone
        if ev.kind is SimKind.POSITION:
            fix = {"client_id": f"h-{uuid.uuid4().hex}", "at": ev.at.isoformat(), "lat": ev.location.lat,
                   "lng": ev.location.lng, "accuracy_m": 10}  # fmt: skip
            resp = self.api.post("/v1/driver/positions", json={"route_id": route_id, "positions": [fix]},
                                 headers=headers)  # fmt: skip
            what = "position"
        else:
            body = {"client_id": f"h-{uuid.uuid4().hex}", "status": STATUS[ev.kind], "at": ev.at.isoformat(),
                    "position": {"lat": ev.location.lat, "lng": ev.location.lng, "accuracy_m": 10},
                    "reason": ev.reason.value if ev.reason else None}  # fmt: skip
            resp = self.api.post(f"/v1/driver/stops/{stop_ids[ev.order_id or '']}/events", json=body, headers=headers)
            what = STATUS[ev.kind]
        if resp.status_code < 300:
            rep.sent[what] += 1
        else:
            rep.refused[f"{what} {resp.status_code} {resp.text[:120]}"] += 1

    def _learn(self) -> None:
        before = _ok(self.api.get("/v1/analytics/learned"))["learned_at"]
        _ok(self.api.post("/v1/analytics/learned/run"))
        for _ in range(600):
            if _ok(self.api.get("/v1/analytics/learned"))["learned_at"] != before:
                return
            time.sleep(0.1)
        raise RuntimeError("the learning job did not finish within a minute")


def _tagged(route_id: str, events: Iterator[SimEvent]) -> Iterator[tuple[SimEvent, str]]:
    for ev in events:
        yield ev, route_id
