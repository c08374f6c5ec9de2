"""The one interface the optimizer sees for travel: a matrix of durations and distances.

``avoid`` names access zones a trip must not drive through (a vehicle type barred from them). Only a road
network built with those zones can honour it (``OsrmLocalProvider``); every other model returns its usual matrix
with a W3006 warning per zone, so nothing is approximated silently.
"""

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
NO_AVOID: frozenset[str] = frozenset()


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

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """Durations and distances between all ``points`` for ``profile`` departing around ``depart_at``, not
        driving through the access zones ``avoid`` names (where the model can tell, else with W3006)."""
        ...


def ask_matrix(
    provider: TravelTimeProvider,
    points: Sequence[LatLng],
    profile: SpeedProfile,
    depart_at: datetime | None = None,
    avoid: frozenset[str] = NO_AVOID,
) -> Matrix:
    """``provider.matrix``, passing ``avoid`` only when there is a zone to avoid, so a provider written before
    zones existed (a plug-in, a test double) still serves every vehicle barred from none."""
    if avoid:
        return provider.matrix(points, profile, depart_at, avoid=avoid)
    return provider.matrix(points, profile, depart_at)


def not_avoided(avoid: frozenset[str], model: str) -> list[Issue]:
    """W3006 for each zone a model that cannot tell which roads a trip uses was asked to avoid."""
    msg = "{}: travel with {} may drive through it (the model does not know which roads a trip uses)"
    return [Issue("W3006", msg.format(z, model), ("zones",), z) for z in sorted(avoid)]


def layers(provider: object) -> Iterator[object]:
    """A provider, then what it wraps, and so on: wrappers (matrix cache, traffic) keep theirs in ``inner``, so a
    use case can find a capability (road geometry, map matching) without knowing how the model was assembled."""
    seen: set[int] = set()
    current: object | None = provider
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "inner", None)
