"""Locations and real travel matrices of a problem: one location per place, a virtual one for open ends.

Matrices are keyed by travel key (optimize/travel_keys.py): the speed profile, plus the access zones the vehicles
of that key may not drive through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.problem import Problem
from doorstep.domain.zones import AccessZone
from doorstep.optimize.breaks import BreakClasses, break_classes, spot_sources
from doorstep.optimize.model import IntMatrix
from doorstep.optimize.travel_keys import travel_kinds
from doorstep.routing.provider import Matrix, TravelTimeProvider, ask_matrix, layers


@dataclass(slots=True)
class Geometry:
    """Location indices of every place in the problem and the real matrices between them."""

    t0: datetime
    points: list[LatLng | None]
    depot_loc: dict[str, int]
    end_loc: int | None  # virtual end of open routes (free to reach, never left); None when no route is open
    order_locs: list[list[int]]  # per order: [own location, alternative 1, ...]
    pickup_loc: dict[int, int]  # paired order index -> its pickup location
    breaks: BreakClasses  # vehicles' breaks grouped by specification (optimize/breaks.py)
    break_spots: dict[int, list[int]] = field(default_factory=dict)  # break class -> its break places
    durations: dict[str, IntMatrix] = field(default_factory=dict)  # travel key -> per-location matrix
    distances: dict[str, IntMatrix] = field(default_factory=dict)
    warnings: list[object] = field(default_factory=list)


def plan_origin(problem: Problem) -> datetime:
    """The plan's time zero: the earliest shift start, window start or release time (whole minute)."""
    times = [v.shift_start for v in problem.vehicles]
    for o in problem.orders:
        times.extend(w.start for w in o.time_windows)
        for p in o.alternatives:
            times.extend(w.start for w in p.time_windows)
        if o.pickup is not None:
            times.extend(w.start for w in o.pickup.time_windows)
        if o.release_at is not None:
            times.append(o.release_at)
    t0 = min(times)
    return t0 - timedelta(seconds=t0.second, microseconds=t0.microsecond)


def _locations(problem: Problem) -> Geometry:
    points: list[LatLng | None] = []

    def add(p: LatLng | None) -> int:
        points.append(p)
        return len(points) - 1

    depot_loc = {d.id: add(d.location) for d in problem.depots}
    end_loc = add(None) if any(v.open_end for v in problem.vehicles) else None
    order_locs: list[list[int]] = []
    pickup_loc: dict[int, int] = {}
    for i, o in enumerate(problem.orders):
        order_locs.append([add(o.location), *(add(p.location) for p in o.alternatives)])
        if o.pickup is not None:
            pickup_loc[i] = add(o.pickup.location)
    classes = break_classes(problem)
    spots = {k: [add(problem.orders[oi].location) for oi in src] for k, src in spot_sources(problem, classes).items()}
    return Geometry(plan_origin(problem), points, depot_loc, end_loc, order_locs, pickup_loc, classes, spots)


def _expand(m: Matrix, index: np.ndarray, real: np.ndarray, n: int) -> tuple[IntMatrix, IntMatrix]:
    """Spread a matrix over unique points to all locations; virtual locations get zero travel."""
    dur = np.zeros((n, n), dtype=np.int64)
    dist = np.zeros((n, n), dtype=np.int64)
    sub = np.ix_(real, real)
    dur[sub] = m.durations[np.ix_(index, index)]
    dist[sub] = m.distances[np.ix_(index, index)]
    return dur, dist


def build_geometry(problem: Problem, provider: TravelTimeProvider) -> Geometry:
    """Locations for every place, and one real matrix pair per travel key the fleet uses (speed profile and the
    access zones to drive around)."""
    geo = _locations(problem)
    real = np.array([i for i, p in enumerate(geo.points) if p is not None], dtype=np.int64)
    unique: dict[LatLng, int] = {}
    index = np.array([unique.setdefault(p, len(unique)) for p in geo.points if p is not None], dtype=np.int64)
    pts = list(unique)
    kinds = travel_kinds(problem)
    for key, (prof, avoid) in kinds.items():
        m = ask_matrix(provider, pts, prof, geo.t0, avoid)
        geo.warnings.extend(w for w in m.warnings if w not in geo.warnings)
        geo.durations[key], geo.distances[key] = _expand(m, index, real, len(geo.points))
    avoided = set().union(*(avoid for _, avoid in kinds.values()))
    geo.warnings.extend(zone_warnings(provider, [z for z in problem.zones if z.id in avoided]))
    return geo


def zone_warnings(provider: object, zones: list[AccessZone]) -> list[Issue]:
    """W3006 from a provider layer that knows which zones its roads were built with (a changed polygon)."""
    for layer in layers(provider):
        check = getattr(layer, "check_zones", None)
        if callable(check):
            return list(check(zones))
    return []
