"""The scaled shape on real processes: a PostgreSQL-backed API with ``DOORSTEP_JOB_RUNNER=celery`` and
``doorstep worker`` subprocesses on a Redis broker. The API runs no job; a worker killed mid-plan (kill -9) leaves
the job to the next worker, which takes it over once the dead one's lease has run out: the plan is stored once. A
large day's parts run on two worker processes."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.jobs.celery_runner import CeleryRunner
from doorstep.services.kernel import job_registry
from doorstep.store.engine import make_engine
from doorstep.store.migrate import upgrade
from doorstep.store.models import EventRow, RouteRow
from tests.api.conftest import Tenant, make_tenant
from tests.api.test_plans import add_orders
from tests.conftest import PG_ADMIN_URL, _pg_admin

pytestmark = pytest.mark.slow

# a database of its own, flushed: one per pytest-xdist worker (two of these tests at once on one database took each
# other's jobs); 12 is test_parts_runner's
_XDIST = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("DOORSTEP_TEST_REDIS", f"redis://127.0.0.1:6379/{11 if _XDIST == 0 else 12 + _XDIST}")
LEASE_S, VISIBILITY_S = 2.0, 4


def _required(what: str) -> None:
    if os.environ.get("CI") or os.environ.get("DOORSTEP_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is not answering (.ci/run should start it)")
    pytest.skip(f"{what} is not answering")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database and an empty Redis database: the environment of the API and its workers."""
    try:
        r = redis.Redis.from_url(REDIS_URL)
        r.ping()
    except redis.RedisError:
        _required(f"Redis at {REDIS_URL}")
    admin = _pg_admin()
    if admin is None:
        _required("PostgreSQL at 127.0.0.1:5432")
        raise AssertionError("unreachable")
    r.flushdb()
    name = f"doorstep_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    env = {
        "DOORSTEP_DATABASE_URL": url, "DOORSTEP_REDIS_URL": REDIS_URL, "DOORSTEP_JOB_RUNNER": "celery",
        "DOORSTEP_SECRET_KEY": "test-secret", "DOORSTEP_PLAN_LEASE_S": str(LEASE_S),
        "DOORSTEP_CELERY_VISIBILITY_TIMEOUT_S": str(VISIBILITY_S), "DOORSTEP_WEBHOOK_TICK_S": "0",
        "DOORSTEP_EVENT_TICK_S": "1", "DOORSTEP_DATA_DIR": str(tmp_path_factory.mktemp("data")),
    }  # fmt: skip
    yield env
    r.flushdb()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def api(services: dict[str, str]) -> Iterator[TestClient]:
    """The API app on PostgreSQL with the Celery runner (jobs go to the broker)."""
    settings = Settings(
        database_url=services["DOORSTEP_DATABASE_URL"], redis_url=REDIS_URL, job_runner="celery",
        secret_key="test-secret", rate_limit_per_minute=1_000_000, webhook_tick_s=0, plan_lease_s=LEASE_S,
        celery_visibility_timeout_s=VISIBILITY_S,
    )  # fmt: skip
    with TestClient(create_app(settings)) as c:
        yield c


