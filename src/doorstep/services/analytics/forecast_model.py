"""The forecast's arithmetic on one daily series (no I/O): a seasonal baseline per weekday grown by the recent
trend, its prediction interval, and the seasonal naive forecast it is compared with (docs/analytics.md,
"Forecast and staffing").

A series is a list of daily counts, oldest first, ending on the forecast's origin (the last day observed);
day ``t`` (an index) has the same weekday as ``t - 7``, so the methods need no dates. Target ``t`` lies past the
end (``t >= len(values)``).

* **Seasonal baseline**: the weighted mean (``decay``; 1 = plain) of the last ``weeks`` observed same weekdays,
  each grown to the target by the weekly growth ``g`` over the ``k`` weeks between them:
  ``ŷ = Σ w_k · y[t-7k] · g**k``.
* **Growth** ``g``: ``exp(b)`` where ``b`` is the least-squares slope of ``ln(weekly total)`` over the last
  ``trend_weeks`` complete weeks (7-day blocks ending on the origin); 1 (no trend) with fewer than
  ``min_trend_weeks`` of them, a week with no orders, or a slope within ``t_trend`` standard errors of 0 (noise
  taken for a trend costs more than a small real trend missed). A zone's forecast takes the growth of the
  organization's total, which is far less noisy than the zone's own.
* **Interval**: ``ŷ ± z · r · ŷ · sqrt(1 + 1/n)`` (cut at 0), where ``r`` is the pooled coefficient of variation of
  the same-weekday values around their (trend-adjusted) means and ``n`` how many were averaged (the weighted
  mean's effective count): the classical prediction interval of a new draw around the mean of ``n`` draws, with
  noise proportional to the level. Without any spread to measure (one value per weekday) the noise is taken as
  Poisson: ``sd = sqrt(ŷ)``.
* **Seasonal naive**: the last observed same weekday, ``y[t-7k]`` for the smallest ``k`` that is observed.

A weekday never observed (less than a week of history) is forecast by the mean of every day observed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SEASON = 7
Z_80 = 1.2816  # the standard normal's 90th percentile: the band holds 80 % of days


@dataclass(frozen=True, slots=True)
class ForecastParams:
    """The baseline's settings (the defaults are what the API uses)."""

    weeks: int = 6  # same weekdays averaged
    trend_weeks: int = 12  # complete weeks the growth is fitted on
    min_trend_weeks: int = 4  # fewer complete weeks: no trend (g = 1)
    decay: float = 1.0  # weight of a same weekday relative to the one a week newer (1: a plain mean)
    t_trend: float = 2.0  # a slope within this many standard errors of 0 is no trend (g = 1)
    z: float = Z_80  # the band's half-width in standard deviations


DEFAULT_PARAMS = ForecastParams()


@dataclass(frozen=True, slots=True)
class Point:
    """A day's forecast: the expected count and its prediction interval."""

    mean: float
    low: float
    high: float


def weekly_growth(values: Sequence[float], params: ForecastParams = DEFAULT_PARAMS) -> float:
    """Growth per week fitted on the weekly totals (log-linear least squares), or 1.0 when it cannot be."""
    n = len(values)
    weeks = min(params.trend_weeks, n // SEASON)
    if weeks < max(2, params.min_trend_weeks):
        return 1.0
    totals = [sum(values[n - SEASON * (j + 1) : n - SEASON * j]) for j in range(weeks)]  # j = 0: the last week
    if any(w <= 0 for w in totals):
        return 1.0
    xs = [-float(j) for j in range(weeks)]
    ys = [math.log(w) for w in totals]
    mx, my = sum(xs) / weeks, sum(ys) / weeks
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    residual = sum((y - my - slope * (x - mx)) ** 2 for x, y in zip(xs, ys, strict=True))
    stderr = math.sqrt(residual / (weeks - 2) / sxx)
    return math.exp(slope) if abs(slope) > params.t_trend * stderr else 1.0


def weights(count: int, decay: float) -> list[float]:
    """Weights of the ``count`` same weekdays, newest first, each ``decay`` times the one before; they sum to 1."""
    raw = [decay**i for i in range(count)]
    total = sum(raw)
    return [w / total for w in raw]


def effective_count(ws: Sequence[float]) -> float:
    """How many equally weighted values the weighted mean is worth (Kish): ``1 / Σ w²`` — its variance is the
    single value's divided by this."""
    return 1.0 / sum(w * w for w in ws)


def _same_weekdays(n: int, t: int, count: int) -> list[int]:
    """The ``k`` (weeks back from target ``t``) of the last ``count`` observed days with t's weekday."""
    first = max(1, -((n - 1 - t) // SEASON))  # the smallest k with t - 7k <= n - 1
    return [k for k in range(first, first + count) if t - SEASON * k >= 0]


def dispersion(values: Sequence[float], growth: float, params: ForecastParams = DEFAULT_PARAMS) -> float | None:
    """The pooled coefficient of variation of the last ``weeks`` values of each weekday around their mean
    (each grown to the newest by ``growth``); None when no weekday has two values with a mean above zero."""
    n = len(values)
    squares, dof = 0.0, 0
    for t in range(n, n + SEASON):  # one target per weekday
        ks = _same_weekdays(n, t, params.weeks)
        adjusted = [values[t - SEASON * k] * growth ** (k - ks[0]) for k in ks]
        if len(adjusted) < 2:
            continue
        mean = sum(adjusted) / len(adjusted)
        if mean <= 0:
            continue
        squares += sum((a / mean - 1.0) ** 2 for a in adjusted)
        dof += len(adjusted) - 1
    return math.sqrt(squares / dof) if dof else None


def baseline(
    values: Sequence[float], horizon: int, params: ForecastParams = DEFAULT_PARAMS, growth: float | None = None
) -> list[Point]:
    """The seasonal baseline for the ``horizon`` days after the series' last day, with 80 % intervals; the weekly
    growth is fitted on the series unless given (a zone's forecast takes the organization's total growth)."""
    n = len(values)
    growth = weekly_growth(values, params) if growth is None else growth
    spread = dispersion(values, growth, params)
    overall = sum(values) / n if n else 0.0
    points = []
    for t in range(n, n + horizon):
        ks = _same_weekdays(n, t, params.weeks)
        if not ks:
            mean = overall
            count = float(n)
        else:
            ws = weights(len(ks), params.decay)
            mean = sum(w * values[t - SEASON * k] * growth**k for w, k in zip(ws, ks, strict=True))
            count = effective_count(ws)
        sd = math.sqrt(mean) if spread is None else spread * mean
        half = params.z * sd * math.sqrt(1.0 + 1.0 / max(count, 1))
        points.append(Point(mean, max(0.0, mean - half), mean + half))
    return points


def seasonal_naive(values: Sequence[float], horizon: int) -> list[float]:
    """The last observed same weekday for each of the ``horizon`` days after the series (the mean of the days
    seen for a weekday not seen yet; 0 without history)."""
    n = len(values)
    overall = sum(values) / n if n else 0.0
    out = []
    for t in range(n, n + horizon):
        ks = _same_weekdays(n, t, 1)
        out.append(float(values[t - SEASON * ks[0]]) if ks else overall)
    return out
