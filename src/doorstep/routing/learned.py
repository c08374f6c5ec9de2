"""Learned travel-time factors on top of a travel model (docs/learning.md).

``LearnedTravel`` multiplies each duration of its inner model by the organization's learned factor for the leg's
destination neighbourhood in the hour of the week the matrix is asked for (``domain.learned``). Distances never
change. With hour-of-week traffic inside, ETAs still drive each leg hour by hour (``split_hours``): the free-flow
durations get the learned factor, the traffic profile the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import LearnedTimes
from doorstep.routing.provider import NO_AVOID, UNREACHABLE, Matrix, TravelTimeProvider, ask_matrix
from doorstep.routing.traffic import Drive, TrafficProvider
from doorstep.routing.wrapper import Wrapper

PLAN_HOURS = 10  # a plan's matrix: the learned factors averaged over this many hours from its main departure


class LearnedTravel(Wrapper):
    """Durations of ``inner`` × the learned factor of (destination, hour of week of the departure)."""

    def __init__(
        self, inner: TravelTimeProvider, learned: LearnedTimes, timezone: str, main_departure: datetime | None = None
    ) -> None:
        self.inner, self.learned, self.tz = inner, learned, ZoneInfo(timezone)
        self.main_departure = main_departure

    @property
    def name(self) -> str:
        """The inner label plus the learned factors."""
        return f"{self.inner.name}+learned({self.learned.leg_n} legs)"

    def hour_of_week(self, when: datetime | None) -> int:
        """The local hour of the week of a departure (the main departure's, or Monday noon, when none is given)."""
        at = when or self.main_departure or getattr(self.inner, "main_departure", None)
        if at is None:
            return 12
        local = at.astimezone(self.tz)
        return local.weekday() * 24 + local.hour

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """The inner matrix with each column (destination) scaled by its learned factor: at the hour of
        ``depart_at`` (an ETA), or, for a plan's one matrix (a pinned inner model, or no departure given), the
        geometric mean over the ``PLAN_HOURS`` hours from the plan's main departure — a plan's legs are driven all
        day, and the peak of its first hour must not slow its afternoon."""
        m = ask_matrix(self.inner, points, profile, depart_at, avoid)
        if depart_at is not None and not getattr(self.inner, "pinned", False):
            hours = [self.hour_of_week(depart_at)]
        else:
            first = self.hour_of_week(None)
            hours = [(first + k) % 168 for k in range(PLAN_HOURS)]
        factors = np.array(
            [math.exp(sum(math.log(self.learned.travel_factor(p, h)) for h in hours) / len(hours)) for p in points],
            dtype=np.float64,
        )
        cut = m.durations >= UNREACHABLE
        scaled = np.rint(m.durations * factors[np.newaxis, :]).astype(np.int64)
        scaled[cut] = UNREACHABLE
        return Matrix(durations=scaled, distances=m.distances, warnings=m.warnings)

    def split_hours(self) -> tuple[TravelTimeProvider, Drive] | None:
        """For ETAs over hour-of-week traffic: the free-flow model with the learned factors, and how the traffic
        profile drives a leg (None without traffic inside)."""
        if isinstance(self.inner, TrafficProvider):
            free = LearnedTravel(self.inner.inner, self.learned, str(self.tz), self.inner.main_departure)
            return free, self.inner.leg_seconds
        return None
