"""Database fixtures: a migrated SQLite file and a throwaway PostgreSQL database per test session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from doorstep.store.engine import make_engine
from doorstep.store.migrate import upgrade

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
        if os.environ.get("CI"):
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
