"""The scaled shape on real processes: ``doorstep serve --workers 2`` on PostgreSQL and a Redis server of the
test's own, and ``doorstep eta-worker``. kill -9 of an API process during position ingest loses no acknowledged
position; a Redis restart leaves live streams resuming without losing an event (``Last-Event-ID``); the ETA
worker process re-times routes from ingested positions while the API processes re-time none."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from doorstep.api.app import create_app
from doorstep.cli.main import app as cli
from doorstep.config import Settings
from doorstep.services.operations.eta_stream import GROUP, STREAM
from doorstep.store.engine import make_engine
from doorstep.store.models import PositionRow, RouteLiveRow
from tests.api.conftest import Tenant, make_tenant
from tests.cli.scaled_shape import (
    EtaWorker,
    RedisServer,
    Served,
    driver_login,
    fixes,
    pg_database,
    redis_server,
    scaled_env,
    todays_route,
    until,
)

pytestmark = pytest.mark.slow
Entries = list[tuple[str, dict[str, str]]]  # what XRANGE answers a client that decodes responses


@dataclass
class Shape:
    """The shared services, the settings of every process, and an in-process app for setting up tenants."""

    redis: RedisServer
    db_url: str
    env: dict[str, str]
    setup: TestClient
    folder: Path


@pytest.fixture(scope="module")
def shape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shape]:
    """Redis of its own, a fresh PostgreSQL database, and the set-up app on them."""
    folder = tmp_path_factory.mktemp("scaled")
    with redis_server(folder) as server, pg_database() as url:
        env = scaled_env(url, server.url, folder)
        settings = Settings(
            database_url=url, redis_url=server.url, eta_worker="process", secret_key=env["DOORSTEP_SECRET_KEY"],
            rate_limit_per_minute=100_000_000, webhook_tick_s=0, data_dir=folder,
        )  # fmt: skip
        with TestClient(create_app(settings)) as setup:
            yield Shape(server, url, env, setup, folder)


@pytest.fixture(scope="module")
def served(shape: Shape) -> Iterator[Served]:
    """``doorstep serve --workers 2`` on the shape's settings."""
    s = Served(shape.env, shape.folder / "serve.log")
    yield s
    s.stop()


