"""Pickup points near a customer in Monaco: by the straight line and by the walk, side by side in one run.

Two real uvicorn servers on one SQLite database, one started with ``DOORSTEP_FOOT_NETWORK`` (a walking network
built from ../shared/osm/monaco.osm.pbf now, a few seconds) and one without. An organization with a pickup level
and ``--points`` pickup points on Monaco's roads (every k-th of ../shared/osm/monaco_points_300.json); then
``--customers`` other points of that file ask ``POST /v1/slots/pickup-points`` (``within_m``, ``limit`` 5) on
both servers, one request after another. Measured per server: latency p50/p95; and between them: how often the
nearest point differs, the walk to the straight line's nearest point against the walk to the walk's nearest
(metres lost by trusting the straight line), and the points the straight line offers that are farther than
``within_m`` on foot.

    .venv/bin/python benchmarks/pickup_walk.py                     # writes results/pickup-walk.json
    .venv/bin/python benchmarks/pickup_walk.py --points 60 --customers 200 --within-m 1000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from statistics import mean
from typing import Any

import httpx
from rich.progress import track

from api import database, pct, server
from doorstep.routing.network_build import build_network
from doorstep.routing.network_meta import NetworkProfile
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from machine import machine_info
from tables import fmt, print_rich

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
OSM = HERE.parent.parent / "shared" / "osm"
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _org(base: str, app: Any, points: list[dict[str, float]]) -> dict[str, str]:
    """An organization with a Monaco depot, a slot policy with a pickup level and a point at each place; its
    write key's headers."""
    p = app.state.platform
    org_id, _ = create_organization(p, "Walk bench", "walk-bench@example.com", "walk-bench-password")
    key = create_api_key(p, system_actor(org_id), "bench", [Permission.READ, Permission.WRITE, Permission.MANAGE])[1]
    h = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=h, timeout=60) as c:
        hub = {"name": "Port Hercule", "lat": 43.7320, "lng": 7.4180, "timezone": "Europe/Monaco"}
        depot = c.post("/v1/depots", json=hub).json()["id"]
        policy = {
            "zones": [{"id": "mc", "depot_id": depot, "radius_m": 8_000}],
            "templates": [
                {"id": "std", "zone_id": "mc", "start": "08:00", "end": "18:00", "length_min": 120, "max_orders": 50}
            ],
            "prices": [{"service_level": "standard", "length_min": 120, "price_cents": 450}],
            "service_levels": [{"id": "pickup", "kind": "pickup", "price_cents": 199}],
        }
        r = c.put("/v1/slots/policy", json=policy)
        assert r.status_code == 200, r.text
        for i, at in enumerate(points):
            body = {"name": f"Point {i:03d}", "kind": "locker", "lat": at["lat"], "lng": at["lng"],
                    "address": f"Point {i:03d}, Monaco", "depot_id": depot, "capacity_parcels": 20,
                    "hours": {d: [["08:00", "20:00"]] for d in WEEK}}  # fmt: skip
            r = c.post("/v1/pickup-points", json=body)
            assert r.status_code == 201, r.text
    return h


def _ask(base: str, h: dict[str, str], customers: list[dict[str, float]], within_m: int,
         label: str) -> list[tuple[float, dict[str, Any]]]:  # fmt: skip
    """Each customer's near points: (milliseconds, answer)."""
    out = []
    with httpx.Client(base_url=base, headers=h, timeout=60) as c:
        for at in track(customers, description=f"near points, {label}"):
            t0 = time.perf_counter()
            r = c.post("/v1/slots/pickup-points", json={"location": at, "within_m": within_m, "limit": 5})
            ms = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, r.text
            out.append((ms, r.json()))
    return out


def compare(straight: list[dict[str, Any]], walked: list[dict[str, Any]]) -> dict[str, Any]:
    """How the two rankings differ, customer by customer (only customers both answered with a point)."""
    differ, lost, farther, asked = 0, [], 0, 0
    for s, w in zip(straight, walked, strict=True):
        if not s["points"] or not w["points"]:
            continue
        asked += 1
        walks = {x["id"]: x["walk_m"] for x in w["points"]}
        if s["points"][0]["id"] != w["points"][0]["id"]:
            differ += 1
            first = s["points"][0]["id"]
            if first in walks:  # the straight line's nearest, walked: how much farther than the walk's nearest
                lost.append(walks[first] - w["points"][0]["walk_m"])
        farther += sum(1 for x in s["points"] if x["id"] not in walks)
    return {
        "customers_compared": asked,
        "nearest_differs": differ,
        "walk_lost_m_mean": round(mean(lost)) if lost else 0,
        "walk_lost_m_max": max(lost, default=0),
        "walk_lost_known": len(lost),
        "straight_offers_not_within_on_foot": farther,
    }


def main() -> None:
    """Build the walking network, start both servers, ask, print the tables and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=40, help="pickup points (every k-th place of the file)")
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--within-m", type=int, default=1_000)
    ap.add_argument("--out", type=Path, default=RESULTS / "pickup-walk.json")
    args = ap.parse_args()
    places = json.loads((OSM / "monaco_points_300.json").read_text(encoding="utf-8"))
    spots = [{"lat": p["lat"], "lng": p["lon"]} for p in places]
    step = max(1, len(spots) // args.points)
    point_at = spots[::step][: args.points]
    customers = [s for i, s in enumerate(spots) if i % step][: args.customers]
    with tempfile.TemporaryDirectory() as tmp, database("sqlite") as url:
        t0 = time.perf_counter()
        foot = Path(tmp) / "monaco-foot"
        build_network(OSM / "monaco.osm.pbf", foot, NetworkProfile.FOOT)
        build_s = time.perf_counter() - t0
        with server(url) as (plain, app), server(url, foot_network=foot) as (walking, _):
            h = _org(plain, app, point_at)
            by_line = _ask(plain, h, customers, args.within_m, "straight line")
            by_walk = _ask(walking, h, customers, args.within_m, "walk")
    rows = {}
    for name, answers in (("straight line", by_line), ("walk", by_walk)):
        ms = [m for m, _ in answers]
        rows[name] = {"requests": len(ms), "p50_ms": round(pct(ms, 0.5), 1), "p95_ms": round(pct(ms, 0.95), 1),
                      "with_points": sum(1 for _, a in answers if a["points"]),
                      "ranked_by": sorted({a["ranked_by"] for _, a in answers})}  # fmt: skip
    diff = compare([a for _, a in by_line], [a for _, a in by_walk])
    speed = [[k, str(v["requests"]), fmt(v["p50_ms"]), fmt(v["p95_ms"]), str(v["with_points"])]
             for k, v in rows.items()]  # fmt: skip
    title = f"Pickup points near a customer, Monaco, {len(point_at)} points, within {args.within_m} m"
    print_rich((["ranked by", "requests", "p50 ms", "p95 ms", "customers with a point"], speed), title)
    lost = f"{diff['walk_lost_m_mean']} / {diff['walk_lost_m_max']}"
    cells = [str(diff["customers_compared"]), str(diff["nearest_differs"]), lost,
             str(diff["straight_offers_not_within_on_foot"])]  # fmt: skip
    header = ["customers compared", "nearest differs", "walk lost m (mean / max)", "offered, too far on foot"]
    print_rich((header, [cells]), "Straight line against walk")
    asked = {k: v for k, v in vars(args).items() if k != "out"}
    doc = {"benchmark": "pickup-walk", "machine": machine_info(), "args": asked,
           "walking_network_build_s": round(build_s, 1), "servers": rows, "comparison": diff}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
