"""The position ingest's reads and writes, in as few round trips as each database allows.

A phone waits for every round trip of its batch, and under load each one may also wait for a CPU, so on
PostgreSQL a batch costs two: one read (the driver's latest fix, which client ids are stored already, whether
the route is the driver's) and one statement that inserts the fixes and moves the latest fix forward. That
statement runs in autocommit mode: it is atomic on its own and committed (synchronously, as every commit) before
it returns, so nothing is acknowledged before it is durable. SQLite has no round trips: there the batch is one
ordinary transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Engine,
    Select,
    String,
    bindparam,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, sessionmaker

from doorstep.store.models_live import LatestPositionRow, PositionRow
from doorstep.store.models_plans import RouteRow


@dataclass(frozen=True, slots=True)
class FixRow:
    """One fix to store (the driver and route are the batch's)."""

    client_id: str
    at: datetime
    lat: float
    lng: float
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None


@dataclass(frozen=True, slots=True)
class DriverState:
    """What screening a batch needs: the latest stored fix, the batch's client ids already stored, and the route
    when it is the driver's (else None: positions are the driver's even without a route)."""

    latest: FixRow | None
    known: set[str]
    route_id: str | None


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


@contextmanager
def ingest_connection(sessions: sessionmaker[Session]) -> Iterator[Connection]:
    """A connection of the sessions' engine for one batch: autocommit on PostgreSQL (see the module note), one
    transaction on SQLite, committed when the block ends (rolled back if it raises). A plain connection, not an
    ORM session: the batch runs two statements and loads no object, and a session's transaction bookkeeping
    cost more CPU than both statements' round trips."""
    with sessions() as session:
        engine = session.get_bind()
    if not isinstance(engine, Engine):
        raise TypeError(f"the sessions are bound to {engine!r}, not an engine")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
        return
    with engine.begin() as conn:
        yield conn


_PG_READ = text("""
SELECT 0, client_id, at, lat, lng, accuracy_m FROM driver_positions WHERE driver_id = :driver_id AND org_id = :org_id
UNION ALL
SELECT 1, known.client_id, NULL, NULL, NULL, NULL
FROM json_array_elements_text(CAST(:client_ids AS json)) AS asked(client_id)
CROSS JOIN LATERAL (
    SELECT p.client_id FROM positions AS p
    WHERE p.org_id = :org_id AND p.driver_id = :driver_id AND p.client_id = asked.client_id
    LIMIT 1
) AS known
UNION ALL
SELECT 2, id, NULL, NULL, NULL, NULL FROM routes WHERE id = :route_id AND org_id = :org_id AND driver_id = :driver_id
""")  # one text for every batch (prepared once per connection); lists travel as JSON, cheaper to send than arrays
# The known ids are one probe of the unique index per asked id, whatever the planner believes of the table: a
# LATERAL subquery with a LIMIT is never merged into a join, so it runs per asked id with all three columns as
# its index condition. ``client_id = ANY(ids)`` left the planner a choice, and without fresh statistics (a new
# database, autovacuum off, a driver's first batches) it chose to read every stored fix of the driver and filter
# them: ~1 us per stored fix on every batch, 2.6 ms of PostgreSQL CPU per batch at 2,600 fixes a driver.


def _sqlite_read(with_route: bool) -> CompoundSelect[Any]:
    latest, known, route = LatestPositionRow, PositionRow, RouteRow
    org_id, driver_id = bindparam("org_id", type_=String), bindparam("driver_id", type_=String)
    parts: list[Select[*tuple[Any, ...]]] = [
        select(literal_column("0"), latest.client_id, latest.at, latest.lat, latest.lng, latest.accuracy_m).where(
            latest.driver_id == driver_id, latest.org_id == org_id),
        select(literal_column("1"), known.client_id, null(), null(), null(), null()).where(
            known.org_id == org_id, known.driver_id == driver_id,
            known.client_id.in_(bindparam("client_ids", expanding=True))),
    ]  # fmt: skip
    if with_route:
        parts.append(
            select(literal_column("2"), route.id, null(), null(), null(), null()).where(
                route.id == bindparam("route_id"), route.org_id == org_id, route.driver_id == driver_id)
        )  # fmt: skip
    return union_all(*parts)


_SQLITE_READ = {with_route: _sqlite_read(with_route) for with_route in (False, True)}  # built once: cheaper to run


def read_state(conn: Connection, org_id: str, driver_id: str, route_id: str | None, ids: list[str]) -> DriverState:
    """One round trip: the latest fix, the known client ids among ``ids``, and the route if it is the driver's."""
    params = {"org_id": org_id, "driver_id": driver_id, "route_id": route_id}
    if _is_pg(conn):
        rows = conn.execute(_PG_READ, {**params, "client_ids": json.dumps(ids)})
    else:
        rows = conn.execute(_SQLITE_READ[route_id is not None], {**params, "client_ids": ids})
    last, seen, owned = None, set(), None
    for kind, client_id, at, lat, lng, accuracy_m in rows:
        if kind == 0:
            last = FixRow(client_id, at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC), lat, lng, accuracy_m)
        elif kind == 1:
            seen.add(client_id)
        else:
            owned = client_id
    return DriverState(last, seen, owned)


