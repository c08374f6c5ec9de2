"""Address suggestions while typing (``GET /v1/geocode/suggest``'s lookup, in-process) on the shared OpenStreetMap
extracts: a customer types each sampled house number of the extract letter by letter, as people write it
(``Street 12, Town``; in Monaco ``12 Rue …, Monaco``), and the suggestions (at most 6, as the checkout widget
asks) are read after every letter from the third.

Per city: the time of one lookup (p50, p95, max over every keystroke), how many letters were typed before the
house was offered (and that as a share of the whole text), how many houses were offered before the text was
complete, and how many suggestions' texts the geocoder places back at the suggestion (within 1 m: what an order
given that text gets). An address index is built per city in a temporary folder (the build is timed too).

Then, for the first city, the same keystrokes of ``--http-houses`` houses go through a real server (uvicorn on
127.0.0.1, SQLite) as the checkout widget sends them: ``GET /v1/geocode/suggest`` with a shop's publishable key,
one request after another, each timed from the client (the round trip a shopper's pause in typing waits for,
without the network between them).

    .venv/bin/python benchmarks/address_suggest.py [--houses 1000] [--http-houses 100]
        [--out benchmarks/results/address-suggest.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import track
from rich.table import Table

from api import database, pct, server
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_index import INDEX_FILE, build_address_index
from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.routing.address_text import NUMBER_FIRST, fold, name_key, number_key
from doorstep.routing.geocoder import Precision
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from machine import machine_info

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "osm"
EXTRACTS = {"heidelberg": "heidelberg.osm.pbf", "monaco": "monaco.osm.pbf", "porto": "porto_portugal.osm.pbf"}
RESULTS = Path(__file__).resolve().parent / "results"
LIMIT = 6  # what the checkout widget asks for
FIRST_LETTER = 3  # the widget asks from the third letter


def _houses(folder: Path) -> list[dict[str, Any]]:
    """Every house of the index with its street name and the town people would add."""
    import sqlite3

    db = sqlite3.connect(folder / INDEX_FILE)
    rows = db.execute(
        "SELECT s.name, a.number, a.town, s.label_place, a.lat, a.lng FROM addresses a "
        "JOIN streets s ON s.id = a.street_id"
    ).fetchall()
    return [{"street": r[0], "number": r[1], "town": r[2] or r[3].rsplit(",", 1)[-1].strip(), "at": LatLng(r[4], r[5])}
            for r in rows]  # fmt: skip


def _written(h: dict[str, Any]) -> str:
    """The address as a customer types it: the number where the street's language puts it, then the town."""
    first = (fold(h["street"]).split() or [""])[0]
    line = f"{h['number']} {h['street']}" if first in NUMBER_FIRST else f"{h['street']} {h['number']}"
    town = h["town"] if h["town"] and not h["town"][0].isdigit() else ""
    return f"{line}, {town}" if town else line


def _is_house(label: str, h: dict[str, Any]) -> bool:
    return name_key(label.split(",")[0]) == name_key(f"{h['street']} {number_key(h['number'])}")


def _run_city(city: str, n_houses: int, rng: random.Random) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stats = build_address_index(SHARED / EXTRACTS[city], folder / INDEX_FILE)
        coder = LocalGeocoder(folder)
        houses = _houses(folder)
        sample = rng.sample(houses, min(n_houses, len(houses)))
        centre = LatLng(statistics.median(h["at"].lat for h in houses), statistics.median(h["at"].lng for h in houses))
        times: list[float] = []
        letters: list[int] = []
        shares: list[float] = []
        offered = placed_back = checked = 0
        t0 = time.perf_counter()
        coder.suggest("xyz")  # the street prefixes are built on the first ask: not a keystroke's time
        prefixes_s = time.perf_counter() - t0
        for h in track(sample, description=f"{city}: typing {len(sample)} addresses"):
            text = _written(h)
            for k in range(FIRST_LETTER, len(text) + 1):
                t = time.perf_counter()
                got = coder.suggest(text[:k], (centre,), LIMIT)
                times.append((time.perf_counter() - t) * 1000)
                hit = next((s for s in got if s.precision is Precision.ADDRESS and _is_house(s.label, h)), None)
                if hit is not None:
                    offered += 1
                    letters.append(k)
                    shares.append(k / len(text))
                    best = coder.geocode(hit.text).best
                    checked += 1
                    placed_back += best is not None and haversine_m(best.location, hit.location) <= 1.0
                    break
        return {
            "city": city, "index_build_s": stats.seconds, "streets": stats.streets, "addresses": stats.addresses,
            "houses_typed": len(sample), "prefix_index_s": round(prefixes_s, 3), "lookups": len(times),
            "lookup_ms_p50": round(statistics.median(times), 2),
            "lookup_ms_p95": round(statistics.quantiles(times, n=20)[18], 2), "lookup_ms_max": round(max(times), 2),
            "offered_before_complete": offered, "letters_p50": statistics.median(letters) if letters else None,
            "share_typed_p50": round(statistics.median(shares), 2) if shares else None,
            "texts_placed_back": placed_back, "texts_checked": checked,
        }  # fmt: skip


