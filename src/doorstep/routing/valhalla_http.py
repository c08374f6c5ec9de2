"""A remote Valhalla server over HTTP: the ``/sources_to_targets`` matrix API, in chunks.

Valhalla answers distances in kilometres (``units``) and ``time`` in seconds, with ``null`` (or no entry) where
no route exists. Its matrix answer does not say how far each point had to move to reach a road, so the snap
radius is the server's own (its ``search_cutoff``); a point it cannot place makes it fail the request (E3008).
"""

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
from doorstep.routing.provider import NO_AVOID, Matrix, not_avoided
from doorstep.routing.road_matrix import FloatMatrix, int_matrix, unique_points

COSTING: dict[SpeedProfile, str] = {
    SpeedProfile.CAR: "auto",
    SpeedProfile.VAN: "auto",
    SpeedProfile.TRUCK: "truck",
    SpeedProfile.CARGO_BIKE: "bicycle",
    SpeedProfile.BIKE: "bicycle",
    SpeedProfile.FOOT: "pedestrian",
}
DEFAULT_CHUNK = 50  # 50 × 50 = 2,500 pairs per request, within Valhalla's default matrix limits


def _locations(points: Sequence[LatLng]) -> list[dict[str, float]]:
    return [{"lat": p.lat, "lon": p.lng} for p in points]


class ValhallaHttpProvider:
    """Durations and distances from a Valhalla server; vehicle profiles map to Valhalla costings."""

    def __init__(self, base_url: str, *, chunk: int = DEFAULT_CHUNK, timeout_s: float = 30.0, retries: int = 2) -> None:
        self.client = JsonClient(base_url, timeout_s=timeout_s, retries=retries)
        self.chunk = max(1, chunk)

    @property
    def name(self) -> str:
        """Provider label for plan stats."""
        return f"valhalla-http({self.client.base_url})"

    @property
    def attribution(self) -> str:
        """Valhalla routes on OpenStreetMap data."""
        return ATTRIBUTION

    def _block(self, src: Sequence[LatLng], dst: Sequence[LatLng], costing: str) -> tuple[FloatMatrix, FloatMatrix]:
        body = {"sources": _locations(src), "targets": _locations(dst), "costing": costing, "units": "kilometers"}
        ans = self.client.request("POST", "/sources_to_targets", json=body)
        if isinstance(ans, dict) and "error_code" in ans:
            msg = f"routing server {self.client.base_url}: {ans.get('error', '')} (Valhalla {ans['error_code']})"
            raise DoorstepError([Issue("E3008", msg, ("points",))])
        dur, dist = np.full((len(src), len(dst)), np.nan), np.full((len(src), len(dst)), np.nan)
        try:
            for row in ans["sources_to_targets"]:
                for cell in row:
                    i, j = int(cell["from_index"]), int(cell["to_index"])
                    if cell.get("time") is not None and cell.get("distance") is not None:
                        dur[i, j], dist[i, j] = float(cell["time"]), float(cell["distance"]) * _metres(ans)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise self.client.garbage(f"sources_to_targets answer is malformed ({exc})", ans) from None
        return dur, dist

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """All pairs in ``chunk`` × ``chunk`` requests; no route is UNREACHABLE; ``avoid`` gives W3006."""
        uniq, index = unique_points(points)
        n, c = len(uniq), self.chunk
        dur, dist = np.full((n, n), np.nan), np.full((n, n), np.nan)
        for a in range(0, n, c):
            for b in range(0, n, c):
                d, m = self._block(uniq[a : a + c], uniq[b : b + c], COSTING[profile])
                dur[a : a + c, b : b + c], dist[a : a + c, b : b + c] = d, m
        np.fill_diagonal(dur, 0.0)
        np.fill_diagonal(dist, 0.0)
        sub = np.ix_(index, index)
        warnings = not_avoided(avoid, self.name)
        return Matrix(durations=int_matrix(dur)[sub], distances=int_matrix(dist)[sub], warnings=warnings)


def _metres(answer: Any) -> float:
    """Metres per distance unit of the answer (kilometres unless it says miles)."""
    return 1609.344 if str(answer.get("units", "kilometers")).startswith("mi") else 1000.0
