"""CPU time of one position batch in one API process of the scaled shape, layer by layer, on PostgreSQL and a
Redis server of the benchmark's own: what each acknowledged position costs, measured on a single thread so that
a busy machine changes the figures little (a process waiting for a core spends no CPU time).

The app is the scaled shape's (``DOORSTEP_ETA_WORKER=process``, ``DOORSTEP_JOB_RUNNER=celery``: the request
appends to the live stream and the ETA stream), with its lifespan run, driven through ASGI calls without a
socket: everything of a request but uvicorn's HTTP parsing. Layers, each over ``--requests`` fresh batches
of ``--batch`` fixes (100 drivers on dispatched routes of today, as ``ingest_scaled.py``):

- ``request``: the whole request (middleware, routing, body validation, the endpoint on the thread pool, the
  answer), and what PostgreSQL's backends and Redis spent for it;
- ``validate``: the body parsed and validated as FastAPI does it (``PositionsIn``);
- ``service``: ``ingest_positions`` alone (the database read and write, screening, the live publish);
- ``read``, ``write``, ``publish``: the database read, the database write, the live publish (both streams);
- ``retime``: the ETA worker's re-timing of a route for a position (``tracking.on_event``).

Also counted per request: SQL statements, Redis commands (``INFO commandstats``).

    PYTHONPATH=src .venv/bin/python benchmarks/ingest_cpu.py --requests 400
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import shutil
import signal
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import event, text

from api import database
from doorstep.api.app import build_platform, create_app, job_runner, make_broker
from doorstep.api.schemas_driver import PositionsIn
from doorstep.config import Settings
from doorstep.domain.geo import LatLng
from doorstep.live.positions import Position
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.driver.driver_auth import driver_actor
from doorstep.services.driver.position_ingest import ingest_positions, position_event
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.tracking import on_event
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.position_rows import FixRow, ingest_connection, read_state, write_fixes
from ingest_day import plan_day
from ingest_scaled import SECRET, redis_server
from live_ingest import Driver
from machine import machine_info
from proc_cpu import machine_busy, since, snapshot

OUT = Path(__file__).resolve().parent / "results" / "ingest-cpu.json"


class Asgi:
    """Calls the app as uvicorn would, one request at a time, on one event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._life: AbstractContextManager[Any] | None = None

    def start(self) -> None:
        """Run the app's lifespan start-up."""
        self._ctx = self.app.router.lifespan_context(self.app)
        self.loop.run_until_complete(self._ctx.__aenter__())

    def stop(self) -> None:
        """Run its shutdown."""
        self.loop.run_until_complete(self._ctx.__aexit__(None, None, None))
        self.loop.close()

    def timed(
        self, n: int, warm: int, request_of: Callable[[int], tuple[str, bytes, str]]
    ) -> tuple[float, list[float]]:
        """CPU milliseconds per request and each request's wall milliseconds, over ``n`` POSTs (after ``warm``
        ones) of one long-lived task, as under uvicorn (whose server task outlives requests: anyio keeps its
        worker threads for the next request while that task runs)."""

        async def run() -> tuple[float, list[float]]:
            for k in range(-warm, 0):
                await self._checked(*request_of(k))
            cpu0, walls = time.process_time(), []
            for k in range(n):
                t = time.perf_counter()
                await self._checked(*request_of(k))
                walls.append((time.perf_counter() - t) * 1000)
            return (time.process_time() - cpu0) * 1000 / n, walls

        return self.loop.run_until_complete(run())

    async def _checked(self, path: str, body: bytes, token: str) -> None:
        status, answer = await self._post(path, body, token)
        assert status == 200, answer

    async def _post(self, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"authorization", f"Bearer {token}".encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent = False
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


def _positions(body: dict[str, Any]) -> list[Position]:
    return [
        Position(f["client_id"], datetime.fromisoformat(f["at"]), LatLng(f["lat"], f["lng"]), f.get("accuracy_m"),
                 f.get("speed_mps"), f.get("heading_deg"))
        for f in body["positions"]
    ]  # fmt: skip


class Counter:
    """SQL statements run on an engine."""

    def __init__(self, engine: Any) -> None:
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, *_: Any) -> None:
        self.n += 1


def _redis_calls(r: redis.Redis) -> int:
    return sum(int(v["calls"]) for k, v in r.info("commandstats").items() if k.startswith("cmdstat_x"))


