"""The rolling-origin backtest on a fixed three-week series, its errors and MASE worked out by hand."""

from __future__ import annotations

import pytest

from doorstep.services.analytics.backtest import backtest, naive_scale

# weeks 1 and 2 flat at 10 and 12; week 3 at 11 except Tuesday 13 and Wednesday 9
SERIES = [10] * 7 + [12] * 7 + [11, 13, 9, 11, 11, 11, 11]


def test_backtest_of_a_fixed_series() -> None:
    """Origins 14..20 forecast up to 7 days ahead inside the history: 7 origins, 1+2+...+7 = 28 scored points.
    Every target t of week 3 is forecast (y[t-7] + y[t-14]) / 2 = 11 by the baseline (under 4 weeks: no trend)
    and 12 by the naive; target t is scored once per origin up to it (t - 13 times). Baseline errors: Tuesday
    2 × 2, Wednesday 2 × 3 = 10; naive: 1 + 1·2 + 3·3 + 1·4 + 1·5 + 1·6 + 1·7 = 34. Scale: |12 - 10| × 7 and
    |week 3 - 12| = 1, 1, 3, 1, 1, 1, 1: 23 / 14."""
    bt = backtest(SERIES, 7)
    assert (bt.origins, bt.points) == (7, 28)
    assert bt.mae == pytest.approx(10 / 28)
    assert bt.naive_mae == pytest.approx(34 / 28)
    assert bt.scale == pytest.approx(23 / 14)
    assert bt.mase == pytest.approx(10 / 46)
    assert bt.naive_mase == pytest.approx(34 / 46)
    assert bt.mae_ratio == pytest.approx(10 / 34)
    # the worst miss (2 orders) is inside every 80 % band (half-width ≥ 2.08 at each of its origins)
    assert bt.coverage == 1.0


def test_too_short_a_history_scores_nothing() -> None:
    """Under two weeks there is no origin: no errors, only the scale when a week repeats."""
    bt = backtest([10] * 7 + [12] * 6, 14)
    assert (bt.origins, bt.points, bt.mae, bt.naive_mae, bt.coverage) == (0, 0, None, None, None)
    assert bt.scale == 2.0 and bt.mase is None
    assert naive_scale([3, 4]) is None


def test_a_series_that_never_changes_has_no_mase() -> None:
    """A constant series: both methods are exact, the scale is 0 and MASE is undefined (None), not infinite."""
    bt = backtest([5] * 21, 7)
    assert (bt.mae, bt.naive_mae, bt.scale, bt.mase, bt.naive_mase, bt.mae_ratio) == (0, 0, 0, None, None, None)


def test_a_zone_takes_the_growth_of_the_total() -> None:
    """With trend_of, a flat zone (4 a day) inside a total growing 10 % a week is grown by 1.1 a week once the
    total has 4 complete weeks: origins 14..28 one day ahead are exact until the last, which forecasts
    mean(4 × 1.1**k, k = 1..4) = 5.1051 for a 4."""
    flat = [4.0] * 29
    growing = [100 * 1.1 ** (i // 7) for i in range(29)]
    assert backtest(flat, 1).mae == 0
    bt = backtest(flat, 1, trend_of=growing)
    assert (bt.origins, bt.points) == (15, 15)
    assert bt.mae == pytest.approx((4 * (1.1 + 1.21 + 1.331 + 1.4641) / 4 - 4) / 15)
