"""The in-process OSRM provider on the Monaco network: matrices agree with routes, snapping, unreachable points,
chunking, leg geometry and map matching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.osrm_local import OsrmLocalProvider, rows_to_array
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.road_matrix import blocks, int_matrix
from doorstep.routing.route_geometry import joined_path

SEA = LatLng(43.7300, 7.4500)  # the Mediterranean, inside the extract's box, > 1 km from any road
PARIS = LatLng(48.8566, 2.3522)  # far outside the network


@pytest.fixture(scope="module")
def provider(monaco_network: Path) -> OsrmLocalProvider:
    """One engine for the module."""
    return OsrmLocalProvider(monaco_network)


def test_matrix_entries_equal_osrm_route_legs(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """Every Table duration/distance on a 12-stop tour equals the Route leg between the same points (±1)."""
    pts = monaco_points[20:32]
    m = provider.matrix(pts, SpeedProfile.CAR)
    legs = provider.route_legs(pts, SpeedProfile.CAR)
    assert legs is not None and len(legs) == len(pts) - 1
    for i, leg in enumerate(legs):
        assert abs(int(m.durations[i, i + 1]) - leg.duration_s) <= 1
        assert abs(int(m.distances[i, i + 1]) - leg.distance_m) <= 1


def test_matrix_is_road_time_not_straight_line(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """Road distances are never shorter than the crow flies and mostly longer; the diagonal is zero; asymmetric."""
    pts = monaco_points[:60]
    m = provider.matrix(pts, SpeedProfile.CAR)
    ok = m.durations < UNREACHABLE
    crow = np.array([[haversine_m(a, b) for b in pts] for a in pts])
    assert (m.distances[ok] >= crow[ok] - 30).all()  # snapping may shorten a trip by a few metres
    assert np.median(m.distances[ok & (crow > 500)] / crow[ok & (crow > 500)]) > 1.1
    assert (np.diag(m.durations) == 0).all()
    assert (m.durations != m.durations.T).any()  # one-way streets
    assert m.durations.dtype == np.int64


def test_points_far_from_roads_are_unreachable_with_a_warning(
    provider: OsrmLocalProvider, monaco_points: list[LatLng]
) -> None:
    """A point in the sea or outside the area gets UNREACHABLE rows and columns (never 0) and a W3001 each."""
    pts = [*monaco_points[:5], SEA, PARIS]
    m = provider.matrix(pts, SpeedProfile.CAR)
    for k in (5, 6):
        others = [i for i in range(len(pts)) if i != k]
        assert (m.durations[k, others] == UNREACHABLE).all()
        assert (m.durations[others, k] == UNREACHABLE).all()
        assert (m.distances[k, others] == UNREACHABLE).all()
    assert (m.durations[:5, :5] < UNREACHABLE).all()
    far = [w for w in m.warnings if w.code == "W3001"]
    assert [w.loc for w in far] == [("points", 5), ("points", 6)]
    assert "outside the road network's area" in far[1].message
    assert "from the nearest connected road" in far[0].message


def test_snap_radius_is_configurable(monaco_network: Path, monaco_points: list[LatLng]) -> None:
    """A point 60 m off the road is kept with the default radius and cut off with a 20 m radius."""
    base = monaco_points[0]
    off = LatLng(base.lat + 0.00055, base.lng)  # about 60 m north
    wide = OsrmLocalProvider(monaco_network)
    snap = wide.snap([off])[0]
    assert snap.road is not None and 5 < snap.distance_m < 80
    assert not any(w.code == "W3001" for w in wide.matrix([base, off], SpeedProfile.CAR).warnings)
    narrow = OsrmLocalProvider(monaco_network, snap_radius_m=snap.distance_m / 2)
    m = narrow.matrix([base, off], SpeedProfile.CAR)
    assert m.durations[0, 1] == UNREACHABLE and [w.code for w in m.warnings] == ["W3001"]


def test_snap_records_the_distance_and_the_road(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """Nearest gives a road point within metres of an on-road point, its name, and no road for points outside."""
    snaps = provider.snap([monaco_points[0], PARIS])
    assert snaps[0].road is not None and snaps[0].distance_m < 5
    assert haversine_m(snaps[0].road, monaco_points[0]) < 5
    assert snaps[1].road is None and snaps[1].distance_m == float("inf")
    assert snaps[1].to_dict()["snap_distance_m"] is None


def test_chunked_tables_equal_one_table(monaco_network: Path, monaco_points: list[LatLng]) -> None:
    """Computing the matrix in blocks of a few rows gives exactly the single-call matrix."""
    pts = monaco_points[:50]
    whole = OsrmLocalProvider(monaco_network).matrix(pts, SpeedProfile.CAR)
    chunked = OsrmLocalProvider(monaco_network, max_cells=7 * 50).matrix(pts, SpeedProfile.CAR)
    assert (whole.durations == chunked.durations).all() and (whole.distances == chunked.distances).all()
    assert [len(b) for b in blocks(50, 50, 7 * 50)] == [7] * 7 + [1]


def test_duplicate_points_share_one_row(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """A place given twice gets identical rows and a zero trip between its copies."""
    a, b = monaco_points[3], monaco_points[4]
    m = provider.matrix([a, b, a], SpeedProfile.CAR)
    assert m.durations[0, 2] == 0 and (m.durations[0] == m.durations[2]).all()
    alone = provider.matrix([a, a], SpeedProfile.CAR)  # one place only: OSRM needs two coordinates
    assert alone.durations.tolist() == [[0, 0], [0, 0]] and alone.warnings == []


def test_no_route_becomes_unreachable_never_zero() -> None:
    """A gap in an engine table (no connecting road) becomes UNREACHABLE; real values are rounded."""
    raw = np.array([[0.0, np.nan], [12.6, 0.0]])
    assert int_matrix(raw).tolist() == [[0, UNREACHABLE], [13, 0]]


def test_profile_the_network_cannot_serve_is_e3006(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """Asking a car network for bike times is refused; van times come with W3002."""
    with pytest.raises(DoorstepError) as exc:
        provider.matrix(monaco_points[:3], SpeedProfile.BIKE)
    assert exc.value.issues[0].code == "E3006"
    assert [w.code for w in provider.matrix(monaco_points[:3], SpeedProfile.VAN).warnings] == ["W3002"]


def test_leg_geometry_follows_roads_from_stop_to_stop(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """Each leg's path starts at the first stop's road point and ends at the next; its length matches the leg."""
    pts = monaco_points[40:44]
    legs = provider.route_legs(pts, SpeedProfile.CAR)
    assert legs is not None
    for leg, a, b in zip(legs, pts[:-1], pts[1:], strict=True):
        assert len(leg.path) >= 2
        assert haversine_m(leg.path[0], a) < 30 and haversine_m(leg.path[-1], b) < 30
        length = sum(haversine_m(p, q) for p, q in zip(leg.path, leg.path[1:], strict=False))
        assert abs(length - leg.distance_m) <= max(15, 0.03 * leg.distance_m)
    line = joined_path(legs)
    assert len(line) == sum(len(leg.path) for leg in legs) - (len(legs) - 1)


def test_map_matching_recovers_a_driven_route(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """A noisy GPS trace sampled along a route matches back to a path of about the route's length."""
    legs = provider.route_legs(monaco_points[10:12], SpeedProfile.CAR)
    assert legs is not None and legs[0].distance_m > 300
    rng = np.random.default_rng(1)
    fixes = [LatLng(p.lat + rng.normal(0, 4e-5), p.lng + rng.normal(0, 4e-5)) for p in legs[0].path[::2]]
    matched = provider.match(fixes, [1_700_000_000 + 5 * i for i in range(len(fixes))])
    assert matched.confidence > 0.5
    assert abs(matched.distance_m - legs[0].distance_m) < 0.2 * legs[0].distance_m
    assert len(matched.snapped) == len(fixes)


