"""Planning jobs, publish, manual edits with the checker's preview, versioning, dispatch, and who sees routes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.services.kernel.job_registry import run_job
from doorstep.services.kernel.platform import Platform
from doorstep.services.planning import plans as plans_service
from tests.api.conftest import PASSWORD, Tenant, make_tenant, platform_of

FAST = {"time_limit_s": 2, "max_iterations": 200, "seed": 1}
SPOTS = [(38.720, -9.140), (38.725, -9.150), (38.730, -9.145), (38.740, -9.130), (38.750, -9.120), (38.735, -9.160)]


class HoldRunner:
    """Keeps submitted jobs until released (to observe a queued job)."""

    def __init__(self) -> None:
        self.jobs: list[Callable[[], None]] = []

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Hold the job."""
        self.jobs.append(lambda: run_job(platform, name, kwargs))


def wait(client: TestClient) -> None:
    """Let the background runner finish every job."""
    assert client.app.state.runner.wait_idle(60)  # type: ignore[attr-defined]


def two_vans(client: TestClient, t: Tenant, parcels: int = 3) -> None:
    """Replace the tenant's fleet by two small vans (``parcels`` each) with shifts on the plan day."""
    vt = client.post(
        "/v1/vehicle-types", json={"name": "Small", "capacity": {"parcels": parcels}}, headers=t.h()
    ).json()
    client.delete(f"/v1/shifts/{t.ids['shift']}", headers=t.h())
    for name in ("A", "B"):
        van = {"name": f"Van {name}", "type_id": vt["id"], "depot_id": t.ids["depot"]}
        vid = client.post("/v1/vehicles", json=van, headers=t.h()).json()["id"]
        shift = {
            "vehicle_id": vid, "day": "2025-06-17",
            "start": "2025-06-17T08:00:00+01:00", "end": "2025-06-17T18:00:00+01:00",
        }  # fmt: skip
        assert client.post("/v1/shifts", json=shift, headers=t.h()).status_code == 201


def add_orders(client: TestClient, t: Tenant, n: int = 6, **kw: Any) -> list[str]:
    """Create n one-parcel orders around Lisbon."""
    items = [
        t.order(f"O-{i}", location={"lat": SPOTS[i % len(SPOTS)][0], "lng": SPOTS[i % len(SPOTS)][1]}, **kw)
        for i in range(n)
    ]
    r = client.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert r.status_code == 201, r.text
    return [o["id"] for o in r.json()["orders"]]


def plan_now(client: TestClient, t: Tenant) -> dict[str, Any]:
    """Start a plan job, wait for it and return the finished plan."""
    r = client.post(
        "/v1/plans", json={"depot_id": t.ids["depot"], "date": "2025-06-17", "options": FAST}, headers=t.h()
    )
    assert r.status_code == 202, r.text
    wait(client)
    plan: dict[str, Any] = client.get(f"/v1/plans/{r.json()['id']}", headers=t.h()).json()
    return plan


def test_plan_job_end_to_end(client: TestClient, tenant: Tenant) -> None:
    """A job runs in the background, stores progress and ends with routes and unassigned orders with reasons."""
    add_orders(client, tenant, 5)
    late = tenant.order("LATE", time_windows=[{"start": "03:00", "end": "03:10"}])
    assert client.post("/v1/orders", json=late, headers=tenant.h()).status_code == 201
    plan = plan_now(client, tenant)
    assert plan["status"] == "succeeded" and plan["version"] == 1 and plan["attempts"] == 1
    assert plan["progress"] and all(len(pt) == 2 for pt in plan["progress"])
    assert plan["part_progress"] is None  # a day planned in one model has no parts
    costs = [cost for _, cost in plan["progress"]]  # the search's best: one measure, so it never goes up
    assert all(b <= a for a, b in pairwise(costs)), costs
    served = {s["order_id"] for r in plan["routes"] for s in r["data"]["stops"] if s["order_id"]}
    assert len(served) == 5
    assert [(u["external_ref"], u["reason"]) for u in plan["unassigned"]] == [("LATE", "TIME_WINDOW")]
    assert plan["stats"]["orders_assigned"] == 5


