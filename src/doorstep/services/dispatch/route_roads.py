"""The roads a planned route follows, for the dashboard's maps: drawn by the deployment's road network.

The plan and live pages first draw straight lines from stop to stop, then ask for each route's road path and
redraw it along the roads. The path goes through every stop in order (depot, orders, reloads, back), for the
route's own vehicle profile and around the access zones its vehicle type may not enter, as the plan drove it.

A path needs the road network the deployment loaded (``DOORSTEP_NETWORK``); the straight-line model has no roads
to draw (E2141, which the pages read as "keep the straight lines"). Paths are remembered in this process
(``PATHS``) by the network, profile, zones and stops, so a page asking again, or another dispatcher, costs nothing
until the route changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.lru import Lru
from doorstep.domain.zones import barred_zones
from doorstep.formats.doorstep_json import problem_from_dict
from doorstep.routing.road_matrix import DEFAULT_SNAP_RADIUS_M
from doorstep.routing.route_geometry import Leg, inner_legs
from doorstep.services.dispatch.routes import get_route
from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import RouteRow
from doorstep.store.uow import UnitOfWork

Key = tuple[int, SpeedProfile, frozenset[str], tuple[LatLng, ...]]


class PathCache:
    """The last ``size`` road paths drawn, by (network, profile, zones avoided, stops). A path is kept as its JSON
    text (about 20 bytes a point, against some 120 as Python lists): a city route of 50 stops has a few thousand
    points, so 512 paths stay within some 25 MB."""

    def __init__(self, size: int = 512) -> None:
        self._paths: Lru[Key, bytes | None] = Lru(size)

    @property
    def hits(self) -> int:
        return self._paths.hits

    def get(self, key: Key) -> tuple[bool, dict[str, Any] | None]:
        """Whether the key is known, and its path (None: the network joins not every stop)."""
        known, text = self._paths.get(key)
        return known, None if text is None else json.loads(text)

    def put(self, key: Key, value: dict[str, Any] | None) -> None:
        self._paths.put(key, None if value is None else json.dumps(value, separators=(",", ":")).encode())


PATHS = PathCache()


def _roads(p: Platform) -> object:
    """The deployment's travel model, asked as a whole for legs (E2141 when it has no roads)."""
    if p.travel.draws_roads:
        return p.travel.network
    msg = "road paths need the deployment's road network, and DOORSTEP_NETWORK is not set"
    raise DoorstepError([Issue("E2141", msg, ())])


_VEHICLES: Lru[tuple[str, str], tuple[SpeedProfile, frozenset[str]]] = Lru(1024)


def _vehicle(uow: UnitOfWork, row: RouteRow) -> tuple[SpeedProfile, frozenset[str]]:
    """The route's vehicle profile and the zones its type may not enter, as its plan was made (remembered by plan
    and vehicle: a 2,000-order plan's document is megabytes, and its page asks once per route)."""
    key = (row.plan_id, row.vehicle_id)
    known, found = _VEHICLES.get(key)
    if known and found is not None:
        return found
    found = _vehicle_in_plan(uow, row)
    _VEHICLES.put(key, found)
    return found


def _vehicle_in_plan(uow: UnitOfWork, row: RouteRow) -> tuple[SpeedProfile, frozenset[str]]:
    """Read from the plan's problem (the car profile and no zones when the plan no longer names the vehicle)."""
    plan = uow.plans.require(row.plan_id)
    raw = dict((plan.result or {}).get("problem") or {})
    vehicles = [v for v in raw.get("vehicles", ()) if v.get("id") == row.vehicle_id]
    if len(vehicles) != 1:
        return SpeedProfile.CAR, frozenset()
    own = vehicles[0].get("driver_id")
    drivers = [d for d in raw.get("drivers", ()) if own and d.get("id") == own]
    reduced = {**raw, "orders": [], "vehicles": vehicles, "drivers": drivers, "matrices": None}
    problem = problem_from_dict(reduced, trusted=True)
    vehicle = problem.vehicles[0]
    return vehicle.type.profile, barred_zones(problem.zones, vehicle.type.id)


def _stops(row: RouteRow) -> tuple[LatLng, ...]:
    """The route's stop places in order, a place repeated at once (a break, orders at one door) kept once."""
    out: list[LatLng] = []
    for s in row.data.get("stops", ()):
        q = LatLng(float(s["location"]["lat"]), float(s["location"]["lng"]))
        if not out or out[-1] != q:
            out.append(q)
    return tuple(out)


def _joined(legs: Sequence[Leg], stops: tuple[LatLng, ...]) -> bool:
    """Whether every leg starts and ends at its stops' roads: within the snap radius the plan's matrices allow
    (a road engine snaps a place far off its extract to whatever road is nearest, kilometres away)."""
    if len(legs) != len(stops) - 1:
        return False
    for leg, (a, b) in zip(legs, pairwise(stops), strict=True):
        if leg.path and max(haversine_m(leg.path[0], a), haversine_m(leg.path[-1], b)) > DEFAULT_SNAP_RADIUS_M:
            return False
    return True


def _view(legs: Sequence[Leg], stops: tuple[LatLng, ...]) -> dict[str, Any]:
    lines = [[[round(q.lat, 6), round(q.lng, 6)] for q in leg.path] for leg in legs]
    return {
        "legs": lines,
        "distance_m": sum(leg.distance_m for leg in legs),
        "duration_s": sum(leg.duration_s for leg in legs),
        "stops": len(stops),
    }


def route_path_view(p: Platform, actor: Actor, route_id: str) -> dict[str, Any]:
    """The route's road path: one line of [lat, lng] per leg between consecutive stop places, the road distance
    and free-flow duration, and the attribution to show with it. Drivers may ask for their own routes only, as
    for the route itself. E2141 without a road network; E2142 when the network joins not every stop."""
    row = get_route(p, actor, route_id)
    roads = _roads(p)
    with p.uow(actor) as uow:
        profile, avoid = _vehicle(uow, row)
    stops = _stops(row)
    key: Key = (id(roads), profile, avoid, stops)
    found, view = PATHS.get(key)
    if not found:
        legs = inner_legs(roads, stops, profile, avoid) if len(stops) > 1 else []
        view = None if legs is None or not _joined(legs, stops) else _view(legs, stops)
        PATHS.put(key, view)
    if view is None:
        msg = f"the road network joins not every stop of route {route_id} for its {profile.value} profile"
        raise DoorstepError([Issue("E2142", msg, (), route_id)])
    out = {"route_id": row.id, "version": row.version, "profile": profile.value, **view}
    out["avoided_zones"] = sorted(avoid)
    out["attribution"] = str(getattr(roads, "attribution", ""))
    return out
