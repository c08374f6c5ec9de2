"""POST/GET /v1/analytics/staffing: the staffing job plans each forecast day with the real planner and the
tenant's real van; its vans, driver hours and km are those of the plan of the same synthetic day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient

from doorstep.domain.ids import new_id
from doorstep.optimize.options import SolveOptions
from doorstep.services.analytics.staffing import run_staffing, runs
from doorstep.services.analytics.staffing_day import synthetic_days
from doorstep.services.planning.planning import plan
from doorstep.store.models import StaffingRunRow
from tests.api.conftest import Tenant, platform_of
from tests.api.forecast_history import NEAR, WEST, add_history, clock_at, today_at
from tests.api.test_plans import wait

FIRST = date(2025, 6, 2)  # a Monday
TODAY = date(2025, 6, 23)  # a Monday; the van's only shift is Tuesday 17 June 08:00-18:00
OPTIONS = {"days": 2, "time_limit_s": 1, "seed": 3, "max_iterations": 300}


def test_staffing_plans_each_forecast_day_with_the_real_fleet(client: TestClient, tenant: Tenant) -> None:
    """Mondays had 3, 3, 4 orders near the hub and 1 in the west (forecast 4.3 -> 4 orders planned), Tuesdays
    2 + 1 each (3): each day is planned on the tenant's van (its Tuesday shift moved to the day); the row's vans,
    driver time and km are those of its routes, and equal a plan of the same synthetic day made here."""
    add_history(client, tenant, FIRST, [3, 2, 0, 0, 0, 0, 0, 3, 2, 0, 0, 0, 0, 0, 4, 2], NEAR)
    add_history(client, tenant, FIRST, [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1], WEST)
    with clock_at(client, today_at(TODAY)):
        r = client.post("/v1/analytics/staffing", json=OPTIONS, headers=tenant.h("write"))
        assert r.status_code == 202, r.text
        assert r.json()["status"] in ("queued", "running", "succeeded")
        wait(client)
    run = client.get(f"/v1/analytics/staffing/{r.json()['id']}", headers=tenant.h("read")).json()
    assert run["status"] == "succeeded", run
    assert run["options"] == OPTIONS and run["error"] is None
    assert (run["progress"]["days_done"], run["progress"]["days_total"]) == (2, 2)
    days = run["result"]["days"]
    assert [(d["date"], d["forecast"], d["orders"]) for d in days] == [
        ("2025-06-23", round(11 / 3, 1), 4), ("2025-06-24", 3.0, 3)]
    assert run["progress"]["days"] == days
    p = platform_of(client)
    opts = SolveOptions(time_limit_s=1, seed=3, max_iterations=300)
    for d, day in zip(days, (date(2025, 6, 23), date(2025, 6, 24)), strict=True):
        assert d["vehicles_available"] == 1 and d["unassigned"] == 0 and d["unassigned_by_reason"] == {}
        assert d["vans"] == len(d["routes"]) == 1
        assert d["driver_s"] == sum(rt["duration_s"] for rt in d["routes"])
        assert d["driver_hours"] == round(d["driver_s"] / 3600, 2)
        assert d["distance_m"] == sum(rt["distance_m"] for rt in d["routes"]) > 0
        with p.uow(tenant.org_id) as uow:
            (problem,) = synthetic_days(uow, day, TODAY, d["orders"], 3)
        assert problem.vehicles[0].shift_start.isoformat() == f"{day.isoformat()}T08:00:00+01:00"
        mine = plan(problem, provider=p.provider(problem), options=opts)
        used = [rt for rt in mine.routes if rt.order_ids]
        assert d["vans"] == len(used)
        assert d["driver_s"] == sum(rt.duration_s for rt in used)
        assert d["distance_m"] == sum(rt.distance_m for rt in used)
    totals = run["result"]["totals"]
    assert totals["orders"] == 7 and totals["max_vans"] == 1
    assert totals["driver_s"] == sum(d["driver_s"] for d in days)
    assert run["result"]["warnings"] == []


def test_a_new_organization_is_staffed_with_its_booked_orders(client: TestClient, tenant: Tenant) -> None:
    """No history at all, 3 orders booked for today and 2 for tomorrow: the forecast is those counts (never below
    what is booked), and each day is planned with its own booked orders (their places), all served, where a
    forecast of 0 used to plan nothing."""
    add_history(client, tenant, TODAY, [3, 2], NEAR)
    with clock_at(client, today_at(TODAY)):
        r = client.post("/v1/analytics/staffing", json=OPTIONS, headers=tenant.h("write"))
        assert r.status_code == 202, r.text
        wait(client)
    run = client.get(f"/v1/analytics/staffing/{r.json()['id']}", headers=tenant.h("read")).json()
    assert run["status"] == "succeeded", run
    days = run["result"]["days"]
    assert [(d["date"], d["forecast"], d["orders"], d["unassigned"]) for d in days] == [
        ("2025-06-23", 3.0, 3, 0), ("2025-06-24", 2.0, 2, 0)]
    assert all(d["vans"] == 1 for d in days)
    p = platform_of(client)
    with p.uow(tenant.org_id) as uow:
        (problem,) = synthetic_days(uow, TODAY, TODAY, 3, 3)
        booked = sorted((r.lat, r.lng) for r in uow.orders.all() if r.day == TODAY)
    assert sorted((o.location.lat, o.location.lng) for o in problem.orders) == booked


def test_a_day_beyond_the_fleet_reports_unassigned_orders(client: TestClient, tenant: Tenant) -> None:
    """A depot whose only van was removed has no vehicle: the day's orders are unassigned as NO_VEHICLE, 0 vans."""
    add_history(client, tenant, FIRST, [2] * 21, NEAR)
    assert client.delete(f"/v1/shifts/{tenant.ids['shift']}", headers=tenant.h()).status_code == 204
    with clock_at(client, today_at(TODAY)):
        r = client.post("/v1/analytics/staffing", json={**OPTIONS, "days": 1}, headers=tenant.h("write"))
        wait(client)
    run = client.get(f"/v1/analytics/staffing/{r.json()['id']}", headers=tenant.h("read")).json()
    (day,) = run["result"]["days"]
    assert (day["orders"], day["vans"], day["vehicles_available"], day["driver_s"]) == (2, 0, 0, 0)
    assert day["unassigned_by_reason"] == {"NO_VEHICLE": 2}


