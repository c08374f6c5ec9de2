"""How long the overflow-by-cost post-step takes on a planned day: N orders in a city of 12 km around the depot
plus a few remote ones 25-40 km out, planned on enough vans, then ``overflow.propose`` against one carrier whose
area covers everything (so every routed order is a candidate: the worst case). Reports the solve time, the
post-step's wall time, the route re-timings it made and the offers.

    PYTHONPATH=src .venv/bin/python benchmarks/carrier_overflow.py --orders 200 --remote 6 --vans 4
"""

from __future__ import annotations

import argparse
import math
import random
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import CarrierConfig, CarrierKind, PriceRule, ServiceArea
from doorstep.domain.fleet import Depot, Vehicle, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.problem import Problem
from doorstep.optimize.options import SolveOptions
from doorstep.routing.defaults import default_provider
from doorstep.services.planning import overflow
from doorstep.services.planning.planning import plan

TZ = ZoneInfo("Europe/Lisbon")
ORIGIN = LatLng(38.74, -9.15)


def t(h: int) -> datetime:
    """A local time on the benchmark's day."""
    return datetime(2026, 11, 23, h, tzinfo=TZ)


def km(east: float, north: float) -> LatLng:
    """A point ``east``/``north`` kilometres from the depot."""
    return LatLng(ORIGIN.lat + north / 111.32, ORIGIN.lng + east / (111.32 * math.cos(math.radians(ORIGIN.lat))))


def day(n: int, remote: int, vans: int, seed: int) -> Problem:
    """``n`` city orders, ``remote`` far ones, ``vans`` vans (8-18, 150 parcels, 0.30/km, 20/h)."""
    rnd = random.Random(seed)
    orders = []
    for k in range(n + remote):
        far = k >= n
        r = rnd.uniform(25, 40) if far else 12 * math.sqrt(rnd.random())
        a = rnd.uniform(0, 2 * math.pi)
        at: LatLng = km(r * math.cos(a), r * math.sin(a))
        orders.append(Order(id=f"ord_{k}", external_ref=f"B-{k}", kind=OrderKind.DELIVERY, location=at,
                            service_s=120, size={"parcels": 1}, depot_id="dep_a"))  # fmt: skip
    vt = VehicleType(
        id="vty_van", name="Van", capacity={"parcels": 150}, cost_per_km_cents=30, cost_per_hour_cents=2000
    )
    vehicles = [Vehicle(id=f"veh_{i}", type=vt, start_depot_id="dep_a", shift_start=t(8), shift_end=t(18))
                for i in range(vans)]  # fmt: skip
    depot = Depot(id="dep_a", name="Hub", location=ORIGIN, timezone="Europe/Lisbon")
    return Problem(depots=(depot,), vehicles=tuple(vehicles), orders=tuple(orders))


def main() -> None:
    """Plan the day, run the post-step, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=200)
    ap.add_argument("--remote", type=int, default=6)
    ap.add_argument("--vans", type=int, default=4)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    problem = day(args.orders, args.remote, args.vans, args.seed)
    provider = default_provider(problem)
    t0 = time.perf_counter()
    result = plan(problem, provider=provider, options=SolveOptions(time_limit_s=args.time_limit, seed=args.seed))
    solve_s = time.perf_counter() - t0
    carrier = CarrierConfig(id="car_x", name="X", kind=CarrierKind.MANIFEST, areas=(ServiceArea("dep_a", 60_000),),
                            price=PriceRule(base_cents=900, per_km_cents=10), depots={"dep_a": ORIGIN})  # fmt: skip
    calls = [0]
    real = overflow.retime

    def counted(*a: object, **k: object) -> object:
        calls[0] += 1
        return real(*a, **k)  # type: ignore[arg-type]

    overflow.retime = counted  # type: ignore[assignment]
    market = overflow.Market.of([carrier], t(0).date(), "Europe/Lisbon", t(0), {})
    t1 = time.perf_counter()
    offers = overflow.propose(problem, result, market, provider, "EUR")
    post_s = time.perf_counter() - t1
    overflow.retime = real
    routed = sum(len(r.order_ids) for r in result.routes)
    print(f"orders {len(problem.orders)} (routed {routed}, unassigned {len(result.unassigned)}), "
          f"routes {len(result.routes)}, solve {solve_s:.1f} s")  # fmt: skip
    print(f"post-step {post_s:.2f} s, {calls[0]} route re-timings, {len(offers)} offers, "
          f"saving {sum(o.saving_cents for o in offers) / 100:.2f} EUR")  # fmt: skip
    for o in offers:
        print(f"  {o.external_ref}: {o.price_cents / 100:.2f} EUR, {o.reason}")


if __name__ == "__main__":
    main()
