"""The travel model a part of a large day is planned on: its matrices, computed in the planning process by the
real provider, carried to the part's process as plain arrays.

So the provider itself never crosses a process boundary: the embedded OSRM engine holds a C++ object that cannot
be pickled (``spawn``) and runs its own thread pool (not safe to use after ``fork``), the matrix cache holds a
SQLite connection, the remote providers HTTP clients. A part asks only for travel between its own places (its
orders, their pickups and alternatives, the depots), and every such pair is in its matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.problem import Problem
from doorstep.optimize.travel_keys import key_of, travel_kinds
from doorstep.routing.provider import NO_AVOID, IntMatrix, Matrix, TravelTimeProvider, ask_matrix


@dataclass(slots=True)
class PartTravel:
    """Matrices per travel key (speed profile and zones avoided) over a fixed set of points; answers any
    sub-matrix of them."""

    label: str
    points: list[LatLng]
    durations: dict[str, IntMatrix]
    distances: dict[str, IntMatrix]
    warnings: list[Issue] = field(default_factory=list)
    _index: dict[LatLng, int] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """The real provider's label (shown in plan stats)."""
        return self.label

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """The rows and columns of ``points`` (KeyError for a point outside the part, or a travel key the part's
        fleet does not use: a bug, never guessed)."""
        if not self._index:
            self._index.update((p, i) for i, p in enumerate(self.points))
        idx = np.fromiter((self._index[p] for p in points), dtype=np.int64, count=len(points))
        sub = np.ix_(idx, idx)
        key = key_of(profile, avoid)
        return Matrix(durations=self.durations[key][sub], distances=self.distances[key][sub], warnings=[])


def part_points(problem: Problem) -> list[LatLng]:
    """Every place a part's planning may ask travel for: depots, orders, their alternatives and pickups."""
    pts: dict[LatLng, None] = dict.fromkeys(d.location for d in problem.depots)
    for o in problem.orders:
        pts[o.location] = None
        pts.update(dict.fromkeys(p.location for p in o.alternatives))
        if o.pickup is not None:
            pts[o.pickup.location] = None
    return list(pts)


def part_travel(problem: Problem, provider: TravelTimeProvider, depart_at: datetime) -> PartTravel:
    """The part's matrices from the real provider, one pair per travel key its vehicles use, departing at the
    whole day's origin (a time-of-day provider then gives every part, and the checker, the same hour)."""
    pts = part_points(problem)
    durations: dict[str, IntMatrix] = {}
    distances: dict[str, IntMatrix] = {}
    warnings: list[Issue] = []
    for key, (prof, avoid) in travel_kinds(problem).items():
        m = ask_matrix(provider, pts, prof, depart_at, avoid)
        durations[key], distances[key] = m.durations, m.distances
        warnings.extend(w for w in m.warnings if w not in warnings)
    return PartTravel(provider.name, pts, durations, distances, warnings)
