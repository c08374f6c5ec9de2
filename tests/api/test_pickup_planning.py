"""One stop per pickup point: a day's orders to a point are planned as one visit, checker-clean."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
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


def test_a_new_order_to_the_point_joins_its_visit_on_the_live_route(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two orders to a point planned and published; a third booked afterwards and inserted live (an ``insert``
    proposal, applied) joins the point's visit: right after its two stops, no driving, only its parcel's time
    (the handover is paid once per visit); the route adds no metre and the stored plan is checker-clean."""
    c, t = client, tenant
    pt = make_point(c, t, capacity_parcels=20)
    items = [point_order(t, pt["id"], f"P-{k}") for k in range(2)]
    items += [t.order(f"N-{k}", location={"lat": SPOTS[k][0], "lng": SPOTS[k][1]}) for k in range(2)]
    assert c.post("/v1/orders/bulk", json={"orders": items}, headers=t.h()).status_code == 201
    plan = plan_now(c, t)
    assert plan["status"] == "succeeded" and plan["unassigned"] == [], plan
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    monkeypatch.setattr(platform_of(c), "clock", lambda: datetime.fromisoformat("2025-06-17T07:00:00+01:00"))
    late = c.post("/v1/orders", json=point_order(t, pt["id"], "P-LATE"), headers=t.h())
    assert late.status_code == 201, late.text
    assert (late.json()["data"]["service_s"], late.json()["data"]["handover_s"]) == (310, 300)  # as if alone
    body = {"plan_id": plan["id"], "kind": "insert", "subject_id": late.json()["id"], "auto_approve": True}
    prop = c.post("/v1/live/proposals", json=body, headers=t.h())
    assert prop.status_code == 201 and prop.json()["status"] == "applied", prop.text
    assert prop.json()["options"][0]["distance_delta_m"] == 0
    (route,) = plan["routes"]
    stops = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["data"]["stops"]
    at_point = [k for k, s in enumerate(stops) if s.get("external_ref", "").startswith("P-")]
    assert [stops[k]["external_ref"] for k in at_point][-1] == "P-LATE"
    assert at_point == list(range(at_point[0], at_point[0] + 3))  # one visit, the new parcel last
    joined = stops[at_point[-1]]
    assert (joined["service_s"], joined["travel_s"], joined["arrival"]) == (10, 0, stops[at_point[1]]["departure"])
    routed, problem, _ = plan_from_dict(stored_doc(c, t, plan["id"]))
    assert check_plan(problem, routed) == []


def test_cancelling_the_first_order_of_a_visit_gives_the_handover_to_the_next(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three orders to a point planned as one visit (310, 10, 10 s) and published; the first cancelled on the live
    route (a ``cancel`` proposal, applied): the visit's new first order takes the handover (310 s), the last keeps
    10 s, and the stored plan is checker-clean (the stored problem keeps each order's own handover)."""
    c, t = client, tenant
    pt = make_point(c, t, capacity_parcels=20)
    items = [point_order(t, pt["id"], f"P-{k}") for k in range(3)]
    made = c.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert made.status_code == 201, made.text
    plan = plan_now(c, t)
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    (route,) = plan["routes"]
    stops = [s for s in route["data"]["stops"] if s.get("external_ref", "").startswith("P-")]
    assert [s["service_s"] for s in stops] == [310, 10, 10]
    monkeypatch.setattr(platform_of(c), "clock", lambda: datetime.fromisoformat("2025-06-17T07:00:00+01:00"))
    body = {"plan_id": plan["id"], "kind": "cancel", "subject_id": stops[0]["order_id"], "auto_approve": True}
    prop = c.post("/v1/live/proposals", json=body, headers=t.h())
    assert prop.status_code == 201 and prop.json()["status"] == "applied", prop.text
    after = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["data"]["stops"]
    assert [(s["external_ref"], s["service_s"]) for s in after if s.get("order_id")] == [
        (stops[1]["external_ref"], 310), (stops[2]["external_ref"], 10),
    ]  # fmt: skip
    routed, problem, _ = plan_from_dict(stored_doc(c, t, plan["id"]))
    assert check_plan(problem, routed) == []
