"""Time-of-day traffic and weather as multipliers on free-flow road times (see docs/traffic.md).

The model: duration = free-flow duration × factor(hour of the week, local time) × weather factor. The optimizer
gets the matrix of the plan's main departure bucket (one factor for the whole matrix); each leg's ETA can then
be re-timed with the factor of the hour it is driven in (``leg_duration``, which splits a leg that crosses an
hour boundary). Distances never change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.provider import NO_AVOID, UNREACHABLE, Matrix, TravelTimeProvider, ask_matrix
from doorstep.routing.wrapper import Wrapper

HOURS_PER_WEEK = 168
# Urban weekday defaults (free flow = 1.0): morning peak 07-10 h, evening peak 16-19 h, busy daytime between.
_WEEKDAY = (
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.35, 1.5, 1.3, 1.15, 1.15,
    1.2, 1.2, 1.15, 1.2, 1.35, 1.5, 1.4, 1.2, 1.1, 1.05, 1.0, 1.0,
)  # fmt: skip
_SATURDAY = (
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 1.15, 1.2,
    1.2, 1.2, 1.15, 1.15, 1.15, 1.15, 1.1, 1.1, 1.05, 1.0, 1.0, 1.0,
)  # fmt: skip
_SUNDAY = (1.0,) * 9 + (1.05,) * 10 + (1.0,) * 5
DEFAULT_URBAN: tuple[float, ...] = _WEEKDAY * 5 + _SATURDAY + _SUNDAY


def _bad(msg: str) -> DoorstepError:
    return DoorstepError([Issue("E3013", msg, ("traffic",))])


@dataclass(frozen=True, slots=True)
class TrafficModel:
    """Hour-of-week factors (Monday 00-01 h first, in the depot's local time) and a weather factor."""

    hour_factors: tuple[float, ...] = DEFAULT_URBAN
    weather: float = 1.0
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if len(self.hour_factors) != HOURS_PER_WEEK:
            raise _bad(f"{len(self.hour_factors)} hour-of-week factors given; 168 are needed")
        bad = [i for i, f in enumerate(self.hour_factors) if not 0.2 <= f <= 5.0]
        if bad:
            raise _bad(f"hour-of-week factor {bad[0]} is {self.hour_factors[bad[0]]}; factors must be in 0.2..5")
        if not 1.0 <= self.weather <= 5.0:
            raise _bad(f"weather factor {self.weather} must be between 1 (clear) and 5")
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            raise _bad(f"unknown time zone {self.timezone!r}") from None

    def hour_of_week(self, when: datetime) -> int:
        """0 for Monday 00:00-00:59 local time, 167 for Sunday 23:00-23:59."""
        local = when.astimezone(ZoneInfo(self.timezone))
        return local.weekday() * 24 + local.hour

    def factor_at(self, when: datetime | None) -> float:
        """The multiplier for a trip starting at ``when`` (weather only when no time is known)."""
        hourly = 1.0 if when is None else self.hour_factors[self.hour_of_week(when)]
        return hourly * self.weather

    def leg_duration(self, depart: datetime, free_flow_s: int) -> int:
        """Seconds to drive a leg of ``free_flow_s`` free-flow seconds leaving at ``depart``: each part of the
        leg is slowed by the factor of the hour it is driven in."""
        if free_flow_s >= UNREACHABLE:
            return UNREACHABLE
        left, t = float(free_flow_s), depart
        while left > 1e-9:
            factor = self.factor_at(t)
            to_hour = 3600 - (t.minute * 60 + t.second + t.microsecond / 1e6)
            if left * factor <= to_hour:
                t += timedelta(seconds=left * factor)
                break
            left -= to_hour / factor
            t += timedelta(seconds=to_hour)
        return round((t - depart).total_seconds())


def load_traffic(path: Path | None, weather: float = 1.0, timezone: str = "UTC") -> TrafficModel:
    """A model from a JSON file ``{"hour_factors": [168 numbers], "weather": 1.1}`` (defaults when no file)."""
    if path is None:
        return TrafficModel(weather=weather, timezone=timezone)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        factors = tuple(float(x) for x in data["hour_factors"])
        return TrafficModel(factors, float(data.get("weather", weather)), str(data.get("timezone", timezone)))
    except OSError as exc:
        raise DoorstepError([Issue("E1001", f"{path}: {exc.strerror or exc}", ("traffic",))]) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad(f"{path}: {exc}") from None


def traffic_for(source: str | None, weather: float, timezone: str) -> TrafficModel | None:
    """The model a setting asks for, in ``timezone`` unless a file names its own: ``"urban"`` (the documented
    defaults), a JSON file's path, or ``None`` (flat hours; a model only when the weather slows every hour).
    Files are read once per (path, modification time)."""
    if source is None and weather == 1.0:
        return None
    if source is None:
        return TrafficModel((1.0,) * HOURS_PER_WEEK, weather, timezone)
    if source == "urban":
        return _cached(None, 0.0, weather, timezone)
    path = Path(source)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0  # load_traffic reports the file as unreadable (E1001)
    return _cached(path, mtime, weather, timezone)


@lru_cache(maxsize=64)
def _cached(path: Path | None, mtime: float, weather: float, timezone: str) -> TrafficModel:
    del mtime  # part of the key only: an edited file is read again
    return load_traffic(path, weather, timezone)


class TrafficProvider(Wrapper):
    """Scales an inner provider's free-flow durations by the factor of the departure's hour and the weather."""

    def __init__(
        self,
        inner: TravelTimeProvider,
        model: TrafficModel,
        main_departure: datetime | None = None,
        *,
        pinned: bool = False,
    ) -> None:
        self.inner, self.model = inner, model
        # the plan's main bucket: given, or the first departure asked for
        self.main_departure: datetime | None = main_departure
        # pinned: every matrix uses the main bucket, whatever departure is asked for, so live changes and the
        # checker of a stored plan see the times it was planned on (the platform); hour by hour is for ETAs
        self.pinned = pinned and main_departure is not None

    @property
    def name(self) -> str:
        """The inner label plus the traffic model."""
        return f"{self.inner.name}+traffic(weather x{self.model.weather:g})"

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """The inner matrix with durations × factor(depart_at); UNREACHABLE stays UNREACHABLE.

        Without ``depart_at`` (the plan checker re-deriving travel times) the plan's main departure bucket is used,
        so checks see the same times the optimizer planned on.
        """
        if depart_at is not None and self.main_departure is None:
            self.main_departure = depart_at
        when = depart_at if depart_at is not None and not self.pinned else self.main_departure
        m = ask_matrix(self.inner, points, profile, when, avoid)
        factor = self.model.factor_at(when)
        cut = m.durations >= UNREACHABLE
        scaled = np.rint(m.durations * factor).astype(np.int64)
        scaled[cut] = UNREACHABLE
        return Matrix(durations=scaled, distances=m.distances, warnings=m.warnings)

    def leg_seconds(self, depart: datetime, free_flow_s: int) -> int:
        """A free-flow leg (a duration of ``inner``) driven leaving at ``depart``, hour by hour."""
        return self.model.leg_duration(depart, free_flow_s)


Drive = Callable[[datetime, int], int]  # (departure, free-flow seconds) -> seconds on the road at that hour


def hour_by_hour(provider: TravelTimeProvider) -> tuple[TravelTimeProvider, Drive] | None:
    """For a provider with time-of-day factors: its free-flow provider and how a leg is driven at a given
    departure; None for a provider whose times do not depend on the hour."""
    if isinstance(provider, TrafficProvider):
        return provider.inner, provider.leg_seconds
    split = getattr(provider, "split_hours", None)  # a wrapper over traffic (learned factors) splits itself
    return split() if callable(split) else None
