"""``get_for_update`` serializes read-then-write claims on both databases: two transactions that each read a row
and write it back one higher, released at once, end two higher (none of the writes is lost). SQLite ignores
``FOR UPDATE``, which is why the helper exists."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

from doorstep.domain.ids import new_id
from doorstep.store.engine import make_session_factory
from doorstep.store.locking import get_for_update
from doorstep.store.models import DepotRow, OrganizationRow


def _depot(engine: Engine) -> str:
    org_id, depot_id = new_id("org"), new_id("dep")
    with make_session_factory(engine)() as s:
        s.add(OrganizationRow(id=org_id, name="Locking org"))
        s.flush()
        s.add(DepotRow(id=depot_id, org_id=org_id, name="Hub", lat=38.7, lng=-9.1, timezone="Europe/Lisbon"))
        s.commit()
    return depot_id


def test_two_claims_at_once_both_count(db_engine: Engine) -> None:
    """Each claimant reads the depot's version, waits 0.3 s (another claimant has read it by then, were it not
    locked) and writes version + 1: the version ends 2 higher, and the second claimant waited for the first."""
    depot_id = _depot(db_engine)
    sessions = make_session_factory(db_engine)
    with sessions() as s:
        before = s.get(DepotRow, depot_id).version  # type: ignore[union-attr]
    start, seen, failures = threading.Barrier(2), list[int](), list[BaseException]()

    def claim() -> None:
        try:
            start.wait()
            with sessions() as s:
                row = get_for_update(s, DepotRow, depot_id)
                assert row is not None
                seen.append(row.version)
                time.sleep(0.3)
                row.version += 1
                s.commit()
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert failures == []
    with sessions() as s:
        after = s.get(DepotRow, depot_id).version  # type: ignore[union-attr]
    assert (sorted(seen), after) == ([before, before + 1], before + 2)


def test_a_missing_row_is_none(db_engine: Engine) -> None:
    """No row with the id: None, and nothing else changed."""
    with make_session_factory(db_engine)() as s:
        assert get_for_update(s, DepotRow, "dep_none") is None
