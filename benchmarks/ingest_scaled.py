"""The scaled shape under load, on real processes: position ingest with two API processes and the ETA worker
in its own process on PostgreSQL, and planning throughput with two Celery workers.

Ingest: ``doorstep serve --workers 2`` (``DOORSTEP_ETA_WORKER=process``, ``DOORSTEP_JOB_RUNNER=celery``) and one
``doorstep eta-worker`` on a throwaway PostgreSQL database and a Redis server of the benchmark's own; phones as in
``live_ingest.py`` (``--drivers`` drivers each driving a dispatched route of today, ``--workers`` client
threads, batches of ``--batch``, a share ``--resend`` sent twice). Reported: positions acknowledged per second,
latency per batch request (p50/p95/p99), zero loss (distinct acknowledged client ids == rows stored), the ETA
updates the ETA worker stored during the run, the ETA stream's backlog at the end, and the 1-minute load average
sampled each second during the run (mean and max).

Planning: ``--plans`` organizations, each with the same small day (``--plan-orders`` orders, two vans), submit
their plan through the API at once (``POST /v1/plans``, ``--plan-s`` solver seconds); two ``doorstep worker
--pool solo`` processes run them. Reported: plans per minute from the first submit to the last plan stored.

    .venv/bin/python benchmarks/ingest_scaled.py                       # paced 4,000/s, then flat out; planning
    .venv/bin/python benchmarks/ingest_scaled.py --seconds 20 --rates 4000 --plans 8

Targets (issue 11): >= 4,000 positions/s at p99 <= 100 ms per batch request on PostgreSQL, zero loss.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import func, select, text

from api import database  # a throwaway PostgreSQL database
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.eta_stream import GROUP, STREAM
from doorstep.services.orders.orders import create_orders
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.models import PositionRow
from ingest_day import EtaWatch
from live_ingest import Driver, _worker, drivers, pct
from machine import machine_info
from proc_cpu import Groups, machine_busy, since, snapshot, tree

OUT = Path(__file__).resolve().parent / "results" / "ingest-scaled.json"
EXE = Path(sys.executable).with_name("doorstep")
SECRET = "bench-scaled-secret-0123456789abcdefghij"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load() -> float:
    return round(os.getloadavg()[0], 2)


@contextmanager
def redis_server(folder: Path) -> Iterator[tuple[str, int]]:
    """A redis-server of the benchmark's own (no persistence); yields its URL and process id."""
    port = _free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    try:
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


class Procs:
    """Subprocesses of the run, each in its own session, stopped together."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = {**os.environ, **env}, logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self.named: dict[str, int] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """``doorstep <args>`` with its output in ``<logs>/<name>.log``."""
        proc = subprocess.Popen([str(EXE), *args], env=self.env, stdout=(self.logs / f"{name}.log").open("ab"),
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        self.procs.append(proc)
        self.named[name] = proc.pid
        return proc

    def stop(self) -> None:
        """SIGTERM every session, SIGKILL what lingers."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _wait_up(base: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the API at {base} did not answer in {timeout_s} s")


def cpu_groups(procs: Procs, redis_pid: int, url: str) -> Groups:
    """The processes of the shape by role (children included; the supervisor alone), PostgreSQL's backends on the
    benchmark's database and this process (the load generator: client threads, the ETA watch)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        q = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        backends = [int(x) for x in conn.execute(q).scalars()]
    engine.dispose()
    serve = procs.named["serve"]
    return {
        "api": sorted(tree([serve]) - {serve}), "supervisor": [serve], "eta_worker": tree([procs.named["eta-worker"]]),
        "job_workers": tree([procs.named["worker-1"], procs.named["worker-2"]]), "redis": [redis_pid],
        "postgres": backends, "load_generator": [os.getpid()],
    }  # fmt: skip


def profile(folder: Path, groups: Groups, tag: str, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy sampling each API process and the ETA worker for the run (collapsed stacks, one file each, only
    threads holding the GIL): where their CPU time goes. The sampler costs CPU of its own: no figure of a
    profiled run is a measurement."""
    spy = shutil.which("py-spy") or Path(sys.executable).with_name("py-spy")
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for role in ("api", "eta_worker"):
        for pid in groups[role]:
            dest = folder / f"{role}-{pid}-{tag}.txt"
            cmd = [str(spy), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--format", "raw",
                   "--rate", "200", "--nonblocking", "--gil", "--output", str(dest)]  # fmt: skip
            out.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return out