def _over_http(city: str, n_houses: int, rng: random.Random) -> dict[str, Any]:
    """The keystrokes of ``n_houses`` sampled houses through a real server with a publishable key."""
    with tempfile.TemporaryDirectory() as tmp, database("sqlite") as url, server(url) as (base, app):
        folder = Path(tmp)
        build_address_index(SHARED / EXTRACTS[city], folder / INDEX_FILE)
        platform = app.state.platform
        platform.geocoder = LocalGeocoder(folder)
        org_id, _ = create_organization(platform, "Shop", f"shop-{rng.randrange(10**9)}@example.com", "bench-pw-1")
        key = create_api_key(platform, system_actor(org_id), "widget", [Permission.CHECKOUT])[1]
        houses = _houses(folder)
        sample = rng.sample(houses, min(n_houses, len(houses)))
        times: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as c:
            c.get("/v1/geocode/suggest", params={"q": "xyz"})  # the street prefixes are built on the first ask
            for h in track(sample, description=f"{city}: typing {len(sample)} addresses over HTTP"):
                text = _written(h)
                for k in range(FIRST_LETTER, len(text) + 1):
                    t = time.perf_counter()
                    r = c.get("/v1/geocode/suggest", params={"q": text[:k], "limit": LIMIT})
                    times.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200, r.text
    return {"city": city, "houses_typed": len(sample), "requests": len(times),
            "http_ms_p50": round(pct(times, 0.5), 2), "http_ms_p95": round(pct(times, 0.95), 2),
            "http_ms_max": round(max(times), 2)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cities", nargs="+", default=list(EXTRACTS), choices=list(EXTRACTS))
    ap.add_argument("--houses", type=int, default=1000, help="houses typed per city (a seeded sample)")
    ap.add_argument("--http-houses", type=int, default=100, help="houses typed through a real server (0: none)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=RESULTS / "address-suggest.json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    rows = [_run_city(c, args.houses, rng) for c in args.cities]
    table = Table(title=f"Address suggestions while typing (at most {LIMIT}, from letter {FIRST_LETTER})")
    for col in ("city", "streets", "houses", "typed", "lookups", "p50 ms", "p95 ms", "max ms", "offered",
                "letters p50", "share typed p50", "text placed back"):  # fmt: skip
        table.add_column(col, justify="left" if col == "city" else "right")
    for r in rows:
        table.add_row(
            r["city"], f"{r['streets']:,}", f"{r['addresses']:,}", str(r["houses_typed"]), f"{r['lookups']:,}",
            str(r["lookup_ms_p50"]), str(r["lookup_ms_p95"]), str(r["lookup_ms_max"]),
            f"{r['offered_before_complete']}/{r['houses_typed']}", str(r["letters_p50"]), str(r["share_typed_p50"]),
            f"{r['texts_placed_back']}/{r['texts_checked']}",
        )  # fmt: skip
    Console(width=200).print(table)
    http = _over_http(args.cities[0], args.http_houses, rng) if args.http_houses > 0 else None
    if http is not None:
        Console(width=200).print(
            f"Through a server ({http['city']}, {http['houses_typed']} houses, {http['requests']:,} requests with a "
            f"publishable key): p50 {http['http_ms_p50']} ms, p95 {http['http_ms_p95']} ms, "
            f"max {http['http_ms_max']} ms"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    command = (f"python benchmarks/address_suggest.py --houses {args.houses} --http-houses {args.http_houses} "
               f"--seed {args.seed}")
    meta = {"kind": "address-suggest", "limit": LIMIT, "first_letter": FIRST_LETTER, "seed": args.seed,
            "command": command, "machine": machine_info()}  # fmt: skip
    args.out.write_text(json.dumps({"meta": meta, "rows": rows, "http": http}, indent=2) + "\n")
    print(f"Results written to {args.out}")


if __name__ == "__main__":
    main()
