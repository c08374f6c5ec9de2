"""Helpers for tests of the scaled shape on real processes: a Redis server of the test's own (restartable), a
fresh PostgreSQL database, ``doorstep serve --workers N`` and ``doorstep eta-worker`` subprocesses, and a today's
route dispatched to a driver logged in to the app."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from doorstep.store.migrate import upgrade
from tests.api.conftest import Tenant
from tests.api.driver_day import login
from tests.conftest import PG_ADMIN_URL, _pg_admin

SECRET = "scaled-shape-test-secret-0123456789abcdef"
EXE = Path(sys.executable).with_name("doorstep")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def required(what: str) -> None:
    """Fail in CI, skip on a developer machine without the service."""
    if os.environ.get("CI") or os.environ.get("DOORSTEP_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is not available (.ci/run should provide it)")
    pytest.skip(f"{what} is not available")


def until(check: Any, timeout_s: float, what: str, every_s: float = 0.1) -> Any:
    """Poll ``check()`` until it returns something truthy (generous deadlines: the machine is shared)."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(every_s)


class RedisServer:
    """A ``redis-server`` process of the test's own on a free port, appending every write to its AOF file
    (``appendfsync always``), so a kill -9 and a start on the same folder keeps the streams."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (again) on the same port and folder; return once it answers."""
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
               "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"]  # fmt: skip
        log = (self.folder / "redis.log").open("ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        until(self._answers, 20, "redis-server to answer")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill9(self) -> None:
        """SIGKILL the server."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop it for good."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    """A running RedisServer, stopped at the end."""
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode != 0:
        required("redis-server")
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database (dropped at the end)."""
    admin = _pg_admin()
    if admin is None:
        required("PostgreSQL at 127.0.0.1:5432")
        raise AssertionError("unreachable")
    name = f"doorstep_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def scaled_env(db_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    """The settings every process of the scaled shape shares (the ETA worker apart, jobs in the API threads)."""
    return {
        "DOORSTEP_DATABASE_URL": db_url, "DOORSTEP_REDIS_URL": redis_url, "DOORSTEP_ETA_WORKER": "process",
        "DOORSTEP_SECRET_KEY": SECRET, "DOORSTEP_RATE_LIMIT_PER_MINUTE": "100000000", "DOORSTEP_WEBHOOK_TICK_S": "0",
        "DOORSTEP_DATA_DIR": str(data_dir),
    }  # fmt: skip


class Served:
    """``doorstep serve --workers N`` in its own session (the supervisor and the API processes it starts)."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(EXE), "serve", "--workers", str(workers), "--port", str(self.port)], env={**os.environ, **env},
            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.log = log
        try:
            until(lambda: len(self.api_pids()) >= workers and self._healthy(), 180, "the API processes to answer", 0.3)
        except BaseException:
            self.stop()  # nothing left running when the start fails
            raise

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def api_pids(self) -> list[int]:
        """The API processes now (children of the supervisor running uvicorn's spawned server)."""
        out = []
        for pid in _children(self.proc.pid):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"multiprocessing" in cmd and b"resource_tracker" not in cmd:
                out.append(pid)
        return out

    def stop(self) -> None:
        """SIGTERM to the whole session, SIGKILL if it lingers."""
        stop_session(self.proc)


def stop_session(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process's whole session, SIGKILL if it lingers."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


class EtaWorker:
    """``doorstep eta-worker`` in its own session."""

    def __init__(self, env: dict[str, str], log: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [str(EXE), "eta-worker", "--interval-s", "0", *extra], env={**os.environ, **env}, stdout=log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def stop(self) -> None:
        """SIGTERM, SIGKILL if it lingers."""
        stop_session(self.proc)


LISBON = ZoneInfo("Europe/Lisbon")


def todays_route(client: TestClient, t: Tenant) -> tuple[str, dict[str, str]]:
    """A plan of today with three orders on the tenant's van, published, its route assigned to a driver logged
    in to the app and dispatched: (route id, the driver app's headers)."""
    today = datetime.now(LISBON).date()
    start = datetime.combine(today, datetime.min.time(), LISBON)
    shift = {"vehicle_id": t.ids["vehicle"], "day": today.isoformat(), "start": start.isoformat(),
             "end": (start + timedelta(hours=23, minutes=59)).isoformat()}  # fmt: skip
    assert client.post("/v1/shifts", json=shift, headers=t.h()).status_code == 201
    spots = [(38.7223, -9.1393), (38.7369, -9.1427), (38.7120, -9.1300)]
    orders = [t.order(f"T-{k}", date=today.isoformat(), location={"lat": a, "lng": b},
                      time_windows=[{"start": "00:00", "end": "23:59"}]) for k, (a, b) in enumerate(spots)]  # fmt: skip
    assert client.post("/v1/orders/bulk", json={"orders": orders}, headers=t.h()).status_code == 201
    body = {"depot_id": t.ids["depot"], "date": today.isoformat(), "options": {"time_limit_s": 1, "seed": 1}}
    plan_id = client.post("/v1/plans", json=body, headers=t.h()).json()["id"]

    def finished() -> dict[str, Any] | None:
        plan: dict[str, Any] = client.get(f"/v1/plans/{plan_id}", headers=t.h()).json()
        return plan if plan["status"] in ("succeeded", "failed") else None

    plan = until(finished, 60, "the plan")
    assert plan["status"] == "succeeded" and len(plan["routes"]) == 1, plan
    assert client.post(f"/v1/plans/{plan_id}/publish", headers=t.h()).status_code == 200
    route = plan["routes"][0]
    drv = client.post("/v1/drivers", json={"name": "Driver"}, headers=t.h()).json()["id"]
    r = client.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}, headers=t.h())
    assert r.status_code == 200, r.text
    version = client.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["version"]
    r = client.post(f"/v1/routes/{route['id']}/dispatch", json={"version": version}, headers=t.h())
    assert r.status_code == 200, r.text
    return route["id"], login(client, t, drv)


def driver_login(client: TestClient, t: Tenant) -> dict[str, str]:
    """A new driver of the tenant logged in to the app: its headers."""
    drv = client.post("/v1/drivers", json={"name": f"Driver {uuid.uuid4().hex[:6]}"}, headers=t.h()).json()["id"]
    return login(client, t, drv)


def fixes(prefix: str, start: int, n: int, t0: datetime | None = None) -> list[dict[str, Any]]:
    """``n`` fixes one second and about 9 m apart, numbered from ``start`` (an hour ago by default)."""
    t0 = t0 or datetime.now(UTC) - timedelta(hours=1)
    return [
        {"client_id": f"{prefix}-{i:06d}", "at": (t0 + timedelta(seconds=i)).isoformat(),
         "lat": 38.70 + 0.00008 * i, "lng": -9.15, "accuracy_m": 5.0}
        for i in range(start, start + n)
    ]  # fmt: skip
