"""Access zones built into a road network (Monaco, the Place du Casino zone): tagged roads, excluded trips,
metadata, the three-zone limit and the W3006 warning of travel models that cannot avoid a zone."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.zones import AccessZone, geometry_sha256
from doorstep.routing.cache import CachedProvider
from doorstep.routing.network_build import build_network
from doorstep.routing.network_meta import META_FILE, NetworkProfile, ZoneClass, read_meta
from doorstep.routing.network_zones import max_zones
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.straight_line import StraightLineProvider
from tests.conftest import CASINO_CORNERS, casino_zone

AVOID = frozenset({"zon_casino"})
WEST = LatLng(43.736742, 7.422174)  # below the Casino, towards the port
EAST = LatLng(43.747326, 7.430597)  # Larvotto side: the shortest drive from WEST goes through the zone


def _near_zone(p: LatLng, margin_m: float = 100.0) -> bool:
    """Inside the zone's box grown by ``margin_m`` (a point there may snap onto a closed road)."""
    lats, lngs = [c[0] for c in CASINO_CORNERS], [c[1] for c in CASINO_CORNERS]
    dlat, dlng = margin_m / 111_000, margin_m / 80_000
    return min(lats) - dlat <= p.lat <= max(lats) + dlat and min(lngs) - dlng <= p.lng <= max(lngs) + dlng


@pytest.fixture(scope="module")
def zoned(monaco_zoned: Path) -> OsrmLocalProvider:
    """One engine on the zoned network for the module."""
    return OsrmLocalProvider(monaco_zoned)


def test_build_records_the_zone_and_its_phase(monaco_zoned: Path) -> None:
    """network.json names the zone, its OSRM class and its polygon's digest; the build timed a zones phase and
    logged how many roads it tagged."""
    meta = read_meta(monaco_zoned)
    assert meta.zones == (ZoneClass("zon_casino", "zone1", geometry_sha256(casino_zone())),)
    assert list(meta.build_seconds) == ["check", "zones", "extract", "partition", "customize", "addresses"]
    log = (monaco_zoned / "build.log").read_text(encoding="utf-8")
    tagged = int(log.split("# access zones: ")[1].split()[0])
    assert 50 < tagged < 200  # the streets around the Casino, not the whole town


def test_avoiding_the_zone_is_never_shorter_and_longer_across_it(
    zoned: OsrmLocalProvider, monaco_points: list[LatLng]
) -> None:
    """Between points away from the zone, every drive that avoids it takes at least as long as the free one, and
    the drive from WEST to EAST (which crosses it) takes minutes longer."""
    pts = [WEST, EAST, *(p for p in monaco_points if not _near_zone(p) and 7.40 < p.lng < 7.44 and p.lat < 43.76)]
    free = zoned.matrix(pts, SpeedProfile.CAR)
    around = zoned.matrix(pts, SpeedProfile.CAR, avoid=AVOID)
    assert [w.code for w in around.warnings] == [w.code for w in free.warnings]  # no W3006: the network knows it
    assert bool((around.durations >= free.durations).all())
    assert int(free.durations[0, 1]) < 300 and int(around.durations[0, 1]) - int(free.durations[0, 1]) > 120
    crossing = (around.durations > free.durations) & (around.durations < UNREACHABLE)
    assert int(crossing.sum()) > len(pts)  # many pairs take a detour, not just one


def test_route_legs_around_the_zone_never_enter_it(zoned: OsrmLocalProvider) -> None:
    """The free road path from WEST to EAST runs through the zone; the path avoiding it has no point inside."""
    zone = casino_zone()
    free = zoned.route_legs([WEST, EAST], SpeedProfile.CAR)
    around = zoned.route_legs([WEST, EAST], SpeedProfile.CAR, avoid=AVOID)
    assert free is not None and around is not None
    assert any(zone.contains(p) for p in free[0].path[1:-1])
    assert not any(zone.contains(p) for p in around[0].path)
    assert around[0].duration_s > free[0].duration_s


