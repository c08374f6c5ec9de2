"""A large day as a planning job, side by side: (a) with the in-process job runner (the embedded shape: the job
runs in this process, its parts in child processes of it) and (b) with two Celery worker processes (the scaled
shape: the job runs on one worker, its parts on both, ``jobs/parts_runner.py``); ``--arms`` may add ``celery-1``,
the same on one Celery worker process (the job and its parts on it: a thread, then child processes).

The day is ``scaling.py``'s ``synthetic_day(n, breaks=True, hubs=1)``: 70 % of the orders with a 2-hour slot,
every van with a lunch break. One hub, not two: a planning job plans one depot's day (``POST /v1/plans`` takes a
depot), so a two-hub day cannot be one job; the in-process arm plans the very same stored day. It is stored once
in a throwaway PostgreSQL database (its vans with shifts and breaks, its orders through the order use case); each
arm is one plan version of it, with the same options (``--time-limit``, seed 1, the large-day defaults: parts of
about 1,000 orders on as many slots as the machine has cores, ``--part-workers`` to choose). The workers are
``doorstep worker --pool solo`` processes on a Redis server of the benchmark's own, started before the job is
queued and waited for until both are consuming.

Reported per arm: wall time from submitting the job to the stored plan, the plan's own runtime, orders served,
cost, vans, the checker's violations (W1747, none expected) and where the parts ran (W1746: how many parts, on
how many processes, ``host:pid``). JSON to ``results/large-celery.json``; the load average before and after each
arm is recorded (the figures are comparable only on a quiet machine).

    .venv/bin/python benchmarks/large_celery.py --orders 10000 --time-limit 60     # the issue 17 run
    .venv/bin/python benchmarks/large_celery.py --orders 3000 --time-limit 20      # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from api import database  # a throwaway PostgreSQL database
from doorstep.api.app import job_runner
from doorstep.api.schemas_orders import OrderIn
from doorstep.config import Settings
from doorstep.domain import Problem
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import InlineRunner, Platform
from doorstep.services.orders.orders import create_orders
from doorstep.services.planning.plans import start_plan
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.models import PlanRow
from ingest_scaled import SECRET, Procs, redis_server
from machine import machine_info
from scaling import DAY, synthetic_day
from tables import fmt, print_rich

OUT = Path(__file__).resolve().parent / "results" / "large-celery.json"
BULK = 1_000


def store_day(p: Platform, day: Problem) -> tuple[str, str]:
    """The synthetic day in the database: an organization, its hub, van type, vans with a shift and the lunch
    break, and the orders; (organization id, depot id)."""
    org_id, _ = create_organization(p, "Large day", f"large-{uuid.uuid4().hex[:8]}@example.com", "large-password")
    actor = system_actor(org_id)
    hub = day.depots[0]
    depot = {"name": hub.name, "lat": hub.location.lat, "lng": hub.location.lng, "timezone": hub.timezone,
             "address": None, "opens": None, "closes": None, "loading_s": 0}  # fmt: skip
    depot_id = fleet_admin.create(p, actor, "depot", depot).id
    vt = day.vehicles[0].type
    vtype = {"name": vt.name, "capacity": dict(vt.capacity), "profile": "car", "skills": [],
             "fixed_cost_cents": vt.fixed_cost_cents, "cost_per_km_cents": vt.cost_per_km_cents,
             "cost_per_hour_cents": vt.cost_per_hour_cents}  # fmt: skip
    type_id = fleet_admin.create(p, actor, "vehicle_type", vtype).id
    for v in day.vehicles:
        van = {"name": v.id, "type_id": type_id, "depot_id": depot_id, "skills": [], "max_distance_m": None,
               "max_stops": None}  # fmt: skip
        vid = fleet_admin.create(p, actor, "vehicle", van).id
        breaks = [{"start": b.start, "end": b.end, "duration_s": b.duration_s} for b in v.breaks]
        shift = {"vehicle_id": vid, "driver_id": None, "day": DAY, "start": v.shift_start, "end": v.shift_end,
                 "breaks": breaks}  # fmt: skip
        fleet_admin.create(p, actor, "shift", shift)
    items = []
    for o in day.orders:
        windows = [{"start": w.start.strftime("%H:%M"), "end": w.end.strftime("%H:%M")} for w in o.time_windows]
        body = {"external_ref": o.external_ref, "depot_id": depot_id, "date": DAY.isoformat(),
                "location": {"lat": o.location.lat, "lng": o.location.lng}, "time_windows": windows,
                "service_s": o.service_s, "size": dict(o.size)}  # fmt: skip
        items.append(OrderIn.model_validate(body).to_data())
    for k in range(0, len(items), BULK):
        create_orders(p, actor, items[k : k + BULK])
    return org_id, depot_id


def summary(p: Platform, org_id: str, plan_id: str, wall_s: float, load_before: float) -> dict[str, Any]:
    """One arm's figures from its stored plan version."""
    with p.sessions() as s:
        row = s.scalar(select(PlanRow).where(PlanRow.id == plan_id))
        assert row is not None
        status, result, error = row.status, row.result or {}, row.error
    body = result.get("plan", {})
    stats = body.get("stats") or {}
    warnings = body.get("warnings", [])
    note = next((w["message"] for w in warnings if w["code"] == "W1746"), "")
    parts = re.search(r"planned in (\d+) parts", note)
    where = re.findall(r"by (?:the planning |the )?worker process ([^\s;()]+)", note)
    return {
        "status": status, "error": error, "wall_s": round(wall_s, 2), "runtime_s": stats.get("runtime_s"),
        "orders": stats.get("orders_total"), "served": stats.get("orders_assigned"),
        "cost_cents": stats.get("cost_cents"), "vehicles": stats.get("vehicles_used"),
        "iterations": stats.get("iterations"), "w1747": sum(w["code"] == "W1747" for w in warnings),
        "parts": int(parts.group(1)) if parts else 0, "processes": sorted(set(where)), "where": note,
        "unassigned_by_reason": _reasons(body.get("unassigned", [])),
        "load_before": load_before, "load_after": round(os.getloadavg()[0], 2),
    }  # fmt: skip


