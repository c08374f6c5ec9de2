"""Offers priced against a published plan, and the promise behind them: every offered window, once confirmed, is
kept by the re-planned day (no confirmed order unassigned, the independent checker finds nothing late)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from doorstep.store.models import PlanRow
from tests.api.conftest import Tenant, platform_of
from tests.api.live_day import publish_day
from tests.api.slot_day import confirm, eve, hold, offers, policy, put_policy
from tests.api.test_plans import plan_now

__all__ = ["eve"]

SPOT = {"lat": 38.720, "lng": -9.140}  # a stop of the published day (tests.api.test_plans.SPOTS[0])
ACROSS = {"lat": 38.780, "lng": -9.230}  # about 11 km from the depot, far from every stop


def test_offer_beside_a_planned_stop_is_green(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """On a published day, the same address as a planned stop adds (almost) no kilometres in the windows its van
    is there and is flagged green; an address across town adds kilometres and is never green (these vans have no
    costs: the kilometres are what differs)."""
    publish_day(client, tenant, parcels=10, n=6, dispatch=False)
    put_policy(client, tenant, policy(tenant))
    near = offers(client, tenant, SPOT)["offers"]
    far = offers(client, tenant, ACROSS)["offers"]
    assert near and far
    assert any(o["green"] for o in near) and not any(o["green"] for o in far)
    assert min(o["km_added"] for o in near) < 1.0 < min(o["km_added"] for o in far)


def _customers(seed: int, n: int) -> list[dict[str, float]]:
    """Seeded addresses within 6 km of the depot."""
    rnd = random.Random(seed)
    return [{"lat": round(38.7372 + rnd.uniform(-0.05, 0.05), 5), "lng": round(-9.1034 + rnd.uniform(-0.06, 0.04), 5)}
            for _ in range(n)]  # fmt: skip


def _stored_plan(client: TestClient, plan_id: str) -> dict[str, Any]:
    p = platform_of(client)
    with p.sessions() as s:
        row = s.get(PlanRow, plan_id)
        assert row is not None and row.result is not None
        return row.result


def test_every_offered_window_confirmed_is_kept(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """A seeded day: 14 customers one by one each take a (seeded) random offered window and confirm it; the
    re-planned day serves every confirmed order inside its window, checker-clean."""
    publish_day(client, tenant, parcels=30, n=6, dispatch=False)
    put_policy(client, tenant, policy(tenant, max_orders=3))
    rnd = random.Random(15)
    confirmed: dict[str, tuple[str, str]] = {}
    for spot in _customers(15, 14):
        got = offers(client, tenant, spot)["offers"]
        assert got, spot
        pick = rnd.choice(got)
        h = hold(client, tenant, pick["id"])
        assert h.status_code == 201, h.text
        c = confirm(client, tenant, h.json()["id"])
        assert c.status_code == 201, c.text
        confirmed[c.json()["order_id"]] = (pick["start"], pick["end"])
    plan = plan_now(client, tenant)
    assert plan["status"] == "succeeded", plan
    doc = _stored_plan(client, plan["id"])
    result, problem, _ = plan_from_dict(doc)
    assert [u.order_id for u in result.unassigned if u.order_id in confirmed] == []
    assert check_plan(problem, result) == []
    served = {s.order_id: s for r in result.routes for s in r.stops if s.order_id in confirmed}
    assert set(served) == set(confirmed)
    for oid, (start, end) in confirmed.items():
        assert datetime.fromisoformat(start) <= served[oid].start <= datetime.fromisoformat(end)