def test_one_active_job_per_depot_and_day(client: TestClient, tenant: Tenant) -> None:
    """While a job is queued, a second one for the same depot and day is 409 E2003; afterwards it is allowed."""
    add_orders(client, tenant, 2)
    p = platform_of(client)
    real, hold = p.runner, HoldRunner()
    p.runner = hold
    try:
        body = {"depot_id": tenant.ids["depot"], "date": "2025-06-17", "options": FAST}
        first = client.post("/v1/plans", json=body, headers=tenant.h())
        assert first.status_code == 202 and first.json()["status"] == "queued"
        second = client.post("/v1/plans", json=body, headers=tenant.h())
        assert second.status_code == 409 and second.json()["error"]["code"] == "E2003"
        other_day = client.post("/v1/plans", json={**body, "date": "2025-06-18"}, headers=tenant.h())
        assert other_day.status_code == 202
    finally:
        p.runner = real
    for job in hold.jobs:
        job()
    assert client.post("/v1/plans", json=body, headers=tenant.h()).status_code == 202
    wait(client)
    versions = [
        pl["version"] for pl in client.get("/v1/plans", params={"date": "2025-06-17"}, headers=tenant.h()).json()
    ]
    assert versions == [2, 1]


def test_failed_job_keeps_its_error_and_can_be_retried(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No orders: failed with E1118; a crash: failed with E5001; retry after the fix succeeds."""
    empty = plan_now(client, tenant)
    assert empty["status"] == "failed" and empty["error"]["error"]["code"] == "E1118"
    r = client.post(f"/v1/plans/{empty['id']}/publish", headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2006"

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("solver exploded")

    add_orders(client, tenant, 2)
    monkeypatch.setattr(plans_service, "make_plan", boom)
    crashed = plan_now(client, tenant)
    assert crashed["status"] == "failed" and crashed["error"]["error"]["code"] == "E5001"
    assert "exploded" not in str(crashed["error"])  # internal details stay in the log
    monkeypatch.undo()
    r = client.post(f"/v1/plans/{crashed['id']}/retry", headers=tenant.h())
    assert r.status_code == 202
    wait(client)
    again = client.get(f"/v1/plans/{crashed['id']}", headers=tenant.h()).json()
    assert again["status"] == "succeeded" and again["attempts"] == 2 and again["error"] is None
    r = client.post(f"/v1/plans/{again['id']}/retry", headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2004"


def test_publish_dispatch_and_replan_never_overwrites_a_dispatched_route(client: TestClient, tenant: Tenant) -> None:
    """Publish plans the orders; dispatch sends one route; a re-plan is version 2 without that van or its orders."""
    two_vans(client, tenant)
    ids = add_orders(client, tenant, 6)
    v1 = plan_now(client, tenant)
    r = client.post(f"/v1/routes/{v1['routes'][0]['id']}/dispatch", json={"version": 1}, headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2004"  # not published yet
    assert client.post(f"/v1/plans/{v1['id']}/publish", headers=tenant.h()).json()["status"] == "published"
    statuses = {client.get(f"/v1/orders/{i}", headers=tenant.h()).json()["status"] for i in ids}
    assert statuses == {"planned"}
    route = client.get(f"/v1/routes/{v1['routes'][0]['id']}", headers=tenant.h()).json()
    sent = client.post(f"/v1/routes/{route['id']}/dispatch", json={"version": route["version"]}, headers=tenant.h())
    assert sent.status_code == 200 and sent.json()["status"] == "dispatched"
    on_route = {s["order_id"] for s in route["data"]["stops"] if s["order_id"]}
    for oid in on_route:
        events = client.get(f"/v1/orders/{oid}/timeline", headers=tenant.h()).json()
        assert [e["to_status"] for e in events] == ["new", "planned", "dispatched"]
    v2 = plan_now(client, tenant)
    assert v2["version"] == 2 and v2["status"] == "succeeded"
    assert route["vehicle_id"] not in {r["vehicle_id"] for r in v2["routes"]}
    served2 = {s["order_id"] for r in v2["routes"] for s in r["data"]["stops"] if s["order_id"]}
    assert served2 == set(ids) - on_route
    assert client.post(f"/v1/plans/{v2['id']}/publish", headers=tenant.h()).status_code == 200
    kept = client.get(f"/v1/routes/{route['id']}", headers=tenant.h()).json()
    assert kept["status"] == "dispatched" and kept["data"] == route["data"]
    assert client.get(f"/v1/plans/{v1['id']}", headers=tenant.h()).json()["status"] == "superseded"


def _move_target(plan: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    a, b = plan["routes"][0], plan["routes"][1]
    oid = next(s["order_id"] for s in a["data"]["stops"] if s["type"] == "delivery")
    return oid, a, b


def test_preview_shows_violations_and_new_etas_without_saving(client: TestClient, tenant: Tenant) -> None:
    """Moving a parcel onto a full van previews a CAPACITY violation and new ETAs; the plan is unchanged."""
    two_vans(client, tenant, parcels=3)
    add_orders(client, tenant, 6)
    plan = plan_now(client, tenant)
    assert len(plan["routes"]) == 2
    oid, a, b = _move_target(plan)
    body = {"order_id": oid, "route_id": b["id"], "position": 0}
    r = client.post(f"/v1/plans/{plan['id']}/edits/preview", json=body, headers=tenant.h())
    assert r.status_code == 200, r.text
    out = r.json()
    assert {x["id"] for x in out["routes"]} == {a["id"], b["id"]}
    moved = next(x for x in out["routes"] if x["id"] == b["id"])
    assert moved["stops"][1]["order_id"] == oid and moved["stops"][1]["arrival"] != b["data"]["stops"][1]["arrival"]
    assert "CAPACITY" in {v["kind"] for v in out["violations"]}
    after = client.get(f"/v1/plans/{plan['id']}", headers=tenant.h()).json()
    assert [r["data"] for r in after["routes"]] == [r["data"] for r in plan["routes"]]


def test_saving_an_edit_needs_current_versions(client: TestClient, tenant: Tenant) -> None:
    """A save bumps both route versions; repeating it with the old versions is 409 E2002; bad positions E1308."""
    two_vans(client, tenant, parcels=3)
    add_orders(client, tenant, 6)
    plan = plan_now(client, tenant)
    oid, a, b = _move_target(plan)
    versions = {a["id"]: a["version"], b["id"]: b["version"]}
    body = {"order_id": oid, "route_id": b["id"], "position": 0, "versions": versions}
    r = client.post(f"/v1/plans/{plan['id']}/edits", json=body, headers=tenant.h())
    assert r.status_code == 200, r.text
    stored = client.get(f"/v1/routes/{b['id']}", headers=tenant.h()).json()
    assert stored["version"] == b["version"] + 1 and stored["data"]["stops"][1]["order_id"] == oid
    back = {"order_id": oid, "route_id": a["id"], "position": 0, "versions": versions}
    stale = client.post(f"/v1/plans/{plan['id']}/edits", json=back, headers=tenant.h())
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "E2002"
    far = {"order_id": oid, "route_id": a["id"], "position": 999}
    r = client.post(f"/v1/plans/{plan['id']}/edits/preview", json=far, headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1308"
    locked = client.post(
        f"/v1/routes/{a['id']}/lock", json={"locked": True, "version": a["version"] + 1}, headers=tenant.h()
    )
    assert locked.status_code == 200
    vers = {a["id"]: locked.json()["version"], b["id"]: stored["version"]}
    r = client.post(f"/v1/plans/{plan['id']}/edits", json={**back, "versions": vers}, headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2005"


def test_drivers_see_only_their_own_routes(client: TestClient, tenant: Tenant) -> None:
    """A driver login reads the route assigned to its driver record and gets 404 for the other route."""
    two_vans(client, tenant, parcels=3)
    add_orders(client, tenant, 6)
    plan = plan_now(client, tenant)
    client.post(f"/v1/plans/{plan['id']}/publish", headers=tenant.h())
    email = f"driver-{uuid.uuid4().hex[:6]}@example.com"
    user = client.post(
        "/v1/users", json={"email": email, "role": "driver", "password": PASSWORD}, headers=tenant.h()
    ).json()
    drv = client.post("/v1/drivers", json={"name": "Rita", "user_id": user["id"]}, headers=tenant.h()).json()
    mine, other = plan["routes"][0], plan["routes"][1]
    r = client.post(f"/v1/routes/{mine['id']}/assign", json={"driver_id": drv["id"], "version": 1}, headers=tenant.h())
    assert r.status_code == 200 and r.json()["driver_id"] == drv["id"]
    login = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    cookie = {"Cookie": f"doorstep_session={login.cookies['doorstep_session']}"}
    client.cookies.clear()
    assert [x["id"] for x in client.get("/v1/routes/mine", headers=cookie).json()] == [mine["id"]]
    assert client.get(f"/v1/routes/{mine['id']}", headers=cookie).status_code == 200
    assert client.get(f"/v1/routes/{other['id']}", headers=cookie).status_code == 404
    assert client.get(f"/v1/plans/{plan['id']}", headers=cookie).status_code == 403
    r = client.post(f"/v1/routes/{mine['id']}/dispatch", json={"version": 2}, headers=cookie)
    assert r.status_code == 403


def test_plans_and_routes_of_other_organizations_are_invisible(client: TestClient, tenant: Tenant) -> None:
    """Another organization gets 404 for the plan, its routes, edits and dispatch, and cannot plan our depot."""
    add_orders(client, tenant, 3)
    plan = plan_now(client, tenant)
    other = make_tenant(client)
    rid = plan["routes"][0]["id"]
    assert client.get(f"/v1/plans/{plan['id']}", headers=other.h()).status_code == 404
    assert client.get(f"/v1/routes/{rid}", headers=other.h()).status_code == 404
    assert client.post(f"/v1/plans/{plan['id']}/publish", headers=other.h()).status_code == 404
    assert client.post(f"/v1/routes/{rid}/dispatch", json={"version": 1}, headers=other.h()).status_code == 404
    body = {"depot_id": tenant.ids["depot"], "date": "2025-06-17"}
    assert client.post("/v1/plans", json=body, headers=other.h()).status_code == 404
    assert client.get("/v1/plans", headers=other.h()).json() == []


def test_jobs_of_a_dead_process_do_not_block_the_day(client: TestClient, tenant: Tenant) -> None:
    """A job 'running' long past its time limit is failed (E5001, retryable) when a new job is asked for;
    at start-up the embedded shape fails running jobs and queues the queued ones again."""
    from datetime import timedelta

    from doorstep.store.models import PlanRow

    add_orders(client, tenant, 2)
    p = platform_of(client)
    real, hold = p.runner, HoldRunner()
    p.runner = hold
    try:
        body = {"depot_id": tenant.ids["depot"], "date": "2025-06-17", "options": FAST}
        stuck = client.post("/v1/plans", json=body, headers=tenant.h()).json()
        with p.sessions() as s:
            row = s.get(PlanRow, stuck["id"])
            assert row is not None
            row.status, row.started_at = "running", p.clock() - timedelta(hours=2)
            s.commit()
        fresh = client.post("/v1/plans", json=body, headers=tenant.h())
        assert fresh.status_code == 202
        dead = client.get(f"/v1/plans/{stuck['id']}", headers=tenant.h()).json()
        assert dead["status"] == "failed" and "interrupted" in dead["error"]["error"]["message"]
        p.recovered = False  # as at the start of a new process
        assert plans_service.recover_interrupted(p) >= 1
        assert plans_service.recover_interrupted(p) == 0  # once per process: later jobs are this process's own
        assert len(hold.jobs) == 3  # the two submitted, and the queued one handed over again
    finally:
        p.runner = real
    for job in hold.jobs[1:]:
        job()
    assert client.get(f"/v1/plans/{fresh.json()['id']}", headers=tenant.h()).json()["status"] == "succeeded"


def test_assign_another_vehicle(client: TestClient, tenant: Tenant) -> None:
    """A route moves to a free vehicle of the day; a vehicle busy in the plan or without a shift is E1308."""
    two_vans(client, tenant, parcels=10)
    add_orders(client, tenant, 3)
    plan = plan_now(client, tenant)
    assert len(plan["routes"]) == 1
    route = plan["routes"][0]
    vans = [v for v in client.get("/v1/vehicles", headers=tenant.h()).json()["items"] if v["name"].startswith("Van ")]
    free = next(v for v in vans if v["id"] != route["vehicle_id"] and v["name"] != "Van 1")
    r = client.post(
        f"/v1/routes/{route['id']}/assign",
        json={"driver_id": None, "vehicle_id": free["id"], "version": 1},
        headers=tenant.h(),
    )
    assert (
        r.status_code == 200
        and r.json()["vehicle_id"] == free["id"]
        and r.json()["data"]["vehicle_name"] == free["name"]
    )
    preview = {"order_id": route["data"]["stops"][1]["order_id"], "route_id": route["id"], "position": 0}
    assert client.post(f"/v1/plans/{plan['id']}/edits/preview", json=preview, headers=tenant.h()).status_code == 200
    no_shift = tenant.ids["vehicle"]  # its shift was removed by two_vans
    r = client.post(
        f"/v1/routes/{route['id']}/assign",
        json={"driver_id": None, "vehicle_id": no_shift, "version": 2},
        headers=tenant.h(),
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1308"
