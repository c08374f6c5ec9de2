"""Depots as distribution centres: what a daily parcel capacity, loading docks and a late trunk run cost.

A generated two-depot day around Lisbon: depot A in the west with 200 orders around it, depot B 10 km east with
100; two thirds of the orders due 09:00-12:00, the rest 12:00-18:00; one parcel each except every fifth (three
items: three parcels); every tenth is urgent (high priority). Eight vans at A and five at B (40 parcels,
08:00-18:00, 0.30 EUR/km, 20 EUR/h), 15 minutes to load a van. The
same day is planned without limits and then with: A taking fewer parcels than its natural share (orders move to
B), both depots too small (orders left out, the least urgent first), few loading docks (also with 30 minutes
to load a van, against the same without a dock limit), capacity and docks together, and a trunk run that brings
60 of A's orders at 10:00. Each line: vans, km, driving hours, cost, orders left out by reason,
parcels per depot, the most vans loading at once, the checker's verdict and the wall time. Iteration-bounded, so
the plans are the same on any machine; the seconds are this machine's. Writes benchmarks/results/depot-centres.json.

    PYTHONPATH=src .venv/bin/python benchmarks/depot_centres.py --iterations 2000
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.depots import loadings, parcels_by_depot, peak
from doorstep.domain.fleet import Depot, Vehicle, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Item, Order, OrderKind, Priority, TimeWindow
from doorstep.domain.problem import Problem
from doorstep.domain.transfers import Transfer
from doorstep.optimize.check import check_plan
from doorstep.optimize.options import SolveOptions
from doorstep.services.planning.planning import plan

TZ = ZoneInfo("Europe/Lisbon")
WEST = LatLng(38.74, -9.20)
RESULTS = Path(__file__).resolve().parent / "results" / "depot-centres.json"


def t(h: int, m: int = 0) -> datetime:
    """A local time on the benchmark's day."""
    return datetime(2026, 11, 24, h, m, tzinfo=TZ)


def km(origin: LatLng, east: float, north: float) -> LatLng:
    """A point ``east``/``north`` kilometres from ``origin``."""
    lng = origin.lng + east / (111.32 * math.cos(math.radians(origin.lat)))
    return LatLng(round(origin.lat + north / 111.32, 6), round(lng, 6))


EAST = km(WEST, 10, 0)


def day(seed: int) -> Problem:
    """The two-depot day without any limit (see the module's docstring)."""
    rnd = random.Random(seed)
    orders = []
    for k in range(300):
        home = WEST if k < 200 else EAST
        r, a = 8 * math.sqrt(rnd.random()), rnd.uniform(0, 2 * math.pi)
        window = TimeWindow(t(9), t(12)) if k % 3 else TimeWindow(t(12), t(18))
        items = (Item("box", 2), Item("bag", 1)) if k % 5 == 0 else ()
        orders.append(Order(
            id=f"ord_{k}", external_ref=f"DC-{k}", kind=OrderKind.DELIVERY, location=km(home, r * math.cos(a),
            r * math.sin(a)), time_windows=(window,), service_s=180, size={} if items else {"parcels": 1},
            items=items, priority=Priority.HIGH if k % 10 == 3 else Priority.NORMAL,
        ))  # fmt: skip
    vt = VehicleType(id="vty_van", name="Van", capacity={"parcels": 40}, cost_per_km_cents=30,
                     cost_per_hour_cents=2000)  # fmt: skip
    vans = [Vehicle(id=f"veh_a{i}", type=vt, start_depot_id="dep_a", shift_start=t(8), shift_end=t(18))
            for i in range(8)]  # fmt: skip
    vans += [Vehicle(id=f"veh_b{i}", type=vt, start_depot_id="dep_b", shift_start=t(8), shift_end=t(18))
             for i in range(5)]  # fmt: skip
    depots = (
        Depot(id="dep_a", name="A", location=WEST, timezone="Europe/Lisbon", loading_s=900),
        Depot(id="dep_b", name="B", location=EAST, timezone="Europe/Lisbon", loading_s=900),
    )
    return Problem(depots=depots, vehicles=tuple(vans), orders=tuple(orders), name="two depots")


def limited(p: Problem, **per_depot: dict[str, int | None]) -> Problem:
    """The day with depot fields changed (``dep_a={"docks": 2}``)."""
    return replace(p, depots=tuple(replace(d, **per_depot.get(d.id, {})) for d in p.depots))  # type: ignore[arg-type]


