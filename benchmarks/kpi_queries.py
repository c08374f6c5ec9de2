"""KPI queries over a year of one organization on PostgreSQL: one million stop events (driver actions on delivery
stops) with their orders, stops, routes, plans, GPS trails, customer messages and events, bulk-loaded (COPY) into a
scratch database that the script creates and drops. Then every KPI request the dashboard and the API make is timed
warm, repeated, through the service (``services/analytics/kpis.py``): p50 and p95 per query, against the 500 ms
target (issue 16).

    nice -n 10 .venv/bin/python benchmarks/kpi_queries.py                 # 1,000,000 stop events
    nice -n 10 .venv/bin/python benchmarks/kpi_queries.py --events 100000 --repeat 5   # a quick look

Prints a table and writes benchmarks/results/kpi-queries.json (with the machine it ran on).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from doorstep.domain.analytics import GroupBy, KpiRequest
from doorstep.domain.failures import FailureReason
from doorstep.services.analytics import kpis, rollups
from doorstep.services.analytics.scope import Scope, ZonePick
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.migrate import upgrade
from machine import machine_info

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB = "doorstep_bench_kpi"
RESULTS = Path(__file__).resolve().parent / "results" / "kpi-queries.json"
ORG = "org_bench_kpi"
FIRST_DAY = date(2025, 1, 1)
DAYS = 366
DEPOTS = 2
VANS = 20  # per depot, each with one route a day
LISBON = timedelta(hours=1)  # summer and winter alike here: the times only need to be plausible
REASONS = [r.value for r in FailureReason if r is not FailureReason.OTHER]
NOW = datetime(2026, 1, 10, tzinfo=UTC)  # "now" of the closed-days runs: every day of the year is closed
Route = tuple[str, str, str, str, date]  # id, plan, vehicle, driver, day
ZONES = [f"zone-{k}" for k in range(12)]  # the orders' delivery zones (orders.zone_id, as the analytics handler sets)


def copy(conn: Any, table: str, cols: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY rows into a table (psycopg 3); the number of rows."""
    n = 0
    quoted = ", ".join(f'"{c}"' for c in cols)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def _fleet(conn: Any) -> list[tuple[str, str, str]]:
    """The organization, depots, a diesel and an electric van type, vans and their drivers: (depot, van, driver)."""
    copy(conn, "organizations", ["id", "name", "created_at"], [(ORG, "KPI bench", NOW)])
    copy(conn, "depots", ["id", "org_id", "name", "lat", "lng", "timezone", "address", "loading_s", "version",
                          "created_at"],
         [(f"dep_{d}", ORG, f"Depot {d}", 38.72, -9.14, "Europe/Lisbon", "", 0, 1, NOW) for d in range(DEPOTS)])
    types = [("vty_diesel", "diesel"), ("vty_electric", "electric")]
    copy(conn, "vehicle_types", ["id", "org_id", "name", "capacity", "profile", "skills", "fixed_cost_cents",
                                 "cost_per_km_cents", "cost_per_hour_cents", "fuel", "version", "created_at"],
         [(t, ORG, t, json.dumps({"parcels": 120}), "van", "[]", 3000, 35, 2200, fuel, 1, NOW) for t, fuel in types])
    out = []
    for d in range(DEPOTS):
        for v in range(VANS):
            out.append((f"dep_{d}", f"veh_{d}_{v:02d}", f"drv_{d}_{v:02d}"))
    copy(conn, "vehicles", ["id", "org_id", "name", "type_id", "depot_id", "skills", "open_end", "reloads", "version",
                            "created_at"],
         [(veh, ORG, veh, types[k % 2][0], dep, "[]", False, False, 1, NOW) for k, (dep, veh, _) in enumerate(out)])
    copy(conn, "drivers", ["id", "org_id", "name", "phone", "skills", "version", "created_at"],
         [(drv, ORG, drv, "", "[]", 1, NOW) for _, _, drv in out])
    return out


