"""The kill -9 probe: ``doorstep serve`` as a real process takes order writes from several clients and is killed
with SIGKILL mid-run, then started again on the same database; every client retries what was not answered, with
the same ``Idempotency-Key``, as a well-behaved client does (and a 409 E2009 "still in progress" after the
server's stale-claim time, 10 s here). Expected: every acknowledged order stored once, no order stored twice (one
external reference each), no 5xx; a request applied just before the kill whose answer was lost answers 409 E2011
and its order is stored.

Used by ``probe.py`` (``--kill-writers``, ``--kill-seconds``); the in-process server of the other probes only
creates the organization and counts the rows."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from doorstep.store.models import DepotRow, OrderRow

EXE = Path(sys.executable).with_name("doorstep")
SECRET = "abuse-probe-kill9-" + "x" * 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``doorstep serve`` in its own session on a fixed port (so a restart answers at the same address)."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.port, self.log = _free_port(), log
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DOORSTEP_DATABASE_URL": db_url, "DOORSTEP_SECRET_KEY": SECRET,
                    "DOORSTEP_RATE_LIMIT_PER_MINUTE": "100000000", "DOORSTEP_RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "0",
                    "DOORSTEP_WEBHOOK_TICK_S": "0", "DOORSTEP_IDEMPOTENCY_STALE_S": "10"}  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until it answers."""
        self.proc = subprocess.Popen(
            [str(EXE), "serve", "--port", str(self.port)], env=self.env, stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"doorstep serve did not answer in 120 s (see {self.log})")

    def kill9(self) -> None:
        """SIGKILL to the server's whole session."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(20)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()


def code_of(r: httpx.Response) -> str:
    """'201', '409 E2009': the status and, for an error, its code."""
    try:
        error = r.json().get("error") if r.status_code >= 400 else None
    except ValueError:
        error = None
    return f"{r.status_code} {error['code']}" if isinstance(error, dict) else str(r.status_code)


class Writers:
    """Clients creating one order per request, each with its own reference and idempotency key, retrying a
    request that got no answer (connection refused or reset: the server is down) until it gets one."""

    def __init__(self, base: str, headers: dict[str, str], depot: str, count: int) -> None:
        self.base, self.headers, self.depot, self.count = base, headers, depot, count
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0
        self.answers: Counter[str] = Counter()
        self.acknowledged: set[str] = set()  # external references answered 201 (or the replayed 201)
        self.lost_answers: set[str] = set()  # answered 409 E2011: applied before the kill, its answer lost
        self.retries = 0

    def _one(self, client: httpx.Client, ref: str) -> None:
        body = {"external_ref": ref, "depot_id": self.depot, "date": "2025-06-17",
                "location": {"lat": 38.72, "lng": -9.14}}  # fmt: skip
        headers = {**self.headers, "Idempotency-Key": f"key-{ref}"}
        while True:
            try:
                r = client.post("/v1/orders", json=body, headers=headers)
            except httpx.TransportError:
                with self.lock:
                    self.retries += 1
                time.sleep(0.2)  # the server is down: the same request again, same key
                continue
            answer = code_of(r)
            if answer == "409 E2009":  # the first attempt's claim, left by the killed server: retry later
                with self.lock:
                    self.retries += 1
                time.sleep(1)
                continue
            with self.lock:
                self.answers[answer] += 1
                if r.status_code == 201:
                    self.acknowledged.add(ref)
                elif answer == "409 E2011":
                    self.lost_answers.add(ref)
            return

    def run(self, k: int) -> None:
        """Write until told to stop (the request under way is finished, retried until answered)."""
        with httpx.Client(base_url=self.base, timeout=60) as client:
            j = 0
            while not self.stop.is_set():
                j += 1
                with self.lock:
                    self.sent += 1
                self._one(client, f"K9-{k}-{j}")

    def go(self, seconds_before: float, server: Server, seconds_after: float) -> float:
        """Write for ``seconds_before``, kill -9 the server, start it again, write ``seconds_after`` more; the
        seconds the server was away."""
        threads = [threading.Thread(target=self.run, args=(k,)) for k in range(self.count)]
        for t in threads:
            t.start()
        time.sleep(seconds_before)
        down = time.monotonic()
        server.kill9()
        server.start()
        away = time.monotonic() - down
        time.sleep(seconds_after)
        self.stop.set()
        for t in threads:
            t.join()
        return away


def probe_kill9(backend: str, url: str, platform: Any, headers: dict[str, str], writers: int, seconds: float,
                log: Path) -> dict[str, Any]:  # fmt: skip
    """Run the probe; what was sent, acknowledged and stored, and the problems found."""
    server = Server(url, log)
    server.start()
    try:
        depot = httpx.post(f"{server.base}/v1/depots", json={"name": "Hub", "lat": 38.7372, "lng": -9.1034,
                           "timezone": "Europe/Lisbon"}, headers=headers, timeout=60).json()["id"]  # fmt: skip
        w = Writers(server.base, headers, depot, writers)
        away = w.go(seconds / 2, server, seconds / 2)
    finally:
        server.stop()
    with platform.sessions() as s:
        org = s.scalar(select(DepotRow.org_id).where(DepotRow.id == depot))
        q = select(OrderRow.external_ref, func.count()).where(OrderRow.org_id == org).group_by(OrderRow.external_ref)
        stored: dict[str, int] = dict(s.execute(q).tuples().all())
    problems = []
    if lost := w.acknowledged - set(stored):
        problems.append(f"{len(lost)} acknowledged orders not stored")
    if twice := [ref for ref, n in stored.items() if n > 1]:
        problems.append(f"{len(twice)} orders stored more than once")
    if fives := sum(n for status, n in w.answers.items() if status.startswith("5")):
        problems.append(f"{fives} answers 5xx")
    if missing := w.lost_answers - set(stored):
        problems.append(f"{len(missing)} answered E2011 (applied) but not stored")
    expected = ("201", "409 E2011")
    if others := sum(n for status, n in w.answers.items() if status not in expected and not status.startswith("5")):
        problems.append(f"{others} answers other than 201 or 409 E2011")
    return {"sent": w.sent, "answers": w.answers, "acknowledged": len(w.acknowledged), "stored": sum(stored.values()),
            "retries": w.retries, "away_s": away, "problems": problems}  # fmt: skip