def test_cache_keeps_avoiding_and_free_pairs_apart(zoned: OsrmLocalProvider, tmp_path: Path) -> None:
    """A cached free matrix is not served for a trip that avoids the zone (and the other way round)."""
    cached = CachedProvider(zoned, tmp_path / "pairs.sqlite")
    free = cached.matrix([WEST, EAST], SpeedProfile.CAR)
    around = cached.matrix([WEST, EAST], SpeedProfile.CAR, avoid=AVOID)
    assert np.array_equal(around.durations, zoned.matrix([WEST, EAST], SpeedProfile.CAR, avoid=AVOID).durations)
    assert int(around.durations[0, 1]) > int(free.durations[0, 1])
    assert np.array_equal(cached.matrix([WEST, EAST], SpeedProfile.CAR).durations, free.durations)


def test_too_many_zones_is_e3014_with_every_problem(monaco_pbf: Path, tmp_path: Path) -> None:
    """Three zones on a car network, one of them twice: two E3014 issues at once, before any OSRM tool runs."""
    zones = [casino_zone(), replace(casino_zone(), id="zon_b"), casino_zone()]
    with pytest.raises(DoorstepError) as exc:
        build_network(monaco_pbf, tmp_path / "net", zones=zones)
    assert [i.code for i in exc.value.issues] == ["E3014", "E3014"]
    assert "a car road network holds at most 2" in exc.value.issues[0].message
    assert exc.value.issues[1].message == "access zone zon_casino is given twice"
    assert not (tmp_path / "net" / "build.log").exists()
    assert [max_zones(p) for p in NetworkProfile] == [2, 2, 3, 3]


def test_a_zone_the_network_does_not_know_is_w3006(monaco_network: Path, zoned: OsrmLocalProvider) -> None:
    """A network built without the zone, and a zone whose polygon changed since the build, each give W3006."""
    plain = OsrmLocalProvider(monaco_network).matrix([WEST, EAST], SpeedProfile.CAR, avoid=AVOID)
    assert [(w.code, w.id) for w in plain.warnings] == [("W3006", "zon_casino")]
    moved = replace(casino_zone(), polygons=((tuple(LatLng(a + 0.001, b) for a, b in CASINO_CORNERS),),))
    assert [w.code for w in zoned.check_zones([moved])] == ["W3006"]
    assert "rebuilt with --zones" in zoned.check_zones([moved])[0].message
    assert zoned.check_zones([casino_zone()]) == []


def test_straight_line_cannot_avoid_a_zone() -> None:
    """The straight-line model answers as usual, with one W3006 per zone it was asked to avoid."""
    m = StraightLineProvider().matrix([WEST, EAST], SpeedProfile.VAN, avoid=frozenset({"zon_b", "zon_a"}))
    assert [(w.code, w.id) for w in m.warnings] == [("W3006", "zon_a"), ("W3006", "zon_b")]
    assert StraightLineProvider().matrix([WEST, EAST], SpeedProfile.VAN).warnings == []


def test_metadata_written_before_zones_still_loads(monaco_network: Path, tmp_path: Path) -> None:
    """A network.json without the zones key (older builds) reads back with no zones."""
    for f in monaco_network.iterdir():
        (tmp_path / f.name).symlink_to(f)
    data = json.loads((monaco_network / META_FILE).read_text(encoding="utf-8"))
    data.pop("zones", None)
    (tmp_path / META_FILE).unlink()
    (tmp_path / META_FILE).write_text(json.dumps(data), encoding="utf-8")
    assert read_meta(tmp_path).zones == ()


def test_zone_digest_depends_on_the_area_only() -> None:
    """Renaming a zone or changing its vehicle types keeps the digest; moving a corner changes it."""
    zone = casino_zone()
    same = AccessZone(id="other", name="x", polygons=zone.polygons, vehicle_type_ids=frozenset({"vty_x"}))
    assert geometry_sha256(same) == geometry_sha256(zone)
    ring = zone.polygons[0][0]
    moved = replace(zone, polygons=(((LatLng(ring[0].lat + 1e-5, ring[0].lng), *ring[1:]),),))
    assert geometry_sha256(moved) != geometry_sha256(zone)
