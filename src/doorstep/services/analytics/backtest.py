"""A rolling-origin backtest of the seasonal baseline against the seasonal naive forecast on one daily series
(no I/O; docs/analytics.md, "Forecast and staffing").

Every day of the history from the ``min_history``-th on is an origin: both methods forecast the next ``horizon``
days from the values up to it, and each target that is in the history is scored. MAE is the mean absolute error
over every scored (origin, target); MASE divides it by the in-sample MAE of the one-week seasonal naive over the
whole history, ``mean(|y[t] - y[t-7]|)`` (Hyndman & Koehler, 2006): scale-free, so zones of any size compare and
average, and MASE < 1 means the method's errors are smaller than those of "same as last week" on this history.
``mae_ratio`` (baseline MAE / naive MAE on the same targets) is the head-to-head comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from doorstep.services.analytics.forecast_model import (
    DEFAULT_PARAMS,
    SEASON,
    ForecastParams,
    baseline,
    seasonal_naive,
    weekly_growth,
)

MIN_HISTORY = 2 * SEASON  # origins need two weeks before them (the forecast's own minimum)


@dataclass(frozen=True, slots=True)
class Backtest:
    """How both methods did over the history: errors, scale and the baseline's interval coverage."""

    origins: int  # forecast origins scored
    points: int  # (origin, target) pairs scored
    mae: float | None  # the seasonal baseline's
    naive_mae: float | None  # the seasonal naive's
    scale: float | None  # in-sample MAE of the one-week seasonal naive (MASE's denominator)
    coverage: float | None  # share of targets inside the baseline's 80 % band

    @property
    def mase(self) -> float | None:
        """The baseline's MAE over the scale (None when the series never changes week to week)."""
        return _ratio(self.mae, self.scale)

    @property
    def naive_mase(self) -> float | None:
        """The naive forecast's MAE over the same scale."""
        return _ratio(self.naive_mae, self.scale)

    @property
    def mae_ratio(self) -> float | None:
        """Baseline MAE / naive MAE on the same targets (< 1: the baseline wins)."""
        return _ratio(self.mae, self.naive_mae)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def naive_scale(values: Sequence[float]) -> float | None:
    """In-sample MAE of the one-week seasonal naive: ``mean(|y[t] - y[t-7]|)`` over the history."""
    diffs = [abs(values[t] - values[t - SEASON]) for t in range(SEASON, len(values))]
    return sum(diffs) / len(diffs) if diffs else None


def backtest(
    values: Sequence[float],
    horizon: int,
    params: ForecastParams = DEFAULT_PARAMS,
    min_history: int = MIN_HISTORY,
    trend_of: Sequence[float] | None = None,
) -> Backtest:
    """Score both methods from every origin with at least ``min_history`` days before it (inclusive); the
    baseline's growth is fitted on ``trend_of`` (a zone's: the total series, day by day the same) when given."""
    n = len(values)
    err = naive_err = 0.0
    inside = points = origins = 0
    for m in range(min_history, n):  # the history is values[:m]; its targets values[m:m + horizon]
        past = values[:m]
        steps = min(horizon, n - m)
        growth = None if trend_of is None else weekly_growth(trend_of[:m], params)
        fc, nv = baseline(past, steps, params, growth), seasonal_naive(past, steps)
        for h in range(steps):
            actual = values[m + h]
            err += abs(actual - fc[h].mean)
            naive_err += abs(actual - nv[h])
            inside += fc[h].low <= actual <= fc[h].high
        points += steps
        origins += 1
    if not points:
        return Backtest(0, 0, None, None, naive_scale(values), None)
    return Backtest(origins, points, err / points, naive_err / points, naive_scale(values), inside / points)