def load(engine: Engine, events: int, seed: int = 7) -> dict[str, int]:
    """The year: per day, depot and van a route of ``events / (days x vans)`` delivery stops, each with its order
    and one driver action; shifts, plans, GPS trails (60 % of routes), messages (30 % of orders) and events
    (a stop.* event per action, a route.updated for the 2 % of stops taken ahead of order)."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    per_route = max(1, -(-events // (DAYS * DEPOTS * VANS)))  # at least ``events`` in all
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        fleet_rows = _fleet(conn)
        days = [FIRST_DAY + timedelta(days=k) for k in range(DAYS)]
        counts["shifts"] = copy(conn, "shifts", ["id", "org_id", "vehicle_id", "day", "start", "end", "breaks",
                                                 "version", "created_at"],
                                ((f"shf_{veh}_{day}", ORG, veh, day, _at(day, 8, 0), _at(day, 18, 0), "[]", 1, NOW)
                                 for day in days for _, veh, _ in fleet_rows))  # fmt: skip
        counts["plans"] = copy(conn, "plans", ["id", "org_id", "depot_id", "day", "version", "status", "options",
                                               "progress", "attempts", "created_at"],
                               ((f"pln_{d}_{day}", ORG, f"dep_{d}", day, 1, "succeeded", "{}", "[]", 1, NOW)
                                for day in days for d in range(DEPOTS)))  # fmt: skip
        routes = [(f"rte_{veh}_{day}", f"pln_{dep[-1]}_{day}", veh, drv, day) for day in days
                  for dep, veh, drv in fleet_rows]  # fmt: skip
        cols = ["id", "org_id", "plan_id", "vehicle_id", "driver_id", "status", "locked", "version", "data",
                "created_at"]
        counts["routes"] = copy(conn, "routes", cols,
                                ((rid, ORG, pid, veh, drv, "dispatched", False, 1, _route_data(rng, per_route), NOW)
                                 for rid, pid, veh, drv, _ in routes))  # fmt: skip
        counts |= _stops(conn, rng, routes, per_route)
        counts["positions"] = copy(conn, "positions", ["org_id", "driver_id", "route_id", "client_id", "at", "lat",
                                                       "lng", "received_at"],
                                   (row for r in routes if rng.random() < 0.6 for row in _trail(rng, r)))
        conn.commit()
    finally:
        raw.close()
    with engine.begin() as c:
        c.execute(text("ANALYZE"))
    return counts


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - LISBON


def _route_data(rng: random.Random, stops: int) -> str:
    load = rng.randint(stops // 2, 120)
    return json.dumps({"distance_m": rng.randint(30_000, 90_000), "duration_s": rng.randint(6, 9) * 3600,
                       "stops": [{"load_after": {"parcels": load}}]})  # fmt: skip


def _trail(rng: random.Random, route: Route) -> Iterable[tuple[Any, ...]]:
    rid, _, _, drv, day = route
    lat, lng = 38.70 + rng.random() / 20, -9.20 + rng.random() / 20
    for k in range(12):  # a fix every 40 minutes from 08:00
        lat, lng = lat + rng.uniform(-0.01, 0.01), lng + rng.uniform(-0.01, 0.01)
        at = _at(day, 8, 0) + timedelta(minutes=40 * k)
        yield ORG, drv, rid, f"{rid}-{k}", at, lat, lng, at


def _stops(conn: Any, rng: random.Random, routes: list[Route], per_route: int) -> dict[str, int]:
    """Orders, stops, stop events, messages and events, streamed table by table from one plan of the year."""
    facts = []
    for rid, pid, _, drv, day in routes:
        dep = pid.split("_")[1]
        for k in range(per_route):
            sid = f"stp_{rid[4:]}_{k:03d}"
            arrival = _at(day, 8, 30) + timedelta(minutes=6 * k)
            local_min = 8 * 60 + 30 + 6 * k
            window = _at(day, 0, 0) + timedelta(minutes=local_min // 120 * 120)  # the two-hour window holding it
            done = arrival + timedelta(minutes=rng.gauss(0, 25))
            failed = rng.random() < 0.1
            facts.append((rid, dep, drv, day, k, sid, arrival, window, done, failed))
    cols = ["id", "org_id", "external_ref", "depot_id", "day", "status", "kind", "lat", "lng", "address", "data",
            "version", "updated_at", "attempt", "created_at", "zone_id"]
    n = {"orders": copy(conn, "orders", cols, (
        (f"ord_{f[5][4:]}", ORG, f"R-{f[5][4:]}", f"dep_{f[1]}", f[3], "failed" if f[9] else "delivered", "delivery",
         38.72, -9.14, "", "{}", 1, NOW, 2 if rng.random() < 0.05 else 1, NOW, _zone(rng))
        for f in facts))}  # fmt: skip
    cols = ["id", "org_id", "route_id", "seq", "type", "order_id", "lat", "lng", "arrival", "departure", "status",
            "promised_start", "promised_end", "created_at"]
    n["stops"] = copy(conn, "stops", cols, (
        (f[5], ORG, f[0], f[4] + 1, "delivery", f"ord_{f[5][4:]}", 38.72, -9.14, f[6], f[6] + timedelta(minutes=2),
         "failed" if f[9] else "completed", f[7], f[7] + timedelta(hours=2), NOW) for f in facts))  # fmt: skip
    cols = ["id", "org_id", "client_id", "route_id", "stop_id", "order_id", "driver_id", "actor", "status", "reason",
            "note", "at", "flagged", "proof_id", "result", "created_at"]
    n["stop_events"] = copy(conn, "stop_events", cols, (
        (f"sev_{f[5][4:]}", ORG, f"c-{f[5][4:]}", f[0], f[5], f"ord_{f[5][4:]}", f[2], "driver",
         "failed" if f[9] else "completed", rng.choice(REASONS) if f[9] else None, "", f[8], False,
         None if f[9] or rng.random() < 0.2 else f"pod_{f[5][4:]}", "{}", f[8]) for f in facts))  # fmt: skip
    cols = ["id", "org_id", "order_id", "event_id", "trigger", "version", "channel", "recipient", "language",
            "subject", "body_text", "body_html", "status", "attempts", "updated_at", "created_at"]
    n["messages"] = copy(conn, "messages", cols, (
        (f"msg_{f[5][4:]}", ORG, f"ord_{f[5][4:]}", "evt_x", "delivered", 1, "email", "a@example.com", "en", "",
         "Delivered", "", "sent" if rng.random() < 0.97 else "failed", 1, f[8], f[8])
        for f in facts if rng.random() < 0.3))  # fmt: skip
    cols = ["id", "org_id", "type", "subject_id", "from_status", "to_status", "actor", "at", "data"]
    n["events"] = copy(conn, "events", cols, (
        row for f in facts for row in _events(rng, f)))
    return n


def _zone(rng: random.Random) -> str | None:
    """An order's delivery zone: one of ZONES, or none for 5 % (outside every zone)."""
    return None if rng.random() < 0.05 else rng.choice(ZONES)


