"""GPS trails made up along real road paths: a driver at a steady speed, a fix every few seconds, GPS noise."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.trail_match import Fix

M_PER_DEG_LAT = 111_195.0


def length_m(path: Sequence[LatLng]) -> float:
    """The length of a polyline along its segments."""
    return sum(haversine_m(a, b) for a, b in itertools.pairwise(path))


def points_along(path: Sequence[LatLng], step_m: float) -> list[LatLng]:
    """Points every ``step_m`` metres along the polyline, from its start (its end included)."""
    out, need = [path[0]], step_m
    for a, b in itertools.pairwise(path):
        seg, pos = haversine_m(a, b), 0.0
        while seg - pos >= need:
            pos += need
            t = pos / seg
            out.append(LatLng(a.lat + (b.lat - a.lat) * t, a.lng + (b.lng - a.lng) * t))
            need = step_m
        need -= seg - pos
    if out[-1] != path[-1]:
        out.append(path[-1])
    return out


def drive(
    path: Sequence[LatLng],
    *,
    start: int = 1_750_000_000,
    every_s: int = 5,
    speed_mps: float = 10.0,
    noise_m: float = 4.0,
    accuracy_m: float | None = 8.0,
    seed: int = 1,
) -> list[Fix]:
    """Fixes of a driver following ``path`` at ``speed_mps``, one every ``every_s`` seconds, with Gaussian noise
    of ``noise_m`` metres per axis."""
    rng = np.random.default_rng(seed)
    out = []
    for k, p in enumerate(points_along(path, speed_mps * every_s)):
        dlat = float(rng.normal(0, noise_m)) / M_PER_DEG_LAT
        dlng = float(rng.normal(0, noise_m)) / (M_PER_DEG_LAT * math.cos(math.radians(p.lat)))
        out.append(Fix(LatLng(p.lat + dlat, p.lng + dlng), start + k * every_s, accuracy_m))
    return out
