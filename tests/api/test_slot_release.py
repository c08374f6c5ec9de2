"""Giving a hold back (the customer chose another window), on SQLite and PostgreSQL: the place is free at once,
once (a second release changes nothing), the hold cannot be confirmed any more, and a confirmed hold is E2256."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.store.models import EventRow, SlotCountRow
from tests.api.conftest import Tenant, platform_of
from tests.api.slot_day import confirm, eve, hold, offers, policy, put_policy

__all__ = ["eve"]


def _taken(client: TestClient, t: Tenant) -> int:
    with platform_of(client).sessions() as s:
        return sum(r.taken for r in s.scalars(select(SlotCountRow).where(SlotCountRow.org_id == t.org_id)))


def _events(client: TestClient, subject: str) -> list[str]:
    with platform_of(client).sessions() as s:
        q = select(EventRow.type).where(EventRow.subject_id == subject).order_by(EventRow.at, EventRow.id)
        return list(s.scalars(q))


def _release(client: TestClient, t: Tenant, hold_id: str) -> Any:
    return client.post(f"/v1/slots/holds/{hold_id}/release", headers=t.h("write"))


def test_release_frees_the_place_once(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """With a maximum of one, a released hold's window is offered and held again at once; releasing twice takes
    one place off; the released hold confirms as E2253."""
    put_policy(client, tenant, policy(tenant, max_orders=1))
    pick = next(o for o in offers(client, tenant)["offers"] if o["service_level"] == "standard")
    h = hold(client, tenant, pick["id"]).json()
    assert _taken(client, tenant) == 1
    first = _release(client, tenant, h["id"])
    assert first.status_code == 200 and first.json()["status"] == "released"
    second = _release(client, tenant, h["id"])
    assert second.json()["status"] == "released"
    assert _taken(client, tenant) == 0
    assert _events(client, h["id"]) == ["slot.held", "slot.released"]
    late = confirm(client, tenant, h["id"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2253"
    again = next(o for o in offers(client, tenant)["offers"] if o["start"] == pick["start"]
                 and o["service_level"] == "standard")  # fmt: skip
    assert again["capacity_left"] == 1
    assert hold(client, tenant, again["id"]).status_code == 201


def test_a_confirmed_hold_is_not_released(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """Release after confirmation is E2256 naming the order; the place stays taken."""
    put_policy(client, tenant, policy(tenant))
    pick = next(o for o in offers(client, tenant)["offers"] if o["service_level"] == "standard")
    h = hold(client, tenant, pick["id"]).json()
    order_id = confirm(client, tenant, h["id"]).json()["order_id"]
    r = client.post(f"/v1/slots/holds/{h['id']}/release", headers=tenant.h("write"))
    assert r.status_code == 409
    err = r.json()["error"]
    assert (err["code"], err["details"][0]["id"]) == ("E2256", order_id)
    assert _taken(client, tenant) == 1
