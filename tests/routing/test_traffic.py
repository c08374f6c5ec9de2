"""Hour-of-week traffic and weather factors: lookup in local time, legs across hour boundaries, scaled matrices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.provider import NO_AVOID, UNREACHABLE, Matrix
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.routing.traffic import DEFAULT_URBAN, TrafficModel, TrafficProvider, load_traffic

LISBON = ZoneInfo("Europe/Lisbon")
MONDAY = datetime(2026, 11, 23, tzinfo=LISBON)  # a Monday


def at(h: int, m: int = 0, day: int = 0) -> datetime:
    """Local time on the test Monday (+ days)."""
    return MONDAY.replace(day=23 + day, hour=h, minute=m)


def test_defaults_have_rush_hours_on_weekdays_only() -> None:
    """08 h on a weekday is slower than 03 h and than 08 h on Sunday; factors are looked up in local time."""
    model = TrafficModel(timezone="Europe/Lisbon")
    assert model.factor_at(at(8)) == 1.5 and model.factor_at(at(3)) == 1.0
    assert model.factor_at(at(8, day=6)) == 1.0
    assert model.hour_of_week(at(8)) == 8 and model.hour_of_week(at(23, day=6)) == 167
    utc = TrafficModel(timezone="UTC")
    assert utc.factor_at(datetime(2026, 7, 6, 7, tzinfo=ZoneInfo("Europe/Paris"))) == DEFAULT_URBAN[5]  # 05 h UTC


def test_weather_multiplies_every_hour() -> None:
    """A 1.2 weather factor slows each hour by 20 %, and applies when no departure time is known."""
    model = TrafficModel(weather=1.2, timezone="Europe/Lisbon")
    assert model.factor_at(at(8)) == pytest.approx(1.8)
    assert model.factor_at(None) == pytest.approx(1.2)


def test_leg_crossing_an_hour_uses_each_hours_factor() -> None:
    """A 30-min free-flow leg leaving 06:50 drives 10 min at x1.1 then the rest at x1.35."""
    model = TrafficModel(timezone="Europe/Lisbon")
    first = 600 / 1.1  # free-flow seconds covered before 07:00
    expected = 600 + (1800 - first) * 1.35
    assert model.leg_duration(at(6, 50), 1800) == round(expected)
    assert model.leg_duration(at(3), 1800) == 1800
    assert model.leg_duration(at(3), UNREACHABLE) == UNREACHABLE


def test_bad_settings_are_e3013(tmp_path: Path) -> None:
    """Wrong number of factors, a factor out of range, weather below 1 or a garbled file: E3013."""
    for kwargs in ({"hour_factors": (1.0,) * 24}, {"hour_factors": (0.0,) * 168}, {"weather": 0.5}):
        with pytest.raises(DoorstepError) as exc:
            TrafficModel(**kwargs)
        assert exc.value.issues[0].code == "E3013"
    bad = tmp_path / "t.json"
    bad.write_text('{"hour_factors": "fast"}', encoding="utf-8")
    with pytest.raises(DoorstepError) as exc:
        load_traffic(bad)
    assert exc.value.issues[0].code == "E3013"
    good = tmp_path / "g.json"
    good.write_text('{"hour_factors": ' + str([1.25] * 168) + ', "weather": 1.1}', encoding="utf-8")
    assert load_traffic(good).factor_at(at(3)) == pytest.approx(1.375)


def test_traffic_provider_scales_durations_not_distances_nor_gaps() -> None:
    """Durations × factor of the departure hour (the main bucket when none is given); distances unchanged;
    UNREACHABLE stays UNREACHABLE."""
    base = StraightLineProvider()
    pts = [LatLng(38.70, -9.14), LatLng(38.75, -9.10), LatLng(38.72, -9.20)]
    free = base.matrix(pts, SpeedProfile.VAN)
    rush = TrafficProvider(base, TrafficModel(timezone="Europe/Lisbon")).matrix(pts, SpeedProfile.VAN, at(8))
    assert (rush.distances == free.distances).all()
    assert np.allclose(rush.durations, np.rint(free.durations * 1.5))

    class Gap(StraightLineProvider):
        def matrix(
            self,
            points: Sequence[LatLng],
            profile: SpeedProfile,
            depart_at: datetime | None = None,
            *,
            avoid: frozenset[str] = NO_AVOID,
        ) -> Matrix:
            m = super().matrix(points, profile, depart_at, avoid=avoid)
            m.durations[0, 1] = UNREACHABLE
            return m

    provider = TrafficProvider(base, TrafficModel(timezone="Europe/Lisbon"))
    provider.matrix(pts, SpeedProfile.VAN, at(8))
    checker = provider.matrix(pts, SpeedProfile.VAN)  # no departure: the first one asked for (main bucket)
    assert (checker.durations == rush.durations).all()

    gapped = TrafficProvider(Gap(), TrafficModel(timezone="Europe/Lisbon")).matrix(pts, SpeedProfile.VAN, at(8))
    assert gapped.durations[0, 1] == UNREACHABLE
