"""Shared by the road providers: snapped locations, raw tables with gaps, and turning them into a Matrix.

A road engine answers with floats and holes (no route); the optimizer wants integers where "no connection"
is the UNREACHABLE value. A point too far from any road (or outside the network's area) gets UNREACHABLE
rows and columns and a W3001 warning, so its orders end up unassigned with the reason UNREACHABLE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng
from doorstep.routing.provider import UNREACHABLE, IntMatrix, Matrix

FloatMatrix = npt.NDArray[np.float64]
DEFAULT_SNAP_RADIUS_M = 250.0


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a point meets the road network and how far it had to move (metres; inf when it did not snap)."""

    point: LatLng
    road: LatLng | None
    distance_m: float
    name: str = ""

    def usable(self, radius_m: float) -> bool:
        """Snapped within the radius."""
        return self.road is not None and self.distance_m <= radius_m

    def to_dict(self) -> dict[str, object]:
        """JSON form for ``doorstep network matrix`` output."""
        return {
            "lat": self.point.lat,
            "lng": self.point.lng,
            "road_lat": self.road.lat if self.road else None,
            "road_lng": self.road.lng if self.road else None,
            "snap_distance_m": round(self.distance_m, 1) if np.isfinite(self.distance_m) else None,
            "name": self.name,
        }


@dataclass(slots=True)
class RoadTable:
    """Durations (s) and distances (m) from sources to destinations; NaN where no road connects them."""

    durations: FloatMatrix
    distances: FloatMatrix
    sources: list[Snap]
    destinations: list[Snap]
    warnings: list[Issue] = field(default_factory=list)


def int_matrix(values: FloatMatrix) -> IntMatrix:
    """Round to integers; a gap (NaN, inf) becomes UNREACHABLE, never zero. Works in place on ``values`` (which
    the caller gives up) so a 5000-point matrix needs no extra temporaries."""
    values[~np.isfinite(values)] = UNREACHABLE
    np.minimum(values, UNREACHABLE, out=values)
    np.rint(values, out=values)
    return values.astype(np.int64)


def far_warning(index: int, snap: Snap, radius_m: float) -> Issue:
    """W3001 for a point that is not within ``radius_m`` of a road."""
    where = f"({snap.point.lat:.6f}, {snap.point.lng:.6f})"
    if snap.road is None or not np.isfinite(snap.distance_m):
        why = "is outside the road network's area"
    else:
        why = f"is {snap.distance_m:.0f} m from the nearest connected road (limit {radius_m:.0f} m)"
    return Issue("W3001", f"location {index} {where} {why}", ("points", index))


@dataclass(slots=True)
class RectMatrix:
    """Integer sources × destinations matrices (the cache fills in only the rows and columns it lacks)."""

    durations: IntMatrix
    distances: IntMatrix
    warnings: list[Issue] = field(default_factory=list)


def road_matrix(table: RoadTable, radius_m: float) -> RectMatrix:
    """A table as integers: a source or destination that did not snap within the radius is cut off (UNREACHABLE)
    and reported once (as a source); the same place as source and destination costs 0."""
    dur, dist = int_matrix(table.durations), int_matrix(table.distances)
    warnings = list(table.warnings)
    reported = set()
    for i, snap in enumerate(table.sources):
        if not snap.usable(radius_m):
            dur[i, :], dist[i, :] = UNREACHABLE, UNREACHABLE
            warnings.append(far_warning(i, snap, radius_m))
            reported.add(snap.point)
    for j, snap in enumerate(table.destinations):
        if not snap.usable(radius_m):
            dur[:, j], dist[:, j] = UNREACHABLE, UNREACHABLE
            if snap.point not in reported:
                warnings.append(far_warning(j, snap, radius_m))
    index = {s.point: j for j, s in enumerate(table.destinations)}
    for i, snap in enumerate(table.sources):
        same = index.get(snap.point)
        if same is not None:
            dur[i, same], dist[i, same] = 0, 0
    return RectMatrix(dur, dist, warnings)


def square_matrix(table: RoadTable, radius_m: float) -> Matrix:
    """All-pairs table (sources are the destinations) as the optimizer's Matrix."""
    m = road_matrix(table, radius_m)
    return Matrix(durations=m.durations, distances=m.distances, warnings=m.warnings)


def blocks(n: int, width: int, max_cells: int) -> list[range]:
    """Row blocks of an ``n`` × ``width`` table with at most ``max_cells`` cells each (at least one row)."""
    rows = max(1, max_cells // max(1, width))
    return [range(a, min(n, a + rows)) for a in range(0, n, rows)]


def unique_points(points: Sequence[LatLng]) -> tuple[list[LatLng], npt.NDArray[np.int64]]:
    """The distinct points and, per input point, its index among them (the engine routes each place once)."""
    seen: dict[LatLng, int] = {}
    index = np.array([seen.setdefault(p, len(seen)) for p in points], dtype=np.int64)
    return list(seen), index
