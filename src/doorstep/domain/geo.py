"""Coordinates and great-circle geometry (pure stdlib)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class LatLng:
    """A WGS84 position. Never a bare tuple: OSRM/GeoJSON order (lng, lat) is converted at their boundary only."""

    lat: float
    lng: float

    def is_valid(self) -> bool:
        """Whether both parts are finite and inside the WGS84 ranges."""
        return (
            math.isfinite(self.lat)
            and math.isfinite(self.lng)
            and -90.0 <= self.lat <= 90.0
            and -180.0 <= self.lng <= 180.0
        )

    def to_lnglat(self) -> list[float]:
        """GeoJSON/OSRM order."""
        return [self.lng, self.lat]


def haversine_m(a: LatLng, b: LatLng) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lng - a.lng)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def inside(point: LatLng, ring: Sequence[LatLng]) -> bool:
    """Whether ``point`` lies inside the closed ring (ray casting, even-odd rule, on the lat/lng plane: fine at city
    scale, away from the poles and the antimeridian). One routine for slot zones, carrier areas and access zones."""
    hit = False
    n = len(ring)
    for i in range(n):
        a, b = ring[i], ring[(i + 1) % n]
        if (a.lat > point.lat) != (b.lat > point.lat):
            x = a.lng + (point.lat - a.lat) * (b.lng - a.lng) / (b.lat - a.lat)
            if point.lng < x:
                hit = not hit
    return hit