def _events(rng: random.Random, f: tuple[Any, ...]) -> Iterable[tuple[Any, ...]]:
    status = "failed" if f[9] else "completed"
    yield (f"evt_{f[5][4:]}", ORG, f"stop.{status}", f[5], "pending", status, "driver", f[8],
           json.dumps({"route_id": f[0], "at": f[8].isoformat()}))  # fmt: skip
    if rng.random() < 0.02:
        yield (f"evu_{f[5][4:]}", ORG, "route.updated", f[0], None, None, "driver", f[8],
               json.dumps({"version": 2, "visited_early": f[5]}))  # fmt: skip


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    """p50, p95 and max in milliseconds of ``repeat`` warm runs (one run first to warm the caches)."""
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    runs.sort()
    p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
    return {"p50_ms": round(statistics.median(runs), 1), "p95_ms": round(p95, 1), "max_ms": round(runs[-1], 1),
            "runs": repeat}  # fmt: skip


def _kpi_rows(p: Platform, repeat: int, ranges: Sequence[tuple[int, GroupBy]], label: str) -> list[dict[str, Any]]:
    actor, end = system_actor(ORG), FIRST_DAY + timedelta(days=DAYS - 1)
    rows = []
    for days, by in ranges:
        req = KpiRequest(end - timedelta(days=days - 1), end, by)
        run = timed(lambda r=req: kpis.kpi_report(p, actor, r), repeat)  # type: ignore[misc]
        rows.append({"query": f"kpis {label} group_by={by.value}", "days": days, **run})
    return rows