_PG_WRITE = text("""
WITH stored AS (
    INSERT INTO positions
        (org_id, driver_id, route_id, client_id, at, lat, lng, accuracy_m, speed_mps, heading_deg, received_at)
    SELECT :org_id, :driver_id, :route_id, f.client_id, f.at, f.lat, f.lng, f.accuracy_m, f.speed_mps,
        f.heading_deg, :received_at
    FROM json_to_recordset(CAST(:fixes AS json)) AS f(client_id varchar, at timestamptz, lat float8, lng float8,
        accuracy_m float8, speed_mps float8, heading_deg float8)
    ON CONFLICT (org_id, driver_id, client_id) DO NOTHING
    RETURNING 1
), moved AS (
    INSERT INTO driver_positions AS d (driver_id, org_id, route_id, client_id, at, lat, lng, accuracy_m)
    VALUES (:driver_id, :org_id, :route_id, :last_client_id, :last_at, :last_lat, :last_lng, :last_accuracy)
    ON CONFLICT (driver_id) DO UPDATE SET route_id = excluded.route_id, client_id = excluded.client_id,
        at = excluded.at, lat = excluded.lat, lng = excluded.lng, accuracy_m = excluded.accuracy_m
    WHERE d.at < excluded.at
)
SELECT count(*) FROM stored
""")


_SQLITE_INSERT = sqlite.insert(PositionRow).on_conflict_do_nothing(index_elements=["org_id", "driver_id", "client_id"])
_MOVED = ("route_id", "client_id", "at", "lat", "lng", "accuracy_m")
_UP = sqlite.insert(LatestPositionRow)
_SQLITE_LATEST = _UP.on_conflict_do_update(  # the latest fix moves forward, never back
    index_elements=["driver_id"],
    set_={k: _UP.excluded[k] for k in _MOVED},
    where=LatestPositionRow.at < _UP.excluded.at,
)


def write_fixes(
    conn: Connection, org_id: str, driver_id: str, route_id: str | None, fixes: list[FixRow], received_at: datetime
) -> int:
    """Insert the fixes (a copy stored meanwhile by a racing batch is skipped) and move the driver's latest fix
    forward, never back; the number of fixes this call stored. On SQLite the caller commits (``ingest_connection``
    does when its block ends)."""
    newest = max(fixes, key=lambda f: f.at)
    ctx = {"org_id": org_id, "driver_id": driver_id, "route_id": route_id}
    if _is_pg(conn):
        rows_json = json.dumps([
            {"client_id": f.client_id, "at": f.at.isoformat(), "lat": f.lat, "lng": f.lng, "accuracy_m": f.accuracy_m,
             "speed_mps": f.speed_mps, "heading_deg": f.heading_deg}
            for f in fixes
        ])  # fmt: skip
        stored = conn.execute(_PG_WRITE, {
            **ctx, "received_at": received_at, "fixes": rows_json, "last_client_id": newest.client_id,
            "last_at": newest.at, "last_lat": newest.lat, "last_lng": newest.lng, "last_accuracy": newest.accuracy_m,
        }).scalar_one()  # fmt: skip
        return int(stored)
    rows = [
        {**ctx, "client_id": f.client_id, "at": f.at, "lat": f.lat, "lng": f.lng, "accuracy_m": f.accuracy_m,
         "speed_mps": f.speed_mps, "heading_deg": f.heading_deg, "received_at": received_at}
        for f in fixes
    ]  # fmt: skip
    stored = conn.execute(_SQLITE_INSERT, rows).rowcount
    last = {"client_id": newest.client_id, "at": newest.at, "lat": newest.lat, "lng": newest.lng}
    conn.execute(_SQLITE_LATEST, {**ctx, **last, "accuracy_m": newest.accuracy_m})
    return stored
