"""The matrix cache: the same answers as the provider, hits on repeated days, bounded size, failure tolerance."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.cache import CachedProvider
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.route_geometry import RouteGeometryProvider

SEA = LatLng(43.7300, 7.4500)


@pytest.fixture(scope="module")
def engine(monaco_network: Path) -> OsrmLocalProvider:
    """One engine for the module."""
    return OsrmLocalProvider(monaco_network)


def test_cached_matrix_equals_the_provider_and_repeats_hit(
    engine: OsrmLocalProvider, monaco_points: list[LatLng], tmp_path: Path
) -> None:
    """First day: all misses; a second day with 40 of 50 places repeated is served 64 % from cache, same numbers."""
    cache = CachedProvider(engine, tmp_path / "m.sqlite")
    day1, day2 = monaco_points[:50], monaco_points[10:60]
    first = cache.matrix(day1, SpeedProfile.CAR)
    assert (first.durations == engine.matrix(day1, SpeedProfile.CAR).durations).all()
    assert cache.stats.hits == 0 and cache.stats.misses == 50 * 50
    direct = engine.matrix(day2, SpeedProfile.CAR)
    again = CachedProvider(engine, tmp_path / "m.sqlite")  # a new run reads what the first one stored
    second = again.matrix(day2, SpeedProfile.CAR)
    assert (second.durations == direct.durations).all() and (second.distances == direct.distances).all()
    assert again.stats.hits == 40 * 40 and again.stats.hit_rate == pytest.approx(0.64)
    assert again.pairs_stored() == 60 * 60 - 2 * 10 * 10  # day-1-only and day-2-only places never met


def test_unreachable_places_stay_unreachable_and_reported_from_cache(
    engine: OsrmLocalProvider, monaco_points: list[LatLng], tmp_path: Path
) -> None:
    """A sea point is stored as UNREACHABLE (never 0) and its W3001 comes back on a cache hit."""
    cache = CachedProvider(engine, tmp_path / "m.sqlite")
    pts = [*monaco_points[:4], SEA]
    cache.matrix(pts, SpeedProfile.CAR)
    hit = cache.matrix(pts, SpeedProfile.CAR)
    assert cache.stats.hits == 25
    assert (hit.durations[4, :4] == UNREACHABLE).all() and (hit.durations[:4, 4] == UNREACHABLE).all()
    assert [w.code for w in hit.warnings] == ["W3001"]


def test_cache_is_bounded_by_places(engine: OsrmLocalProvider, monaco_points: list[LatLng], tmp_path: Path) -> None:
    """With room for 30 places, planning 20 then 20 others evicts the oldest 10 and their pairs."""
    cache = CachedProvider(engine, tmp_path / "m.sqlite", max_places=30)
    cache.matrix(monaco_points[:20], SpeedProfile.CAR)
    cache.matrix(monaco_points[100:120], SpeedProfile.CAR)
    assert cache.pairs_stored() == 20 * 20 + 10 * 10  # the 20 recent places, plus the 10 survivors of day 1
    fresh = CachedProvider(engine, tmp_path / "m.sqlite", max_places=30)
    fresh.matrix(monaco_points[100:120], SpeedProfile.CAR)
    assert fresh.stats.hit_rate == 1.0


def test_unusable_cache_file_warns_and_plans_on(
    engine: OsrmLocalProvider, monaco_points: list[LatLng], tmp_path: Path
) -> None:
    """A cache path that cannot be a database gives W3004 and the provider's own answer."""
    bad = tmp_path / "dir-not-file"
    bad.mkdir()
    cache = CachedProvider(engine, bad)
    m = cache.matrix(monaco_points[:5], SpeedProfile.CAR)
    assert [w.code for w in m.warnings] == ["W3004"]
    assert (m.durations == engine.matrix(monaco_points[:5], SpeedProfile.CAR).durations).all()
    assert cache.attribution == engine.attribution  # geometry and attribution pass through
    assert isinstance(cache, RouteGeometryProvider)
    legs = cache.route_legs(monaco_points[:3], SpeedProfile.CAR)
    assert legs is not None and len(legs) == 2
