"""Road geometry of route legs and map-matched GPS traces: what road providers offer beyond matrices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng


@dataclass(frozen=True, slots=True)
class Leg:
    """The road path from one stop to the next, with its own duration (s) and distance (m)."""

    duration_s: int
    distance_m: int
    path: tuple[LatLng, ...]


@dataclass(frozen=True, slots=True)
class MatchedTrace:
    """A GPS trace fitted to the roads: the snapped fixes (None where a fix was dropped) and the driven path."""

    snapped: tuple[LatLng | None, ...]
    path: tuple[LatLng, ...]
    distance_m: int
    duration_s: int
    confidence: float
    gaps: list[int] = field(default_factory=list)  # indices of fixes that could not be matched


@runtime_checkable
class RouteGeometryProvider(Protocol):
    """A provider that can draw the roads a route follows (used for map.html and routes.geojson)."""

    @property
    def attribution(self) -> str:
        """Shown wherever the geometry is drawn (OSM data is ODbL)."""
        ...

    def route_legs(self, stops: Sequence[LatLng], profile: SpeedProfile) -> list[Leg] | None:
        """One leg per consecutive pair of stops, or None when no road route joins them all."""
        ...


def joined_path(legs: Sequence[Leg]) -> list[LatLng]:
    """The legs' paths as one line, without repeating the point where one leg ends and the next begins."""
    out: list[LatLng] = []
    for leg in legs:
        start = 1 if out and leg.path and out[-1] == leg.path[0] else 0
        out.extend(leg.path[start:])
    return out


def path_of(geometry: Any) -> tuple[LatLng, ...]:
    """GeoJSON LineString coordinates (lon,lat) as LatLng points."""
    return tuple(LatLng(float(c[1]), float(c[0])) for c in geometry["coordinates"])


def legs_of(route: Mapping[str, Any]) -> list[Leg]:
    """The legs of an OSRM route answer (steps with GeoJSON geometry), the same from the engine and the server."""
    legs = []
    for leg in route["legs"]:
        path: list[LatLng] = []
        for step in leg["steps"]:
            pts = path_of(step["geometry"])
            path.extend(pts[1:] if path and pts and path[-1] == pts[0] else pts)
        legs.append(Leg(round(float(leg["duration"])), round(float(leg["distance"])), tuple(path)))
    return legs
