"""GET /v1/plans/{id}/compare on SQLite and PostgreSQL: against the published plan (or E2190), per-vehicle
changes, routes kept by a locked re-plan counted on both sides, and other organizations' plans unseen."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, make_tenant
from tests.api.test_plan_unlock import set_lock
from tests.api.test_plans import add_orders, plan_now, two_vans


def test_compare_needs_a_published_plan(client: TestClient, tenant: Tenant) -> None:
    add_orders(client, tenant, 2)
    plan = plan_now(client, tenant)
    r = client.get(f"/v1/plans/{plan['id']}/compare", headers=tenant.h("read"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2190", r.text


def test_compare_with_the_published_plan(client: TestClient, tenant: Tenant) -> None:
    """A second plan serving one more order: orders served +1, the new order among the vehicles' added stops,
    cost and km the sums of the routes of each plan."""
    two_vans(client, tenant)
    add_orders(client, tenant, 4)
    first = plan_now(client, tenant)
    assert client.post(f"/v1/plans/{first['id']}/publish", headers=tenant.h()).status_code == 200
    extra = client.post("/v1/orders", json=tenant.order("EXTRA"), headers=tenant.h())
    assert extra.status_code == 201, extra.text
    second = plan_now(client, tenant)
    r = client.get(f"/v1/plans/{second['id']}/compare", headers=tenant.h("read"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["plan_id"], body["with_plan_id"]) == (second["id"], first["id"])
    assert (body["orders_served"]["old"], body["orders_served"]["new"], body["orders_served"]["change"]) == (4, 5, 1)
    added = [ref for v in body["vehicles"] for ref in v["added"]]
    removed = [ref for v in body["vehicles"] for ref in v["removed"]]
    assert "EXTRA" in added and len(added) - len(removed) == 1
    for plan, key in ((first, "old"), (second, "new")):
        used = [r for r in plan["routes"] if any(s.get("order_id") for s in r["data"]["stops"])]
        assert body["cost_cents"][key] == sum(r["data"]["cost_cents"] for r in used)
        assert body["distance_m"][key] == sum(r["data"]["distance_m"] for r in used)
        assert body["vans"][key] == len(used)
    assert body["worse"] is False
    # the other way round: the published plan compared with the new one serves one order fewer, so it is worse
    back = client.get(f"/v1/plans/{first['id']}/compare", params={"with": second["id"]}, headers=tenant.h()).json()
    assert back["orders_served"]["change"] == -1 and back["worse"] is True
    assert back["cost_cents"]["change"] == -body["cost_cents"]["change"]


def test_locked_route_counts_on_both_sides(client: TestClient, tenant: Tenant) -> None:
    """Lock one route of the published plan and re-plan the rest: the new plan has no route for that van, yet
    the comparison shows the van unchanged (the locked route stays in force)."""
    two_vans(client, tenant)
    add_orders(client, tenant, 6)
    first = plan_now(client, tenant)
    assert client.post(f"/v1/plans/{first['id']}/publish", headers=tenant.h()).status_code == 200
    route = next(r for r in first["routes"] if any(s.get("order_id") for s in r["data"]["stops"]))
    set_lock(client, tenant, route["id"], True)
    second = plan_now(client, tenant)
    assert route["vehicle_id"] not in {r["vehicle_id"] for r in second["routes"]}
    assert [(k["id"], k["vehicle_id"]) for k in second["kept_routes"]] == [(route["id"], route["vehicle_id"])]
    body = client.get(f"/v1/plans/{second['id']}/compare", headers=tenant.h()).json()
    kept = next(v for v in body["vehicles"] if v["vehicle_id"] == route["vehicle_id"])
    assert kept["added"] == [] and kept["removed"] == [] and kept["stops_new"] == kept["stops_old"] > 0
    assert body["orders_served"]["new"] == body["orders_served"]["old"] == 6


def test_compare_refuses_unknown_and_foreign_plans(client: TestClient, tenant: Tenant) -> None:
    add_orders(client, tenant, 2)
    plan = plan_now(client, tenant)
    other = make_tenant(client)
    r = client.get(f"/v1/plans/{plan['id']}/compare", params={"with": plan["id"]}, headers=other.h())
    assert r.json()["error"]["code"] == "E1302"
    r = client.get(f"/v1/plans/{plan['id']}/compare", params={"with": "pln_nope"}, headers=tenant.h())
    assert r.json()["error"]["code"] == "E1302", r.text
    assert "pln_nope" in r.json()["error"]["message"]
