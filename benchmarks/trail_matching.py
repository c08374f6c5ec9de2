"""Map matching of GPS trails on the Monaco road network: time and quality.

A driver follows a real road path (OSRM Route through points of ``monaco_points_300.json``) at 10 m/s, one fix
every ``--every`` seconds with 4 m of GPS noise (accuracy 8 m). For each trail size: the first match (nothing
cached), asking again (every chunk cached), and the trail grown by the fixes of one more minute (only the newest
chunk matched again: what the live page costs per refresh). Quality: driven distance against the path's length
and the distance-weighted confidence.

    .venv/bin/python benchmarks/trail_matching.py [--sizes 1000 5000] [--every 2 5 15] [--repeat 5]

Needs ../shared/osm; the network is built under --work (never in the repository).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from machine import machine_info

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the trail generator the tests use (tests/routing/trails.py)

from tests.routing.trails import drive, length_m  # noqa: E402

from doorstep.domain.fleet import SpeedProfile  # noqa: E402
from doorstep.domain.geo import LatLng  # noqa: E402
from doorstep.routing.network_build import build_network  # noqa: E402
from doorstep.routing.network_meta import META_FILE  # noqa: E402
from doorstep.routing.osrm_local import OsrmLocalProvider  # noqa: E402
from doorstep.routing.route_geometry import joined_path  # noqa: E402
from doorstep.routing.trail_match import Fix, MatchCache, match_trail  # noqa: E402

OSM = REPO.parent / "shared" / "osm"
RESULTS = Path(__file__).resolve().parent / "results" / "trail-matching.json"


def network(work: Path) -> OsrmLocalProvider:
    """The Monaco car network, built once under ``work``."""
    folder = work / "monaco-car"
    if not (folder / META_FILE).exists():
        build_network(OSM / "monaco.osm.pbf", folder)
    return OsrmLocalProvider(folder)


def trail(roads: OsrmLocalProvider, fixes_wanted: int, every_s: int) -> tuple[list[Fix], float]:
    """At least ``fixes_wanted`` fixes along a road path through Monaco's points, and the driven path's length
    up to the last of them."""
    data = json.loads((OSM / "monaco_points_300.json").read_text(encoding="utf-8"))
    points = [LatLng(p["lat"], p["lon"]) for p in data]
    path: list[LatLng] = []
    k, need_m = 0, 10.0 * every_s * (fixes_wanted + 120)
    while length_m(path) < need_m and k + 11 <= len(points):
        legs = roads.route_legs(points[k : k + 11], SpeedProfile.CAR)
        k += 10
        if legs:
            path.extend(joined_path(legs)[1 if path else 0 :])
    fixes = drive(path, every_s=every_s)
    driven = 10.0 * every_s * (fixes_wanted - 1)  # metres along the path at the last fix wanted
    return fixes, min(driven, length_m(path))


def ms(seconds: float) -> float:
    """Milliseconds, rounded."""
    return round(seconds * 1000, 1)


def measure(roads: OsrmLocalProvider, size: int, every_s: int, repeat: int) -> dict[str, Any]:
    """Median times of the first match, a repeated ask and a one-minute growth; quality of the first match."""
    fixes, path_m = trail(roads, size, every_s)
    grow = max(1, 60 // every_s)
    first, again, grown = [], [], []
    result = None
    for _ in range(repeat):
        cache = MatchCache()
        t = time.perf_counter()
        result = match_trail(roads, fixes[:size], cache=cache, matcher_id="monaco")
        first.append(time.perf_counter() - t)
        t = time.perf_counter()
        match_trail(roads, fixes[:size], cache=cache, matcher_id="monaco")
        again.append(time.perf_counter() - t)
        t = time.perf_counter()
        match_trail(roads, fixes[: size + grow], cache=cache, matcher_id="monaco")
        grown.append(time.perf_counter() - t)
    assert result is not None
    return {
        "fixes": size, "every_s": every_s, "path_km": round(path_m / 1000, 2),
        "first_ms": ms(statistics.median(first)), "again_ms": ms(statistics.median(again)),
        "grown_ms": ms(statistics.median(grown)), "chunks": len(result.chunks),
        "distance_error_pct": round(100 * (result.distance_m - path_m) / path_m, 2),
        "confidence": round(result.confidence or 0.0, 3), "unmatched": len(result.unmatched),
    }  # fmt: skip


def main() -> None:
    """Run the grid, print a markdown table, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--every", type=int, nargs="+", default=[2, 5, 15], help="seconds between fixes")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/doorstep-bench-networks"))
    args = ap.parse_args()
    if not (OSM / "monaco.osm.pbf").exists():
        sys.exit("needs ../shared/osm/monaco.osm.pbf")
    roads = network(args.work)
    rows = [measure(roads, size, every, args.repeat) for size in args.sizes for every in args.every]
    head = ["fixes", "every_s", "path_km", "first_ms", "again_ms", "grown_ms", "chunks", "distance_error_pct",
            "confidence", "unmatched"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(r[h]) for h in head) + " |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine_info(), "rows": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
