"""Shared fixtures: OpenStreetMap extracts from ../shared/osm and road networks built from them once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstep.domain.geo import LatLng

SHARED_OSM = Path(__file__).resolve().parents[1].parent / "shared" / "osm"


def shared_file(name: str) -> Path:
    """A file from ../shared/osm, or skip the test (with the reason) when the shared data is absent."""
    path = SHARED_OSM / name
    if not path.is_file():
        pytest.skip(f"needs ../shared/osm/{name} (OpenStreetMap test data), which is absent")
    return path


@pytest.fixture(scope="session")
def monaco_pbf() -> Path:
    """The Monaco extract (1.7 MB)."""
    return shared_file("monaco.osm.pbf")


@pytest.fixture(scope="session")
def monaco_points() -> list[LatLng]:
    """300 points on Monaco's roads (seed 42)."""
    data = json.loads(shared_file("monaco_points_300.json").read_text(encoding="utf-8"))
    return [LatLng(p["lat"], p["lon"]) for p in data]


@pytest.fixture(scope="session")
def monaco_network(monaco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A car network (MLD) built from the Monaco extract, once per test session (about 2 s)."""
    from doorstep.routing.network_build import build_network

    out = tmp_path_factory.mktemp("net") / "monaco-car"
    build_network(monaco_pbf, out)
    return out


@pytest.fixture(scope="session")
def monaco_van_ch(monaco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A van network (CH) built from the Monaco extract, once per test session."""
    from doorstep.routing.network_build import build_network
    from doorstep.routing.network_meta import Algorithm, NetworkProfile

    out = tmp_path_factory.mktemp("net") / "monaco-van-ch"
    build_network(monaco_pbf, out, NetworkProfile.VAN, Algorithm.CH)
    return out