def _loads(until: float, out: list[float]) -> None:
    while time.perf_counter() < until:
        out.append(_load())
        time.sleep(1.0)


def ingest(
    url: str, base: str, redis_url: str, args: argparse.Namespace, rate: int, groups: Callable[[], Groups]
) -> dict[str, Any]:
    """One sustained run at ``rate`` positions/s (0: flat out) on a fresh organization; ``groups`` names the
    processes whose CPU time is counted."""
    run_args = argparse.Namespace(**{**vars(args), "rate": rate, "routes": True, "per_route": args.per_route})
    org_id, logins, day = drivers(url, base, run_args)
    assert day is not None
    fleet = [Driver(d, t, k, day) for k, (d, t) in enumerate(logins)]
    engine = make_engine(url)
    watch = EtaWatch(engine, set(day.route_of.values()))
    watch.start()
    shards = [fleet[w :: args.workers] for w in range(args.workers)]
    outs: list[dict[str, Any]] = [
        {"lat_ms": [], "acked": set(), "stored_reported": 0, "duplicates": 0, "refused": 0, "errors": 0} for _ in shards
    ]
    loads: list[float] = []
    spies = profile(args.profile, groups(), f"{rate or 'flat'}", args.seconds) if args.profile else []
    cpu_before, busy_before = snapshot(groups(), descendants=False), machine_busy()
    t0 = time.perf_counter()
    until = t0 + args.seconds
    threads = [
        threading.Thread(target=_worker, args=(base, s, run_args, until, o)) for s, o in zip(shards, outs, strict=True)
    ]
    threads.append(threading.Thread(target=_loads, args=(until, loads)))

    def poll() -> None:
        while time.perf_counter() < until:
            watch.poll()
            time.sleep(1.0)

    threads.append(threading.Thread(target=poll))
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    cpu = since(cpu_before, groups(), descendants=False)
    for spy in spies:
        spy.wait(60)
    busy_after = machine_busy()
    end = datetime.now(UTC)
    watch.poll()
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    backlog = int(r.xpending(STREAM, GROUP)["pending"]) + int(_lag(r))
    r.close()
    with engine.connect() as conn:
        q = select(func.count()).select_from(PositionRow).where(PositionRow.org_id == org_id)
        stored = int(conn.execute(q).scalar_one())
    engine.dispose()
    lat = [x for o in outs for x in o["lat_ms"]]
    acked: set[str] = set().union(*(o["acked"] for o in outs))
    return {
        "mode": f"paced {rate:,}/s" if rate else "flat out", "seconds": round(wall, 1), "drivers": args.drivers,
        "client_threads": args.workers, "batch": args.batch, "requests": len(lat), "acknowledged": len(acked),
        "stored": stored, "duplicates_acked": sum(o["duplicates"] for o in outs),
        "errors": sum(o["errors"] for o in outs), "positions_per_s": round(len(acked) / wall),
        "p50_ms": round(pct(lat, 0.5), 1), "p95_ms": round(pct(lat, 0.95), 1), "p99_ms": round(pct(lat, 0.99), 1),
        "zero_loss": len(acked) == stored, "eta_stream_backlog_at_end": backlog,
        "load_mean": round(sum(loads) / max(1, len(loads)), 2), "load_max": max(loads, default=float("nan")),
        **watch.summary(end), **cpu_figures(cpu, len(acked), busy_after[0] - busy_before[0], wall),
    }  # fmt: skip


SHAPE = ("api", "eta_worker", "redis", "postgres")  # what serves the positions (not the load generator)


def cpu_figures(cpu: dict[str, float], acked: int, machine_busy_s: float, wall: float) -> dict[str, Any]:
    """CPU seconds per group, and CPU milliseconds per 1,000 acknowledged positions: per group, for the serving
    shape (API processes, ETA worker, Redis, PostgreSQL backends) and for the whole machine (every process on it,
    other people's included: how busy the machine was)."""
    per_k = 1000 / max(1, acked)
    return {
        "cpu_s": cpu, "cpu_ms_per_1k": {k: round(v * 1000 * per_k, 1) for k, v in cpu.items()},
        "shape_cpu_ms_per_1k": round(sum(cpu[k] for k in SHAPE) * 1000 * per_k, 1),
        "machine_busy_cores": round(machine_busy_s / wall, 2),
    }


