"""Learned travel factors on a travel model (routing/learned.py): an ETA's matrix takes the factor of its hour, a
plan's one matrix the geometric mean over the hours it is driven; distances and unreachable pairs never change."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import MIN_OBSERVATIONS, LearnedTimes, LegObservation, learn_travel
from doorstep.routing.learned import PLAN_HOURS, LearnedTravel
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.routing.traffic import TrafficModel, TrafficProvider, hour_by_hour

A, B = LatLng(41.15, -8.61), LatLng(41.17, -8.65)
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # hour of week 8 (UTC zone)


def _learned() -> LearnedTimes:
    """Legs into B take 2x the model at Monday 08:00 and 1x at Monday 12:00; legs into A 1x."""
    m = LearnedTimes()
    legs = [LegObservation(B, 8, 100.0, 200.0)] * MIN_OBSERVATIONS + [LegObservation(B, 12, 100.0, 100.0)] * 20
    learn_travel(m, legs + [LegObservation(A, 12, 100.0, 100.0)] * 20)
    return m


def test_an_eta_matrix_takes_the_factor_of_its_hour() -> None:
    """Each column is scaled by its destination's factor at the departure hour."""
    learned, base = _learned(), StraightLineProvider()
    m = LearnedTravel(base, learned, "UTC").matrix([A, B], SpeedProfile.VAN, MONDAY_8)
    plain = base.matrix([A, B], SpeedProfile.VAN)
    assert m.durations[0, 1] == round(plain.durations[0, 1] * learned.travel_factor(B, 8))
    assert m.durations[1, 0] == round(plain.durations[1, 0] * learned.travel_factor(A, 8))
    assert (m.distances == plain.distances).all()


def test_a_plan_matrix_takes_the_mean_over_the_hours_it_is_driven() -> None:
    """Over a pinned traffic model (a plan), the factor is the geometric mean over PLAN_HOURS from the main
    departure, whatever departure the caller names; the peak of 08:00 alone would be larger."""
    learned = _learned()
    model = TrafficModel((1.0,) * 168)
    plan = LearnedTravel(TrafficProvider(StraightLineProvider(), model, MONDAY_8, pinned=True), learned, "UTC")
    m = plan.matrix([A, B], SpeedProfile.VAN, datetime(2026, 11, 30, 15, tzinfo=UTC))
    mean = math.exp(sum(math.log(learned.travel_factor(B, 8 + k)) for k in range(PLAN_HOURS)) / PLAN_HOURS)
    plain = StraightLineProvider().matrix([A, B], SpeedProfile.VAN)
    assert m.durations[0, 1] == round(plain.durations[0, 1] * mean)
    assert 1.0 < mean < learned.travel_factor(B, 8)


def test_etas_over_traffic_split_into_learned_free_flow_and_the_hourly_profile() -> None:
    """hour_by_hour of the learned wrapper gives the free-flow model with the learned factors and the traffic
    profile's driving (so ETAs keep driving each leg hour by hour)."""
    model = TrafficModel((1.5,) * 168)
    wrapped = LearnedTravel(TrafficProvider(StraightLineProvider(), model, MONDAY_8, pinned=True), _learned(), "UTC")
    split = hour_by_hour(wrapped)
    assert split is not None
    free, drive = split
    assert isinstance(free, LearnedTravel) and isinstance(free.inner, StraightLineProvider)
    assert drive(MONDAY_8, 600) == pytest.approx(900, abs=1)
