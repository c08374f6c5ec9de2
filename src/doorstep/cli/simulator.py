"""Virtual drivers for a published day, driven through the real HTTP API: the dispatcher's API key gives each
route a driver and a one-time code; each driver logs in to the driver API and reports positions, arrivals,
completions and failures as ``live.simulation.simulate_route`` draws them, faster than real time.

Time stamps: the driver API refuses positions from the future, so by default (``shifted``) the simulated day is
moved to end when the simulation starts (every stamp lies in the past, spacing and speeds as simulated); with
``plan`` the plan's own times are sent (for replaying a day that is over, or ``--speed 1`` on the day itself).
"""

from __future__ import annotations

import heapq
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Route
from doorstep.live.simulation import Path, SimConfig, SimEvent, SimKind, route_from_api, simulate_route
from doorstep.routing.osrm_local import OsrmLocalProvider

STATUS = {SimKind.ARRIVE: "arrived", SimKind.COMPLETE: "completed", SimKind.FAIL: "failed"}


@dataclass
class Driver:
    """One virtual driver: their route, app session and the stop ids of their orders."""

    route_id: str
    headers: dict[str, str]
    stop_ids: dict[str, str]  # order id -> stop id
    scans: dict[str, list[str]] = field(default_factory=dict)  # order id -> item barcodes, scanned on completion


@dataclass
class Tally:
    """What the simulation sent and how the API answered."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, resp: httpx.Response) -> None:
        """Count one request by outcome (the error code when refused)."""
        if resp.status_code < 300:
            self.counts[what] += 1
        else:
            body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
            self.errors[f"{what} {body.get('error', {}).get('code', resp.status_code)}"] += 1


class DaySimulator:
    """Drives every live route of the published plans of ``day`` through the API at ``base``."""

    def __init__(
        self, base: str, api_key: str, day: date, config: SimConfig, speed: float = 60.0, path: Path | None = None
    ) -> None:
        self.http = httpx.Client(base_url=base, timeout=30.0)
        self.admin = {"Authorization": f"Bearer {api_key}"}
        self.day, self.config, self.speed, self.path = day, config, speed, path
        self.tally = Tally()

    def _get(self, path: str, **params: Any) -> Any:
        resp = self.http.get(path, params=params, headers=self.admin)
        resp.raise_for_status()
        return resp.json()

    def _post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        resp = self.http.post(path, json=body, headers=headers or self.admin)
        resp.raise_for_status()
        return resp.json()

    def routes(self) -> list[dict[str, Any]]:
        """The live routes of the day's published plans."""
        plans = [p for p in self._get("/v1/plans", date=self.day.isoformat()) if p["status"] == "published"]
        out: list[dict[str, Any]] = []
        for p in plans:
            out += [
                r for r in self._get(f"/v1/plans/{p['id']}")["routes"] if r["status"] in ("published", "dispatched")
            ]
        return out

    def driver_for(self, route: dict[str, Any]) -> Driver:
        """Give the route a (virtual) driver when it has none and dispatch it as the van leaves (its customers get
        their out-for-delivery message with the tracking link), then log that driver in to the driver API."""
        driver_id = route["driver_id"]
        if driver_id is None:
            name = f"Sim {route['data'].get('vehicle_name') or route['vehicle_id']}"
            driver_id = self._post("/v1/drivers", {"name": name})["id"]
            self._post(f"/v1/routes/{route['id']}/assign", {"driver_id": driver_id, "version": route["version"]})
        if route["status"] == "published":
            version = self._get(f"/v1/routes/{route['id']}")["version"]
            self._post(f"/v1/routes/{route['id']}/dispatch", {"version": version})
        code = self._post(f"/v1/drivers/{driver_id}/login-codes", {})["code"]
        token = self._post("/v1/driver/session", {"code": code}, headers={})["token"]
        headers = {"Authorization": f"Bearer {token}"}
        mine = self.http.get("/v1/driver/routes", headers=headers).json()["routes"]
        stops: list[dict[str, Any]] = next((r["stops"] for r in mine if r["id"] == route["id"]), [])
        ids = {s["order_id"]: s["id"] for s in stops if s.get("order_id")}
        scans = {
            s["order_id"]: [i["barcode"] for i in s.get("items", []) if i.get("barcode")]
            for s in stops
            if s.get("order_id")
        }
        return Driver(route["id"], headers, ids, scans)

    def _send(self, d: Driver, ev: SimEvent, at: datetime) -> None:
        if ev.kind is SimKind.POSITION:
            fix = {"client_id": f"sim-{uuid.uuid4().hex}", "at": at.isoformat(), "lat": ev.location.lat,
                   "lng": ev.location.lng, "accuracy_m": 10}  # fmt: skip
            batch = {"route_id": d.route_id, "positions": [fix]}
            self.tally.add("position", self.http.post("/v1/driver/positions", json=batch, headers=d.headers))
            return
        stop_id = d.stop_ids.get(ev.order_id or "")
        if stop_id is None:
            self.tally.errors["stop not in the driver's route"] += 1
            return
        body: dict[str, Any] = {"client_id": f"sim-{uuid.uuid4().hex}", "status": STATUS[ev.kind], "at": at.isoformat(),
                "position": {"lat": ev.location.lat, "lng": ev.location.lng, "accuracy_m": 10},
                "reason": ev.reason.value if ev.reason else None}  # fmt: skip
        if ev.kind is SimKind.COMPLETE and d.scans.get(ev.order_id or ""):  # the parcels' labels (or a return's)
            body["proof"] = {"barcodes": d.scans[ev.order_id or ""]}
        resp = self.http.post(f"/v1/driver/stops/{stop_id}/events", json=body, headers=d.headers)
        self.tally.add(STATUS[ev.kind], resp)

    def run(self, clock: str = "shifted", stop: Callable[[], bool] = lambda: False) -> Tally:
        """Drive every route to its end (or until ``stop()``), sleeping so the day runs ``speed`` times faster."""
        routes = self.routes()
        drivers = {r["id"]: self.driver_for(r) for r in routes}
        streams = [self._tagged(r["id"], route_from_api(r["data"], r["id"])) for r in routes]
        merged = list(heapq.merge(*streams, key=lambda x: x[0].at))
        if not merged:
            return self.tally
        first, last = merged[0][0].at, merged[-1][0].at
        real0 = time.monotonic()
        shift = (datetime.now(first.tzinfo) - last) if clock == "shifted" else timedelta(0)
        for ev, route_id in merged:
            if stop():
                break
            wait = (ev.at - first).total_seconds() / self.speed - (time.monotonic() - real0)
            if wait > 0:
                time.sleep(wait)
            self._send(drivers[route_id], ev, ev.at + shift)
        return self.tally

    def _tagged(self, route_id: str, route: Route) -> Iterator[tuple[SimEvent, str]]:
        for ev in simulate_route(route, self.config, self.path):
            yield ev, route_id


def road_paths(provider: OsrmLocalProvider, profile: SpeedProfile = SpeedProfile.VAN) -> Path:
    """Positions along the road network's path for each leg (the straight line where it knows no road)."""
    cache: dict[tuple[LatLng, LatLng], tuple[LatLng, ...]] = {}

    def path(a: LatLng, b: LatLng) -> tuple[LatLng, ...]:
        if (a, b) not in cache:
            legs = provider.route_legs([a, b], profile)
            cache[(a, b)] = legs[0].path if legs and legs[0].path else (a, b)
        return cache[(a, b)]

    return path
