"""A route's GPS trail, optionally fitted to the deployment's road network (map matching) for the dispatcher:
the roads driven, how far, how sure, and which fixes fit no road.

Matching needs the road network the deployment loaded (``DOORSTEP_NETWORK``); the straight-line model has no
roads to match on (E2140). Matched chunks are remembered in this process (``TRAIL_CACHE``, by content), so a
live page asking again after each new position re-matches only the newest chunk of the trail.
"""

from __future__ import annotations

from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.routing.route_geometry import TraceMatcher, find_matcher
from doorstep.routing.trail_match import ChunkResult, Fix, MatchCache, TrailMatch, TrailOptions, match_trail
from doorstep.services.driver.driver_records import position_view, trail_rows
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import PositionRow

TRAIL_CACHE = MatchCache()
OPTIONS = TrailOptions()


def _matcher(p: Platform) -> tuple[TraceMatcher, str]:
    matcher = find_matcher(p.travel.network)
    if matcher is None:
        msg = "map matching needs the deployment's road network, and DOORSTEP_NETWORK is not set"
        raise DoorstepError([Issue("E2140", msg, ("query", "matched"))])
    ident = getattr(matcher, "cache_id", None) or f"{type(matcher).__name__}:{id(matcher)}"
    return matcher, str(ident)


def _line(points: list[LatLng]) -> list[list[float]]:
    return [[round(q.lat, 6), round(q.lng, 6)] for q in points]


def _chunk_view(c: ChunkResult) -> dict[str, Any]:
    error = None if c.error is None else {"code": c.error.code, "message": c.error.message}
    confidence = None if c.confidence is None else round(c.confidence, 3)
    return {"first": c.first, "last": c.last, "fixes": c.fixes, "distance_m": c.distance_m,
            "duration_s": c.duration_s, "confidence": confidence, "error": error}  # fmt: skip


def matched_view(m: TrailMatch, attribution: str) -> dict[str, Any]:
    """The matched trail as the API shows it: lines of [lat, lng] (the live snapshot's path style)."""
    return {
        "lines": [_line(line) for line in m.lines], "distance_m": m.distance_m, "duration_s": m.duration_s,
        "confidence": None if m.confidence is None else round(m.confidence, 3), "unmatched": m.unmatched,
        "chunks": [_chunk_view(c) for c in m.chunks], "attribution": attribution,
    }  # fmt: skip


def fixes_of(rows: list[PositionRow]) -> list[Fix]:
    """Stored positions as matcher input (UNIX seconds)."""
    return [Fix(LatLng(r.lat, r.lng), int(r.at.timestamp()), r.accuracy_m) for r in rows]


def route_trail_view(p: Platform, actor: Actor, route_id: str, matched: bool = False) -> dict[str, Any]:
    """The route's positions in time order and, with ``matched``, the trail fitted to the road network
    (E2140 without one; E3012 when no part of a non-empty trail fits a road)."""
    actor.require(Permission.READ)
    matcher = _matcher(p) if matched else None
    rows = trail_rows(p, actor, route_id)
    out: dict[str, Any] = {"route_id": route_id, "positions": [position_view(r) for r in rows]}
    if matcher is not None:
        found, ident = matcher
        m = match_trail(found, fixes_of(rows), options=OPTIONS, cache=TRAIL_CACHE, matcher_id=ident)
        out["matched"] = matched_view(m, str(getattr(found, "attribution", "")))
    return out
