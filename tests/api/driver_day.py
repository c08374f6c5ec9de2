"""A published two-route day with a driver app session on each route (through the real API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, make_tenant
from tests.api.test_plans import add_orders, plan_now, two_vans


@dataclass
class Day:
    """The tenant, its published plan, and per route the driver id and app headers."""

    t: Tenant
    plan: dict[str, Any]
    routes: list[dict[str, Any]]
    drivers: list[str]
    tokens: list[dict[str, str]]

    def stops(self, client: TestClient, k: int = 0) -> list[dict[str, Any]]:
        """The order stops of route k as its driver's app sees them."""
        body = client.get("/v1/driver/routes", headers=self.tokens[k]).json()
        route = next(r for r in body["routes"] if r["id"] == self.routes[k]["id"])
        return [s for s in route["stops"] if s["order_id"]]


def login(client: TestClient, t: Tenant, driver_id: str) -> dict[str, str]:
    """Issue a code as the dispatcher and exchange it in the app: the app's Authorization header."""
    code = client.post(f"/v1/drivers/{driver_id}/login-codes", headers=t.h("write"))
    assert code.status_code == 201, code.text
    session = client.post("/v1/driver/session", json={"code": code.json()["code"]})
    assert session.status_code == 200, session.text
    return {"Authorization": f"Bearer {session.json()['token']}"}


def make_day(client: TestClient) -> Day:
    """Plan and publish six orders on two vans, one driver per route, each logged in to the app."""
    t = make_tenant(client)
    two_vans(client, t, parcels=3)
    add_orders(client, t, 6)
    plan = plan_now(client, t)
    assert client.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    drivers, tokens = [], []
    for k, route in enumerate(plan["routes"]):
        drv = client.post("/v1/drivers", json={"name": f"Driver {k}"}, headers=t.h()).json()["id"]
        r = client.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}, headers=t.h())
        assert r.status_code == 200, r.text
        drivers.append(drv)
        tokens.append(login(client, t, drv))
    return Day(t, plan, plan["routes"], drivers, tokens)
