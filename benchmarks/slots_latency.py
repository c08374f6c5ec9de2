"""Delivery slot latency through a real uvicorn server over loopback HTTP (issue 15).

The day: the demo depot in Lisbon with three times its ten vans, 1,000 demo orders planned (one planning job)
and published; a slot policy (one 12 km zone, 2-hour windows 08-18 and 1-hour premium windows 09-13); then
500 live holds taken through the API (offers for random addresses, each offered window held). Measured:

- offer latency: ``POST /v1/slots/offers`` for random addresses in the zone (p50/p95), the day's plan with the
  1,000 orders and the 500 holds in place;
- pickup offer latency: ``POST /v1/slots/offers`` for one of ten pickup points (p50/p95), each priced by inserting
  a stop at the point into the same day; five of the points already have two planned orders each (a van stops
  there: the offer joins that visit), five none;
- hold and confirm latency: ``POST /v1/slots/holds`` then ``POST /v1/slots/holds/{id}/confirm``, one checkout
  after another (each confirmed order is inserted into the cached day before the next offer);
- 50 concurrent checkouts: 50 clients released together, each offers -> hold -> confirm; wall time and the
  latency of a whole checkout.

    .venv/bin/python benchmarks/slots_latency.py                  # SQLite, writes results/slots-latency-sqlite.json
    .venv/bin/python benchmarks/slots_latency.py --backend postgresql --offers 100
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api import database, order_bodies, pct, server, setup
from doorstep.demo.synthetic import DEMO_DATE
from doorstep.services.accounts.accounts import create_api_key
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.models import DepotRow
from machine import machine_info
from tables import fmt, print_rich

RESULTS = Path(__file__).resolve().parent / "results"
EVE = datetime(2025, 6, 16, 12, 0, tzinfo=UTC)
DAY = DEMO_DATE.isoformat()


def _spot(rnd: random.Random) -> dict[str, float]:
    """A random address in Lisbon (the demo's land box)."""
    return {"lat": round(rnd.uniform(38.705, 38.79), 5), "lng": round(rnd.uniform(-9.22, -9.10), 5)}


def _policy(depot: str) -> dict[str, Any]:
    return {
        "zones": [{"id": "lx", "depot_id": depot, "radius_m": 12_000}],
        "templates": [
            {"id": "std", "zone_id": "lx", "start": "08:00", "end": "18:00", "length_min": 120, "max_orders": 400},
            {"id": "prem", "zone_id": "lx", "service_level": "premium", "start": "09:00", "end": "13:00",
             "length_min": 60, "max_orders": 150},
        ],
        "prices": [{"service_level": "standard", "length_min": 120, "price_cents": 499}],
        "service_levels": [{"id": "pickup", "kind": "pickup", "price_cents": 199}],
    }  # fmt: skip


def _points(c: httpx.Client, admin: dict[str, str], depot: str, n: int) -> list[str]:
    """``n`` pickup points spread over Lisbon, open 09:00-19:00 every day; two orders each to the first half."""
    rnd, ids = random.Random(11), []
    hours = {d: [["09:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for k in range(n):
        body = {"name": f"Point {k}", "kind": "locker", **_spot(rnd), "depot_id": depot, "hours": hours,
                "capacity_parcels": 500}  # fmt: skip
        r = c.post("/v1/pickup-points", json=body, headers=admin)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    orders = [{"external_ref": f"PT-{k}-{j}", "depot_id": depot, "date": DAY, "pickup_point_id": pid,
               "size": {"parcels": 1}} for k, pid in enumerate(ids[: n // 2]) for j in range(2)]  # fmt: skip
    r = c.post("/v1/orders/bulk", json={"orders": orders})
    assert r.status_code == 201, r.text
    return ids


def _pickup_offers(c: httpx.Client, point_id: str) -> tuple[float, list[dict[str, Any]]]:
    t0 = time.perf_counter()
    r = c.post("/v1/slots/offers", json={"pickup_point_id": point_id, "date_from": DAY, "date_to": DAY, "parcels": 1})
    ms = (time.perf_counter() - t0) * 1000
    assert r.status_code == 200, r.text
    return ms, list(r.json()["offers"])


def _offers(c: httpx.Client, spot: dict[str, float]) -> tuple[float, list[dict[str, Any]]]:
    t0 = time.perf_counter()
    r = c.post("/v1/slots/offers", json={"location": spot, "date_from": DAY, "date_to": DAY, "parcels": 1})
    ms = (time.perf_counter() - t0) * 1000
    assert r.status_code == 200, r.text
    return ms, list(r.json()["offers"])


def prepare(
    base: str, app: Any, plan_time_limit_s: float, holds: int, depot_capacity: int | None = None
) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    """The planned, published day with its policy, ten pickup points and ``holds`` live holds; headers, set-up
    figures and the points. ``depot_capacity``: the depot's daily parcels once published (every offer and hold
    then counts the day's parcels at the depot)."""
    h, depot = setup(base, app, copies=3)
    p = app.state.platform
    with p.sessions() as s:
        org_id = s.get(DepotRow, depot).org_id
    admin = create_api_key(p, system_actor(org_id), "admin", [Permission.READ, Permission.WRITE, Permission.MANAGE])[1]
    info: dict[str, Any] = {}
    with httpx.Client(base_url=base, headers=h, timeout=300) as c:
        r = c.post("/v1/orders/bulk", json={"orders": order_bodies(1000, depot, 900, "P")})
        assert r.status_code == 201, r.text
        points = _points(c, {"Authorization": f"Bearer {admin}"}, depot, 10)
        body = {"depot_id": depot, "date": DAY, "options": {"time_limit_s": plan_time_limit_s, "seed": 1}}
        plan = c.post("/v1/plans", json=body).json()
        while (got := c.get(f"/v1/plans/{plan['id']}").json())["status"] in ("queued", "running"):
            time.sleep(0.5)
        assert got["status"] == "succeeded", got
        info["orders_planned"] = got["stats"]["orders_assigned"]
        info["routes"] = len(got["routes"])
        assert c.post(f"/v1/plans/{plan['id']}/publish").status_code == 200
        if depot_capacity is not None:
            d = c.get(f"/v1/depots/{depot}").json()
            keep = {k: d[k] for k in ("name", "lat", "lng", "timezone", "address", "opens", "closes", "loading_s")}
            r = c.put(f"/v1/depots/{depot}?version={d['version']}",
                      json={**keep, "capacity_parcels_per_day": depot_capacity},
                      headers={"Authorization": f"Bearer {admin}"})  # fmt: skip
            assert r.status_code == 200, r.text
        pr = c.put("/v1/slots/policy", json=_policy(depot), headers={"Authorization": f"Bearer {admin}"})
        assert pr.status_code == 200, pr.text
        p.clock = lambda: EVE  # offers are asked the day before
        rnd = random.Random(3)
        t0, made = time.perf_counter(), 0
        while made < holds:
            _, offered = _offers(c, _spot(rnd))
            for o in offered[: holds - made]:
                made += c.post("/v1/slots/holds", json={"offer_id": o["id"]}).status_code == 201
        info["holds"] = made
        info["holds_set_up_s"] = round(time.perf_counter() - t0, 1)
    return h, info, points


def sequential(base: str, h: dict[str, str], n_offers: int, n_checkouts: int, points: list[str]) -> dict[str, Any]:
    """Offer latency over random addresses and over the pickup points, then checkouts one after another (hold and
    confirm timed)."""
    rnd = random.Random(5)
    offer_ms, hold_ms, confirm_ms, counts, pickup_ms, green = [], [], [], [], [], []
    with httpx.Client(base_url=base, headers=h, timeout=120) as c:
        for _ in range(n_offers):
            ms, offered = _offers(c, _spot(rnd))
            offer_ms.append(ms)
            counts.append(len(offered))
        for k in range(n_offers):
            ms, offered = _pickup_offers(c, points[k % len(points)])
            pickup_ms.append(ms)
            green += [o["green"] for o in offered]
        for k in range(n_checkouts):
            _, offered = _offers(c, _spot(rnd))
            t0 = time.perf_counter()
            held = c.post("/v1/slots/holds", json={"offer_id": offered[0]["id"]})
            hold_ms.append((time.perf_counter() - t0) * 1000)
            assert held.status_code == 201, held.text
            t0 = time.perf_counter()
            done = c.post(f"/v1/slots/holds/{held.json()['id']}/confirm", json={"name": f"Customer {k}"})
            confirm_ms.append((time.perf_counter() - t0) * 1000)
            assert done.status_code == 201, done.text
    return {
        "offer_requests": n_offers, "offers_per_request": round(sum(counts) / len(counts), 1),
        "offer_p50_ms": round(pct(offer_ms, 0.5), 1), "offer_p95_ms": round(pct(offer_ms, 0.95), 1),
        "pickup_offer_p50_ms": round(pct(pickup_ms, 0.5), 1), "pickup_offer_p95_ms": round(pct(pickup_ms, 0.95), 1),
        "pickup_offers_green": f"{sum(green)} of {len(green)}",
        "checkouts": n_checkouts, "hold_p50_ms": round(pct(hold_ms, 0.5), 1),
        "hold_p95_ms": round(pct(hold_ms, 0.95), 1), "confirm_p50_ms": round(pct(confirm_ms, 0.5), 1),
        "confirm_p95_ms": round(pct(confirm_ms, 0.95), 1),
    }  # fmt: skip


def concurrent(base: str, h: dict[str, str], n: int) -> dict[str, Any]:
    """``n`` checkouts released together (one connection each): wall time, per-checkout latency, outcomes."""
    gate = threading.Barrier(n)

    def one(i: int) -> tuple[float, str]:
        rnd = random.Random(100 + i)
        with httpx.Client(base_url=base, headers=h, timeout=300) as c:
            gate.wait()
            t0 = time.perf_counter()
            _, offered = _offers(c, _spot(rnd))
            if not offered:
                return (time.perf_counter() - t0) * 1000, "no offers"
            held = c.post("/v1/slots/holds", json={"offer_id": rnd.choice(offered[:3])["id"]})
            if held.status_code != 201:
                return (time.perf_counter() - t0) * 1000, held.json()["error"]["code"]
            done = c.post(f"/v1/slots/holds/{held.json()['id']}/confirm", json={"name": f"Racer {i}"})
            return (time.perf_counter() - t0) * 1000, "confirmed" if done.status_code == 201 else str(done.status_code)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    ms = [r[0] for r in results]
    return {
        "concurrent_checkouts": n, "wall_s": round(wall, 2), "checkout_p50_ms": round(pct(ms, 0.5), 1),
        "checkout_p95_ms": round(pct(ms, 0.95), 1), "outcomes": dict(Counter(r[1] for r in results)),
    }  # fmt: skip


def main() -> None:
    """Build the day, measure, print the table and write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--offers", type=int, default=100, help="offer requests timed")
    ap.add_argument("--checkouts", type=int, default=30, help="sequential hold + confirm pairs timed")
    ap.add_argument("--concurrent", type=int, default=50)
    ap.add_argument("--holds", type=int, default=500)
    ap.add_argument("--plan-time-limit", type=float, default=10.0)
    ap.add_argument("--depot-capacity", type=int, help="the depot's daily parcel capacity (counted at every offer)")
    ap.add_argument("--out", type=Path, help="result file (default results/slots-latency-<backend>[-capped].json)")
    args = ap.parse_args()
    with database(args.backend) as url, server(url) as (base, app):
        h, info, points = prepare(base, app, args.plan_time_limit, args.holds, args.depot_capacity)
        row = {"backend": args.backend, "depot_capacity": args.depot_capacity, **info,
               **sequential(base, h, args.offers, args.checkouts, points)}  # fmt: skip
        row.update(concurrent(base, h, args.concurrent))
    shown = {k: v for k, v in row.items() if k != "outcomes"}
    print_rich((list(shown), [[fmt(v) if isinstance(v, float) else str(v) for v in shown.values()]]),
               f"Slot offers, holds and confirms ({args.backend})")  # fmt: skip
    print("concurrent outcomes:", row["outcomes"])
    capped = "-capped" if args.depot_capacity is not None else ""
    out = args.out or RESULTS / f"slots-latency-{args.backend}{capped}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": machine_info(), "row": row}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
