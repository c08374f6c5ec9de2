"""Road geometry of route legs and map-matched GPS traces: what road providers offer beyond matrices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.provider import NO_AVOID, layers


@dataclass(frozen=True, slots=True)
class Leg:
    """The road path from one stop to the next, with its own duration (s) and distance (m)."""

    duration_s: int
    distance_m: int
    path: tuple[LatLng, ...]


@dataclass(frozen=True, slots=True)
class MatchedTrace:
    """A GPS trace fitted to the roads: the snapped fixes (None where a fix was dropped) and the driven path.

    The engine may split a trace where it cannot follow it (a long pause, a jump): ``pieces`` holds one path per
    matched part, ``path`` all of them end to end, and ``confidence`` is the weakest part's.
    """

    snapped: tuple[LatLng | None, ...]
    path: tuple[LatLng, ...]
    distance_m: int
    duration_s: int
    confidence: float
    gaps: list[int] = field(default_factory=list)  # indices of fixes that could not be matched
    pieces: tuple[tuple[LatLng, ...], ...] = ()


@runtime_checkable
class RouteGeometryProvider(Protocol):
    """A provider that can draw the roads a route follows (used for map.html and routes.geojson)."""

    @property
    def attribution(self) -> str:
        """Shown wherever the geometry is drawn (OSM data is ODbL)."""
        ...

    def route_legs(
        self, stops: Sequence[LatLng], profile: SpeedProfile, *, avoid: frozenset[str] = frozenset()
    ) -> list[Leg] | None:
        """One leg per consecutive pair of stops, or None when no road route joins them all; ``avoid``: access
        zones not to drive through (honoured by a network built with them)."""
        ...


@runtime_checkable
class TraceMatcher(Protocol):
    """A provider that can fit GPS fixes to its roads (map matching)."""

    def match(
        self,
        trace: Sequence[LatLng],
        timestamps: Sequence[int] | None = None,
        radiuses: Sequence[float] | None = None,
    ) -> MatchedTrace:
        """Fit fixes in time order (UNIX seconds, GPS accuracy in metres when known); E3012 when impossible."""
        ...


def inner_legs(
    provider: object, stops: Sequence[LatLng], profile: SpeedProfile, avoid: frozenset[str] = NO_AVOID
) -> list[Leg] | None:
    """``provider.route_legs`` when it has one (None otherwise), passing ``avoid`` only when there is a zone to
    avoid, so a provider written before zones existed still draws the legs of every vehicle barred from none."""
    legs = getattr(provider, "route_legs", None)
    if legs is None:
        return None
    return legs(stops, profile, avoid=avoid) if avoid else legs(stops, profile)  # type: ignore[no-any-return]


def find_matcher(provider: object) -> TraceMatcher | None:
    """The map matcher behind a travel model, looking through wrappers (cache, traffic) that keep theirs in
    ``inner``; None when the model has no roads to match on (straight line)."""
    for layer in layers(provider):
        if isinstance(layer, TraceMatcher):
            return layer
    return None


def matched_trace(trace: Sequence[LatLng], answer: Mapping[str, Any]) -> MatchedTrace:
    """An OSRM match answer (GeoJSON geometry, full overview) as a MatchedTrace, the same from the engine and
    the server."""
    snapped = tuple(
        None if w is None else LatLng(float(w["location"][1]), float(w["location"][0])) for w in answer["tracepoints"]
    )
    if len(snapped) != len(trace):
        raise ValueError(f"{len(snapped)} tracepoints for {len(trace)} fixes")
    matchings = list(answer["matchings"])
    if not matchings:
        raise DoorstepError([Issue("E3012", "the trace cannot be matched: no part of it follows a road", ("trace",))])
    pieces = tuple(path_of(m["geometry"]) for m in matchings)
    return MatchedTrace(
        snapped=snapped,
        path=tuple(p for piece in pieces for p in piece),
        distance_m=round(sum(float(m["distance"]) for m in matchings)),
        duration_s=round(sum(float(m["duration"]) for m in matchings)),
        confidence=min(float(m["confidence"]) for m in matchings),
        gaps=[i for i, s in enumerate(snapped) if s is None],
        pieces=pieces,
    )


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