def test_map_matching_refuses_too_short_or_impossible_traces(provider: OsrmLocalProvider) -> None:
    """One fix, or fixes far apart in the sea, give E3012 instead of a crash."""
    with pytest.raises(DoorstepError) as exc:
        provider.match([SEA])
    assert exc.value.issues[0].code == "E3012"
    with pytest.raises(DoorstepError) as exc:
        provider.match([SEA, LatLng(43.70, 7.47)])
    assert exc.value.issues[0].code == "E3012"


def test_invalid_coordinates_are_e3008(provider: OsrmLocalProvider, monaco_points: list[LatLng]) -> None:
    """A latitude beyond 90° reaching the engine is a coded E3008, not an engine exception."""
    with pytest.raises(DoorstepError) as exc:
        provider.matrix([LatLng(95.0, 7.42), monaco_points[0]], SpeedProfile.CAR)
    assert exc.value.issues[0].code == "E3008"


def test_osrm_table_rows_are_never_negative_and_keep_their_gaps() -> None:
    """OSRM's -0.6 m between two points snapped to the same spot becomes 0; a missing route stays NaN."""
    out = rows_to_array([[0.0, -0.6], [12.5, None]], 2, 2)
    assert out[0].tolist() == [0.0, 0.0]
    assert out[1, 0] == 12.5 and np.isnan(out[1, 1])
