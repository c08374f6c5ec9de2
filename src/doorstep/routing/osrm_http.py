"""A remote OSRM server (``osrm-routed``) over HTTP: ``/table`` in chunks, ``/route`` legs and ``/match``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.http_client import JsonClient
from doorstep.routing.network_meta import ATTRIBUTION
from doorstep.routing.osrm_local import rows_to_array, waypoint_snap
from doorstep.routing.provider import NO_AVOID, Matrix, not_avoided
from doorstep.routing.road_matrix import (
    DEFAULT_SNAP_RADIUS_M,
    RectMatrix,
    RoadTable,
    Snap,
    road_matrix,
    square_matrix,
    unique_points,
)
from doorstep.routing.route_geometry import Leg, MatchedTrace, legs_of, matched_trace

DEFAULT_CHUNK = 50  # sources (and destinations) per request: 100 coordinates, osrm-routed's default table limit


def _coords(points: Sequence[LatLng]) -> str:
    return ";".join(f"{p.lng:.6f},{p.lat:.6f}" for p in points)


class OsrmHttpProvider:
    """Matrices, leg geometry and map matching from an OSRM server; the server's profile is fixed at its start."""

    def __init__(
        self,
        base_url: str,
        *,
        profile: str = "driving",
        chunk: int = DEFAULT_CHUNK,
        snap_radius_m: float = DEFAULT_SNAP_RADIUS_M,
        timeout_s: float = 30.0,
        retries: int = 2,
    ) -> None:
        self.client = JsonClient(base_url, timeout_s=timeout_s, retries=retries)
        self.profile, self.chunk, self.snap_radius_m = profile, max(1, chunk), snap_radius_m

    @property
    def name(self) -> str:
        """Provider label for plan stats."""
        return f"osrm-http({self.client.base_url})"

    @property
    def attribution(self) -> str:
        """OSRM servers route on OpenStreetMap data."""
        return ATTRIBUTION

    @property
    def cache_id(self) -> str:
        """What the answers depend on (for the matrix cache)."""
        return f"osrm-http:{self.client.base_url}:{self.profile}:r{self.snap_radius_m:g}"

    def _get(self, service: str, points: Sequence[LatLng], params: dict[str, str]) -> Any:
        answer = self.client.request("GET", f"/{service}/v1/{self.profile}/{_coords(points)}", params=params)
        if not isinstance(answer, dict) or "code" not in answer:
            raise self.client.garbage(f"{service} answer without a code", answer)
        if answer["code"] != "Ok":
            if answer["code"] in ("NoSegment", "NoRoute", "NoMatch", "NoTrips") or service == "match":
                return answer
            raise self.client.garbage(f"{service} failed", f"{answer.get('code')}: {answer.get('message', '')}")
        return answer

    def _block(self, src: Sequence[LatLng], dst: Sequence[LatLng]) -> RoadTable:
        params = {
            "sources": ";".join(str(i) for i in range(len(src))),
            "destinations": ";".join(str(len(src) + j) for j in range(len(dst))),
            "annotations": "duration,distance",
            "generate_hints": "false",
        }
        ans = self._get("table", [*src, *dst], params)
        if ans["code"] != "Ok":
            msg = f"routing server {self.client.base_url} cannot route these points: {ans.get('message', ans['code'])}"
            raise DoorstepError([Issue("E3008", msg, ("points",))])
        try:
            return RoadTable(
                rows_to_array(ans["durations"], len(src), len(dst)),
                rows_to_array(ans["distances"], len(src), len(dst)),
                [waypoint_snap(p, w) for p, w in zip(src, ans["sources"], strict=True)],
                [waypoint_snap(p, w) for p, w in zip(dst, ans["destinations"], strict=True)],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise self.client.garbage(f"table answer is malformed ({exc})", ans) from None

    def table(self, sources: Sequence[LatLng], destinations: Sequence[LatLng]) -> RoadTable:
        """Sources × destinations in blocks of ``chunk`` × ``chunk`` requests."""
        n, m, c = len(sources), len(destinations), self.chunk
        dur, dist = np.full((n, m), np.nan), np.full((n, m), np.nan)
        src_snaps: list[Snap | None] = [None] * n
        dst_snaps: list[Snap | None] = [None] * m
        for a in range(0, n, c):
            for b in range(0, m, c):
                t = self._block(sources[a : a + c], destinations[b : b + c])
                dur[a : a + c, b : b + c], dist[a : a + c, b : b + c] = t.durations, t.distances
                src_snaps[a : a + c] = t.sources
                dst_snaps[b : b + c] = t.destinations
        return RoadTable(dur, dist, [s for s in src_snaps if s], [s for s in dst_snaps if s])

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """All pairs (the server's profile serves every vehicle profile; choose the server accordingly). The
        server's network knows no access zones: ``avoid`` gives W3006."""
        uniq, index = unique_points(points)
        m = square_matrix(self.table(uniq, uniq), self.snap_radius_m)
        sub = np.ix_(index, index)
        warnings = m.warnings + not_avoided(avoid, self.name)
        return Matrix(durations=m.durations[sub], distances=m.distances[sub], warnings=warnings)

    def rect(
        self,
        sources: Sequence[LatLng],
        destinations: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> RectMatrix:
        """Sources × destinations (for the matrix cache); ``avoid`` gives W3006."""
        m = road_matrix(self.table(sources, destinations), self.snap_radius_m)
        m.warnings.extend(not_avoided(avoid, self.name))
        return m

    def route_legs(
        self, stops: Sequence[LatLng], profile: SpeedProfile, *, avoid: frozenset[str] = NO_AVOID
    ) -> list[Leg] | None:
        """Road path of each leg (``/route`` with steps); None when the server finds no route. ``avoid`` cannot
        be honoured (the matrices said so with W3006)."""
        if len(stops) < 2:
            return []
        params = {"steps": "true", "geometries": "geojson", "overview": "false", "continue_straight": "false"}
        ans = self._get("route", stops, params)
        if ans["code"] != "Ok":
            return None
        return legs_of(ans["routes"][0])

    def match(
        self,
        trace: Sequence[LatLng],
        timestamps: Sequence[int] | None = None,
        radiuses: Sequence[float] | None = None,
    ) -> MatchedTrace:
        """Fit a GPS trace to the roads (``/match``, with GPS accuracies in metres when known); E3012 when the
        server cannot."""
        params = {"geometries": "geojson", "overview": "full"}
        if timestamps:
            params["timestamps"] = ";".join(str(int(t)) for t in timestamps)
        if radiuses:
            params["radiuses"] = ";".join(f"{r:.1f}" for r in radiuses)
        ans = self._get("match", trace, params)
        if ans["code"] != "Ok" or not ans.get("matchings"):
            why = f"{ans.get('code')} {ans.get('message', '')}".strip()
            raise DoorstepError([Issue("E3012", f"the trace cannot be matched: {why}", ("trace",))])
        return matched_trace(trace, ans)
