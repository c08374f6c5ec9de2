"""Migrations, the UTC timestamp type, organization-scoped repositories and the unit of work."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select

from doorstep.domain.errors import DoorstepError
from doorstep.domain.ids import new_id
from doorstep.store.engine import make_session_factory, normalize_url
from doorstep.store.migrate import current_revision, downgrade, head_revision, upgrade
from doorstep.store.models import Base, DepotRow, OrderRow, OrganizationRow
from doorstep.store.uow import UnitOfWork


def _org(engine: Engine) -> str:
    org_id = new_id("org")
    with make_session_factory(engine)() as s:
        s.add(OrganizationRow(id=org_id, name="Test org"))
        s.commit()
    return org_id


def _depot(uow: UnitOfWork) -> DepotRow:
    return uow.depots.add(
        DepotRow(id=new_id("dep"), name="Hub", lat=38.7, lng=-9.1, timezone="Europe/Lisbon", opens=None, closes=None)
    )


def test_migrations_match_the_models(db_engine: Engine) -> None:
    """After `upgrade head` the schema equals the SQLAlchemy models (no pending autogenerate diff)."""
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert current_revision(db_engine) == head_revision()


def test_downgrade_to_base_and_back(tmp_path: object) -> None:
    """Migrations can be reverted to an empty database and applied again (SQLite)."""
    url = f"sqlite:///{tmp_path}/m.sqlite"
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)
    from doorstep.store.engine import make_engine

    assert current_revision(make_engine(url)) == head_revision()


def test_timestamps_come_back_aware_in_utc(db_engine: Engine) -> None:
    """A datetime stored with any offset is read back as the same instant, UTC-aware, on both databases."""
    org = _org(db_engine)
    sessions = make_session_factory(db_engine)
    lisbon_summer = datetime(2025, 6, 17, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    with UnitOfWork(sessions, org) as uow:
        dep = _depot(uow)
        dep.created_at = lisbon_summer
        uow.commit()
        dep_id = dep.id
    with UnitOfWork(sessions, org) as uow:
        got = uow.depots.require(dep_id).created_at
    assert got == lisbon_summer and got.tzinfo is not None and got.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(db_engine: Engine) -> None:
    """Storing a naive datetime is a bug and raises instead of guessing a zone."""
    org = _org(db_engine)
    with UnitOfWork(make_session_factory(db_engine), org) as uow:
        dep = _depot(uow)
        dep.created_at = datetime(2025, 1, 1, 12, 0)
        with pytest.raises(Exception, match="naive"):
            uow.flush()


def test_repositories_never_cross_organizations(db_engine: Engine) -> None:
    """A row of organization A is invisible to B's unit of work: get is None, require raises E1302, lists omit it."""
    sessions = make_session_factory(db_engine)
    org_a, org_b = _org(db_engine), _org(db_engine)
    with UnitOfWork(sessions, org_a) as uow:
        dep_id = _depot(uow).id
        uow.commit()
    with UnitOfWork(sessions, org_b) as uow:
        assert uow.depots.get(dep_id) is None
        assert uow.depots.all() == []
        assert uow.depots.get_many([dep_id]) == {}
        with pytest.raises(DoorstepError) as exc:
            uow.depots.require(dep_id)
        assert exc.value.code == "E1302"
    with UnitOfWork(sessions, org_a) as uow:
        assert [d.id for d in uow.depots.all()] == [dep_id]


def test_uncommitted_work_is_rolled_back(db_engine: Engine) -> None:
    """Leaving the unit of work without commit (or by an exception) leaves nothing half-written."""
    sessions = make_session_factory(db_engine)
    org = _org(db_engine)
    with pytest.raises(RuntimeError), UnitOfWork(sessions, org) as uow:
        dep = _depot(uow)
        uow.orders.add(
            OrderRow(
                id=new_id("ord"),
                external_ref="A-1",
                depot_id=dep.id,
                day=date(2025, 6, 17),
                status="new",
                kind="delivery",
                lat=38.7,
                lng=-9.1,
                data={},
            )
        )
        uow.flush()
        raise RuntimeError("crash mid-request")
    with sessions() as s:
        assert s.scalars(select(DepotRow).where(DepotRow.org_id == org)).all() == []
        assert s.scalars(select(OrderRow).where(OrderRow.org_id == org)).all() == []


def test_keyset_pages_cover_every_row_once(db_engine: Engine) -> None:
    """Paging by id with a cursor returns each row exactly once, in id order."""
    sessions = make_session_factory(db_engine)
    org = _org(db_engine)
    with UnitOfWork(sessions, org) as uow:
        ids = [_depot(uow).id for _ in range(7)]
        uow.commit()
    seen: list[str] = []
    cursor = None
    with UnitOfWork(sessions, org) as uow:
        while page := uow.depots.page(after=cursor, limit=3):
            seen += [d.id for d in page]
            cursor = page[-1].id
    assert seen == sorted(ids)


def test_postgres_urls_use_psycopg3() -> None:
    """Plain postgresql:// URLs are routed to the psycopg 3 driver; other URLs are untouched."""
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
