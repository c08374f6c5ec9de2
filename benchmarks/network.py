"""Road network benchmarks: build time and peak memory, matrix time and peak memory, straight line vs road,
and what planning on straight lines costs once driven on real roads.

    .venv/bin/python benchmarks/network.py [--quick] [--work /tmp/networks]

Every build and every matrix runs in its own subprocess, so its peak RSS (ru_maxrss of that process and the
OSRM tools it waited for) is its own. Networks are built under --work (never in the repository). Results go
to benchmarks/results/network-<time>.json and a markdown table is printed. Needs ../shared/osm.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from machine import machine_info

REPO = Path(__file__).resolve().parents[1]
OSM = REPO.parent / "shared" / "osm"
EXTRACTS = {"monaco": "monaco.osm.pbf", "heidelberg": "heidelberg.osm.pbf", "porto": "porto_portugal.osm.pbf"}
SIZES = (100, 1000, 2000, 5000)


def peak_rss_mib() -> float:
    """Peak RSS of this process or any child it waited for, MiB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, kids) / 1024, 1)


def worker_build(pbf: str, out: str, algorithm: str) -> dict[str, Any]:
    """One network build (car profile)."""
    from doorstep.routing.network_build import build_network
    from doorstep.routing.network_meta import Algorithm, NetworkProfile

    t = time.perf_counter()
    meta = build_network(Path(pbf), Path(out), NetworkProfile.CAR, Algorithm(algorithm))
    return {"seconds": round(time.perf_counter() - t, 2), "phases": meta.build_seconds, "peak_rss_mib": peak_rss_mib()}


def worker_matrix(network: str, points_file: str, n: int) -> dict[str, Any]:
    """One n×n matrix from the embedded engine (engine load timed apart)."""
    from doorstep.domain.fleet import SpeedProfile
    from doorstep.domain.geo import LatLng
    from doorstep.routing.osrm_local import OsrmLocalProvider
    from doorstep.routing.provider import UNREACHABLE

    pts = [LatLng(p["lat"], p["lng"]) for p in json.loads(Path(points_file).read_text())[:n]]
    t = time.perf_counter()
    provider = OsrmLocalProvider(Path(network))
    provider.matrix(pts[:10], SpeedProfile.CAR)  # first query pages the network in: counted as load time
    load_s = time.perf_counter() - t
    t, cpu = time.perf_counter(), time.process_time()
    m = provider.matrix(pts, SpeedProfile.CAR)
    seconds, cpu_s = time.perf_counter() - t, time.process_time() - cpu
    unreachable = float((m.durations >= UNREACHABLE).mean())
    return {"n": n, "seconds": round(seconds, 2), "cpu_s": round(cpu_s, 2), "load_s": round(load_s, 2),
            "peak_rss_mib": peak_rss_mib(),
            "unreachable_share": round(unreachable, 4)}  # fmt: skip


def run_worker(*args: str) -> dict[str, Any]:
    """Run this script as a worker in a fresh process and read its JSON answer."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def sample_points(work: Path, n: int) -> Path:
    """n points on Porto's named streets (seed 1), the 1,000 shared sample points first."""
    from doorstep.demo.osm import extract_places

    path = work / f"porto_points_{n}.json"
    if path.exists():
        return path
    shared = [{"lat": p["lat"], "lng": p["lon"]} for p in json.loads((OSM / "porto_points_1000.json").read_text())]
    places = [p for p in extract_places(OSM / EXTRACTS["porto"], limit=100_000) if p.kind == "street"]
    random.Random(1).shuffle(places)
    extra = [{"lat": p.location.lat, "lng": p.location.lng} for p in places[: n - len(shared)]]
    path.write_text(json.dumps(shared + extra))
    return path


def bench_builds(work: Path, names: list[str]) -> list[dict[str, Any]]:
    """Build every extract in MLD and CH."""
    rows = []
    for name in names:
        for algorithm in ("mld", "ch"):
            out = work / f"{name}-car-{algorithm}"
            res = run_worker("_build", str(OSM / EXTRACTS[name]), str(out), algorithm)
            rows.append({"extract": name, "algorithm": algorithm, **res})
            print(f"build {name:<10} {algorithm}: {res}", flush=True)
    return rows