def test_bad_staffing_requests(client: TestClient, tenant: Tenant) -> None:
    """Out-of-range days, time limit, seed and iterations are E1492, all at once; an unknown run is E1302; a
    read-only key cannot start a run."""
    bad = {"days": 0, "time_limit_s": 61, "seed": -1, "max_iterations": 0}
    r = client.post("/v1/analytics/staffing", json=bad, headers=tenant.h("write"))
    assert r.status_code == 422
    assert [(d["code"], d["loc"]) for d in r.json()["error"]["details"]] == [
        ("E1492", ["days"]), ("E1492", ["time_limit_s"]), ("E1492", ["seed"]), ("E1492", ["max_iterations"])]
    r = client.post("/v1/analytics/staffing", json={"days": 29}, headers=tenant.h("write"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "E1492")
    r = client.get("/v1/analytics/staffing/stf_nope", headers=tenant.h("read"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "E1302")
    assert client.post("/v1/analytics/staffing", json={}, headers=tenant.h("read")).status_code == 403


def _left_running(client: TestClient, tenant: Tenant, started: datetime) -> str:
    """A run its process left "running" (the process died after claiming it), started at ``started``."""
    p = platform_of(client)
    with p.uow(tenant.org_id) as uow:
        row = StaffingRunRow(id=new_id("stf"), status="running", options={**OPTIONS, "days": 1}, result=None,
                             error=None, progress={"days_done": 0, "days_total": 1}, attempts=1,
                             started_at=started)  # fmt: skip
        runs(uow).add(row)
        uow.commit()
        return row.id


def test_a_run_whose_process_died_reads_as_interrupted(client: TestClient, tenant: Tenant) -> None:
    """A run still "running" long after one day's plans could take (its process died) reads as failed E5001
    instead of running for ever; one that started a minute ago is still running."""
    now = today_at(TODAY)
    dead = _left_running(client, tenant, now - timedelta(hours=1))
    alive = _left_running(client, tenant, now - timedelta(minutes=1))
    with clock_at(client, now):
        gone = client.get(f"/v1/analytics/staffing/{dead}", headers=tenant.h("read")).json()
        fresh = client.get(f"/v1/analytics/staffing/{alive}", headers=tenant.h("read")).json()
    assert gone["status"] == "failed" and gone["error"]["error"]["code"] == "E5001", gone
    assert "interrupted" in gone["error"]["error"]["message"] and gone["finished_at"]
    assert fresh["status"] == "running" and fresh["error"] is None


def test_a_redelivered_job_of_a_dead_worker_runs_the_staffing_again(client: TestClient, tenant: Tenant) -> None:
    """The broker hands the job of a crashed worker to another one: a stale running run is claimed again and
    finishes; a run whose process is alive is left to it (the duplicate does nothing)."""
    add_history(client, tenant, FIRST, [3, 2, 0, 0, 0, 0, 0, 3, 2, 0, 0, 0, 0, 0, 4, 2], NEAR)
    now = today_at(TODAY)
    p = platform_of(client)
    dead = _left_running(client, tenant, now - timedelta(hours=1))
    alive = _left_running(client, tenant, now - timedelta(minutes=1))
    with clock_at(client, now):
        run_staffing(p, tenant.org_id, dead)
        run_staffing(p, tenant.org_id, alive)
        done = client.get(f"/v1/analytics/staffing/{dead}", headers=tenant.h("read")).json()
        other = client.get(f"/v1/analytics/staffing/{alive}", headers=tenant.h("read")).json()
    assert done["status"] == "succeeded" and done["attempts"] == 2, done
    assert done["progress"]["days_done"] == 1 and done["result"]["days"][0]["orders"] == 3  # Mondays 3, 3, 4
    assert other["status"] == "running" and other["attempts"] == 1