@contextmanager
def _batch_connection(platform: Platform) -> Iterator[Any]:
    """``ingest_connection`` of this code, or of the code before it took the sessions (it took a session whose
    caller committed): the same layers can be timed on both sides of that change."""
    if "session" not in inspect.signature(ingest_connection).parameters:
        with ingest_connection(platform.sessions) as conn:
            yield conn
        return
    with platform.sessions() as session:
        yield ingest_connection(session)  # type: ignore[arg-type]
        session.commit()


def _spy(dest: Path) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy") or "py-spy"
    cmd = [spy, "record", "--pid", str(os.getpid()), "--format", "raw", "--rate", "500", "--gil", "--nonblocking",
           "--output", str(dest)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # attached
    return proc


def measure(name: str, n: int, one: Callable[[int], None], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """CPU and wall milliseconds per call of ``one`` over ``n`` calls (after 10% of warm-up calls)."""
    for k in range(max(1, n // 10)):
        one(-1 - k)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    walls = []
    for k in range(n):
        t = time.perf_counter()
        one(k)
        walls.append((time.perf_counter() - t) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / n
    wall = (time.perf_counter() - wall0) * 1000 / n
    return {"layer": name, "cpu_ms": round(cpu, 3), "wall_ms": round(wall, 3),
            "wall_p50_ms": round(statistics.median(walls), 3), **(extra or {})}  # fmt: skip


def main() -> None:
    """Build the day, then time each layer."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drivers", type=int, default=100)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--per-route", type=int, default=10)
    ap.add_argument("--solve-s", type=float, default=3.0)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--request-only", action="store_true", help="time the whole request only")
    ap.add_argument("--retimes", type=int, default=200, help="ETA re-timings timed (routes in turn)")
    ap.add_argument("--rounds", type=int, default=1, help="time the whole request this many times (fresh batches)")
    ap.add_argument("--profile", type=Path, default=None, help="py-spy (threads holding the GIL) the request layer "
                    "into this file of collapsed stacks")  # fmt: skip
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    logs = Path("/tmp")
    with database("postgresql") as url, redis_server(logs) as (redis_url, redis_pid):
        settings = Settings(
            database_url=url, redis_url=redis_url, eta_worker="process", job_runner="celery", secret_key=SECRET,
            env="bench", rate_limit_per_minute=100_000_000, webhook_tick_s=0,
        )  # fmt: skip
        setup = make_engine(url)
        p = Platform(sessions=make_session_factory(setup), plan_time_limit_s=args.solve_s)
        org_id, _ = create_organization(p, "Ingest", "ingest-cpu@example.com", "ingest-password")
        sys_actor = system_actor(org_id)
        ids = [
            fleet_admin.create(p, sys_actor, "driver", {"name": f"D{k}", "phone": "", "user_id": None, "skills": []}).id
            for k in range(args.drivers)
        ]
        day = plan_day(p, sys_actor, ids, args.per_route, args.solve_s)
        setup.dispose()
        app = create_app(settings)
        asgi = Asgi(app)
        asgi.start()
        platform: Platform = app.state.platform
        engine = app.state.engine
        queries = Counter(engine)
        rconn = redis.Redis.from_url(redis_url, decode_responses=True)
        signer = app.state.driver_signer
        fleet = [Driver(d, str(signer.dumps([org_id, d])), k, day) for k, d in enumerate(ids)]

        def backends() -> list[int]:
            with engine.connect() as conn:
                q = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                return [int(x) for x in conn.execute(q).scalars()]

        warm = max(1, args.requests // 10)

        def fresh() -> list[tuple[Driver, dict[str, Any]]]:
            """New batches for every call of a layer, made before it is timed."""
            return [(d := fleet[k % len(fleet)], d.body(args.batch)) for k in range(args.requests + warm)]

        sends = [(d, json.dumps(body).encode()) for d, body in fresh()]

        def request(k: int) -> tuple[str, bytes, str]:
            d, body = sends[k]
            return "/v1/driver/positions", body, d.token

        rounds = []  # CPU ms per request of each extra round: noise only ever adds, so their minimum is robust
        for _ in range(args.rounds - 1):
            rounds.append(round(asgi.timed(args.requests, warm, request)[0], 3))
            sends = [(d, json.dumps(body).encode()) for d, body in fresh()]

        groups = {"postgres": backends(), "redis": [redis_pid]}
        q0, r0 = queries.n, _redis_calls(rconn)
        before, busy0 = snapshot(groups, descendants=False), machine_busy()
        t0 = time.perf_counter()
        spy = _spy(args.profile) if args.profile else None
        t1 = time.perf_counter()
        cpu_ms, walls = asgi.timed(args.requests, warm, request)
        row = {"layer": "request", "cpu_ms": round(cpu_ms, 3),
               "wall_ms": round((time.perf_counter() - t1) * 1000 / (args.requests + warm), 3),
               "wall_p50_ms": round(statistics.median(walls), 3)}  # fmt: skip
        rounds.append(row["cpu_ms"])
        row |= {"cpu_ms_rounds": rounds, "cpu_ms_min": min(rounds), "cpu_ms_median": statistics.median(rounds)}
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        served = since(before, groups, descendants=False)
        per = 1000 / (args.requests + warm)
        row |= {
            "postgres_cpu_ms": round(served["postgres"] * per, 3), "redis_cpu_ms": round(served["redis"] * per, 3),
            "sql_per_request": round((queries.n - q0) / (args.requests + warm), 2),
            "redis_stream_commands_per_request": round((_redis_calls(rconn) - r0) / (args.requests + warm), 2),
            "machine_busy_cores": round((machine_busy()[0] - busy0[0]) / (time.perf_counter() - t0), 2),
        }  # fmt: skip
        rows.append(row)
        if args.request_only:
            asgi.stop()
            rconn.close()
            return report(args, rows)

        bodies = [body for _, body in sends]
        rows.append(measure("validate", args.requests, lambda k: PositionsIn.model_validate(json.loads(bodies[k]))))
        batches = [(d, _positions(body)) for d, body in fresh()]

        def service(k: int) -> None:
            d, batch = batches[k]
            ingest_positions(platform, driver_actor(org_id, d.id), batch, d.route_id)

        rows.append(measure("service", args.requests, service))
        batches = [(d, _positions(body)) for d, body in fresh()]

        def read(k: int) -> None:
            d, batch = batches[k]
            with _batch_connection(platform) as conn:
                read_state(conn, org_id, d.id, d.route_id, [x.client_id for x in batch])

        def write(k: int) -> None:
            d, batch = batches[k]
            fixes = [FixRow(x.client_id, x.at, x.location.lat, x.location.lng, x.accuracy_m) for x in batch]
            with _batch_connection(platform) as conn:
                write_fixes(conn, org_id, d.id, d.route_id, fixes, platform.clock())

        def publish(k: int) -> None:
            d, batch = batches[k]
            platform.live.publish(org_id, position_event(d.id, d.route_id, batch[-1]))

        rows.append(measure("read", args.requests, read))
        rows.append(measure("write", args.requests, write))
        rows.append(measure("publish", args.requests, publish))
        rows.append(retime(settings, org_id, fleet, args.retimes, backends))
        asgi.stop()
        rconn.close()
    report(args, rows)


def retime(
    settings: Settings, org_id: str, fleet: list[Driver], n: int, backends: Callable[[], list[int]]
) -> dict[str, Any]:
    """The ETA worker's re-timing of one route for a position (``doorstep eta-worker``'s platform: ETAs and
    alerts published to Redis), over the routes in turn; with the CPU PostgreSQL's backends spent for it."""
    _, publisher = make_broker(settings)
    engine = make_engine(settings.db_url())
    platform = build_platform(settings, job_runner(settings), publisher, engine)
    events = []
    for k in range(n + max(1, n // 10)):
        d = fleet[k % len(fleet)]
        at = datetime.now(UTC)
        events.append({"type": "position", "route_id": d.route_id, "driver_id": d.id, "lat": 38.74, "lng": -9.10,
                       "at": at.isoformat(), "accuracy_m": 6.0})  # fmt: skip
    on_event(platform, org_id, events[0])  # the engine's connection opened: its backend is counted
    groups = {"postgres": backends()}
    before = snapshot(groups, descendants=False)
    row = measure("retime", n, lambda k: on_event(platform, org_id, events[k]))
    row["postgres_cpu_ms"] = round(since(before, groups, descendants=False)["postgres"] * 1000 / (n + n // 10), 3)
    engine.dispose()
    publisher.close()
    return row


def report(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    """Print the table, write the JSON."""
    head = "| layer | CPU ms | wall ms (mean) | wall ms (p50) |"
    print(head + "\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['layer']} | {r['cpu_ms']} | {r['wall_ms']} | {r['wall_p50_ms']} |")
    extra = {k: v for k, v in rows[0].items() if k not in ("layer", "cpu_ms", "wall_ms", "wall_p50_ms")}
    extra.pop("cpu_ms_rounds", None)
    print("per request:", extra)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"args": vars(args), "machine": machine_info(), "layers": rows}, indent=2,
                                   default=str) + "\n")  # fmt: skip
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
