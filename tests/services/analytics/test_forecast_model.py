"""The forecast's arithmetic on tiny fixed series, checked against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from doorstep.services.analytics.forecast_model import (
    ForecastParams,
    baseline,
    dispersion,
    effective_count,
    seasonal_naive,
    weekly_growth,
    weights,
)

WEEK1 = [10, 8, 8, 9, 12, 6, 0]  # Monday..Sunday
WEEK2 = [12, 8, 10, 9, 14, 8, 0]
TWO_WEEKS = WEEK1 + WEEK2


def test_two_weeks_forecast_the_mean_of_each_weekday_with_its_band() -> None:
    """With 2 weeks (no trend: under 4 weeks) each day is the mean of its two weekdays; the band is
    ŷ ± 1.2816 · r · ŷ · sqrt(1 + 1/2) with r the pooled relative spread of the weekday pairs."""
    fc = baseline(TWO_WEEKS, 14)
    assert [p.mean for p in fc] == [11, 8, 9, 9, 13, 7, 0] * 2
    # r² = (2/121 + 0 + 2/81 + 0 + 2/169 + 2/49) / 6 (Sunday's mean is 0: no relative spread) -> r = 0.125081
    assert dispersion(TWO_WEEKS, 1.0) == pytest.approx(0.125081, abs=1e-6)
    monday, friday, sunday = fc[0], fc[4], fc[6]
    assert monday.high - monday.mean == pytest.approx(2.159637, abs=1e-6)  # 1.2816 × 0.125081 × 11 × 1.224745
    assert monday.mean - monday.low == pytest.approx(2.159637, abs=1e-6)
    assert friday.high == pytest.approx(13 + 2.552298, abs=1e-6)
    assert (sunday.mean, sunday.low, sunday.high) == (0, 0, 0)


def test_the_weighted_mean_and_its_effective_count() -> None:
    """decay 0.5 over three weeks weighs them 4/7, 2/7, 1/7 (newest first), worth 49/21 plain values."""
    ws = weights(3, 0.5)
    assert ws == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert effective_count(ws) == pytest.approx(49 / 21)
    series = [7] * 7 + [14] * 7 + [21] * 7  # oldest week 7s, then 14s, newest 21s
    fc = baseline(series, 1, ForecastParams(weeks=3, decay=0.5, min_trend_weeks=99))
    assert fc[0].mean == pytest.approx(4 / 7 * 21 + 2 / 7 * 14 + 1 / 7 * 7)  # 17


def test_an_exact_weekly_growth_is_found_and_carried_forward() -> None:
    """Weekly totals growing by exactly 10 % give g = 1.1, and a same weekday k weeks back is grown by 1.1**k."""
    shape = [1.1, 1.0, 1.0, 1.05, 1.25, 0.8, 0.0]
    series = [100 * shape[i % 7] * 1.1 ** (i // 7) for i in range(28)]
    assert weekly_growth(series) == pytest.approx(1.1)
    fc = baseline(series, 8)
    # each of the last 4 Mondays grown to week 5: 110 × 1.1**4 whichever it starts from
    assert fc[0].mean == pytest.approx(110 * 1.1**4)
    assert fc[7].mean == pytest.approx(110 * 1.1**5)
    assert fc[6].mean == 0


def test_a_slope_within_two_standard_errors_is_no_trend() -> None:
    """Weekly totals 100, 110, 100, 110 have a fitted slope of ln(1.1)·2/10 per week, too noisy to use: g = 1;
    asked to take any slope (t_trend 0), g is exp(that)."""
    series = [v / 7 for total in (100, 110, 100, 110) for v in [total] * 7]
    assert weekly_growth(series) == 1.0
    assert weekly_growth(series, ForecastParams(t_trend=0.0)) == pytest.approx(math.exp(math.log(1.1) * 2 / 10))


def test_under_four_weeks_or_a_week_without_orders_there_is_no_trend() -> None:
    """Three complete weeks, or a week totalling 0, give g = 1 whatever the numbers."""
    assert weekly_growth([1.0] * 7 + [2.0] * 7 + [4.0] * 7) == 1.0
    assert weekly_growth([0.0] * 7 + [2.0] * 7 + [4.0] * 7 + [8.0] * 7) == 1.0


def test_seasonal_naive_is_the_last_same_weekday() -> None:
    """Naive: one week back within the first week ahead, two weeks back in the second."""
    assert seasonal_naive(TWO_WEEKS, 14) == [float(v) for v in WEEK2 + WEEK2]


def test_under_a_week_an_unseen_weekday_gets_the_mean_of_the_days_seen() -> None:
    """Three days of history: days 4-7 ahead have not been seen (mean 7); day 8 is the first day again (5, with a
    Poisson band: one value gives no spread); the naive forecast does the same; no history at all forecasts 0."""
    fc = baseline([5, 7, 9], 7)
    assert [p.mean for p in fc] == [7, 7, 7, 7, 5, 7, 9]
    assert fc[4].high - 5 == pytest.approx(1.2816 * math.sqrt(5) * math.sqrt(2))
    assert seasonal_naive([5, 7, 9], 7) == [7, 7, 7, 7, 5, 7, 9]
    assert [p.mean for p in baseline([], 2)] == [0, 0] and seasonal_naive([], 2) == [0, 0]