def _lag(r: redis.Redis) -> int:
    """Entries of the ETA stream not yet read by the group (Redis 7: the group's lag)."""
    for g in r.xinfo_groups(STREAM):
        if g["name"] == GROUP:
            return int(g.get("lag") or 0)
    return 0


def planning_orgs(url: str, n: int, orders: int) -> list[tuple[str, str, str]]:
    """``n`` organizations with the same small day: (API key, depot id, day)."""
    engine = make_engine(url)
    p = Platform(sessions=make_session_factory(engine))
    day = date.today() + timedelta(days=1)
    out = []
    for k in range(n):
        org_id, _ = create_organization(p, f"Plan {k}", f"plan-{uuid.uuid4().hex[:8]}@example.com", "plan-password")
        sys_actor = system_actor(org_id)
        key = create_api_key(p, sys_actor, "bench", [Permission.READ, Permission.WRITE])[1]
        depot = {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon", "address": None,
                 "opens": None, "closes": None, "loading_s": 0}  # fmt: skip
        depot_id = fleet_admin.create(p, sys_actor, "depot", depot).id
        vtype = {"name": "Van", "capacity": {"parcels": orders}, "profile": "car", "skills": [],
                 "fixed_cost_cents": 0, "cost_per_km_cents": 30, "cost_per_hour_cents": 2000}  # fmt: skip
        type_id = fleet_admin.create(p, sys_actor, "vehicle_type", vtype).id
        start = datetime.combine(day, datetime.min.time()).replace(hour=8, tzinfo=UTC)
        for v in range(2):
            van = {"name": f"Van {v}", "type_id": type_id, "depot_id": depot_id, "skills": [],
                   "max_distance_m": None, "max_stops": None}  # fmt: skip
            vid = fleet_admin.create(p, sys_actor, "vehicle", van).id
            shift = {"vehicle_id": vid, "driver_id": None, "day": day, "start": start,
                     "end": start + timedelta(hours=10), "breaks": []}  # fmt: skip
            fleet_admin.create(p, sys_actor, "shift", shift)
        items = [
            {"external_ref": f"P-{i:04d}", "depot_id": depot_id, "date": day,
             "location": {"lat": 38.70 + 0.004 * (i % 10), "lng": -9.20 + 0.005 * (i // 10)},
             "service_s": 120, "size": {"parcels": 1}}
            for i in range(orders)
        ]  # fmt: skip
        create_orders(p, sys_actor, items)
        out.append((key, depot_id, day.isoformat()))
    engine.dispose()
    return out


def planning(url: str, base: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every organization submits its plan at once; two workers run them: plans per minute."""
    orgs = planning_orgs(url, args.plans, args.plan_orders)
    ids: list[tuple[str, str]] = []
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, timeout=60) as c:
        for key, depot_id, day in orgs:
            body = {"depot_id": depot_id, "date": day, "options": {"time_limit_s": args.plan_s, "seed": 1}}
            r = c.post("/v1/plans", json=body, headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 202, r.text
            ids.append((key, r.json()["id"]))
        statuses: dict[str, str] = {}
        deadline = time.monotonic() + 60 * 30
        while len(statuses) < len(ids) and time.monotonic() < deadline:
            for key, plan_id in ids:
                if plan_id in statuses:
                    continue
                st = c.get(f"/v1/plans/{plan_id}", headers={"Authorization": f"Bearer {key}"}).json()["status"]
                if st in ("succeeded", "failed", "cancelled"):
                    statuses[plan_id] = st
            time.sleep(0.5)
    wall = time.perf_counter() - t0
    ok = sum(1 for s in statuses.values() if s == "succeeded")
    return {
        "plans": len(ids), "succeeded": ok, "orders_per_plan": args.plan_orders, "solver_s": args.plan_s,
        "workers": 2, "seconds": round(wall, 1), "plans_per_minute": round(ok / wall * 60, 1),
        "ideal_plans_per_minute": round(2 * 60 / args.plan_s, 1), "load_end": _load(),
    }  # fmt: skip


def table(ingests: list[dict[str, Any]], plan: dict[str, Any] | None) -> str:
    """The results as markdown tables."""
    head = ("| mode | positions/s | p50 ms | p95 ms | p99 ms | requests | acknowledged | stored | zero loss "
            "| ETA updates | routes re-timed | ETA backlog at end | load mean / max |")  # fmt: skip
    rows = [
        f"| {r['mode']} | {r['positions_per_s']:,} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
        f"{r['requests']:,} | {r['acknowledged']:,} | {r['stored']:,} | {'yes' if r['zero_loss'] else 'NO'} | "
        f"{r['eta_updates']} | {r['routes_retimed']}/{r['routes']} | {r['eta_stream_backlog_at_end']} | "
        f"{r['load_mean']} / {r['load_max']} |"
        for r in ingests
    ]
    out = [head, "|---" * head.count(" |") + "|", *rows]
    ch = ("| mode | CPU ms per 1,000 positions: API | ETA worker | PostgreSQL | Redis | shape total | load generator "
          "| job workers + supervisor | machine busy (cores) |")  # fmt: skip
    out += ["", ch, "|---" * ch.count(" |") + "|"]
    for r in ingests:
        c = r["cpu_ms_per_1k"]
        out.append(
            f"| {r['mode']} | {c['api']} | {c['eta_worker']} | {c['postgres']} | {c['redis']} | "
            f"{r['shape_cpu_ms_per_1k']} | {c['load_generator']} | {round(c['job_workers'] + c['supervisor'], 1)} | "
            f"{r['machine_busy_cores']} |"
        )
    if plan:
        ph = "| plans | orders each | solver s | workers | succeeded | seconds | plans/min | ideal plans/min |"
        out += ["", ph, "|---" * ph.count(" |") + "|",
                f"| {plan['plans']} | {plan['orders_per_plan']} | {plan['solver_s']} | {plan['workers']} | "
                f"{plan['succeeded']} | {plan['seconds']} | {plan['plans_per_minute']} | "
                f"{plan['ideal_plans_per_minute']} |"]  # fmt: skip
    return "\n".join(out)


def main() -> None:
    """Start the shape, run the ingest rates and the planning batch, print the tables, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drivers", type=int, default=100)
    ap.add_argument("--workers", type=int, default=8, help="client threads (each one request in flight)")
    ap.add_argument("--batch", type=int, default=50, help="positions per request")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rates", default="4000,0", help="paced rates in positions/s, 0 = flat out")
    ap.add_argument("--resend", type=float, default=0.05, help="share of batches sent twice")
    ap.add_argument("--per-route", type=int, default=10, help="orders on each driver's route")
    ap.add_argument("--solve-s", type=float, default=10.0, help="solver time limit for the ingest day's plan")
    ap.add_argument("--plans", type=int, default=8, help="plans submitted at once (0: skip planning)")
    ap.add_argument("--plan-orders", type=int, default=40)
    ap.add_argument("--plan-s", type=float, default=5.0, help="solver seconds per plan")
    ap.add_argument("--out", type=Path, default=OUT, help="the results JSON")
    ap.add_argument("--profile", type=Path, default=None, help="py-spy the API processes and the ETA worker "
                    "into this folder (collapsed stacks; the sampler's CPU disturbs the figures)")  # fmt: skip
    args = ap.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="ingest-scaled-"))  # the processes' logs, kept for a look afterwards
    print(f"process logs in {logs}", flush=True)
    ingests: list[dict[str, Any]] = []
    plan = None
    with database("postgresql") as url, redis_server(logs) as (redis_url, redis_pid):
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"DOORSTEP_DATABASE_URL": url, "DOORSTEP_REDIS_URL": redis_url, "DOORSTEP_ETA_WORKER": "process",
               "DOORSTEP_JOB_RUNNER": "celery", "DOORSTEP_SECRET_KEY": SECRET, "DOORSTEP_ENV": "bench",
               "DOORSTEP_RATE_LIMIT_PER_MINUTE": "100000000", "DOORSTEP_WEBHOOK_TICK_S": "0"}  # fmt: skip
        procs = Procs(env, logs)
        try:
            procs.start("serve", "serve", "--workers", "2", "--port", str(port))
            procs.start("eta-worker", "eta-worker")
            procs.start("worker-1", "worker", "--pool", "solo")
            procs.start("worker-2", "worker", "--pool", "solo", "--no-tick")
            _wait_up(base)
            for rate in [int(x) for x in args.rates.split(",")]:
                groups = partial(cpu_groups, procs, redis_pid, url)
                ingests.append(ingest(url, base, redis_url, args, rate, groups))
                print(table(ingests[-1:], None), flush=True)
            if args.plans:
                plan = planning(url, base, args)
        finally:
            procs.stop()
    print(table(ingests, plan))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"args": {**vars(args), "out": str(args.out)}, "machine": machine_info(),
                                    "ingest": ingests, "planning": plan}, indent=2, default=str) + "\n")  # fmt: skip
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