def _stored(db_url: str, org_id: str) -> set[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            q = select(PositionRow.client_id).where(PositionRow.org_id == org_id)
            return {str(x) for x in conn.execute(q).scalars()}
    finally:
        engine.dispose()


def test_kill9_of_an_api_process_during_ingest_loses_no_acknowledged_position(shape: Shape, served: Served) -> None:
    """Four phones send batches to two API processes; one process is killed with SIGKILL mid-run: requests in
    flight on it fail (the phone sends the batch again), uvicorn starts a new process, and every client id any
    answer acknowledged is stored, once."""
    t = make_tenant(shape.setup)
    phones = [driver_login(shape.setup, t) for _ in range(4)]
    acked: set[str] = set()
    failed, answered_after_kill = [0], [0]
    lock, stop, killed = threading.Lock(), threading.Event(), threading.Event()

    def phone(k: int) -> None:
        n = 0
        with httpx.Client(base_url=served.base, timeout=30) as c:
            while not stop.is_set():
                body = {"positions": fixes(f"p{k}", n, 20)}
                try:
                    r = c.post("/v1/driver/positions", json=body, headers=phones[k])
                except httpx.TransportError:
                    with lock:
                        failed[0] += 1
                    continue  # the same batch again: a lost acknowledgement
                assert r.status_code == 200, r.text
                with lock:
                    acked.update(r.json()["acknowledged"])
                    answered_after_kill[0] += killed.is_set()
                n += 20

    threads = [threading.Thread(target=phone, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    try:
        until(lambda: len(acked) >= 400, 120, "400 acknowledged positions")
        victim = served.api_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed.set()
        until(lambda: victim not in served.api_pids() and len(served.api_pids()) == 2, 180, "a new API process")
        until(lambda: answered_after_kill[0] >= 40, 120, "answers after the kill")
    finally:
        stop.set()
        for th in threads:
            th.join(60)
    stored = _stored(shape.db_url, t.org_id)
    assert acked and acked <= stored, f"{len(acked - stored)} acknowledged positions missing"
    # nothing stored that no phone sent, and every phone's batches in order: the stored ids are each phone's prefix
    for k in range(4):
        mine = sorted(x for x in stored if x.startswith(f"p{k}-"))
        assert mine == [f"p{k}-{i:06d}" for i in range(len(mine))]


@dataclass
class Frame:
    """One SSE frame: its id, event type and data."""

    id: str
    type: str
    data: dict[str, Any]


def _frames(base: str, key: str, last_id: str | None, out: list[Frame], stop: threading.Event) -> None:
    """Read the dispatcher stream into ``out`` like a browser: on a broken connection, reconnect with the last
    id seen."""
    while not stop.is_set():
        headers = {"Authorization": f"Bearer {key}"}
        if last_id:
            headers["Last-Event-ID"] = last_id
        try:
            with httpx.stream("GET", f"{base}/v1/live/stream", headers=headers, timeout=httpx.Timeout(5, read=3)) as r:
                fields: dict[str, str] = {}
                for line in r.iter_lines():
                    if stop.is_set():
                        return
                    if line == "":
                        if "data" in fields:
                            out.append(Frame(fields["id"], fields["event"], json.loads(fields["data"])))
                            last_id = fields["id"]
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(": ")
                        fields[name] = value
        except httpx.HTTPError:
            time.sleep(0.2)


def _positions(frames: list[Frame]) -> list[str]:
    return [f.data["at"] for f in frames if f.type == "position"]


def test_a_redis_restart_loses_no_live_event_and_streams_resume_after_their_last_id(
    shape: Shape, served: Served
) -> None:
    """A dispatcher stream on the two API processes sees each batch's position event. Redis is killed (-9):
    batches still acknowledged meanwhile; Redis starts again (its append-only file keeps the streams): the API
    processes send what waited, the open stream carries on, every event arrives once and in order; and a new
    connection with ``Last-Event-ID`` gets exactly the events after that id (no snapshot)."""
    t = make_tenant(shape.setup)
    phone = driver_login(shape.setup, t)
    frames: list[Frame] = []
    stop = threading.Event()
    reader = threading.Thread(target=_frames, args=(served.base, t.keys["read"], None, frames, stop))
    reader.start()
    sent: list[str] = []
    try:
        until(lambda: any(f.type == "snapshot" for f in frames), 30, "the snapshot")
        with httpx.Client(base_url=served.base, timeout=30) as c:

            def batch(k: int) -> None:
                body = {"positions": fixes("r", k, 1)}
                r = c.post("/v1/driver/positions", json=body, headers=phone)
                assert r.status_code == 200 and r.json()["stored"] == 1, r.text
                sent.append(body["positions"][0]["at"])

            for k in range(5):
                batch(k)
            until(lambda: len(_positions(frames)) == 5, 30, "the first five events")
            shape.redis.kill9()
            for k in range(5, 10):
                batch(k)  # acknowledged: the fix is stored; its live event waits for Redis
            shape.redis.start()
            until(lambda: len(_positions(frames)) == 10, 60, "the events that waited for Redis")
            for k in range(10, 15):
                batch(k)
            until(lambda: len(_positions(frames)) == 15, 30, "the events after the restart")
    finally:
        stop.set()
        reader.join(30)
    assert _positions(frames) == sent
    ids = [f.id for f in frames if f.type == "position"]
    assert len(set(ids)) == 15 and ids == sorted(ids, key=lambda x: tuple(int(p) for p in x.split("-")))
    again: list[Frame] = []
    stop2 = threading.Event()
    resumed = threading.Thread(target=_frames, args=(served.base, t.keys["read"], ids[6], again, stop2))
    resumed.start()
    try:
        until(lambda: len(again) >= 8, 30, "the events after the 7th")
        time.sleep(0.5)
    finally:
        stop2.set()
        resumed.join(30)
    assert [f.type for f in again] == ["position"] * 8
    assert _positions(again) == sent[7:] and [f.id for f in again] == ids[7:]


def test_the_eta_worker_process_retimes_routes_the_api_processes_do_not(shape: Shape, served: Served) -> None:
    """Positions of a dispatched route go to the API processes, which store and publish them and append them to
    the ETA stream, re-timing nothing (the route's live state keeps no position while no ETA worker runs); a
    ``doorstep eta-worker`` started afterwards reads the stream, stores the route's position and ETAs, publishes
    an ``eta`` event and acknowledges every entry."""
    t: Tenant = make_tenant(shape.setup)
    route_id, phone = todays_route(shape.setup, t)
    r = redis.Redis.from_url(shape.redis.url, decode_responses=True)
    before = r.xlen(STREAM) if r.exists(STREAM) else 0
    with httpx.Client(base_url=served.base, timeout=30) as c:
        for k in range(3):
            body: dict[str, Any] = {"route_id": route_id, "positions": fixes("e", 5 * k, 5)}
            resp = c.post("/v1/driver/positions", json=body, headers=phone)
            assert resp.status_code == 200 and resp.json()["stored"] == 5, resp.text
    last = body["positions"][-1]
    until(lambda: r.xlen(STREAM) >= before + 3, 30, "the ETA stream entries")
    engine = make_engine(shape.db_url)

    try:
        time.sleep(2.0)  # time enough for an in-process ETA worker to have stored the position
        with engine.connect() as conn:
            pos = conn.execute(select(RouteLiveRow.position).where(RouteLiveRow.route_id == route_id)).scalar()
        assert pos is None  # the API processes re-timed nothing
        worker = EtaWorker(shape.env, shape.folder / "eta.log")
        try:

            def moved() -> dict[str, Any] | None:
                with engine.connect() as conn:
                    q = select(RouteLiveRow.position, RouteLiveRow.etas).where(RouteLiveRow.route_id == route_id)
                    row = conn.execute(q).first()
                return {"position": row[0], "etas": row[1]} if row and row[0] and row[0]["at"] == last["at"] else None

            got = until(moved, 60, "the ETA worker to store the route's position")
            assert got["position"]["lat"] == pytest.approx(last["lat"]) and len(got["etas"]) >= 3
            org_stream = f"doorstep:org:{t.org_id}"
            etas = until(
                lambda: [e for _, e in cast(Entries, r.xrange(org_stream)) if json.loads(e["d"])["type"] == "eta"
                         and json.loads(e["d"])["route_id"] == route_id and json.loads(e["d"])["as_of"] >= last["at"]],
                30, "the eta event",
            )  # fmt: skip
            assert etas
            until(lambda: r.xpending(STREAM, GROUP)["pending"] == 0, 30, "every entry acknowledged")
        finally:
            worker.stop()
        assert worker.proc.returncode == 0
    finally:
        engine.dispose()
        r.close()


def test_scaled_commands_refuse_a_shape_that_cannot_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve --workers 2`` on SQLite without Redis names both problems (E1011 twice, exit 2) and starts
    nothing; ``eta-worker`` without Redis is E1011; ``DOORSTEP_ETA_WORKER=process`` without Redis fails the app."""
    for name in ("DOORSTEP_REDIS_URL", "DOORSTEP_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert result.output.count("E1011") == 2 and "DOORSTEP_REDIS_URL" in result.output
    assert "PostgreSQL" in result.output
    result = CliRunner().invoke(cli, ["eta-worker"])
    assert result.exit_code == 2 and "E1011" in result.output
    with pytest.raises(Exception) as err:
        create_app(Settings(eta_worker="process", data_dir=tmp_path))
    assert getattr(err.value, "code", None) == "E1011"
