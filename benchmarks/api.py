"""API figures on SQLite and PostgreSQL, through a real uvicorn server over loopback HTTP.

Measures: single order create (p50/p95), bulk create of 1,000 orders per request (p50/p95), import of a
10,000-row CSV, and a planning job for 1,000 orders end to end (POST /v1/plans until succeeded).

    .venv/bin/python benchmarks/api.py                      # both backends, writes benchmarks/results/api.json
    .venv/bin/python benchmarks/api.py --backends sqlite --singles 200 --plan-time-limit 10

PostgreSQL: a throwaway database is created on 127.0.0.1:5432 (user postgres) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import create_engine, text

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.demo.synthetic import DEMO_DATE, demo_problem
from doorstep.formats.doorstep_json import order_to_dict
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.migrate import upgrade

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent / "results" / "api.json"


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh, migrated database URL for one backend."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite"
            upgrade(url)
            yield url
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"doorstep_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def server(url: str, **extra: Any) -> Iterator[tuple[str, Any]]:
    """uvicorn serving the app on a free port in a thread; yields (base URL, app). ``extra``: more settings
    (``foot_network=...``)."""
    settings = Settings(database_url=url, secret_key="bench", rate_limit_per_minute=10_000_000, webhook_tick_s=0,
                        **extra)  # fmt: skip
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        srv.should_exit = True
        thread.join(10)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of the values, in the values' unit."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def setup(base: str, app: Any, copies: int = 1) -> tuple[dict[str, str], str]:
    """An organization with a write key, the demo depot and ``copies`` times its ten vans with shifts."""
    p = app.state.platform
    org_id, _ = create_organization(p, "Bench", f"bench-{uuid.uuid4().hex[:8]}@example.com", "bench-password-1")
    key = create_api_key(p, system_actor(org_id), "bench", [Permission.READ, Permission.WRITE])[1]
    h = {"Authorization": f"Bearer {key}"}
    problem = demo_problem(orders=1)
    d = problem.depots[0]
    with httpx.Client(base_url=base, headers=h, timeout=60) as c:
        depot_body = {"name": d.name, "lat": d.location.lat, "lng": d.location.lng, "timezone": d.timezone}
        depot = c.post("/v1/depots", json=depot_body).json()["id"]
        types: dict[str, str] = {}
        for k, v in enumerate(problem.vehicles * copies):
            t = v.type
            if t.id not in types:
                body = {"name": t.name, "capacity": t.capacity, "skills": sorted(t.skills),
                        "cost_per_hour_cents": t.cost_per_hour_cents, "cost_per_km_cents": t.cost_per_km_cents,
                        "fixed_cost_cents": t.fixed_cost_cents}  # fmt: skip
                types[t.id] = c.post("/v1/vehicle-types", json=body).json()["id"]
            name = f"{v.name} #{k // len(problem.vehicles) + 1}"
            vid = c.post("/v1/vehicles", json={"name": name, "type_id": types[t.id], "depot_id": depot}).json()["id"]
            breaks = [
                {"start": b.start.isoformat(), "end": b.end.isoformat(), "duration_s": b.duration_s} for b in v.breaks
            ]
            shift = {"vehicle_id": vid, "day": DEMO_DATE.isoformat(), "start": v.shift_start.isoformat(),
                     "end": v.shift_end.isoformat(), "breaks": breaks}  # fmt: skip
            assert c.post("/v1/shifts", json=shift).status_code == 201
    return h, depot


def order_bodies(n: int, depot: str, seed: int, prefix: str) -> list[dict[str, Any]]:
    """n demo orders as API bodies (unique external refs per run)."""
    out = []
    for o in demo_problem(seed=seed, orders=n).orders:
        body = order_to_dict(o)
        body.pop("id")
        body.update(depot_id=depot, date=DEMO_DATE.isoformat(), external_ref=f"{prefix}-{o.external_ref}")
        out.append(body)
    return out


def bench_singles(base: str, h: dict[str, str], depot: str, n: int) -> dict[str, float]:
    """Sequential single creates: latency percentiles in ms."""
    bodies = order_bodies(n, depot, 11, "S")
    times = []
    with httpx.Client(base_url=base, headers=h, timeout=60) as c:
        for body in bodies:
            t0 = time.perf_counter()
            r = c.post("/v1/orders", json=body)
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 201, r.text
    return {"n": n, "p50_ms": round(pct(times, 0.5), 2), "p95_ms": round(pct(times, 0.95), 2)}


def bench_bulk(base: str, h: dict[str, str], depot: str, batches: int) -> dict[str, float]:
    """Bulk creates of 1,000 orders: latency percentiles per request and orders per second."""
    times = []
    with httpx.Client(base_url=base, headers=h, timeout=120) as c:
        for b in range(batches):
            bodies = order_bodies(1000, depot, 100 + b, f"B{b}")
            t0 = time.perf_counter()
            r = c.post("/v1/orders/bulk", json={"orders": bodies})
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 201, r.text[:500]
    return {
        "batches": batches,
        "p50_ms": round(pct(times, 0.5), 1),
        "p95_ms": round(pct(times, 0.95), 1),
        "orders_per_s": round(1000 / (statistics.median(times) / 1000)),
    }


def csv_text(n: int) -> bytes:
    """A 10,000-row order table in the documented CSV columns."""
    buf = io.StringIO()
    buf.write("external_ref,lat,lng,address,window_start,window_end,service_min,parcels,weight_kg\n")
    for o in demo_problem(seed=5, orders=n).orders:
        w = o.time_windows[0] if o.time_windows else None
        start, end = (w.start.strftime("%H:%M"), w.end.strftime("%H:%M")) if w else ("", "")
        address = o.address.replace(",", " ")
        buf.write(f"C-{o.external_ref},{o.location.lat},{o.location.lng},{address},{start},{end},3,1,2.5\n")
    return buf.getvalue().encode()


def bench_import(base: str, h: dict[str, str], depot: str, n: int) -> dict[str, float]:
    """One CSV upload of n rows: seconds until the report is back."""
    content = csv_text(n)
    with httpx.Client(base_url=base, headers=h, timeout=300) as c:
        t0 = time.perf_counter()
        r = c.post("/v1/orders/import", files={"file": ("orders.csv", content)},
                   data={"depot_id": depot, "date": DEMO_DATE.isoformat()})  # fmt: skip
        secs = time.perf_counter() - t0
    assert r.status_code == 200, r.text[:500]
    report = r.json()
    return {"rows": n, "seconds": round(secs, 2), "created": len(report["created"]), "skipped": len(report["skipped"])}


def bench_plan(base: str, h: dict[str, str], n: int, time_limit_s: float) -> dict[str, float]:
    """A planning job for n orders on a fresh depot and fleet: seconds from POST to succeeded."""
    with httpx.Client(base_url=base, headers=h, timeout=120) as c:
        depot = c.get("/v1/depots").json()["items"][0]["id"]
        for k in range(0, n, 1000):
            r = c.post("/v1/orders/bulk", json={"orders": order_bodies(min(1000, n - k), depot, 900 + k, f"P{k}")})
            assert r.status_code == 201
        t0 = time.perf_counter()
        body = {"depot_id": depot, "date": DEMO_DATE.isoformat(), "options": {"time_limit_s": time_limit_s, "seed": 1}}
        plan = c.post("/v1/plans", json=body).json()
        while (got := c.get(f"/v1/plans/{plan['id']}").json())["status"] in ("queued", "running"):
            time.sleep(0.2)
        secs = time.perf_counter() - t0
    stats = got.get("stats") or {}
    return {
        "orders_in_job": stats.get("orders_total", 0),
        "assigned": stats.get("orders_assigned", 0),
        "time_limit_s": time_limit_s,
        "seconds": round(secs, 2),
        "planner_runtime_s": round(stats.get("runtime_s", 0.0), 2),  # inside doorstep.plan (solver and the rest)
        "solver_s": round(stats.get("solver_s", 0.0), 2),
        "progress_points": len(got["progress"]),
        "status": got["status"],
    }


def run(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement on one backend, each on its own organization."""
    out: dict[str, Any] = {"backend": backend}
    with database(backend) as url, server(url) as (base, app):
        h, depot = setup(base, app)
        out["single_create"] = bench_singles(base, h, depot, args.singles)
        out["bulk_create_1000"] = bench_bulk(base, h, depot, args.batches)
        h2, depot2 = setup(base, app)
        out["csv_import"] = bench_import(base, h2, depot2, args.csv_rows)
        h3, _ = setup(base, app, copies=args.plan_fleet_copies)
        out["plan_job"] = bench_plan(base, h3, args.plan_orders, args.plan_time_limit)
    return out


def main() -> None:
    """Run, print a table, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--singles", type=int, default=300)
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--csv-rows", type=int, default=10_000)
    ap.add_argument("--plan-orders", type=int, default=1000)
    ap.add_argument("--plan-time-limit", type=float, default=30.0)
    ap.add_argument("--plan-fleet-copies", type=int, default=3, help="demo fleets (10 vans each) for the plan job")
    args = ap.parse_args()
    results = [run(b, args) for b in args.backends.split(",")]
    print(
        f"{'backend':<11} {'single p50/p95 ms':>18} {'bulk1000 p50/p95 ms':>20} {'csv 10k s':>10} {'plan 1000 s':>12}"
    )
    for r in results:
        s, b, c, p = r["single_create"], r["bulk_create_1000"], r["csv_import"], r["plan_job"]
        print(
            f"{r['backend']:<11} {s['p50_ms']:>8} / {s['p95_ms']:<7} {b['p50_ms']:>9} / {b['p95_ms']:<8}"
            f" {c['seconds']:>10} {p['seconds']:>12} {p['planner_runtime_s']:>10} / {p['solver_s']:<8}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"args": vars(args), "results": results}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
