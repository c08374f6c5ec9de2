"""How many orders a simulated day brings, per delivery zone: a weekly rhythm, a slow trend, day-to-day noise
and the odd promotion day.

The expected volume of zone ``z`` on day ``d`` (``w`` weeks after the start, fractional) is

    zones[z] × weekday[d.weekday()] × (1 + trend_per_week) ** w × peaks.get(d, 1)

and the day's count is that expectation times a log-normal noise factor of mean 1 and coefficient of variation
``noise_cv``, rounded to the nearest whole order. Every day and zone draws its noise, in a fixed order (days in
order, zones by name), even when the expectation is zero (Sundays), so the same seed gives the same history
and changing one day's peak leaves the other days' counts as they were.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKDAYS = 7


@dataclass(frozen=True, slots=True)
class DemandModel:
    """The demand of a simulated world: mean weekday orders per zone and how they vary from day to day."""

    zones: Mapping[str, float]  # zone name -> mean orders on an average weekday
    weekday: tuple[float, ...] = (1.1, 1.0, 1.0, 1.05, 1.25, 0.8, 0.0)  # Monday..Sunday multipliers
    trend_per_week: float = 0.01  # growth per week (0.01 = +1 %)
    noise_cv: float = 0.12  # coefficient of variation of the day-to-day noise
    peaks: Mapping[date, float] = field(default_factory=dict)  # a promotion day: multiplier

    def __post_init__(self) -> None:
        problems = []
        if len(self.weekday) != WEEKDAYS:
            problems.append(f"weekday needs 7 multipliers (Monday..Sunday), got {len(self.weekday)}")
        if any(m < 0 for m in self.weekday):
            problems.append("weekday multipliers must be ≥ 0")
        if any(mean < 0 for mean in self.zones.values()):
            problems.append("zone means must be ≥ 0")
        if self.noise_cv < 0:
            problems.append("noise_cv must be ≥ 0")
        if self.trend_per_week <= -1:
            problems.append("trend_per_week must be > -1 (a fall of 100 % or more per week)")
        if any(m < 0 for m in self.peaks.values()):
            problems.append("peak multipliers must be ≥ 0")
        if problems:
            raise ValueError("; ".join(problems))


def expected(model: DemandModel, start: date, day: date, zone: str) -> float:
    """The mean orders of ``zone`` on ``day`` of a history that starts on ``start`` (no noise)."""
    weeks = (day - start).days / WEEKDAYS
    growth = math.pow(1.0 + model.trend_per_week, weeks)
    return model.zones[zone] * model.weekday[day.weekday()] * growth * model.peaks.get(day, 1.0)


def volumes(model: DemandModel, start: date, days: int, seed: int) -> dict[date, dict[str, int]]:
    """Orders per day and zone, seeded (the same seed gives the same history)."""
    if days < 0:
        raise ValueError(f"days must be ≥ 0, got {days}")
    rng = random.Random(seed)
    sigma = math.sqrt(math.log1p(model.noise_cv**2))  # log-normal with this CV ...
    mu = -(sigma**2) / 2  # ... and mean 1
    zones = sorted(model.zones)
    history: dict[date, dict[str, int]] = {}
    for offset in range(days):
        day = start + timedelta(days=offset)
        counts: dict[str, int] = {}
        for zone in zones:
            noise = rng.lognormvariate(mu, sigma)  # drawn even for a zero mean: the stream stays aligned
            counts[zone] = round(expected(model, start, day, zone) * noise)
        history[day] = counts
    return history
