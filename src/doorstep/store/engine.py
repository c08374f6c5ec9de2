"""Engines and sessions for SQLite (embedded) and PostgreSQL (scaled), chosen by the database URL only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 30.0


def _sqlite_pragmas(busy_timeout_s: float) -> Callable[[Any, Any], None]:
    """Foreign keys on, WAL (readers never wait for the writer), and a writer that finds the database locked
    waits up to ``busy_timeout_s`` for it rather than failing at once: the largest import (100,000 rows) holds
    the write lock for about 15 s on a slow machine, so the default is 30 s."""

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return on_connect


def normalize_url(url: str) -> str:
    """``postgresql://`` URLs use psycopg 3 (the only PostgreSQL driver Doorstep installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> Engine:
    """An engine with foreign keys and WAL on SQLite, where a writer waits up to ``busy_timeout_s`` for the lock;
    on PostgreSQL a pool that recycles connections hourly (no pre-ping: it would cost a round trip on every
    checkout, and a dead connection fails one request)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        args = {"check_same_thread": False, "timeout": busy_timeout_s}
        engine = create_engine(url, echo=echo, connect_args=args)
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
        return engine
    return create_engine(url, echo=echo, pool_recycle=3600, pool_size=10, max_overflow=10)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (services return them to callers)."""
    return sessionmaker(engine, expire_on_commit=False)
