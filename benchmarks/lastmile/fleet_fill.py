"""How tight a last-mile day's fleet is: the fewest vans for each number of small trucks, and the room they leave.

    .venv/bin/python benchmarks/lastmile/fleet_fill.py heidelberg-200-s1 porto-200-s1 [--json OUT]

A day name is ``<city>-<size>-s<seed>`` (generated on demand, as ``run.py`` does). Everything a van delivers
from the depot is on board when it leaves (VROOM's ``delivery`` of every job; a shipment is loaded at its store
and a return picked up on the way, so neither is counted), so a plan with a given set of vehicles needs their
summed capacity to cover the day's depot load in every dimension. For each number of trucks the table gives the
fewest vans that do, the room left in each dimension and the vehicles' fixed cost. Zero room means that every
vehicle of such a plan must leave the depot exactly full: a perfect packing, which is what the cheapest plan of
Heidelberg 200 s1 needs (docs/benchmarks.md, "The one day over VROOM"). Days with two depots are counted as one
pool (which depot serves an order is the planner's choice). No solver runs: this is arithmetic on the day's file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from cities import HERE
from generate import generate

sys.path.insert(0, str(HERE.parent))  # the shared benchmark helpers
from tables import print_rich


def _kind(v: dict[str, Any]) -> tuple[int, ...]:
    return tuple(v["capacity"])


def fill_rows(day: dict[str, Any]) -> list[dict[str, Any]]:
    """For each number of the larger vehicles (trucks), the fewest of the smaller (vans) whose capacities cover
    the day's depot load in every dimension, with the room left per dimension and the fixed cost (cents)."""
    dims = len(day["vehicles"][0]["capacity"])
    load = [sum(j.get("delivery", [0] * dims)[k] for j in day["jobs"]) for k in range(dims)]
    kinds: dict[tuple[int, ...], list[dict[str, Any]]] = {}
    for v in day["vehicles"]:
        kinds.setdefault(_kind(v), []).append(v)
    by_size = sorted(kinds, key=sum)
    small, large = by_size[0], by_size[-1]
    vans, trucks = kinds[small], kinds[large] if large != small else []
    skilled = any(j.get("skills") for j in day["jobs"]) or any(s.get("skills") for s in day.get("shipments", []))
    rows = []
    for t in range(len(trucks) + 1):
        need = max(
            0, *(math.ceil(max(0, load[k] - t * large[k]) / small[k]) for k in range(dims) if small[k] > 0)
        )
        if need > len(vans):
            continue
        cap = [t * large[k] + need * small[k] for k in range(dims)]
        fixed = t * trucks[0].get("costs", {}).get("fixed", 0) if t else 0
        fixed += need * vans[0].get("costs", {}).get("fixed", 0)
        skill_ok = not skilled or t > 0 or any(v.get("skills") for v in vans)
        rows.append(
            {
                "trucks": t,
                "vans": need,
                "load": load,
                "capacity": cap,
                "room": [c - x for c, x in zip(cap, load, strict=True)],
                "fixed_cents": fixed,
                "skills_possible": skill_ok,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("days", nargs="+", help="<city>-<size>-s<seed>")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = ap.parse_args()
    body, out = [], {}
    for name in args.days:
        city, size, seed = name.rsplit("-", 2)
        path = generate(city, int(size), int(seed.removeprefix("s")))[0]
        rows = fill_rows(json.loads(path.read_text()))
        out[name] = rows
        for r in rows:
            room = " / ".join(f"{x} ({x / c:.0%})" if c else "–" for x, c in zip(r["room"], r["capacity"], strict=True))
            load = " / ".join(str(x) for x in r["load"])
            body.append([name, str(r["trucks"]), str(r["vans"]), load, room, f"{r['fixed_cents'] / 100:.0f}"])
    headers = ["day", "trucks", "fewest vans", "depot load (kg / parcels / …)", "room left", "fixed €"]
    print_rich((headers, body), "Fleet fill: the fewest vehicles that carry the day's depot load")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
