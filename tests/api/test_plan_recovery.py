"""Planning jobs of a dead process never block their depot and day (issue 12): queued ones are handed over again
at start on SQLite and PostgreSQL, running ones whose heartbeat stopped are failed or taken over, and a job can be
cancelled."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.planning import plans as plans_service
from doorstep.store.models import PlanRow, RouteRow
from tests.api.conftest import Tenant, platform_of
from tests.api.test_plans import FAST, HoldRunner, add_orders, wait

BODY_DATE = "2025-06-17"


def _body(t: Tenant, **options: Any) -> dict[str, Any]:
    return {"depot_id": t.ids["depot"], "date": BODY_DATE, "options": {**FAST, **options}}


def _held_plan(client: TestClient, t: Tenant) -> dict[str, Any]:
    """A job queued by a process that never runs it (its runner holds it: the server was killed)."""
    p = platform_of(client)
    real, hold = p.runner, HoldRunner()
    p.runner = hold
    try:
        r = client.post("/v1/plans", json=_body(t), headers=t.h())
    finally:
        p.runner = real
    assert r.status_code == 202 and r.json()["status"] == "queued"
    out: dict[str, Any] = r.json()
    return out


def test_a_queued_job_of_a_killed_server_runs_when_a_new_server_starts(
    client: TestClient, tenant: Tenant, db_url: str
) -> None:
    """On SQLite and PostgreSQL alike: the job left queued blocks its day (E2003) until a new server process
    starts on the database; that one hands it to its runner, the job succeeds and the day is free again."""
    add_orders(client, tenant, 3)
    stuck = _held_plan(client, tenant)
    blocked = client.post("/v1/plans", json=_body(tenant), headers=tenant.h())
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "E2003"
    settings = Settings(database_url=db_url, secret_key="test-secret", rate_limit_per_minute=1_000_000,
                        webhook_tick_s=0, event_tick_s=0)  # fmt: skip
    with TestClient(create_app(settings)) as fresh:
        assert fresh.app.state.runner.wait_idle(60)  # type: ignore[attr-defined]
        done = fresh.get(f"/v1/plans/{stuck['id']}", headers=tenant.h()).json()
    assert done["status"] == "succeeded" and done["stats"]["orders_assigned"] == 3
    assert client.post("/v1/plans", json=_body(tenant), headers=tenant.h()).status_code == 202
    wait(client)


def test_a_running_job_is_failed_at_start_only_when_its_heartbeat_stopped(client: TestClient, tenant: Tenant) -> None:
    """In the scaled shape (not the sole owner of jobs) a start fails a running job whose heartbeat is older than
    the lease, and leaves one with a fresh heartbeat to the worker running it."""
    add_orders(client, tenant, 2)
    p = platform_of(client)
    dead = _held_plan(client, tenant)
    alive = _held_plan_on(client, tenant, "2025-06-19")
    with p.sessions() as s:
        for plan_id, beat in ((dead["id"], p.leases.plan_s + 5), (alive["id"], 1)):
            row = s.get(PlanRow, plan_id)
            assert row is not None
            row.status, row.started_at, row.heartbeat_at = "running", p.clock(), p.clock() - timedelta(seconds=beat)
        s.commit()
    p.recovered = False  # as at the start of a new process
    plans_service.recover_interrupted(p, sole_owner=False)
    states = {x: client.get(f"/v1/plans/{x}", headers=tenant.h()).json() for x in (dead["id"], alive["id"])}
    assert states[dead["id"]]["status"] == "failed" and "interrupted" in states[dead["id"]]["error"]["error"]["message"]
    assert states[alive["id"]]["status"] == "running"
    # the silent job no longer blocks its day either way; the live one does until its lease runs out
    assert client.post("/v1/plans", json=_body(tenant), headers=tenant.h()).status_code == 202
    busy = client.post("/v1/plans", json={**_body(tenant), "date": "2025-06-19"}, headers=tenant.h())
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "E2003"
    assert client.post(f"/v1/plans/{alive['id']}/cancel", headers=tenant.h()).status_code == 200
    wait(client)


def _held_plan_on(client: TestClient, t: Tenant, day: str) -> dict[str, Any]:
    p = platform_of(client)
    real, hold = p.runner, HoldRunner()
    p.runner = hold
    try:
        r = client.post("/v1/plans", json={**_body(t), "date": day}, headers=t.h())
    finally:
        p.runner = real
    assert r.status_code == 202, r.text
    out: dict[str, Any] = r.json()
    return out


def test_cancel_frees_the_day_and_a_cancelled_job_stores_nothing(client: TestClient, tenant: Tenant) -> None:
    """Cancelling a queued job fails it with E2150 and frees its depot and day at once; the held job, run
    afterwards, does nothing; cancelling a finished job is E2151; retry queues the cancelled one again."""
    add_orders(client, tenant, 3)
    p = platform_of(client)
    real, hold = p.runner, HoldRunner()
    p.runner = hold
    try:
        queued = client.post("/v1/plans", json=_body(tenant), headers=tenant.h()).json()
        r = client.post(f"/v1/plans/{queued['id']}/cancel", headers=tenant.h("write"))
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "failed"
        fresh = client.post("/v1/plans", json=_body(tenant), headers=tenant.h())
        assert fresh.status_code == 202
    finally:
        p.runner = real
    for job in hold.jobs:
        job()
    cancelled = client.get(f"/v1/plans/{queued['id']}", headers=tenant.h()).json()
    assert cancelled["status"] == "failed" and cancelled["routes"] == []
    assert cancelled["error"]["error"]["code"] == "E2150" and "cancelled by" in cancelled["error"]["error"]["message"]
    assert client.get(f"/v1/plans/{fresh.json()['id']}", headers=tenant.h()).json()["status"] == "succeeded"
    again = client.post(f"/v1/plans/{fresh.json()['id']}/cancel", headers=tenant.h())
    assert again.status_code == 409 and again.json()["error"]["code"] == "E2151"
    assert client.post(f"/v1/plans/{queued['id']}/cancel", headers=tenant.h("read")).status_code == 403


def test_a_job_cancelled_while_the_solver_runs_stores_no_result(client: TestClient, tenant: Tenant) -> None:
    """The solver of a cancelled running job finishes, finds its claim gone and stores neither result nor
    routes; the cancelled job's record stands."""
    add_orders(client, tenant, 3)
    plan = client.post("/v1/plans", json=_body(tenant, time_limit_s=3, max_iterations=None), headers=tenant.h())
    plan_id = plan.json()["id"]
    deadline = time.monotonic() + 20
    while client.get(f"/v1/plans/{plan_id}", headers=tenant.h()).json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = client.post(f"/v1/plans/{plan_id}/cancel", headers=tenant.h())
    assert r.status_code == 200 and r.json()["status"] == "failed"
    wait(client)
    done = client.get(f"/v1/plans/{plan_id}", headers=tenant.h()).json()
    assert done["status"] == "failed" and done["error"]["error"]["code"] == "E2150" and done["routes"] == []
    with platform_of(client).sessions() as s:
        assert s.query(RouteRow).filter_by(plan_id=plan_id).count() == 0
        row = s.get(PlanRow, plan_id)
        assert row is not None and row.result is None
