"""A kept route unlocked after its plan was superseded: the next published plan replaces it (issue 13).

Before the fix, publishing skipped the routes of plans already superseded, so the unlocked route stayed
published beside the new plan's routes: its orders were on two routes of the day at once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant
from tests.api.test_plans import add_orders, plan_now, two_vans


def set_lock(client: TestClient, tenant: Tenant, route_id: str, locked: bool) -> dict[str, Any]:
    """Lock (or unlock) a route at its current version; the route after it."""
    current = client.get(f"/v1/routes/{route_id}", headers=tenant.h()).json()
    r = client.post(f"/v1/routes/{route_id}/lock", json={"locked": locked, "version": current["version"]},
                    headers=tenant.h())  # fmt: skip
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _published_routes(client: TestClient, tenant: Tenant, plans: list[dict[str, object]]) -> dict[str, list[str]]:
    """Every published route of the given plans' versions -> the orders on it."""
    out: dict[str, list[str]] = {}
    for plan in plans:
        for r in plan["routes"]:  # type: ignore[attr-defined]
            now = client.get(f"/v1/routes/{r['id']}", headers=tenant.h()).json()
            if now["status"] == "published":
                out[now["id"]] = [s["order_id"] for s in now["data"]["stops"] if s.get("order_id")]
    return out


def test_an_unlocked_kept_route_is_replaced_by_the_next_published_plan(client: TestClient, tenant: Tenant) -> None:
    two_vans(client, tenant)
    add_orders(client, tenant, 6)
    first = plan_now(client, tenant)
    assert client.post(f"/v1/plans/{first['id']}/publish", headers=tenant.h()).status_code == 200
    route = next(r for r in first["routes"] if any(s.get("order_id") for s in r["data"]["stops"]))
    set_lock(client, tenant, route["id"], True)
    second = plan_now(client, tenant)  # keeps the locked route
    assert client.post(f"/v1/plans/{second['id']}/publish", headers=tenant.h()).status_code == 200
    kept = client.get(f"/v1/routes/{route['id']}", headers=tenant.h()).json()
    assert kept["status"] == "published" and kept["locked"] is True
    set_lock(client, tenant, route["id"], False)

    third = plan_now(client, tenant)  # the unlocked route's orders are planned again
    assert third["kept_routes"] == []
    assert client.post(f"/v1/plans/{third['id']}/publish", headers=tenant.h()).status_code == 200
    assert client.get(f"/v1/routes/{route['id']}", headers=tenant.h()).json()["status"] == "superseded"
    published = _published_routes(client, tenant, [first, second, third])
    assert set(published) == {r["id"] for r in third["routes"]}
    orders = [o for stops in published.values() for o in stops]
    assert len(orders) == len(set(orders)) == 6  # each order on one published route
