"""A constraint the database enforces leaves the unit of work as a coded conflict (409), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from doorstep.domain.ids import new_id
from doorstep.store.conflicts import ConflictError
from doorstep.store.engine import make_session_factory
from doorstep.store.models import DepotRow, OrderRow, OrganizationRow
from doorstep.store.uow import UnitOfWork


def _org(engine: Engine) -> str:
    org_id = new_id("org")
    with make_session_factory(engine)() as s:
        s.add(OrganizationRow(id=org_id, name="Conflict org"))
        s.commit()
    return org_id


def _depot(org_id: str) -> DepotRow:
    return DepotRow(id=new_id("dep"), org_id=org_id, name="Hub", lat=38.7, lng=-9.1, timezone="Europe/Lisbon")


def _order(depot_id: str, ref: str) -> OrderRow:
    return OrderRow(id=new_id("ord"), external_ref=ref, depot_id=depot_id, day=date(2025, 6, 17), status="new",
                    kind="delivery", lat=38.7, lng=-9.1, address="", data={})  # fmt: skip


def test_a_unique_value_taken_meanwhile_is_e2007_naming_the_column(db_engine: Engine) -> None:
    """An external_ref already stored makes the commit a ConflictError E2007 on external_ref (org_id not shown)."""
    org = _org(db_engine)
    sessions = make_session_factory(db_engine)
    with UnitOfWork(sessions, org) as uow:
        depot = uow.depots.add(_depot(org))
        uow.flush()
        uow.orders.add(_order(depot.id, "DUP-1"))
        uow.commit()
    with pytest.raises(ConflictError) as caught, UnitOfWork(sessions, org) as uow:
        uow.orders.add(_order(depot.id, "DUP-1"))
        uow.commit()
    assert caught.value.code == "E2007"
    assert caught.value.columns == ("external_ref",)
    assert caught.value.issues[0].loc == ("external_ref",)


def test_another_constraint_is_e2010(db_engine: Engine) -> None:
    """A row whose organization does not exist (a foreign key) makes the commit a ConflictError E2010."""
    with pytest.raises(ConflictError) as caught, UnitOfWork(make_session_factory(db_engine), "org_gone") as uow:
        uow.depots.add(_depot("org_gone"))
        uow.commit()
    assert caught.value.code == "E2010"
    assert caught.value.columns == ()