def bench_matrices(work: Path, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """n×n matrices on Porto, each size and algorithm in its own process."""
    points = sample_points(work, max(sizes))
    rows = []
    for algorithm in ("ch", "mld"):
        for n in sizes:
            res = run_worker("_matrix", str(work / f"porto-car-{algorithm}"), str(points), str(n))
            rows.append({"algorithm": algorithm, **res})
            print(f"matrix porto {algorithm} {n}: {res}", flush=True)
    return rows


def bench_ratio(work: Path) -> dict[str, Any]:
    """Road vs straight line over the 1,000 shared Porto points (all ordered pairs with a road connection)."""
    from doorstep.domain.fleet import SpeedProfile
    from doorstep.domain.geo import LatLng
    from doorstep.routing.osrm_local import OsrmLocalProvider
    from doorstep.routing.provider import UNREACHABLE
    from doorstep.routing.straight_line import StraightLineProvider

    pts = [LatLng(p["lat"], p["lon"]) for p in json.loads((OSM / "porto_points_1000.json").read_text())]
    road = OsrmLocalProvider(work / "porto-car-ch").matrix(pts, SpeedProfile.CAR)
    line = StraightLineProvider().matrix(pts, SpeedProfile.CAR)
    crow = StraightLineProvider(circuity=1.0).matrix(pts, SpeedProfile.CAR)
    ok = (road.durations < UNREACHABLE) & ~np.eye(len(pts), dtype=bool) & (crow.distances > 200)
    time_ratio = road.durations[ok] / line.durations[ok]
    dist_ratio = road.distances[ok] / crow.distances[ok]
    stats = {
        "pairs": int(ok.sum()),
        "road_over_straight_line_time": _quantiles(time_ratio),
        "road_over_crow_fly_distance": _quantiles(dist_ratio),
        "road_speed_kmh": _quantiles(road.distances[ok] / np.maximum(road.durations[ok], 1) * 3.6),
    }
    print(f"ratio: {stats}", flush=True)
    return stats


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {q: round(float(np.quantile(values, p)), 3) for q, p in (("p10", 0.1), ("median", 0.5), ("p90", 0.9))}


def bench_plans(work: Path, orders: int, time_limit: float) -> dict[str, Any]:
    """Plan the same Porto day on straight lines and on road times; drive both on road times."""
    from plan_on_roads import compare_plans

    res = compare_plans(OSM / EXTRACTS["porto"], work / "porto-car-ch", orders, time_limit)
    print(f"plans: {res}", flush=True)
    return res


def load_note() -> dict[str, float]:
    """Load averages (1, 5, 15 min): the machine is shared."""
    one, five, fifteen = os.getloadavg()
    return {"load1": round(one, 2), "load5": round(five, 2), "load15": round(fifteen, 2)}


def main() -> None:
    """Run the benchmarks and write the JSON result."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/networks"))
    ap.add_argument("--quick", action="store_true", help="monaco/porto only, sizes 100 and 1000, short plans")
    ap.add_argument("--skip-builds", action="store_true", help="reuse the networks already in --work")
    ap.add_argument("--builds-from", type=Path, help="with --skip-builds: copy the build figures from this result")
    ap.add_argument("--matrices-only", type=int, nargs="*", help="only these matrix sizes (no ratio, no plans)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": machine_info(), "load_before": load_note()}
    names = ["monaco", "porto"] if args.quick else list(EXTRACTS)
    if args.skip_builds:
        earlier = json.loads(args.builds_from.read_text()) if args.builds_from else {}
        result["builds"] = earlier.get("builds", [])
        result["builds_measured_at"] = earlier.get("machine", {}).get("recorded_at")
        result["load_during_builds"] = earlier.get("load_before")
    else:
        result["builds"] = bench_builds(args.work, names)
    if args.matrices_only:
        result["matrices"] = bench_matrices(args.work, tuple(args.matrices_only))
    else:
        result["matrices"] = bench_matrices(args.work, (100, 1000) if args.quick else SIZES)
        result["straight_vs_road"] = bench_ratio(args.work)
        result["plans"] = bench_plans(args.work, 60 if args.quick else 200, 5.0 if args.quick else 20.0)
    result["load_after"] = load_note()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tag = "-quick" if args.quick else "-matrices" if args.matrices_only else ""
    out = REPO / "benchmarks" / "results" / f"network-{stamp}{tag}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        print(json.dumps(worker_build(*sys.argv[2:5])))
    elif len(sys.argv) > 1 and sys.argv[1] == "_matrix":
        print(json.dumps(worker_matrix(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()
