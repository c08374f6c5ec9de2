"""Building road networks from OpenStreetMap extracts, their metadata, and every way a build or a folder can be bad."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.network_build import build_network, network_name
from doorstep.routing.network_meta import (
    META_FILE,
    Algorithm,
    NetworkProfile,
    parse_profile,
    pick_network,
    read_meta,
)
from doorstep.routing.osrm_local import OsrmLocalProvider


def codes(exc: pytest.ExceptionInfo[DoorstepError]) -> list[str]:
    """The codes of every issue in a raised DoorstepError."""
    return [i.code for i in exc.value.issues]


def test_metadata_records_source_checksum_area_profile_algorithm_and_phases(
    monaco_network: Path, monaco_pbf: Path, monaco_points: list[LatLng]
) -> None:
    """network.json holds the extract's sha256, its area, the profile, the algorithm, phase times and versions."""
    meta = read_meta(monaco_network)
    assert meta.source_sha256 == hashlib.sha256(monaco_pbf.read_bytes()).hexdigest()
    assert meta.source_bytes == monaco_pbf.stat().st_size
    assert (meta.profile, meta.algorithm) == (NetworkProfile.CAR, Algorithm.MLD)
    assert list(meta.build_seconds) == ["check", "extract", "partition", "customize", "addresses"]
    assert all(s >= 0 for s in meta.build_seconds.values())
    assert meta.osrm_version.startswith("v")
    assert meta.peak_rss_bytes > 0
    assert "OpenStreetMap contributors" in meta.attribution
    inside = sum(meta.bbox.contains(p) for p in monaco_points)
    assert inside == len(monaco_points)
    assert not meta.bbox.contains(LatLng(48.85, 2.35))
    stored = json.loads((monaco_network / META_FILE).read_text(encoding="utf-8"))
    assert stored["source_sha256"] == meta.source_sha256 and stored["profile"] == "car"


def test_ch_van_network_is_slower_than_car_on_the_same_trips(
    monaco_network: Path, monaco_van_ch: Path, monaco_points: list[LatLng]
) -> None:
    """The van profile (90 % of car speeds, CH) gives longer durations than car on the same pairs, never shorter."""
    meta = read_meta(monaco_van_ch)
    assert (meta.profile, meta.algorithm) == (NetworkProfile.VAN, Algorithm.CH)
    assert "contract" in meta.build_seconds
    pts = monaco_points[:40]
    car = OsrmLocalProvider(monaco_network).matrix(pts, SpeedProfile.CAR)
    van = OsrmLocalProvider(monaco_van_ch).matrix(pts, SpeedProfile.VAN)
    ok = (car.durations < 10**9) & (van.durations < 10**9) & (car.durations > 60)
    assert ok.sum() > 500
    ratio = van.durations[ok] / car.durations[ok]
    assert ratio.min() >= 0.99
    assert 1.05 < float(ratio.mean()) < 1.3


def test_unknown_profile_is_e3001() -> None:
    """An unknown profile name is refused with the allowed ones listed; 'bicycle' means bike."""
    with pytest.raises(DoorstepError) as exc:
        parse_profile("boat")
    assert codes(exc) == ["E3001"]
    assert "car, van, bike, foot" in exc.value.issues[0].message
    assert parse_profile("Bicycle") is NetworkProfile.BIKE


def test_missing_or_non_pbf_input_is_e3002(tmp_path: Path) -> None:
    """A missing extract, or a file that is not .osm.pbf, stops the build before any tool runs."""
    with pytest.raises(DoorstepError) as exc:
        build_network(tmp_path / "nope.osm.pbf", tmp_path / "out")
    assert codes(exc) == ["E3002"]
    xml = tmp_path / "city.osm"
    xml.write_text("<osm/>", encoding="utf-8")
    with pytest.raises(DoorstepError) as exc:
        build_network(xml, tmp_path / "out")
    assert codes(exc) == ["E3002"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("keep", [100, 900_000])
def test_truncated_extract_is_e3003(monaco_pbf: Path, tmp_path: Path, keep: int) -> None:
    """A truncated download (header only, or cut mid-file) is E3003 and leaves no network.json behind."""
    bad = tmp_path / "cut.osm.pbf"
    bad.write_bytes(monaco_pbf.read_bytes()[:keep])
    with pytest.raises(DoorstepError) as exc:
        build_network(bad, tmp_path / "net")
    assert codes(exc) == ["E3003"]
    assert not (tmp_path / "net" / META_FILE).exists()


def test_network_name_is_safe_for_osrm_files() -> None:
    """The base name drops .osm.pbf and any character that is awkward in a file name."""
    assert network_name(Path("porto_portugal.osm.pbf")) == "porto_portugal"
    assert network_name(Path("île de france.osm.pbf")) == "île_de_france"


def test_missing_incomplete_or_garbled_folder_is_e3005(monaco_network: Path, tmp_path: Path) -> None:
    """No folder, no network.json, missing OSRM files, or unreadable JSON: each is E3005 naming the folder."""
    cases = []
    cases.append(tmp_path / "absent")
    empty = tmp_path / "empty"
    empty.mkdir()
    cases.append(empty)
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(monaco_network / META_FILE, partial / META_FILE)
    cases.append(partial)
    garbled = tmp_path / "garbled"
    shutil.copytree(monaco_network, garbled)
    (garbled / META_FILE).write_text("{not json", encoding="utf-8")
    cases.append(garbled)
    for folder in cases:
        with pytest.raises(DoorstepError) as exc:
            read_meta(folder)
        assert codes(exc) == ["E3005"], folder
        assert str(folder) in exc.value.issues[0].message


def test_corrupt_osrm_file_is_e3007(monaco_network: Path, tmp_path: Path) -> None:
    """A damaged OSRM file makes the engine refuse to load: E3007, not a crash."""
    broken = tmp_path / "broken"
    shutil.copytree(monaco_network, broken)
    (broken / "monaco.osrm.mldgr").write_bytes(b"")
    with pytest.raises(DoorstepError) as exc:
        OsrmLocalProvider(broken)
    assert codes(exc) == ["E3007"]


def test_profile_compatibility_warns_or_refuses(monaco_network: Path) -> None:
    """A car network serves vans with W3002, serves cars silently, and refuses bikes and walkers (E3006)."""
    meta = read_meta(monaco_network)
    assert pick_network(meta, SpeedProfile.CAR) is None
    warn = pick_network(meta, SpeedProfile.VAN)
    assert warn is not None and warn.code == "W3002"
    for profile in (SpeedProfile.BIKE, SpeedProfile.CARGO_BIKE, SpeedProfile.FOOT):
        issue = pick_network(meta, profile)
        assert issue is not None and issue.code == "E3006"
        assert "--profile" in issue.fix


def test_output_folder_that_cannot_be_created_is_e3004(monaco_pbf: Path, tmp_path: Path) -> None:
    """--out pointing below an ordinary file cannot be created: E3004 before any tool runs."""
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DoorstepError) as exc:
        build_network(monaco_pbf, blocker / "net")
    assert codes(exc) == ["E3004"]


def test_relative_output_folder_builds(monaco_pbf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--out given relative to the working directory (as `make demo-roads` does) builds a loadable network."""
    monkeypatch.chdir(tmp_path)
    meta = build_network(monaco_pbf, Path("nets") / "rel")
    assert meta.folder == tmp_path / "nets" / "rel"
    assert (
        OsrmLocalProvider(Path("nets") / "rel").matrix([LatLng(43.7347, 7.4206)] * 2, SpeedProfile.CAR).warnings == []
    )