def queries(engine: Engine, repeat: int) -> list[dict[str, Any]]:
    """The KPI requests of the page and API over 1, 7, 31 and 366 days: first on open days (the clock on the last
    day: computed from the record), then on closed days after the year's rollup was made (timed once, cold), then
    the heatmap (always from the record) and each rollup alone over 31 days."""
    sessions = make_session_factory(engine)
    end = FIRST_DAY + timedelta(days=DAYS - 1)
    open_day = Platform(sessions=sessions, clock=lambda: datetime(end.year, end.month, end.day, 20, tzinfo=UTC))
    rows = _kpi_rows(open_day, repeat, ((1, GroupBy.DAY), (2, GroupBy.DRIVER), (2, GroupBy.ZONE)), "open days")
    closed = Platform(sessions=sessions, clock=lambda: NOW)
    actor = system_actor(ORG)
    t0 = time.perf_counter()
    kpis.kpi_report(closed, actor, KpiRequest(end - timedelta(days=DAYS - 1), end, GroupBy.DAY))
    rows.append({"query": "rollup of the year, cold (once)", "days": DAYS, "p50_ms": round((time.perf_counter() - t0)
                 * 1000, 1), "p95_ms": None, "max_ms": None, "runs": 1})  # fmt: skip
    rows += _kpi_rows(closed, repeat, ((1, GroupBy.DAY), (7, GroupBy.DRIVER), (31, GroupBy.DAY), (31, GroupBy.DRIVER),
                                       (31, GroupBy.ZONE), (366, GroupBy.WEEK), (366, GroupBy.VEHICLE),
                                       (366, GroupBy.ZONE)), "closed days")  # fmt: skip
    for days in (31, 366):
        req = KpiRequest(end - timedelta(days=days - 1), end, GroupBy.DAY)
        rows.append({"query": "heatmap", "days": days, **timed(lambda r=req: kpis.heatmap(closed, actor, r), repeat)})
        rows.append({"query": "heatmap of one zone", "days": days,
                     **timed(lambda r=req: kpis.heatmap(closed, actor, r, ZonePick(ZONES[0])), repeat)})  # fmt: skip
    req = KpiRequest(end - timedelta(days=30), end, GroupBy.DAY)
    for name in ("attempts", "routes", "capacity", "out_of_turn", "messages"):
        fn = getattr(rollups, name)

        def one(fn: Any = fn) -> None:
            with closed.uow(actor) as uow:
                fn(uow.session, Scope(ORG, req, "postgresql"), {})

        rows.append({"query": f"rollup {name} from the record", "days": 31, **timed(one, repeat)})
    return rows


def main() -> None:
    """Create the scratch database, load it, time the queries, print and save, drop the database."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000, help="stop events to load (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per query (after one warm-up)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = ap.parse_args()
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{DB}"'))
    engine = make_engine(url)
    try:
        upgrade(url)
        t0 = time.perf_counter()
        counts = load(engine, args.events)
        load_s = round(time.perf_counter() - t0, 1)
        print(f"loaded in {load_s} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        rows = queries(engine, args.repeat)
    finally:
        engine.dispose()
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        admin.dispose()
    print(f"{'query':44} {'days':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 <= 500 ms")
    for r in rows:
        ok = "" if r["p95_ms"] is None else "ok" if r["p95_ms"] <= 500 else "OVER"
        print(f"{r['query']:44} {r['days']:>5} {r['p50_ms']:>8} {r['p95_ms']!s:>8} {r['max_ms']!s:>8}  {ok}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    doc = {"machine": machine_info(), "events": args.events, "load_s": load_s, "counts": counts, "rows": rows}
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
