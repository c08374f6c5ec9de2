"""Sustained GPS position ingest through the real driver API (uvicorn in a subprocess), SQLite and PostgreSQL.

``--drivers`` drivers log in with one-time codes and send batches of ``--batch`` fixes each, from ``--workers``
client threads, for ``--seconds``; a fraction ``--resend`` of batches is sent twice (a lost acknowledgement), which
must be acknowledged again and never stored twice. Reported: positions acknowledged per second, latency per batch
request (p50/p95/p99), and zero loss: the stored count equals the number of distinct acknowledged client ids.

By default (``--routes``) the day is live as in production: before the run a plan for today with one route of
``--per-route`` orders per driver is solved, published and dispatched (``ingest_day.py``), each phone drives
along its route and sends every batch with its ``route_id``, so the server's ETA worker re-times the routes
while the positions pour in; the ETA updates it stored during the run are counted. ``--no-routes`` sends
batches without a route (positions only: the earlier figure, ``results/live-ingest.json``).

    .venv/bin/python benchmarks/live_ingest.py --rate 2500     # both backends: paced at 2,500/s, then flat out
    .venv/bin/python benchmarks/live_ingest.py --backends sqlite --seconds 10
    .venv/bin/python benchmarks/live_ingest.py --rate 2500 --no-routes   # without the ETA worker

Targets (issue 5): >= 2,000 positions/s with p99 <= 100 ms per batch request and zero loss.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from api import database  # a fresh, migrated SQLite file or throwaway PostgreSQL database
from doorstep.domain.geo import LatLng
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.driver.driver_auth import issue_code
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.models import PositionRow
from ingest_day import DayRoutes, EtaWatch, along, plan_day
from machine import machine_info

OUT = Path(__file__).resolve().parent / "results"  # live-ingest-routes.* (with routes) or live-ingest.* (without)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str) -> Iterator[str]:
    """``uvicorn doorstep.api.app:create_app --factory`` in a subprocess; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "DOORSTEP_DATABASE_URL": url, "DOORSTEP_SECRET_KEY": "bench-ingest", "DOORSTEP_ENV": "bench",
           "DOORSTEP_RATE_LIMIT_PER_MINUTE": "100000000", "DOORSTEP_WEBHOOK_TICK_S": "0"}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "doorstep.api.app:create_app", "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def drivers(url: str, base: str, args: argparse.Namespace) -> tuple[str, list[tuple[str, str]], DayRoutes | None]:
    """An organization with n drivers, each logged in through the API, and with ``--routes`` their dispatched
    routes of today: (org id, [(driver id, token)], the day)."""
    engine = make_engine(url)
    p = Platform(sessions=make_session_factory(engine), plan_time_limit_s=args.solve_s)
    org_id, _ = create_organization(p, "Ingest", f"ingest-{uuid.uuid4().hex[:8]}@example.com", "ingest-password")
    sys_actor = system_actor(org_id)
    from doorstep.services.fleet import fleet_admin

    out = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for k in range(args.drivers):
            drv = fleet_admin.create(p, sys_actor, "driver", {"name": f"Driver {k}", "phone": "", "user_id": None,
                                                              "skills": []})  # fmt: skip
            code = issue_code(p, sys_actor, drv.id).code
            token = c.post("/v1/driver/session", json={"code": code}).json()["token"]
            out.append((drv.id, token))
    day = plan_day(p, sys_actor, [d for d, _ in out], args.per_route, args.solve_s) if args.routes else None
    engine.dispose()
    return org_id, out, day


class Driver:
    """One phone: positions 1 s apart moving 8 m/s (along its route when it has one, else east), starting an
    hour ago."""

    def __init__(self, driver_id: str, token: str, k: int, day: DayRoutes | None = None) -> None:
        self.id, self.token, self.n = driver_id, token, 0
        self.t0 = datetime.now(UTC) - timedelta(hours=1)
        self.route_id = day.route_of[driver_id] if day else None
        self.path = day.path_of[driver_id] if day else [LatLng(38.70 + 0.001 * k, -9.20), LatLng(38.70 + 0.001 * k, 0)]
        self.lock = threading.Lock()

    def body(self, size: int) -> dict[str, Any]:
        """The next request body: ``size`` fixes, and the route when the phone drives one."""
        out: dict[str, Any] = {"positions": self.batch(size)}
        if self.route_id:
            out["route_id"] = self.route_id
        return out

    def batch(self, size: int) -> list[dict[str, Any]]:
        """The next ``size`` fixes."""
        with self.lock:
            start, self.n = self.n, self.n + size
        points = [(i, along(self.path, 8.0 * i)) for i in range(start, start + size)]
        return [
            {"client_id": f"{self.id}-{i:07d}", "at": (self.t0 + timedelta(seconds=i)).isoformat(), "lat": at.lat,
             "lng": at.lng, "accuracy_m": 6.0, "speed_mps": 8.0}
            for i, at in points
        ]  # fmt: skip


