"""One stop per pickup point: a day's orders to a point are planned as one visit, checker-clean."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from tests.api.conftest import Tenant, platform_of
from tests.api.pickup_day import make_point, point_order
from tests.api.test_plans import SPOTS, plan_now


def stored_doc(client: TestClient, t: Tenant, plan_id: str) -> dict[str, Any]:
    """The stored plan document (plan and the problem it answers)."""
    with platform_of(client).uow(t.org_id) as uow:
        doc: dict[str, Any] = uow.plans.require(plan_id).result or {}
    return doc


def test_point_orders_are_one_visit_and_checker_clean(client: TestClient, tenant: Tenant) -> None:
    """Five orders to one point and three ordinary orders: the point's orders are consecutive stops of one route at
    the point, with no driving between them and one handover time (300 s once + 10 s per parcel), and the
    independent checker finds no violation in the stored plan."""
    pt = make_point(client, tenant, capacity_parcels=20)
    items = [point_order(tenant, pt["id"], f"P-{k}", size={"parcels": 1 + k % 2}) for k in range(5)]
    items += [tenant.order(f"N-{k}", location={"lat": SPOTS[k][0], "lng": SPOTS[k][1]}) for k in range(3)]
    resp = client.post("/v1/orders/bulk", json={"orders": items}, headers=tenant.h())
    assert resp.status_code == 201, resp.text
    point_ids = {o["id"] for o in resp.json()["orders"][:5]}
    plan = plan_now(client, tenant)
    assert plan["status"] == "succeeded" and plan["unassigned"] == [], plan
    doc = stored_doc(client, tenant, plan["id"])
    routed, problem, _ = plan_from_dict(doc)
    assert check_plan(problem, routed) == []
    visits = [(r.id, k, s) for r in routed.routes for k, s in enumerate(r.stops) if s.order_id in point_ids]
    assert len(visits) == 5 and len({rid for rid, _, _ in visits}) == 1
    positions = [k for _, k, _ in visits]
    assert positions == list(range(positions[0], positions[0] + 5))  # one visit: back to back
    stops = [s for _, _, s in visits]
    assert all(s.location == stops[0].location for s in stops)
    assert [s.travel_s for s in stops[1:]] == [0, 0, 0, 0]
    assert all(a.departure == b.arrival == b.start for a, b in itertools.pairwise(stops))
    parcels = sum(1 + k % 2 for k in range(5))
    assert sum(s.service_s for s in stops) == 300 + 10 * parcels
    assert routed.stats.orders_total == 8 and routed.stats.orders_assigned == 8


def test_point_orders_left_out_are_each_listed(client: TestClient, tenant: Tenant) -> None:
    """When the merged visit cannot be served (too big for the van), every order of the point is unassigned with
    the reason, not one stand-in."""
    pt = make_point(client, tenant, capacity_parcels=500)
    items = [point_order(tenant, pt["id"], f"P-{k}", size={"parcels": 40}) for k in range(3)]
    resp = client.post("/v1/orders/bulk", json={"orders": items}, headers=tenant.h())
    assert resp.status_code == 201, resp.text
    plan = plan_now(client, tenant)
    assert sorted(u["external_ref"] for u in plan["unassigned"]) == ["P-0", "P-1", "P-2"]
    assert {u["reason"] for u in plan["unassigned"]} == {"CAPACITY"}
    routed, problem, _ = plan_from_dict(stored_doc(client, tenant, plan["id"]))
    assert check_plan(problem, routed) == []
