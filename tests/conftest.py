"""Shared fixtures: OpenStreetMap extracts from ../shared/osm and road networks built from them once per session;
a migrated SQLite file and a throwaway PostgreSQL database per test session."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from doorstep.domain.geo import LatLng
from doorstep.domain.zones import AccessZone
from doorstep.routing.address_index import INDEX_FILE, build_address_index
from doorstep.store.engine import make_engine
from doorstep.store.migrate import upgrade
from tests.browser import browser, chromium

__all__ = ["browser", "chromium"]  # the one browser fixture point (tests/browser.py), for every test package

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
def monaco_foot(monaco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A walking network (MLD) built from the Monaco extract, once per test session (about 4 s)."""
    from doorstep.routing.network_build import build_network
    from doorstep.routing.network_meta import NetworkProfile

    out = tmp_path_factory.mktemp("net") / "monaco-foot"
    build_network(monaco_pbf, out, NetworkProfile.FOOT)
    return out


@pytest.fixture(scope="session")
def heidelberg_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Heidelberg and its villages (2024 extract): the address index alone (several streets called Hauptstraße,
    some house numbers)."""
    folder = tmp_path_factory.mktemp("heidelberg-addresses")
    stats = build_address_index(shared_file("heidelberg.osm.pbf"), folder / INDEX_FILE)
    assert stats.streets > 1_000 and stats.addresses > 500
    return folder


@pytest.fixture(scope="session")
def monaco_van_ch(monaco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A van network (CH) built from the Monaco extract, once per test session."""
    from doorstep.routing.network_build import build_network
    from doorstep.routing.network_meta import Algorithm, NetworkProfile

    out = tmp_path_factory.mktemp("net") / "monaco-van-ch"
    build_network(monaco_pbf, out, NetworkProfile.VAN, Algorithm.CH)
    return out


# An access zone over the streets around Place du Casino (lat, lng corners): shortest paths between the port and
# Larvotto cross it, and a car barred from it takes a few minutes longer (tests/routing/test_network_zones.py).
CASINO_CORNERS = ((43.7380, 7.4255), (43.7380, 7.4300), (43.7410, 7.4300), (43.7410, 7.4255))


def casino_zone(vehicle_type_ids: frozenset[str] = frozenset({"vty_van"})) -> AccessZone:
    """The Place du Casino zone, open to vans only unless told."""
    ring = tuple(LatLng(lat, lng) for lat, lng in CASINO_CORNERS)
    return AccessZone(id="zon_casino", name="Casino", polygons=((ring,),), vehicle_type_ids=vehicle_type_ids)


@pytest.fixture(scope="session")
def monaco_zoned(monaco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A car network (MLD) from the Monaco extract built with the Casino zone, once per session (a few seconds)."""
    from doorstep.routing.network_build import build_network

    out = tmp_path_factory.mktemp("net") / "monaco-zoned"
    build_network(monaco_pbf, out, zones=[casino_zone()])
    return out


"""Database fixtures: a migrated SQLite file and a throwaway PostgreSQL database per test session."""


PG_ADMIN_URL = os.environ.get("DOORSTEP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin() -> Engine | None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            return engine
    except Exception:
        engine.dispose()
        return None


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database URL: a SQLite file, or a PostgreSQL database created now and dropped after."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "doorstep.sqlite"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    admin = _pg_admin()
    if admin is None:
        if os.environ.get("CI") or os.environ.get("DOORSTEP_REQUIRE_SERVICES"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is not answering (.ci/run should start it)")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not answering")
    name = f"doorstep_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    """One engine per database for the session."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
