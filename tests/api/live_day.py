"""Live-operations test helpers: a published, dispatched two-van day per test on the session app, and a
platform on the day's clock that records live events (import ``make_day`` into a test module to use it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.live.publish import RecordingPublisher
from doorstep.services.kernel.access import Actor, system_actor
from doorstep.services.kernel.platform import Platform
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.test_plans import add_orders, plan_now, two_vans

DAY_9_30 = datetime.fromisoformat("2025-06-17T09:30:00+01:00")


@dataclass
class Day:
    """The day under test: the client, tenant, published plan, a platform on the day's clock and its events."""

    client: TestClient
    t: Tenant
    plan: dict[str, Any]
    p: Platform
    events: RecordingPublisher
    actor: Actor
    orders: list[str]

    def now(self, when: datetime) -> None:
        """Move the platform's clock."""
        self.p.clock = lambda: when

    def route(self, route_id: str) -> dict[str, Any]:
        """The route as the API shows it now."""
        r = self.client.get(f"/v1/routes/{route_id}", headers=self.t.h())
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data

    def routes(self) -> list[dict[str, Any]]:
        """The plan's routes as the API shows them now."""
        plan = self.client.get(f"/v1/plans/{self.plan['id']}", headers=self.t.h()).json()
        return list(plan["routes"])


def publish_day(c: TestClient, t: Tenant, parcels: int = 5, n: int = 6, dispatch: bool = True) -> dict[str, Any]:
    """Plan, publish and dispatch a two-van day; return the plan."""
    two_vans(c, t, parcels)
    add_orders(c, t, n)
    plan = plan_now(c, t)
    assert plan["status"] == "succeeded", plan
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    if dispatch:
        for r in plan["routes"]:
            resp = c.post(f"/v1/routes/{r['id']}/dispatch", json={"version": r["version"]}, headers=t.h())
            assert resp.status_code == 200, resp.text
    return plan


@pytest.fixture
def make_day(client: TestClient) -> Callable[..., Day]:
    """Build a fresh published day (options: parcels per van, orders, dispatch)."""

    def build(**kw: Any) -> Day:
        t = make_tenant(client)
        plan = publish_day(client, t, **kw)
        events = RecordingPublisher()
        p = replace(platform_of(client), live=events, clock=lambda: DAY_9_30)
        orders = [s["order_id"] for r in plan["routes"] for s in r["data"]["stops"] if s.get("order_id")]
        return Day(client, t, plan, p, events, system_actor(t.org_id), orders)

    return build