def trunk(p: Problem) -> Problem:
    """A trunk run bringing 60 of A's orders (every third of the first 180) at 10:00, sorted in 30 minutes."""
    carried = tuple(f"ord_{k}" for k in range(0, 180, 3))
    run = Transfer(id="trf_bench", depot_id="dep_a", arrival=t(10), sorting_s=1800, orders=carried)
    return replace(p, transfers=(run,))


def run(label: str, problem: Problem, options: SolveOptions) -> dict[str, Any]:
    """Plan, check and print one line; return its figures."""
    start = time.perf_counter()
    result = plan(problem, options=options)
    secs = time.perf_counter() - start
    violations = check_plan(problem, result)
    reasons = dict(Counter(u.reason.value for u in result.unassigned))
    by_depot = dict(Counter(next(v.start_depot_id for v in problem.vehicles if v.id == r.vehicle_id)
                            for r in result.routes))  # fmt: skip
    parcels = parcels_by_depot(problem, result.routes)
    spans = loadings(problem, result.routes)
    loads = {d.id: {"parcels": parcels.get(d.id, 0), "capacity": d.capacity_parcels_per_day, "docks": d.docks,
                    "loading_peak": peak((x.start, x.end) for x in spans if x.depot_id == d.id)[0]}
             for d in problem.depots}  # fmt: skip
    driving_h = sum(r.driving_s for r in result.routes) / 3600
    latest = max((r.stops[0].departure for r in result.routes), default=t(8))
    row = {
        "scenario": label, "vans": len(result.routes), "vans_by_depot": by_depot,
        "km": round(result.stats.distance_m / 1000, 1), "driving_h": round(driving_h, 2),
        "cost_eur": round(result.stats.cost_cents / 100, 2), "served": result.stats.orders_assigned,
        "left_out": reasons, "depots": loads, "last_departure": latest.astimezone(TZ).strftime("%H:%M"),
        "violations": len(violations), "seconds": round(secs, 2),
    }  # fmt: skip
    said = ", ".join(f"{d} {x['parcels']}/{x['capacity'] or '-'} peak {x['loading_peak']}/{x['docks'] or '-'}"
                     for d, x in loads.items()) or "-"  # fmt: skip
    print(f"{label:<30} {row['vans']:>4} {row['km']:>7} {row['driving_h']:>6} {row['cost_eur']:>9} "
          f"{row['served']:>6}  {reasons or '-'!s:<28} {said:<46} {row['last_departure']:>5} "
          f"{row['violations']:>3} {row['seconds']:>6}")  # fmt: skip
    return row


def main() -> None:
    """Every scenario on the same day; the table, then the JSON file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    options = SolveOptions(time_limit_s=args.time_limit, max_iterations=args.iterations, seed=args.seed)
    base = day(args.seed)
    scenarios = [
        ("no limits", base),
        ("A 150 parcels", limited(base, dep_a={"capacity_parcels_per_day": 150})),
        ("A 150, B 130 parcels", limited(base, dep_a={"capacity_parcels_per_day": 150},
                                         dep_b={"capacity_parcels_per_day": 130})),
        ("A 2 docks, B 1 dock", limited(base, dep_a={"docks": 2}, dep_b={"docks": 1})),
        ("A 1 dock, B 1 dock", limited(base, dep_a={"docks": 1}, dep_b={"docks": 1})),
        ("30 min loading, no dock limit", limited(base, dep_a={"loading_s": 1800}, dep_b={"loading_s": 1800})),
        ("30 min loading, 1 dock each", limited(base, dep_a={"loading_s": 1800, "docks": 1},
                                                dep_b={"loading_s": 1800, "docks": 1})),
        ("A 150 parcels, 2 docks", limited(base, dep_a={"capacity_parcels_per_day": 150, "docks": 2},
                                           dep_b={"docks": 1})),
        ("trunk to A at 10:00 (60)", trunk(base)),
    ]
    print(f"{'scenario':<30} {'vans':>4} {'km':>7} {'drive h':>6} {'cost EUR':>9} {'served':>6}  "
          f"{'left out':<28} {'parcels/capacity, vans loading at once/docks':<46} {'last':>5} {'chk':>3} {'s':>6}")
    rows = [run(label, p, options) for label, p in scenarios]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": "depot_centres", "when": datetime.now(TZ).isoformat(timespec="seconds"),
           "options": options.to_dict(), "orders": len(base.orders), "vans": len(base.vehicles), "rows": rows,
           "loading_s": 900, "note": "iteration-bounded; seconds are this machine's"}  # fmt: skip
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")


if __name__ == "__main__":
    main()
