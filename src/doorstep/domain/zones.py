"""Access zones: low-emission or restricted-access areas where only some vehicle types may serve stops, and only
in some hours (a pedestrian centre open to deliveries 06:00-11:00).

A zone's area is a GeoJSON Polygon or MultiPolygon kept as rings of ``LatLng`` (the first ring of each polygon is
its outline, the others are holes). Containment is tested on the plane of longitude and latitude, which is exact
enough at the scale of a city (a zone's edges are short). Only the stop's own position counts: driving *through*
a zone is not modelled (travel matrices do not know which streets a trip uses).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.geo import LatLng, inside

Ring = tuple[LatLng, ...]
Polygon = tuple[Ring, ...]  # outline first, then holes


def in_polygon(p: LatLng, polygon: Polygon) -> bool:
    """Inside the outline and outside every hole."""
    if not polygon or not inside(p, polygon[0]):
        return False
    return not any(inside(p, hole) for hole in polygon[1:])


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessZone:
    """Where only ``vehicle_type_ids`` may serve stops, within ``hours`` (local wall times in ``timezone``; none:
    at any time). ``timezone`` empty: the problem's first depot's."""

    id: str
    name: str
    polygons: tuple[Polygon, ...]
    vehicle_type_ids: frozenset[str]
    hours: tuple[tuple[time, time | None], ...] = ()  # (opens, closes); closes None: midnight at the end of the day
    timezone: str = ""

    def contains(self, p: LatLng) -> bool:
        """Whether the position lies inside the zone."""
        return any(in_polygon(p, poly) for poly in self.polygons)

    def open_intervals(self, first: date, last: date, tz: str) -> list[tuple[datetime, datetime]]:
        """The zone's hours as aware intervals on every local day from ``first`` to ``last``."""
        zone = ZoneInfo(self.timezone or tz)
        out = []
        day = first
        while day <= last:
            for opens, closes in self.hours:
                next_day = datetime.combine(day + timedelta(days=1), time(), zone)
                end = datetime.combine(day, closes, zone) if closes else next_day
                out.append((datetime.combine(day, opens, zone), end))
            day += timedelta(days=1)
        return out

    def open_at(self, when: datetime, tz: str) -> bool:
        """Whether ``when`` falls inside the zone's hours (always, without hours)."""
        if not self.hours:
            return True
        local = when.astimezone(ZoneInfo(self.timezone or tz)).date()
        spans = self.open_intervals(local - timedelta(days=1), local, tz)
        return any(a <= when <= b for a, b in spans)

    def hours_text(self) -> str:
        """The hours as ``06:00-11:00, 14:00-16:00`` (``any time`` without hours)."""
        if not self.hours:
            return "any time"
        return ", ".join(f"{a:%H:%M}-{b:%H:%M}" if b else f"{a:%H:%M}-24:00" for a, b in self.hours)


def zones_at(zones: tuple[AccessZone, ...], p: LatLng) -> list[AccessZone]:
    """The zones containing a position."""
    return [z for z in zones if z.contains(p)]


def geometry_sha256(z: AccessZone) -> str:
    """A digest of the zone's area alone (rings as ``[lng, lat]`` at 7 decimals, about 1 cm), so a road network
    built with the zone can tell whether the polygon has changed since (its id, name or hours do not count)."""
    rings = [[[[round(p.lng, 7), round(p.lat, 7)] for p in ring] for ring in poly] for poly in z.polygons]
    text = json.dumps(rings, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def barred_zones(zones: tuple[AccessZone, ...], vehicle_type_id: str) -> frozenset[str]:
    """Ids of the zones a vehicle type may not enter at all: it must not serve stops there nor drive through."""
    return frozenset(z.id for z in zones if vehicle_type_id not in z.vehicle_type_ids)
