"""Depot limits beside the routes already in force (SQLite and PostgreSQL): a re-plan books its loadings around the
docks its dispatched routes hold, and a hand edit shows the depot's capacity being broken (without blocking it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from tests.api.conftest import Tenant, platform_of
from tests.api.test_depot_centres import _depot
from tests.api.test_plans import add_orders, plan_now, two_vans


def _at(hhmm: str) -> datetime:
    """A time on the plan day in Lisbon (summer time)."""
    return datetime.fromisoformat(f"2025-06-17T{hhmm}:00+01:00")


def _leaves(route: dict[str, Any]) -> tuple[datetime, int | None]:
    """When the route's van leaves the depot, and from which dock."""
    start = route["data"]["stops"][0]
    return datetime.fromisoformat(start["departure"]), start.get("dock")


def test_a_replan_books_its_loadings_around_a_dispatched_routes_dock(client: TestClient, tenant: Tenant) -> None:
    """Two 3-parcel vans, six orders open from 08:00, 15 minutes to load: without a dock limit both vans load
    08:00-08:15. Then the depot gets one dock and one route is dispatched: the re-plan's van, which would load
    08:00-08:15 again if the dock were free, loads after it (leaves 08:30 from dock 1); the stored problem lists the
    kept loading, the re-plan checks clean with it counted, and the first plan's route for that van does not."""
    two_vans(client, tenant, parcels=3)
    _depot(client, tenant, loading_s=900)
    add_orders(client, tenant, 6, time_windows=[{"start": "08:00", "end": "16:00"}])
    v1 = plan_now(client, tenant)
    assert sorted(_leaves(r) for r in v1["routes"]) == [(_at("08:15"), None)] * 2
    _depot(client, tenant, loading_s=900, docks=1)
    assert client.post(f"/v1/plans/{v1['id']}/publish", headers=tenant.h()).status_code == 200
    first, other = v1["routes"]
    route = client.get(f"/v1/routes/{first['id']}", headers=tenant.h()).json()
    sent = client.post(f"/v1/routes/{first['id']}/dispatch", json={"version": route["version"]}, headers=tenant.h())
    assert sent.status_code == 200, sent.text
    v2 = plan_now(client, tenant)
    assert v2["status"] == "succeeded" and v2["unassigned"] == []
    (new,) = v2["routes"]
    assert new["data"]["vehicle_id"] == other["data"]["vehicle_id"]
    assert _leaves(new) == (_at("08:30"), 1)
    assert (v2["depots"][0]["loading_peak"], v2["depots"][0]["docks"]) == (1, 1)
    with platform_of(client).uow(tenant.org_id) as uow:
        plan2, problem2, _ = plan_from_dict(uow.plans.require(v2["id"]).result, trusted=True)
        plan1, _, _ = plan_from_dict(uow.plans.require(v1["id"]).result, trusted=True)
    assert [(k.start, k.end, k.route_id) for k in problem2.kept_loadings] == [(_at("08:00"), _at("08:15"), first["id"])]
    assert check_plan(problem2, plan2) == []
    blind = replace(plan2, routes=[r for r in plan1.routes if r.id == other["id"]])
    assert [(v.kind, v.amount) for v in check_plan(problem2, blind)] == [("DEPOT_DOCKS", 1)]


def test_a_hand_edit_past_the_depot_capacity_shows_depot_capacity(client: TestClient, tenant: Tenant) -> None:
    """Room for 4 parcels a day, six orders, two 3-parcel vans: the plan ships 4. Moving a left-out order onto the
    route with room previews no violation while the depot has room for 5, and DEPOT_CAPACITY (one over) at 4;
    saving it still saves (violations never block an edit) and returns the violation."""
    two_vans(client, tenant, parcels=3)
    _depot(client, tenant, capacity_parcels_per_day=4)
    add_orders(client, tenant, 6)
    plan = plan_now(client, tenant)
    left = [u["order_id"] for u in plan["unassigned"]]
    assert len(left) == 2
    target = min(plan["routes"], key=lambda r: sum(1 for s in r["data"]["stops"] if s["order_id"]))
    move = {"order_id": left[0], "route_id": target["id"], "position": 0}
    url = f"/v1/plans/{plan['id']}/edits"
    _depot(client, tenant, capacity_parcels_per_day=5)
    roomy = client.post(f"{url}/preview", json=move, headers=tenant.h())
    assert roomy.status_code == 200, roomy.text
    assert roomy.json()["violations"] == []
    _depot(client, tenant, capacity_parcels_per_day=4)
    over = client.post(f"{url}/preview", json=move, headers=tenant.h()).json()
    assert [(v["kind"], v["amount"]) for v in over["violations"]] == [("DEPOT_CAPACITY", 1)]
    saved = client.post(url, json=move | {"versions": {target["id"]: target["version"]}}, headers=tenant.h())
    assert saved.status_code == 200, saved.text
    assert [v["kind"] for v in saved.json()["violations"]] == ["DEPOT_CAPACITY"]
    stored = client.get(f"/v1/routes/{target['id']}", headers=tenant.h()).json()
    assert stored["data"]["stops"][1]["order_id"] == left[0]