def _worker(base: str, fleet: list[Driver], args: argparse.Namespace, until: float, out: dict[str, Any]) -> None:
    rng = random.Random(threading.get_ident())
    per_s = args.rate / args.workers if args.rate else 0.0  # this worker's share of a paced run
    start, sent = time.perf_counter(), 0
    with httpx.Client(base_url=base, timeout=30) as c:
        k = rng.randrange(len(fleet))
        while time.perf_counter() < until:
            if per_s and (ahead := start + sent / per_s - time.perf_counter()) > 0:
                time.sleep(ahead)
            sent += args.batch
            k = (k + 1) % len(fleet)
            d = fleet[k]
            body = d.body(args.batch)  # each phone belongs to one worker: one batch in flight
            for _ in range(2 if rng.random() < args.resend else 1):
                t = time.perf_counter()
                r = c.post("/v1/driver/positions", json=body, headers={"Authorization": f"Bearer {d.token}"})
                out["lat_ms"].append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    out["errors"] += 1
                    continue
                got = r.json()
                out["acked"].update(got["acknowledged"])
                out["stored_reported"] += got["stored"]
                out["duplicates"] += len(got["duplicates"])
                out["refused"] += len(got["refused"])


def pct(values: list[float], q: float) -> float:
    """The q-quantile of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _watch(watch: EtaWatch | None, until: float) -> None:
    while watch is not None and time.perf_counter() < until:
        watch.poll()
        time.sleep(1.0)


def run(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """One sustained run on a fresh database (the ETA worker busy when the batches carry routes)."""
    load0 = _load()
    with database(backend) as url, server(url) as base:
        org_id, logins, day = drivers(url, base, args)
        fleet = [Driver(d, t, k, day) for k, (d, t) in enumerate(logins)]
        engine = make_engine(url)
        watch = EtaWatch(engine, set(day.route_of.values())) if day else None
        if watch is not None:
            watch.start()
        shards = [fleet[w :: args.workers] for w in range(args.workers)]
        outs: list[dict[str, Any]] = [
            {"lat_ms": [], "acked": set(), "stored_reported": 0, "duplicates": 0, "refused": 0, "errors": 0}
            for _ in shards
        ]
        t0 = time.perf_counter()
        until = t0 + args.seconds
        threads = [
            threading.Thread(target=_worker, args=(base, s, args, until, o)) for s, o in zip(shards, outs, strict=True)
        ]
        threads.append(threading.Thread(target=_watch, args=(watch, until)))
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        end = datetime.now(UTC)
        if watch is not None:
            watch.poll()
        with engine.connect() as conn:
            stored = conn.execute(
                select(func.count()).select_from(PositionRow).where(PositionRow.org_id == org_id)
            ).scalar_one()
        engine.dispose()
    lat = [x for o in outs for x in o["lat_ms"]]
    acked: set[str] = set().union(*(o["acked"] for o in outs))
    return {
        "backend": backend, "mode": f"paced {args.rate:,}/s" if args.rate else "flat out",
        "seconds": round(wall, 1), "drivers": args.drivers, "workers": args.workers,
        "batch": args.batch, "requests": len(lat), "acknowledged": len(acked), "stored": int(stored),
        "stored_reported": sum(o["stored_reported"] for o in outs),
        "duplicates_acked": sum(o["duplicates"] for o in outs), "refused": sum(o["refused"] for o in outs),
        "errors": sum(o["errors"] for o in outs), "positions_per_s": round(len(acked) / wall),
        "p50_ms": round(pct(lat, 0.5), 1), "p95_ms": round(pct(lat, 0.95), 1), "p99_ms": round(pct(lat, 0.99), 1),
        "zero_loss": len(acked) == int(stored), "load_1min": [load0, _load()], "routes": bool(day),
        **({"orders": day.orders, "unassigned": day.unassigned, "plan_id": day.plan_id,
            "setup_s": round(day.seconds, 1), "solve_s": round(day.solve_s, 1), **watch.summary(end)}
           if day and watch else {}),
    }  # fmt: skip


def _load() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else float("nan")


TABLE_HEAD = (
    "| backend | load | positions/s | batch | p50 ms | p95 ms | p99 ms | requests | acknowledged | stored "
    "| re-sent acked | errors | zero loss |"
)
ETA_HEAD = " ETA updates | routes re-timed | oldest ETA at end, s | load avg |"


def table(results: list[dict[str, Any]]) -> str:
    """The results as a markdown table (with the ETA worker's columns when the batches carried routes)."""
    eta = any(r.get("routes") for r in results)
    head = TABLE_HEAD + (ETA_HEAD if eta else "")
    rows = [
        f"| {r['backend']} | {r['mode']} | {r['positions_per_s']:,} | {r['batch']} | {r['p50_ms']} | {r['p95_ms']} | "
        f"{r['p99_ms']} | "
        f"{r['requests']:,} | {r['acknowledged']:,} | {r['stored']:,} | {r['duplicates_acked']:,} | {r['errors']} | "
        f"{'yes' if r['zero_loss'] else 'NO'} |"
        + (f" {r.get('eta_updates', '-')} | {r.get('routes_retimed', '-')}/{r.get('routes', '-')} | "
           f"{r.get('eta_oldest_age_s', '-')} | {' → '.join(str(x) for x in r['load_1min'])} |" if eta else "")
        for r in results
    ]  # fmt: skip
    return "\n".join([head, "|---" * head.count(" |") + "|", *rows])


def write_doc(results: list[dict[str, Any]], args: argparse.Namespace, machine: dict[str, Any]) -> None:
    """benchmarks/results/live-ingest[-routes].md: what was measured, how, on what, and the table."""
    load = _load()
    routes = (
        f"\nEvery batch carries its driver's `route_id`: today's plan ({args.per_route} one-parcel orders per driver, "
        f"solved in at most {args.solve_s:.0f} s) is published and dispatched before the run and each phone drives "
        "along its route, so the server's ETA worker re-times the routes during the run. ETA updates: changes of "
        "`route_live.updated_at` seen by polling once a second.\n"
        if args.routes
        else "\nThe batches carry no `route_id`: the ETA worker does not run.\n"
    )
    _paths(args)[1].write_text(
        f"""# Live operations, driver side: position ingest

Sustained GPS position ingest through the real driver API: `uvicorn doorstep.api.app:create_app --factory` in a
subprocess, {args.drivers} drivers logged in with one-time codes, {args.workers} client threads (one request in
flight each, every phone owned by one thread), batches of {args.batch} fixes, {args.seconds:.0f} s per run, and
{args.resend:.0%} of batches sent twice (a lost acknowledgement). "paced" holds the offered load at the target
rate; "flat out" sends as fast as the server answers. Latency is per batch request, client side, over loopback.
Zero loss: the number of distinct acknowledged client ids equals the rows stored (re-sent batches are acknowledged
again and stored once).
{routes}
Target (issue 5): >= 2,000 positions/s with p99 <= 100 ms per batch request and zero loss.

{table(results)}

Machine: {machine["cpu_model"]}, {machine["cores_usable"]} usable cores, {machine["ram_gib"]} GiB, Python
{machine["python"]}, commit {machine["git_commit"]}, {machine["recorded_at"]}. The machine was shared (1-minute
load average {load:.1f} at the end of the run, other benchmarks and test suites running); figures on an idle
machine are better.

Reproduce (JSON in `benchmarks/results/{_paths(args)[0].name}`):

    .venv/bin/python benchmarks/live_ingest.py --rate {args.rate or 2500} --seconds {args.seconds:.0f} \\
        --drivers {args.drivers} --workers {args.workers} {"" if args.routes else "--no-routes "}--doc
""",
        encoding="utf-8",
    )


def main() -> None:
    """Run every backend, print the table, write JSON (and the docs table with --doc)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--drivers", type=int, default=100)
    ap.add_argument("--workers", type=int, default=4, help="client threads (each one request in flight)")
    ap.add_argument("--batch", type=int, default=50, help="positions per request")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rate", type=int, default=0, help="paced load in positions/s (0: as fast as possible)")
    ap.add_argument("--doc", action="store_true", help="also write the results as markdown next to the JSON")
    ap.add_argument("--resend", type=float, default=0.05, help="share of batches sent twice")
    ap.add_argument(
        "--routes",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="batches carry the driver's dispatched route, feeding the ETA worker (default)",
    )
    ap.add_argument("--per-route", type=int, default=10, help="orders on each driver's route (with --routes)")
    ap.add_argument("--solve-s", type=float, default=10.0, help="solver time limit for the day's plan")
    ap.add_argument("--append", action="store_true", help="add this session to the JSON instead of replacing it")
    args = ap.parse_args()
    results = []
    for backend in args.backends.split(","):
        for rate in sorted({args.rate, 0}, reverse=True) if args.rate else [0]:
            results.append(run(backend, argparse.Namespace(**{**vars(args), "rate": rate})))
    print(table(results))
    path = _paths(args)[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    session = {"args": vars(args), "machine": machine, "results": results}
    sessions = json.loads(path.read_text())["sessions"] if args.append and path.exists() else []
    doc = {"sessions": [*sessions, session]} if args.routes else session  # the no-route file keeps its shape
    path.write_text(json.dumps(doc, indent=2) + "\n")
    if args.doc:
        write_doc(results, args, machine)
    print(f"wrote {path}")


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    """The JSON and markdown files: ``live-ingest-routes`` with the ETA worker, ``live-ingest`` without."""
    stem = "live-ingest-routes" if args.routes else "live-ingest"
    return OUT / f"{stem}.json", OUT / f"{stem}.md"


if __name__ == "__main__":
    main()
