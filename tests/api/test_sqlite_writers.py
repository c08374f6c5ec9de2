"""SQLite under concurrent writers (embedded shape): a writer waits for another's lock instead of failing, a lock
held past the busy timeout is a coded, retryable 503 (never a 500), and a 500 does not cost the connection."""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from doorstep.store.migrate import upgrade
from tests.api.concurrent import burst, new_org, serve

HUB = {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    """A migrated SQLite file of its own (this test holds its write lock)."""
    path = tmp_path / "writers.sqlite"
    upgrade(f"sqlite:///{path}")
    yield path


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Another writer: a transaction holding SQLite's write lock for ``seconds`` (like a large import's commit)."""
    taken = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(5)
    return thread


def test_writers_wait_for_a_lock_held_by_another_writer(sqlite_file: Path) -> None:
    """20 creates sent while another transaction holds the write lock for 2 s all succeed once it is released."""
    with serve(f"sqlite:///{sqlite_file}") as server:
        _, _, key = new_org(server)
        h = {"Authorization": f"Bearer {key}"}
        holder = _hold_write_lock(sqlite_file, 2.0)
        started = time.monotonic()
        answers = burst(20, lambda c: c.post("/v1/depots", json=HUB, headers=h), base=server.base)
        holder.join()
        assert [a.status for a in answers] == [201] * 20, [a for a in answers if a.status != 201]
        assert time.monotonic() - started >= 1.5  # they did wait for the lock
        listed = httpx.get(f"{server.base}/v1/depots", headers=h, timeout=30).json()["items"]
        assert len(listed) == 20


def test_a_lock_held_past_the_busy_timeout_is_503_e5002(sqlite_file: Path) -> None:
    """With a 0.3 s busy timeout and a lock held 2 s, a create is 503 E5002 with Retry-After, and nothing stored."""
    with serve(f"sqlite:///{sqlite_file}", sqlite_busy_timeout_s=0.3) as server:
        _, _, key = new_org(server)
        h = {"Authorization": f"Bearer {key}"}
        holder = _hold_write_lock(sqlite_file, 2.0)
        r = httpx.post(f"{server.base}/v1/depots", json=HUB, headers=h, timeout=30)
        holder.join()
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "E5002" and r.headers["retry-after"] == "1"
        assert httpx.get(f"{server.base}/v1/depots", headers=h, timeout=30).json()["items"] == []


def _responses(raw: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", raw)]


def test_a_500_keeps_the_keep_alive_connection(sqlite_file: Path) -> None:
    """Two pipelined requests on one connection, the first failing with 500 E5001: the second is answered too."""
    with serve(f"sqlite:///{sqlite_file}") as server:

        def boom() -> None:
            raise RuntimeError("an unexpected failure")

        server.app.add_api_route("/boom", boom)
        host = urlsplit(server.base)
        with socket.create_connection((host.hostname or "", host.port or 80), timeout=10) as sock:
            sock.sendall(b"GET /boom HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            raw = b""
            deadline = time.monotonic() + 10
            while len(_responses(raw)) < 2 and time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
        assert _responses(raw) == [500, 200], raw[:500]
        assert b'"code":"E5001"' in raw