class Worker:
    """A ``doorstep worker`` subprocess (its own session: kill -9 takes the whole process group)."""

    def __init__(self, env: dict[str, str], log: Path, pool: str = "solo") -> None:
        self.log = log
        exe = Path(sys.executable).with_name("doorstep")
        self.proc = subprocess.Popen(
            [str(exe), "worker", "--pool", pool], env={**os.environ, **env}, stdout=log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill9(self) -> None:
        """SIGKILL to the worker and anything it started."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """Ask it to stop (warm shutdown), then make sure."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()


@pytest.fixture
def workers(services: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start workers on demand (``pool``: solo by default); all are stopped after the test."""
    started: list[Worker] = []

    def start(pool: str = "solo") -> Worker:
        w = Worker(services, tmp_path / "worker.log", pool)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


def _plan(api: TestClient, t: Tenant, time_limit_s: float) -> dict[str, Any]:
    body = {"depot_id": t.ids["depot"], "date": "2025-06-17",
            "options": {"time_limit_s": time_limit_s, "seed": 1}}  # fmt: skip
    r = api.post("/v1/plans", json=body, headers=t.h())
    assert r.status_code == 202, r.text
    out: dict[str, Any] = r.json()
    return out


def _until(api: TestClient, t: Tenant, plan_id: str, statuses: set[str], timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        plan: dict[str, Any] = api.get(f"/v1/plans/{plan_id}", headers=t.h()).json()
        if plan["status"] in statuses or time.monotonic() > deadline:
            return plan
        time.sleep(0.2)


@pytest.fixture
def local_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every planning or event-dispatch job this test process runs (none may: the API only queues)."""
    runs: list[dict[str, Any]] = []
    for name in ("planning.run", "events.dispatch"):
        monkeypatch.setitem(job_registry.JOBS, name, lambda p, name=name, **kw: runs.append({"job": name, **kw}))
    return runs


def test_a_plan_submitted_through_the_api_is_run_by_a_worker(
    api: TestClient, workers: Callable[..., Worker], local_runs: list[dict[str, Any]], services: dict[str, str]
) -> None:
    """With the Celery runner the API only queues: the job stays queued until a worker starts (the default
    prefork pool), which runs it; the handlers of the events the API records (a dispatched route's ETA refresh)
    run on the worker too."""
    t = make_tenant(api)
    add_orders(api, t, 4)
    plan = _plan(api, t, 1)
    time.sleep(1.0)
    assert api.get(f"/v1/plans/{plan['id']}", headers=t.h()).json()["status"] == "queued"
    w = workers("prefork")
    done = _until(api, t, plan["id"], {"succeeded", "failed"}, 40)
    assert done["status"] == "succeeded", done
    assert done["stats"]["orders_assigned"] == 4
    assert local_runs == [] and isinstance(api.app.state.runner, CeleryRunner)  # type: ignore[attr-defined]
    assert f"planning.run {{'org_id': '{t.org_id}', 'plan_id': '{plan['id']}'}}" in w.log.read_text()
    assert api.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    route = done["routes"][0]
    r = api.post(f"/v1/routes/{route['id']}/dispatch", json={"version": route["version"]}, headers=t.h())
    assert r.status_code == 200, r.text
    engine = make_engine(services["DOORSTEP_DATABASE_URL"])
    q = text("SELECT h.status FROM event_handlings h JOIN events e ON e.id = h.event_id "
             "WHERE e.subject_id = :rid AND e.type = 'route.dispatched' AND h.handler = 'operations.eta_refresh'")
    deadline, status = time.monotonic() + 15, None
    try:
        while status != "done" and time.monotonic() < deadline:
            with engine.connect() as conn:
                status = conn.execute(q, {"rid": route["id"]}).scalar()
            time.sleep(0.2)
    finally:
        engine.dispose()
    assert status == "done"
    assert local_runs == []


def test_a_worker_killed_mid_plan_is_replaced_and_the_plan_is_stored_once(
    api: TestClient, workers: Callable[..., Worker], services: dict[str, str], local_runs: list[dict[str, Any]]
) -> None:
    """kill -9 of the worker while it plans: the job stays running (nothing half-written), a new worker gets
    the message again (visibility timeout), takes the job over once the dead worker's lease ran out, and stores
    the plan once: one plan.completed event, one set of routes, two attempts."""
    t = make_tenant(api)
    add_orders(api, t, 4)
    first = workers()
    plan = _plan(api, t, 6)
    running = _until(api, t, plan["id"], {"running", "succeeded", "failed"}, 40)
    assert running["status"] == "running", running
    time.sleep(1.5)  # mid-plan (6 s of search)
    first.kill9()
    assert api.get(f"/v1/plans/{plan['id']}", headers=t.h()).json()["status"] == "running"
    workers()
    done = _until(api, t, plan["id"], {"succeeded", "failed"}, 45)
    assert done["status"] == "succeeded", done
    engine = make_engine(services["DOORSTEP_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            attempts = conn.execute(text("SELECT attempts FROM plans WHERE id = :id"), {"id": plan["id"]}).scalar()
            completed = conn.execute(
                select(func.count()).select_from(EventRow).where(
                    EventRow.subject_id == plan["id"], EventRow.type == "plan.completed"
                )
            ).scalar()  # fmt: skip
            routes = conn.execute(
                select(func.count()).select_from(RouteRow).where(RouteRow.plan_id == plan["id"])
            ).scalar()
    finally:
        engine.dispose()
    assert attempts == 2 and completed == 1
    assert routes == len(done["routes"]) >= 1
    assert local_runs == []


LARGE = {"time_limit_s": 8, "seed": 1, "split_above_orders": 40, "part_orders": 20, "part_workers": 2}
HUB = (38.7372, -9.1034)  # make_tenant's depot


def _large_day(api: TestClient, t: Tenant, orders: int = 80, vans: int = 8) -> None:
    """``orders`` one-parcel orders on a ring around the hub (open 09:00-17:00) and ``vans`` vans with a shift."""
    for k in range(1, vans):
        van = {"name": f"Van {k + 1}", "type_id": t.ids["type"], "depot_id": t.ids["depot"]}
        vid = api.post("/v1/vehicles", json=van, headers=t.h()).json()["id"]
        shift = {"vehicle_id": vid, "day": "2025-06-17",
                 "start": "2025-06-17T08:00:00+01:00", "end": "2025-06-17T18:00:00+01:00"}  # fmt: skip
        assert api.post("/v1/shifts", json=shift, headers=t.h()).status_code == 201
    items = []
    for i in range(orders):
        a, r = 2 * math.pi * i / orders, 0.01 + 0.03 * ((i * 7) % 11) / 10
        where = {"lat": HUB[0] + r * math.sin(a), "lng": HUB[1] + 1.3 * r * math.cos(a)}
        items.append(t.order(f"L-{i}", location=where, time_windows=[{"start": "09:00", "end": "17:00"}]))
    r = api.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert r.status_code == 201, r.text


def _ready(log: Path, n: int, timeout_s: float) -> None:
    """Wait until ``n`` workers writing to ``log`` are consuming (Celery logs ``ready.``)."""
    deadline = time.monotonic() + timeout_s
    while log.read_text(errors="replace").count(" ready.") < n:
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)


def test_a_large_day_s_parts_run_on_two_worker_processes(
    api: TestClient, workers: Callable[..., Worker], local_runs: list[dict[str, Any]]
) -> None:
    """A day made large by its options (80 orders in 4 parts) planned as a job with two ``doorstep worker``
    processes: every order served, checker-clean (no W1747), within its time limit, the day's progress (a sum
    over every part, so the other worker's reports came through), and the parts note names both worker processes
    as having planned parts (the planning one and the other, by pid)."""
    t = make_tenant(api)
    _large_day(api, t)
    first, second = workers(), workers()
    _ready(first.log, 2, 40)
    body = {"depot_id": t.ids["depot"], "date": "2025-06-17", "options": LARGE}
    r = api.post("/v1/plans", json=body, headers=t.h())
    assert r.status_code == 202, r.text
    done = _until(api, t, r.json()["id"], {"succeeded", "failed"}, 45)
    assert done["status"] == "succeeded", done
    assert done["stats"]["orders_assigned"] == 80 and done["unassigned"] == []
    codes = [w["code"] for w in done["warnings"]]
    assert "W1747" not in codes, done["warnings"]
    note = next(w["message"] for w in done["warnings"] if w["code"] == "W1746")
    assert "planned in 4 parts on 2 Celery worker process(es)" in note, note
    pids = {int(pid) for pid in re.findall(r"worker process [^\s;()]+:(\d+)", note)}
    assert pids == {first.proc.pid, second.proc.pid}, (note, first.proc.pid, second.proc.pid)
    assert done["stats"]["runtime_s"] <= LARGE["time_limit_s"] + 5, done["stats"]  # generous: a loaded machine
    assert done["progress"]  # the day's cost, a sum over the four parts: the helper's reports came through
    assert local_runs == []
