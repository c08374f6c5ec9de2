"""Server-Sent Events fan-out over HTTP: ``--subscribers`` dispatcher streams (``GET /v1/live/stream``) on a real
server (uvicorn in a subprocess, SQLite, Redis broker), one publisher sending ``--events`` live events at
``--rate`` per second to the organization's channel through Redis (as a worker process would).

Records, per delivered event, the delay from publish to receipt by the HTTP client (publisher and subscribers
share this process's clock). Zero loss means every stream received every event. The server and the clients
share this machine's cores, so the figure includes the clients' own parsing.

Example: ``.venv/bin/python benchmarks/live_sse.py --subscribers 500 --events 100 --rate 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from doorstep.live.publish import RedisPublisher
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.migrate import upgrade
from machine import machine_info
from tables import fmt, print_rich

RESULTS = Path(__file__).resolve().parent / "results"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tenant(url: str) -> tuple[str, str]:
    """An organization and an API key in a fresh database."""
    upgrade(url)
    engine = make_engine(url)
    p = Platform(sessions=make_session_factory(engine))
    org_id, _ = create_organization(p, "SSE bench", f"sse-{uuid.uuid4().hex[:8]}@example.com", "bench-password-1")
    key = create_api_key(p, system_actor(org_id), "bench", [Permission.READ])[1]
    engine.dispose()
    return org_id, key


def _server(url: str, redis_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DOORSTEP_DATABASE_URL": url, "DOORSTEP_SECRET_KEY": "bench", "DOORSTEP_REDIS_URL": redis_url,
           "DOORSTEP_RATE_LIMIT_PER_MINUTE": "100000000", "DOORSTEP_WEBHOOK_TICK_S": "0"}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "doorstep.api.app:create_app", "--factory", "--port", str(port),
           "--log-level", "warning", "--limit-concurrency", "10000", "--backlog", "2048"]  # fmt: skip
    return subprocess.Popen(cmd, env=env)


async def _subscriber(client: httpx.AsyncClient, key: str, events: int, ready: list[int], out: list[float]) -> int:
    got = 0
    headers = {"Authorization": f"Bearer {key}"}
    async with client.stream("GET", f"/v1/live/stream?limit={events + 1}", headers=headers) as resp:
        async for line in resp.aiter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if event.get("type") == "snapshot":
                ready[0] += 1
            elif event.get("type") == "bench":
                out.append(time.perf_counter() - event["t"])
                got += 1
    return got


async def _wait_up(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        for _ in range(200):
            try:
                if (await c.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


async def run(subscribers: int, events: int, rate: float, redis_url: str) -> dict[str, Any]:
    """Start the server, open the streams, publish, summarise."""
    folder = tempfile.mkdtemp(prefix="sse-bench-")
    url = f"sqlite:///{folder}/bench.sqlite"
    org_id, key = _tenant(url)
    port = _free_port()
    proc = _server(url, redis_url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_up(base)
        limits = httpx.Limits(max_connections=subscribers + 10, max_keepalive_connections=subscribers + 10)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(60.0)) as client:
            ready, delays = [0], []
            started = time.perf_counter()
            tasks = [asyncio.create_task(_subscriber(client, key, events, ready, delays)) for _ in range(subscribers)]
            while ready[0] < subscribers:
                await asyncio.sleep(0.05)
                if time.perf_counter() - started > 120:
                    raise RuntimeError(f"only {ready[0]} of {subscribers} streams opened")
            connect_s = time.perf_counter() - started
            await asyncio.sleep(1.0)  # the server's Redis subscription is in place
            pub = RedisPublisher(redis_url)
            for i in range(events):
                pub.publish(org_id, {"type": "bench", "seq": i, "t": time.perf_counter()})
                await asyncio.sleep(1 / rate)
            await asyncio.wait(tasks, timeout=60)
            pub.close()
    finally:
        proc.terminate()
        proc.wait(10)
    q = statistics.quantiles(delays, n=100, method="inclusive") if len(delays) > 1 else [0.0] * 99
    return {
        "transport": "SSE over HTTP (uvicorn, Redis broker)", "subscribers": subscribers, "events": events,
        "rate_per_s": rate, "delivered": len(delays), "lost": subscribers * events - len(delays),
        "open_all_s": round(connect_s, 2), "p50_ms": round(q[49] * 1000, 2), "p95_ms": round(q[94] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2), "max_ms": round(max(delays) * 1000, 2) if delays else None,
    }  # fmt: skip


def main() -> None:
    """Run, print a table, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subscribers", type=int, default=500)
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--rate", type=float, default=20.0, help="events per second")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--out", type=Path, default=RESULTS / "live-sse.json")
    args = ap.parse_args()
    row = asyncio.run(run(args.subscribers, args.events, args.rate, args.redis_url))
    print_rich(
        (list(row), [[fmt(v, 2) if isinstance(v, float) else str(v) for v in row.values()]]),
        f"SSE fan-out to {args.subscribers} HTTP streams, {args.events} events at {args.rate:g}/s",
    )  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": machine_info(), "rows": [row]}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
