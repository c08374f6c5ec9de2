"""Live insertion: one new order into a planned 1,000-stop day, timed over many new orders.

Plans a synthetic day (``scaling.synthetic_day``) once, then for each of ``--orders`` new random orders in the
same city asks ``propose_insertion`` for the cheapest checked proposals and times the call. Every proposal it
times has passed the independent route checker inside the call; the script also re-checks the whole applied
plan for a sample (``--full-checks``). Prints a table and writes JSON.

Example: ``.venv/bin/python benchmarks/live_insertion.py --stops 1000 --orders 200``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from doorstep.domain import Order, OrderKind, TimeWindow
from doorstep.optimize.check import check_plan
from doorstep.optimize.insertion import apply_insertion, propose_insertion
from doorstep.optimize.options import SolveOptions
from doorstep.routing import StraightLineProvider
from doorstep.services.planning.planning import plan as make_plan
from machine import machine_info
from scaling import SLOTS, _local, stop_points, synthetic_day
from tables import fmt, print_rich

RESULTS = Path(__file__).resolve().parent / "results"


def _new_orders(n: int, seed: int) -> list[Order]:
    rng = random.Random(seed)
    out = []
    for i, where in enumerate(stop_points(rng, n)):
        windows = ()
        if rng.random() < 0.5:
            start, end = rng.choice(SLOTS)
            windows = (TimeWindow(_local(max(start, 13)), _local(max(end, 15))),)
        out.append(
            Order(
                id=f"ord_new{i:04d}",
                external_ref=f"NEW{i:04d}",
                kind=OrderKind.DELIVERY,
                location=where,
                time_windows=windows,
                service_s=180,
                size={"parcels": 1, "weight_g": 1_000},
            )
        )
    return out


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    """Plan the day, time insertions, print and write the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stops", type=int, default=1000)
    ap.add_argument("--orders", type=int, default=200, help="new orders to insert, one at a time")
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds to plan the day")
    ap.add_argument("--full-checks", type=int, default=10, help="applied plans re-checked in full")
    ap.add_argument("--out", type=Path, default=RESULTS / "live-insertion.json")
    args = ap.parse_args()

    day = synthetic_day(args.stops)
    provider = StraightLineProvider()
    plan = make_plan(day, options=SolveOptions(time_limit_s=args.time_limit, seed=1), provider=provider)
    stops = sum(len(r.stops) for r in plan.routes)
    times: list[float] = []
    served = checked_ok = 0
    for k, new in enumerate(_new_orders(args.orders, seed=11)):
        problem = replace(day, orders=(*day.orders, new))
        t0 = time.perf_counter()
        result = propose_insertion(problem, plan, new.id, provider=provider)
        times.append((time.perf_counter() - t0) * 1000)
        if result.proposals:
            served += 1
            if k < args.full_checks:
                checked_ok += check_plan(problem, apply_insertion(plan, result.proposals[0]), provider) == []
    row: dict[str, Any] = {
        "stops_in_plan": stops,
        "routes": len(plan.routes),
        "orders": args.orders,
        "with_proposal": served,
        "full_checks_passed": f"{checked_ok}/{min(args.full_checks, served)}",
        "p50_ms": round(_pct(times, 50), 1),
        "p95_ms": round(_pct(times, 95), 1),
        "max_ms": round(max(times), 1),
    }
    print_rich(
        (list(row), [[fmt(v) if isinstance(v, float) else str(v) for v in row.values()]]),
        f"Live insertion into a {args.stops}-order day (straight-line travel)",
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": machine_info(), "row": row, "times_ms": times}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
