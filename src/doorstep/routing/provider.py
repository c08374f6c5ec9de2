"""The one interface the optimizer sees for travel: a matrix of durations and distances."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng

IntMatrix = npt.NDArray[np.int64]

# A travel time/distance meaning "no connection"; large but far below PyVRP's numeric limit.
UNREACHABLE = 10**9


@dataclass(slots=True)
class Matrix:
    """Integer seconds and metres between every pair of points, plus any warnings (fallbacks)."""

    durations: IntMatrix
    distances: IntMatrix
    warnings: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.durations)
        if self.durations.shape != (n, n) or self.distances.shape != (n, n):
            raise ValueError("matrices must be square and of equal shape")


class TravelTimeProvider(Protocol):
    """Anything that can give travel matrices for a profile (straight line, OSRM, Valhalla, explicit)."""

    @property
    def name(self) -> str:
        """Shown in plan stats so users know which travel model a plan rests on."""
        ...

    def matrix(self, points: Sequence[LatLng], profile: SpeedProfile, depart_at: datetime | None = None) -> Matrix:
        """Durations and distances between all ``points`` for ``profile`` departing around ``depart_at``."""
        ...


def layers(provider: object) -> Iterator[object]:
    """A provider, then what it wraps, and so on: wrappers (matrix cache, traffic) keep theirs in ``inner``, so a
    use case can find a capability (road geometry, map matching) without knowing how the model was assembled."""
    seen: set[int] = set()
    current: object | None = provider
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "inner", None)