def _reasons(unassigned: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in unassigned:
        out[u["reason"]] = out.get(u["reason"], 0) + 1
    return out


def inline_arm(url: str, org_id: str, depot_id: str, options: dict[str, Any]) -> dict[str, Any]:
    """(a) The job in this process with the in-process runner; its parts in child processes."""
    engine = make_engine(url)
    p = Platform(sessions=make_session_factory(engine), runner=InlineRunner())
    load = round(os.getloadavg()[0], 2)
    t0 = time.perf_counter()
    row = start_plan(p, system_actor(org_id), depot_id, DAY, options)  # runs the job before it returns
    out = summary(p, org_id, row.id, time.perf_counter() - t0, load)
    engine.dispose()
    return out


def _consuming(logs: Path, names: list[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not all(" ready." in (logs / f"{n}.log").read_text(errors="replace") for n in names):
        if time.monotonic() > deadline:
            raise SystemExit(f"the workers did not start in {timeout_s:g} s (logs in {logs})")
        time.sleep(0.2)


def celery_arm(
    url: str, org_id: str, depot_id: str, options: dict[str, Any], logs: Path, workers: int = 2
) -> dict[str, Any]:
    """(b) The job queued on the broker; ``workers`` (two, or one) ``doorstep worker --pool solo`` processes run it
    and its parts (with one, the planning worker fills the other slots with child processes after its wait)."""
    with redis_server(logs) as (redis_url, _pid):
        env = {"DOORSTEP_DATABASE_URL": url, "DOORSTEP_REDIS_URL": redis_url, "DOORSTEP_JOB_RUNNER": "celery",
               "DOORSTEP_SECRET_KEY": SECRET, "DOORSTEP_ENV": "bench", "DOORSTEP_WEBHOOK_TICK_S": "0"}  # fmt: skip
        procs = Procs(env, logs)
        engine = make_engine(url)
        settings = Settings(database_url=url, redis_url=redis_url, job_runner="celery", secret_key=SECRET)
        runner = job_runner(settings)
        p = Platform(sessions=make_session_factory(engine), runner=runner)
        try:
            names = [f"worker-{i + 1}" for i in range(workers)]
            procs.start(names[0], "worker", "--pool", "solo")
            for name in names[1:]:
                procs.start(name, "worker", "--pool", "solo", "--no-tick")
            _consuming(logs, names)
            load = round(os.getloadavg()[0], 2)
            t0 = time.perf_counter()
            row = start_plan(p, system_actor(org_id), depot_id, DAY, options)
            deadline = time.monotonic() + float(options["time_limit_s"]) * 3 + 300
            status = "queued"
            while status in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.2)
                with p.sessions() as s:
                    status = s.scalar(select(PlanRow.status).where(PlanRow.id == row.id)) or "gone"
            out = summary(p, org_id, row.id, time.perf_counter() - t0, load)
            out["worker_pids"] = dict(procs.named)
        finally:
            procs.stop()
            runner.shutdown()
            engine.dispose()
    return out


def table(runs: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The arms side by side."""
    head = ["arm", "status", "wall s", "runtime s", "served", "cost €", "vans", "W1747", "parts", "where"]
    rows = []
    for arm, r in runs.items():
        cost = r["cost_cents"] / 100 if r["cost_cents"] is not None else None
        where = ", ".join(r["processes"]) if r["processes"] else (r["where"].split(" parts ", 1)[-1][:40])
        rows.append([arm, r["status"], fmt(r["wall_s"]), fmt(r["runtime_s"]), f"{r['served']}/{r['orders']}",
                     fmt(cost, 2), fmt(r["vehicles"]), str(r["w1747"]), str(r["parts"]), where])  # fmt: skip
    return head, rows


def main(argv: list[str] | None = None) -> None:
    """Store the day, run the arms, print the table, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=10_000)
    ap.add_argument("--time-limit", type=float, default=60.0, help="solver seconds per plan job")
    ap.add_argument("--part-workers", type=int, default=None, help="slots of the parts (default: the cores)")
    ap.add_argument("--split-above", type=int, default=None, help="large-day threshold (default 2,500; smoke runs)")
    ap.add_argument("--part-orders", type=int, default=None, help="orders per part (default 1,000; smoke runs)")
    ap.add_argument("--arms", default="inline,celery", help="which arms, in order (inline, celery, celery-1)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    options: dict[str, Any] = {"time_limit_s": args.time_limit, "seed": 1}
    for name in ("part_workers", "split_above", "part_orders"):
        if getattr(args, name) is not None:
            options[{"split_above": "split_above_orders"}.get(name, name)] = getattr(args, name)
    logs = Path(tempfile.mkdtemp(prefix="large-celery-"))
    print(f"process logs in {logs}", flush=True)
    day = synthetic_day(args.orders, breaks=True, hubs=1)
    runs: dict[str, dict[str, Any]] = {}
    with database("postgresql") as url:
        engine = make_engine(url)
        t0 = time.perf_counter()
        org_id, depot_id = store_day(Platform(sessions=make_session_factory(engine)), day)
        engine.dispose()
        print(f"stored {len(day.orders)} orders, {len(day.vehicles)} vans in {time.perf_counter() - t0:.1f} s",
              flush=True)  # fmt: skip
        for arm in args.arms.split(","):
            print(f"arm {arm}: planning ({args.time_limit:g} s) ...", flush=True)
            if arm == "inline":
                runs[arm] = inline_arm(url, org_id, depot_id, options)
            elif arm == "celery":
                runs[arm] = celery_arm(url, org_id, depot_id, options, logs)
            elif arm == "celery-1":
                runs[arm] = celery_arm(url, org_id, depot_id, options, logs, workers=1)
            else:
                raise SystemExit(f"unknown arm {arm!r} (inline, celery, celery-1)")
    print_rich(table(runs), f"{args.orders:,}-order day, {args.time_limit:g} s, one hub, breaks")
    for arm, r in runs.items():
        print(f"{arm}: {r['where']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"args": {**vars(args), "out": str(args.out)}, "options": options, "machine": machine_info(),
           "vans": len(day.vehicles), "runs": runs}  # fmt: skip
    args.out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
