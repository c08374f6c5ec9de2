"""Migration 0025 on a database holding notification rules saved before ``address_changed`` existed (SQLite and
PostgreSQL): the customer's confirmation of a new delivery address is on for them afterwards (a saved document
that does not list a trigger has it off), a document that already lists it keeps its choice, an organization
without saved rules keeps the defaults; downgrading takes the trigger out again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, insert, text

from doorstep.notify.rules import from_stored
from doorstep.notify.triggers import Trigger
from doorstep.store.engine import make_engine
from doorstep.store.migrate import downgrade, upgrade
from tests.store.test_migration_0016 import url

__all__ = ["url"]  # the fixture: an empty database of each kind

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
OLD = {"rules": [{"trigger": "delivered", "enabled": True, "channels": ["email"]}]}
OFF = {"rules": [{"trigger": "address_changed", "enabled": False, "channels": ["email"]}]}


def _fill(engine: Engine) -> None:
    md = MetaData()
    md.reflect(engine)
    with engine.begin() as c:
        for org_id, rules in (("org_old", OLD), ("org_off", OFF), ("org_none", None)):
            c.execute(insert(md.tables["organizations"]), {"id": org_id, "name": org_id, "created_at": NOW,
                                                           "notify_rules": rules})  # fmt: skip


def _rules(engine: Engine) -> dict[str, Any]:
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, notify_rules FROM organizations")).all()
    out: dict[str, Any] = {}
    for org_id, doc in rows:
        out[org_id] = doc if doc is None or isinstance(doc, dict) else json.loads(doc)
    return out


def test_0025_turns_the_address_confirmation_on_for_saved_rules(url: str) -> None:
    upgrade(url, "0024")
    engine = make_engine(url)
    try:
        _fill(engine)
        assert from_stored(_rules(engine)["org_old"]).rule(Trigger.ADDRESS_CHANGED).enabled is False  # before
        upgrade(url, "0025")
        after = _rules(engine)
        old = from_stored(after["org_old"])
        assert old.rule(Trigger.ADDRESS_CHANGED).enabled and old.rule(Trigger.ADDRESS_CHANGED).channels == (
            "email", "sms")  # fmt: skip
        assert old.rule(Trigger.DELIVERED).channels == ("email",)  # the organization's own choices stay
        assert after["org_off"] == OFF and after["org_none"] is None
        downgrade(url, "0024")
        assert _rules(engine) == {"org_old": OLD, "org_off": {"rules": []}, "org_none": None}
        upgrade(url, "head")
    finally:
        engine.dispose()
