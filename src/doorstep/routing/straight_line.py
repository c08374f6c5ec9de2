"""Straight-line travel: haversine distance × a circuity factor, at per-profile speeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import EARTH_RADIUS_M, LatLng
from doorstep.routing.provider import NO_AVOID, Matrix, not_avoided

# Average door-to-door urban speeds in km/h (including junctions and parking manoeuvres).
DEFAULT_SPEEDS_KMH: dict[SpeedProfile, float] = {
    SpeedProfile.CAR: 32.0,
    SpeedProfile.VAN: 28.0,
    SpeedProfile.TRUCK: 24.0,
    SpeedProfile.CARGO_BIKE: 16.0,
    SpeedProfile.BIKE: 15.0,
    SpeedProfile.FOOT: 4.8,
}
# Road distance is about 1.3 × the great-circle distance in European cities (1.2-1.45 in studies).
DEFAULT_CIRCUITY = 1.3


@dataclass(frozen=True, slots=True)
class StraightLineProvider:
    """The zero-setup travel model: fast, always available, approximate (no one-ways, rivers or traffic)."""

    circuity: float = DEFAULT_CIRCUITY
    speeds_kmh: Mapping[SpeedProfile, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))

    @property
    def name(self) -> str:
        """Provider label for plan stats."""
        return f"straight-line(x{self.circuity})"

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """Vectorised haversine; distances rounded to metres, durations to seconds (``avoid``: W3006)."""
        lat = np.radians(np.array([p.lat for p in points], dtype=np.float64))
        lng = np.radians(np.array([p.lng for p in points], dtype=np.float64))
        dlat = lat[None, :] - lat[:, None]
        dlng = lng[None, :] - lng[:, None]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlng / 2) ** 2
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h))) * self.circuity
        speed_ms = self.speeds_kmh[profile] / 3.6
        distances = np.rint(metres).astype(np.int64)
        durations = np.rint(metres / speed_ms).astype(np.int64)
        return Matrix(durations=durations, distances=distances, warnings=not_avoided(avoid, self.name))
