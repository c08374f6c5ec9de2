"""Generate realistic last-mile delivery days as VROOM problem JSON, on real road matrices.

    .venv/bin/python benchmarks/lastmile/generate.py --cities heidelberg porto --sizes 100 200 --seeds 1

Each (city, size, seed) is deterministic: addresses sampled from the OpenStreetMap extract inside the city's
service disc, one depot (two from 1,000 orders), the order mix of ``orders.py``, the fleet of ``fleet.py``,
and the car travel times and distances of the embedded OSRM engine on a network built by Doorstep itself.
Days go to ``benchmarks/lastmile/.days/`` with a ``.meta.json`` next to each (counts and timings).
Data © OpenStreetMap contributors (ODbL 1.0).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from cities import ATTRIBUTION, CITIES, DAYS, SIZES, City, day_path, km_between
from fleet import make_fleet
from networks import Place, candidate_places, ensure_network, nearest
from orders import make_orders

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE

GENERATOR = 2  # bump when a change alters the days: cached days of another version are regenerated
OVERSAMPLE = 1.15  # extra places sampled, in case some are cut off from the depots (one-way islands, gates)


def shops_for(size: int) -> int:
    """Stores that hand parcels to the store-to-door service: one per 40 orders, 2..25."""
    return min(25, max(2, size // 40))


def _connected(dur: np.ndarray, depots: int) -> list[int]:
    """Indices (depots first, kept) of a set where every place reaches every other one."""
    keep = [i for i in range(len(dur)) if i < depots or all(
        dur[d, i] < UNREACHABLE and dur[i, d] < UNREACHABLE for d in range(depots))]  # fmt: skip
    while True:
        sub = dur[np.ix_(keep, keep)] >= UNREACHABLE
        bad = sub.sum(axis=0) + sub.sum(axis=1)
        if not bad.any():
            return keep
        worst = int(np.argmax(np.where(np.arange(len(keep)) < depots, -1, bad)))
        keep.pop(worst)


def _sample(city: City, places: list[Place], size: int, rng: random.Random) -> tuple[list[LatLng], int]:
    """Depot points then sampled places (shops and customers), and the number of depots."""
    depot_sites = city.depots[: 2 if size >= 1000 else 1]
    depots = [nearest(places, site, frozenset({"street"})) for site in depot_sites]
    radius = city.radius_for(size)
    pool = [i for i, p in enumerate(places) if i not in depots and km_between((p[0], p[1]), city.centre) <= radius]
    want = math.ceil((size + shops_for(size)) * OVERSAMPLE) + 10
    if want > len(pool):
        raise SystemExit(f"{city.name}: {len(pool)} candidate places, {want} needed for {size} orders")
    chosen = depots + rng.sample(pool, want)
    return [LatLng(places[i][0], places[i][1]) for i in chosen], len(depots)


def build_day(city: City, size: int, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The VROOM problem and its meta (counts, timings) for one (city, size, seed)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    timings["network_build_s"] = round(ensure_network(city), 2)
    t = time.perf_counter()
    places = candidate_places(city)
    timings["places_s"] = round(time.perf_counter() - t, 2)
    rng = random.Random(f"lastmile:{city.name}:{size}:{seed}")
    points, n_depots = _sample(city, places, size, rng)
    t = time.perf_counter()
    matrix = OsrmLocalProvider(city.network_dir).matrix(points, SpeedProfile.CAR)
    timings["matrix_s"] = round(time.perf_counter() - t, 2)
    keep = _connected(matrix.durations, n_depots)
    dropped = len(points) - len(keep)
    n_shops = shops_for(size)
    if len(keep) < n_depots + n_shops + size:
        raise SystemExit(f"{city.name}: only {len(keep) - n_depots} connected places for {size} orders")
    keep = keep[: n_depots + n_shops + size]
    sub = np.ix_(keep, keep)
    durations, distances = matrix.durations[sub], matrix.distances[sub]
    # OSRM's Table gives e.g. -0.6 m between two points snapped onto the same spot of a road, which
    # OsrmLocalProvider rounds to -1; VROOM and Doorstep's VROOM reader both refuse negative values.
    negative = int((durations < 0).sum() + (distances < 0).sum())
    durations, distances = np.maximum(durations, 0), np.maximum(distances, 0)
    coords = [[points[i].lng, points[i].lat] for i in keep]
    depots = list(range(n_depots))
    shops = list(range(n_depots, n_depots + n_shops))
    customers = list(range(n_depots + n_shops, len(keep)))
    jobs, shipments, mix = make_orders(rng, customers, shops, coords)
    vehicles = make_fleet(rng, _demand(jobs, shipments), depots, coords)
    problem = {
        "vehicles": vehicles,
        "jobs": jobs,
        "shipments": shipments,
        "matrices": {"car": {"durations": durations.tolist(), "distances": distances.tolist()}},
    }
    timings["total_s"] = round(time.perf_counter() - t0, 2)
    off = ~np.eye(len(keep), dtype=bool)
    meta = {
        "generator": GENERATOR,
        "city": city.name,
        "size": size,
        "seed": seed,
        "orders": len(jobs) + len(shipments),
        "depots": n_depots,
        "shops": n_shops,
        "locations": len(keep),
        "radius_km": round(city.radius_for(size), 2),
        "dropped_unconnected": dropped,
        "negative_cells_clipped": negative,
        "mix": asdict(mix),
        "fleet": _fleet_meta(vehicles),
        "median_trip_s": int(np.median(durations[off])),
        "median_trip_m": int(np.median(distances[off])),
        "timings": timings,
        "network": str(city.network_dir),
        "attribution": ATTRIBUTION,
    }
    return problem, meta


def _demand(jobs: list[dict[str, Any]], shipments: list[dict[str, Any]]) -> list[int]:
    """Total (kg, parcels) to carry: deliveries, returns and store-to-door parcels alike."""
    amounts = [j.get("delivery") or j.get("pickup") for j in jobs] + [s["amount"] for s in shipments]
    return [sum(a[d] for a in amounts) for d in range(2)]


def _fleet_meta(vehicles: list[dict[str, Any]]) -> dict[str, int]:
    trucks = sum(1 for v in vehicles if v["description"].startswith("truck"))
    cold = sum(1 for v in vehicles if v.get("skills"))
    return {"vehicles": len(vehicles), "vans": len(vehicles) - trucks, "trucks": trucks, "refrigerated": cold}


def meta_path(day: Path) -> Path:
    """The ``.meta.json`` written next to a day."""
    return day.with_suffix(".meta.json")


def generate(city_name: str, size: int, seed: int, force: bool = False) -> tuple[Path, dict[str, Any]]:
    """Write the day (unless it exists and ``force`` is off); its path and meta."""
    path = day_path(city_name, size, seed)
    if path.is_file() and meta_path(path).is_file() and not force:
        meta = json.loads(meta_path(path).read_text())
        if meta.get("generator") == GENERATOR:
            return path, meta
    city = CITIES[city_name]
    if size > city.max_size:
        raise SystemExit(f"{city_name}: at most {city.max_size} orders (the extract is too small for more)")
    problem, meta = build_day(city, size, seed)
    DAYS.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(problem, separators=(",", ":")))
    tmp.replace(path)
    meta["timings"]["write_s"] = round(time.perf_counter() - t, 2)
    meta["bytes"] = path.stat().st_size
    meta_path(path).write_text(json.dumps(meta, indent=2))
    return path, meta


def main() -> None:
    """Generate the requested days and print how long each took."""
    from rich.console import Console
    from rich.table import Table

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cities", nargs="+", default=["heidelberg", "porto"], choices=sorted(CITIES))
    ap.add_argument("--sizes", nargs="+", type=int, default=list(SIZES))
    ap.add_argument("--seeds", nargs="+", type=int, default=[1])
    ap.add_argument("--force", action="store_true", help="regenerate days that exist")
    args = ap.parse_args()
    table = Table(title="Generated last-mile days (seconds)", title_justify="left")
    for col in ("day", "orders", "veh", "locations", "median trip", "network", "places", "matrix", "write", "total"):
        table.add_column(col, justify="left" if col == "day" else "right")
    for city in args.cities:
        for size in args.sizes:
            if size > CITIES[city].max_size:
                print(f"skip {city} {size}: at most {CITIES[city].max_size} orders there")
                continue
            for seed in args.seeds:
                path, meta = generate(city, size, seed, force=args.force)
                tm = meta["timings"]
                table.add_row(
                    path.stem, str(meta["orders"]), str(meta["fleet"]["vehicles"]), str(meta["locations"]),
                    f"{meta['median_trip_s'] / 60:.1f} min / {meta['median_trip_m'] / 1000:.1f} km",
                    f"{tm['network_build_s']:.1f}", f"{tm['places_s']:.1f}", f"{tm['matrix_s']:.1f}",
                    f"{tm.get('write_s', 0):.1f}", f"{tm['total_s'] + tm.get('write_s', 0):.1f}",
                )  # fmt: skip
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
