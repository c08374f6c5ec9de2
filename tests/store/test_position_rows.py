"""The position ingest's one read and one write, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, text

from doorstep.domain.ids import new_id
from doorstep.store.engine import make_session_factory
from doorstep.store.models import DriverRow, LatestPositionRow, OrganizationRow, PositionRow
from doorstep.store.position_rows import (
    _PG_READ,
    _SQLITE_READ,
    FixRow,
    ingest_connection,
    read_state,
    write_fixes,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _driver(engine: Engine) -> tuple[str, str]:
    org_id, driver_id = new_id("org"), new_id("drv")
    with make_session_factory(engine)() as s:
        s.add(OrganizationRow(id=org_id, name="Test org"))
        s.flush()
        s.add(DriverRow(id=driver_id, org_id=org_id, name="Driver", phone="", user_id=None, skills=[]))
        s.commit()
    return org_id, driver_id


def _fixes(prefix: str, start: datetime, n: int) -> list[FixRow]:
    return [FixRow(f"{prefix}-{k:03d}", start + timedelta(seconds=k), 38.7 + k * 1e-4, -9.1, 5.0) for k in range(n)]


def _write(engine: Engine, org_id: str, driver_id: str, fixes: list[FixRow]) -> int:
    with ingest_connection(make_session_factory(engine)) as conn:
        return write_fixes(conn, org_id, driver_id, None, fixes, datetime.now(UTC))


def _stored(engine: Engine, driver_id: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(PositionRow.driver_id == driver_id)).scalar_one())


def test_a_racing_copy_stores_nothing_and_says_so(db_engine: Engine) -> None:
    """Two copies of a batch that both read "not stored yet": the second write stores 0, each fix is stored once."""
    org_id, driver_id = _driver(db_engine)
    fixes = _fixes("race", T0, 20)
    assert _write(db_engine, org_id, driver_id, fixes) == 20
    assert _write(db_engine, org_id, driver_id, fixes[5:] + _fixes("new", T0 + timedelta(minutes=1), 3)) == 3
    assert _stored(db_engine, driver_id) == 23


def test_the_latest_fix_moves_forward_never_back(db_engine: Engine) -> None:
    """An older batch arriving late is stored in the trail but does not replace the newer latest fix."""
    org_id, driver_id = _driver(db_engine)
    _write(db_engine, org_id, driver_id, _fixes("new", T0 + timedelta(minutes=10), 5))
    _write(db_engine, org_id, driver_id, _fixes("old", T0, 5))
    with make_session_factory(db_engine)() as s:
        latest = s.get(LatestPositionRow, driver_id)
        assert latest is not None and latest.client_id == "new-004"
        assert latest.at == T0 + timedelta(minutes=10, seconds=4)
    _write(db_engine, org_id, driver_id, _fixes("newer", T0 + timedelta(minutes=20), 2))
    with make_session_factory(db_engine)() as s:
        latest = s.get(LatestPositionRow, driver_id)
        assert latest is not None and latest.client_id == "newer-001"
    assert _stored(db_engine, driver_id) == 12


def test_read_state_finds_latest_known_ids_and_only_own_routes(db_engine: Engine) -> None:
    """The read returns the latest fix, exactly the stored ids among those asked, and no route of another driver."""
    org_id, driver_id = _driver(db_engine)
    _, other_driver = _driver(db_engine)
    _write(db_engine, org_id, driver_id, _fixes("k", T0, 4))
    with ingest_connection(make_session_factory(db_engine)) as conn:
        state = read_state(conn, org_id, driver_id, "rte_missing", ["k-001", "k-003", "k-999", "x-001"])
        empty = read_state(conn, org_id, other_driver, None, ["k-001"])
    assert state.known == {"k-001", "k-003"} and state.route_id is None
    assert state.latest == _fixes("k", T0, 4)[-1]
    assert empty.latest is None and empty.known == set() and empty.route_id is None


def test_a_batch_connection_commits_when_its_block_ends_and_sqlite_rolls_back_a_failed_one(db_engine: Engine) -> None:
    """``ingest_connection`` is a plain connection of the sessions' engine: on SQLite one transaction, committed
    when the block ends and rolled back when it raises (nothing of the batch stored); on PostgreSQL the write is
    one autocommitted statement, stored once it returned (a later failure in the block cannot undo it)."""
    org_id, driver_id = _driver(db_engine)
    sessions = make_session_factory(db_engine)
    with ingest_connection(sessions) as conn:
        assert write_fixes(conn, org_id, driver_id, None, _fixes("ok", T0, 3), datetime.now(UTC)) == 3
    assert _stored(db_engine, driver_id) == 3
    try:
        with ingest_connection(sessions) as conn:
            write_fixes(conn, org_id, driver_id, None, _fixes("boom", T0 + timedelta(minutes=1), 2), datetime.now(UTC))
            raise RuntimeError("the request failed after the write")
    except RuntimeError:
        pass
    expected = 5 if db_engine.dialect.name == "postgresql" else 3
    assert _stored(db_engine, driver_id) == expected


def test_the_known_ids_are_index_probes_not_a_scan_of_the_drivers_trail(db_engine: Engine) -> None:
    """With 2,000 fixes stored for the driver and no statistics gathered since, the read visits the positions
    table only through the unique index, one probe per asked id: no stored fix is read and filtered out."""
    org_id, driver_id = _driver(db_engine)
    for k in range(0, 2_000, 500):
        _write(db_engine, org_id, driver_id, _fixes(f"trail{k}", T0 + timedelta(hours=k // 500), 500))
    asked = [f"trail0-{k:03d}" for k in range(0, 50, 5)] + [f"new-{k:03d}" for k in range(40)]
    params = {"org_id": org_id, "driver_id": driver_id, "route_id": None}
    with ingest_connection(make_session_factory(db_engine)) as conn:
        if db_engine.dialect.name == "postgresql":
            conn.execute(text("SET plan_cache_mode = force_generic_plan"))  # as after a few batches
            try:
                sql = f"EXPLAIN (ANALYZE, FORMAT JSON) {_PG_READ.text}"
                plan = conn.execute(text(sql), {**params, "client_ids": json.dumps(asked)}).scalar_one()
            finally:
                conn.execute(text("RESET plan_cache_mode"))
            nodes = list(_nodes(plan[0]["Plan"]))
            on_positions = [n for n in nodes if n.get("Relation Name") == "positions"]
            assert on_positions and all("client_id" in n.get("Index Cond", "") for n in on_positions)
            assert all(n.get("Rows Removed by Filter", 0) == 0 for n in on_positions)
        else:
            read = _SQLITE_READ[False].params(**params, client_ids=asked)
            sql = str(read.compile(db_engine, compile_kwargs={"literal_binds": True}))
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            details = [str(r[-1]) for r in rows if " positions " in f" {r[-1]} "]
            assert details and all("client_id=?" in d for d in details), details
        state = read_state(conn, org_id, driver_id, None, asked)
    assert state.known == {f"trail0-{k:03d}" for k in range(0, 50, 5)}


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)
