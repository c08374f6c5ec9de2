"""The simulated demand model: its arithmetic without noise, its seeding and its noise's mean and spread."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest

from doorstep.demo.history.demand import DemandModel, expected, volumes

MONDAY = date(2025, 6, 2)


def test_without_noise_the_counts_are_the_rounded_expectation() -> None:
    """With noise_cv 0 each count is zone mean × weekday × (1 + trend) ** weeks × peak, rounded."""
    model = DemandModel(
        zones={"north": 100.0, "south": 40.0},
        weekday=(1.1, 1.0, 1.0, 1.05, 1.25, 0.8, 0.0),
        trend_per_week=0.07,
        noise_cv=0.0,
        peaks={MONDAY + timedelta(days=9): 2.0},
    )
    history = volumes(model, MONDAY, 14, seed=5)
    assert list(history) == [MONDAY + timedelta(days=i) for i in range(14)]
    assert history[MONDAY] == {"north": 110, "south": 44}
    assert history[MONDAY + timedelta(days=4)] == {"north": round(125 * 1.07 ** (4 / 7)), "south": 52}
    assert history[MONDAY + timedelta(days=6)] == {"north": 0, "south": 0}
    assert history[MONDAY + timedelta(days=7)] == {"north": round(110 * 1.07), "south": round(44 * 1.07)}
    # Wednesday of week 2 is the promotion: twice its volume
    assert history[MONDAY + timedelta(days=9)] == {"north": round(200 * 1.07 ** (9 / 7)), "south": 87}  # 80 × 1.0909
    assert round(200 * 1.07 ** (9 / 7)) == 218  # 200 × 1.0909


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    """volumes() is a function of (model, start, days, seed): repeatable, and the seed matters."""
    model = DemandModel(zones={"a": 50.0, "b": 80.0, "c": 20.0})
    first = volumes(model, MONDAY, 28, seed=1)
    assert volumes(model, MONDAY, 28, seed=1) == first
    assert volumes(model, MONDAY, 28, seed=2) != first
    assert volumes(model, MONDAY, 14, seed=1) == {d: first[d] for d in list(first)[:14]}


def test_sundays_are_zero_orders_not_missing() -> None:
    """A day with a zero weekday multiplier is in the history with 0 orders in every zone."""
    history = volumes(DemandModel(zones={"a": 50.0, "b": 80.0}), MONDAY, 21, seed=3)
    sundays = [d for d in history if d.weekday() == 6]
    assert len(sundays) == 3
    assert all(history[d] == {"a": 0, "b": 0} for d in sundays)


def test_a_peak_changes_its_day_only() -> None:
    """Adding a promotion day leaves every other day's counts unchanged (the noise stream stays aligned)."""
    base = DemandModel(zones={"a": 50.0, "b": 80.0})
    peak_day = MONDAY + timedelta(days=10)
    with_peak = DemandModel(zones={"a": 50.0, "b": 80.0}, peaks={peak_day: 3.0})
    plain, promoted = volumes(base, MONDAY, 21, seed=9), volumes(with_peak, MONDAY, 21, seed=9)
    assert {d: v for d, v in plain.items() if d != peak_day} == {d: v for d, v in promoted.items() if d != peak_day}
    assert promoted[peak_day]["b"] > 2 * plain[peak_day]["b"]


def test_the_noise_has_mean_one_and_the_asked_spread() -> None:
    """Over many days of a flat model, counts average the mean and vary by about noise_cv."""
    model = DemandModel(zones={"z": 1000.0}, weekday=(1.0,) * 7, trend_per_week=0.0, noise_cv=0.12)
    counts = [v["z"] for v in volumes(model, MONDAY, 4000, seed=11).values()]
    mean = statistics.fmean(counts)
    assert mean == pytest.approx(1000.0, rel=0.01)
    assert statistics.pstdev(counts) / mean == pytest.approx(0.12, rel=0.05)


def test_expected_is_the_noise_free_mean() -> None:
    """expected() gives the unrounded mean the counts scatter around."""
    model = DemandModel(zones={"z": 10.0}, trend_per_week=0.1)
    assert expected(model, MONDAY, MONDAY + timedelta(days=14), "z") == pytest.approx(10.0 * 1.1 * 1.1**2)


def test_a_bad_model_names_every_problem() -> None:
    """An impossible model raises ValueError listing all of its problems at once."""
    with pytest.raises(ValueError) as bad:
        DemandModel(zones={"z": -1.0}, weekday=(1.0,) * 6, noise_cv=-0.1)
    assert str(bad.value) == (
        "weekday needs 7 multipliers (Monday..Sunday), got 6; zone means must be ≥ 0; noise_cv must be ≥ 0"
    )
    with pytest.raises(ValueError, match="days must be"):
        volumes(DemandModel(zones={"z": 1.0}), MONDAY, -1, seed=0)
