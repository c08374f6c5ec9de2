"""Greener routes on the Lisbon demo day: what a CO2 price and a low-emission zone change.

The demo fleet with three of its six large vans electric (fixed cost 5 EUR more a day, 120 km range, 15 km
reserve, 45 min to charge) is planned with a CO2 price of 0, 10 and 50 cents per kg, and then with a low-emission
zone over the Baixa, Chiado and Alfama (electric vans only, 06:00-11:00). Each run reports the vans used by fuel,
km, CO2, cost, orders left out (by reason) and the independent checker's verdict. Iteration-bounded, so the plans
are the same on any machine; the seconds are this machine's.

    PYTHONPATH=src .venv/bin/python benchmarks/green_routes.py --orders 200 --iterations 1500
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import replace
from datetime import time as clock

from doorstep.demo.synthetic import demo_problem
from doorstep.domain.geo import LatLng
from doorstep.domain.problem import Problem
from doorstep.domain.zones import AccessZone
from doorstep.optimize.check import check_plan
from doorstep.optimize.options import SolveOptions
from doorstep.services.planning.planning import plan

# Baixa, Chiado and Alfama (lat, lng corners)
CENTRE = ((38.7075, -9.1460), (38.7075, -9.1270), (38.7150, -9.1270), (38.7150, -9.1460))


def greener(problem: Problem) -> Problem:
    """The demo fleet with vans L1-L3 electric, the others diesel."""
    vehicles = []
    for v in problem.vehicles:
        electric = v.name in ("Van L1", "Van L2", "Van L3")
        vt = replace(
            v.type,
            id=v.type.id + ("-ev" if electric else ""),
            fuel="electric" if electric else "diesel",
            fixed_cost_cents=v.type.fixed_cost_cents + (500 if electric else 0),
            range_m=120_000 if electric else None,
            reserve_m=15_000 if electric else 0,
            charge_s=2_700 if electric else 0,
        )
        vehicles.append(replace(v, type=vt))
    return replace(problem, vehicles=tuple(vehicles))


def zone(problem: Problem) -> AccessZone:
    """The centre, open to the electric type from 06:00 to 11:00."""
    ev = next(v.type.id for v in problem.vehicles if v.type.fuel == "electric")
    ring = tuple(LatLng(lat, lng) for lat, lng in CENTRE)
    return AccessZone(
        id="zon_centre", name="Centre LEZ", polygons=((ring,),), vehicle_type_ids=frozenset({ev}),
        hours=((clock(6), clock(11)),),
    )  # fmt: skip


def run(label: str, problem: Problem, options: SolveOptions) -> None:
    """Plan, check and print one line."""
    t = time.perf_counter()
    result = plan(problem, options=options)
    secs = time.perf_counter() - t
    fuels = {v.id: v.type.fuel for v in problem.vehicles}
    used = Counter(fuels[r.vehicle_id] for r in result.routes)
    km = Counter(dict.fromkeys(used, 0.0))
    for r in result.routes:
        km[fuels[r.vehicle_id]] += r.distance_m / 1000
    reasons = Counter(u.reason.value for u in result.unassigned)
    charges = sum(r.trips - 1 for r in result.routes if fuels[r.vehicle_id] == "electric")
    violations = check_plan(problem, result)
    print(
        f"{label:<26} vans {dict(used)!s:<30} km {result.stats.distance_m / 1000:6.1f} "
        f"(electric {km['electric']:5.1f})  "
        f"CO2 {result.stats.co2_g / 1000:6.1f} kg  cost {result.stats.cost_cents / 100:8.2f}  "
        f"EV trips+{charges}  left out {dict(reasons) or 0}  violations {len(violations)}  {secs:5.1f} s"
    )


def main() -> None:
    """Run the four plans."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    problem = greener(demo_problem(seed=args.seed, orders=args.orders))
    base = SolveOptions(time_limit_s=120, max_iterations=args.iterations, seed=1)
    inside = sum(zone(problem).contains(o.location) for o in problem.orders)
    zoned = replace(problem, zones=(zone(problem),))
    print(f"{args.orders} orders, {len(problem.vehicles)} vans (3 electric), {inside} orders inside the centre")
    for price in (0, 10, 50, 200):
        run(f"CO2 price {price} c/kg", problem, replace(base, co2_cost_cents_per_kg=price))
    run("centre LEZ 06-11, price 0", zoned, base)
    why = Counter(u.message.split(": ", 1)[1][:48] for u in plan(zoned, options=base).unassigned)
    print("  left out inside the zone:", dict(why))


if __name__ == "__main__":
    main()
