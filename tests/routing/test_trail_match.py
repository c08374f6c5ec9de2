"""Map matching of whole trails on the Monaco road network: thinning, chunks at pauses and at the size limit,
joined lines, the driven distance, unmatched fixes, the content cache, and finding the matcher behind wrappers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.cache import CachedProvider
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.route_geometry import MatchedTrace, find_matcher, joined_path
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.routing.traffic import TrafficModel, TrafficProvider
from doorstep.routing.trail_match import Fix, MatchCache, TrailOptions, chunk_trail, match_trail
from tests.routing.trails import drive, length_m, points_along

SEA = [LatLng(43.7300, 7.4500), LatLng(43.7290, 7.4560), LatLng(43.7280, 7.4620)]  # > 1 km from any road


@pytest.fixture(scope="module")
def provider(monaco_network: Path) -> OsrmLocalProvider:
    """One engine for the module."""
    return OsrmLocalProvider(monaco_network)


def road_path(provider: OsrmLocalProvider, stops: Sequence[LatLng]) -> list[LatLng]:
    """The road path a driver takes through the stops (OSRM Route), as one line."""
    legs = provider.route_legs(stops, SpeedProfile.CAR)
    assert legs is not None
    return joined_path(legs)


class Counting:
    """The real matcher, counting its requests."""

    def __init__(self, inner: OsrmLocalProvider) -> None:
        self.inner, self.calls = inner, 0

    def match(
        self, trace: Sequence[LatLng], timestamps: Sequence[int] | None = None, radiuses: Sequence[float] | None = None
    ) -> MatchedTrace:
        """Count, then match on the real network."""
        self.calls += 1
        return self.inner.match(trace, timestamps, radiuses)


def test_a_trail_along_roads_matches_with_high_confidence_and_its_length(
    provider: OsrmLocalProvider, monaco_points: list[LatLng]
) -> None:
    """Fixes every 5 s with 4 m of noise along a real 30 km road path: one line, confidence > 0.8, the driven
    distance within 2 % of the path, the line close to the path, almost every fix matched."""
    for stops in (monaco_points[100:104], monaco_points[10:14]):
        path = road_path(provider, stops)
        fixes = drive(path)
        m = match_trail(provider, fixes)
        assert m.confidence is not None and m.confidence > 0.8
        assert abs(m.distance_m - length_m(path)) < 0.02 * length_m(path)
        assert len(m.lines) == 1 and len(m.unmatched) < 0.02 * len(fixes)
        dense = points_along(path, 5)
        assert max(min(haversine_m(q, p) for p in dense) for q in m.lines[0][::20]) < 15
        assert m.duration_s > 0 and all(c.error is None for c in m.chunks)


def test_a_long_pause_splits_the_trail_and_both_parts_still_match(
    provider: OsrmLocalProvider, monaco_points: list[LatLng]
) -> None:
    """A 20-minute pause between two drives gives two chunks and two lines; together they are as long as both
    paths, each part on its own matched."""
    first, second = road_path(provider, monaco_points[0:3]), road_path(provider, monaco_points[2:5])
    before = drive(first, seed=2)
    after = drive(second, start=before[-1].at + 1_200, seed=3)
    m = match_trail(provider, before + after)
    n = len(before)
    assert [(c.first, c.last) for c in m.chunks] == [(0, n - 1), (n, n + len(after) - 1)]
    assert len(m.lines) == 2 and all(c.confidence and c.confidence > 0.5 for c in m.chunks)
    total = length_m(first) + length_m(second)
    assert abs(m.distance_m - total) < 0.03 * total


def test_a_trail_longer_than_a_chunk_is_cut_and_joined_into_one_line(
    provider: OsrmLocalProvider, monaco_points: list[LatLng]
) -> None:
    """1,300 fixes (2 s apart) in chunks of at most 100 kept fixes: several requests, one continuous line, the
    same distance as a single request within 1 %, and every fix covered by exactly one chunk."""
    path = road_path(provider, monaco_points[100:104])
    fixes = drive(path, every_s=2, noise_m=3, accuracy_m=5)
    assert len(fixes) > 1_300
    counting = Counting(provider)
    m = match_trail(counting, fixes)
    assert counting.calls == len(m.chunks) >= 4
    assert len(m.lines) == 1
    whole = match_trail(provider, fixes, options=TrailOptions(max_chunk=10_000))
    assert len(whole.chunks) == 1 and abs(m.distance_m - whole.distance_m) < 0.01 * whole.distance_m
    assert sum(c.fixes for c in m.chunks) == len(fixes)
    assert abs(m.distance_m - length_m(path)) < 0.02 * length_m(path)


def test_thinning_folds_close_fixes_and_keeps_the_chunks_of_a_prefix() -> None:
    """A parked van's fixes fold into one kept fix; poor fixes are left out; appending fixes never changes a
    chunk but the last (what lets the cache re-match only the end)."""
    base = LatLng(43.7384, 7.4246)
    parked = [Fix(LatLng(base.lat + 1e-5 * (k % 3), base.lng), 1_000 + 10 * k, 5.0) for k in range(30)]
    moving = [Fix(LatLng(base.lat + 0.0005 * k, base.lng), 1_300 + 10 * k, 5.0) for k in range(1, 40)]
    poor = Fix(LatLng(base.lat, base.lng + 0.01), 1_305, 900.0)
    fixes = [*parked, poor, *moving]
    options = TrailOptions(max_chunk=10)
    chunks, left_out = chunk_trail(fixes, options)
    assert left_out == [30]
    assert chunks[0].kept[0] == 0 and chunks[0].members[0] == list(range(30))
    assert all(len(c.kept) <= 10 for c in chunks) and all(c.continues for c in chunks[1:])
    longer, _ = chunk_trail([*fixes, Fix(LatLng(base.lat + 0.03, base.lng), 1_800, 5.0)], options)
    assert [c.kept for c in longer[: len(chunks) - 1]] == [c.kept for c in chunks[:-1]]
    paused, _ = chunk_trail([*fixes, Fix(LatLng(base.lat + 0.03, base.lng), 9_000, 5.0)], options)
    assert len(paused) == len(chunks) + 1 and paused[-1].kept == [len(fixes)] and not paused[-1].continues


def test_the_cache_rematches_only_the_newest_chunk(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """Asking again costs no request; a trail that grew re-matches its last chunk only; another matcher id does
    not reuse the results."""
    fixes = drive(road_path(provider, monaco_points[100:104]), every_s=2, noise_m=3, accuracy_m=5)
    counting, cache = Counting(provider), MatchCache()
    first = match_trail(counting, fixes[:900], cache=cache, matcher_id="monaco")
    calls = counting.calls
    assert calls == len(first.chunks) >= 3
    again = match_trail(counting, fixes[:900], cache=cache, matcher_id="monaco")
    assert counting.calls == calls and again == first
    grown = match_trail(counting, fixes[:1000], cache=cache, matcher_id="monaco")
    assert counting.calls - calls == len(grown.chunks) - len(first.chunks) + 1
    match_trail(counting, fixes[:900], cache=cache, matcher_id="other network")
    assert counting.calls == calls + (len(grown.chunks) - len(first.chunks) + 1) + len(first.chunks)


def test_fixes_off_the_roads_are_listed_and_a_trail_with_none_on_roads_is_e3012(
    provider: OsrmLocalProvider, monaco_points: list[LatLng]
) -> None:
    """A stretch in the sea (after a pause) is an unmatched chunk with its E3012, the rest still matches; a
    trail wholly in the sea is E3012 with every failed chunk listed."""
    on_road = drive(road_path(provider, monaco_points[0:3]))
    sea = [Fix(p, on_road[-1].at + 600 + 30 * k, 10.0) for k, p in enumerate(SEA)]
    m = match_trail(provider, on_road + sea)
    assert m.unmatched == list(range(len(on_road), len(on_road) + len(SEA)))
    assert m.chunks[-1].error is not None and m.chunks[-1].error.code == "E3012"
    assert m.chunks[0].error is None and m.distance_m > 1_000
    far_sea = [*sea, *(replace(f, at=f.at + 3_600) for f in sea)]
    with pytest.raises(DoorstepError) as exc:
        match_trail(provider, far_sea)
    assert [i.code for i in exc.value.issues] == ["E3012", "E3012"]


def test_short_trails_give_nothing_to_match_without_an_error(provider: OsrmLocalProvider) -> None:
    """No fix, or one fix, is an empty result (the day has just begun), the lone fix listed as unmatched."""
    empty = match_trail(provider, [])
    assert empty.lines == [] and empty.distance_m == 0 and empty.confidence is None and empty.unmatched == []
    one = match_trail(provider, [Fix(LatLng(43.7384, 7.4246), 1_000, 5.0)])
    assert one.lines == [] and one.unmatched == [0] and one.chunks == []


def test_the_matcher_is_found_through_cache_and_traffic_wrappers(provider: OsrmLocalProvider, tmp_path: Path) -> None:
    """find_matcher looks through the wrappers' ``inner``; the straight-line model (or none) has no matcher."""
    wrapped = TrafficProvider(CachedProvider(provider, tmp_path / "cache.sqlite"), TrafficModel())
    assert find_matcher(wrapped) is provider and find_matcher(provider) is provider
    assert find_matcher(StraightLineProvider()) is None and find_matcher(None) is None
