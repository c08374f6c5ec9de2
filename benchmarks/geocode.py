"""Geocoding on the shared OpenStreetMap extracts: index build time and size, then every house number of the
extract written back as people write addresses, and a sample of its named streets, looked up again.

For each house number (``addr:street`` + ``addr:housenumber`` [+ ``addr:postcode``, ``addr:city``] of a node or
building) three writings are tried: as tagged (``Street 12, 69117 Town``), with the street abbreviated and lower
case (``hauptstr. 12``, ``r. de cedofeita 12``) and with one letter of the street dropped (a typo). A house
answer counts as right when it is at ``address`` precision within 1 m of the tagged point. For streets (up to
``--streets`` named roads, no number): right when the answer is a point of a way of that name. An address tagged
on two objects (an entrance node and its building) is right at either. Ambiguous (E1135)
and not found (E1134) are counted apart. Lookups are timed (p50/p95).

    .venv/bin/python benchmarks/geocode.py [--streets 500] [--out benchmarks/results/geocode.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import osmium
from rich.console import Console
from rich.progress import track
from rich.table import Table

from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_index import INDEX_FILE, build_address_index
from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.routing.geocoder import Precision

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "osm"
EXTRACTS = {"heidelberg": "heidelberg.osm.pbf", "monaco": "monaco.osm.pbf", "porto": "porto_portugal.osm.pbf"}
RESULTS = Path(__file__).resolve().parent / "results"
SHORT = [(r"(?i)stra(ss|ß)e\b", "str."), (r"^Rua\b", "R."), (r"^Avenida\b", "Av."), (r"^Boulevard\b", "Bd")]


def _extract(pbf: Path) -> tuple[list[dict[str, Any]], dict[str, list[LatLng]]]:
    houses: list[dict[str, Any]] = []
    streets: dict[str, list[LatLng]] = {}
    for obj in osmium.FileProcessor(str(pbf)).with_locations():
        t = obj.tags
        if isinstance(obj, osmium.osm.Way):
            pts = [LatLng(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
            if "highway" in t and "name" in t and pts:
                streets.setdefault(t["name"], []).extend(pts)
        else:
            pts = [LatLng(obj.location.lat, obj.location.lon)] if isinstance(obj, osmium.osm.Node) else []
        if "addr:street" in t and "addr:housenumber" in t and pts and not isinstance(obj, osmium.osm.Relation):
            at = LatLng(sum(p.lat for p in pts) / len(pts), sum(p.lng for p in pts) / len(pts))
            houses.append({"street": t["addr:street"], "number": t["addr:housenumber"], "at": at,
                           "postcode": t.get("addr:postcode", ""), "city": t.get("addr:city", "")})  # fmt: skip
    return houses, streets


def _writings(h: dict[str, Any], rng: random.Random) -> dict[str, str]:
    tail = " ".join(x for x in (h["postcode"], h["city"]) if x)
    full = f"{h['street']} {h['number']}" + (f", {tail}" if tail else "")
    short = h["street"]
    for pat, rep in SHORT:
        short = re.sub(pat, rep, short)
    letters = [i for i, c in enumerate(h["street"]) if c.isalpha()]
    cut = rng.choice(letters[1:]) if len(letters) > 6 else None
    typo = h["street"] if cut is None else h["street"][:cut] + h["street"][cut + 1 :]
    return {"as tagged": full, "abbreviated": f"{short.lower()} {h['number']}" + (f", {tail}" if tail else ""),
            "typo": f"{typo} {h['number']}" + (f", {tail}" if tail else "")}  # fmt: skip


def _run_city(city: str, n_streets: int, rng: random.Random) -> list[dict[str, Any]]:
    pbf = SHARED / EXTRACTS[city]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        stats = build_address_index(pbf, folder / INDEX_FILE)
        build_s = time.perf_counter() - t0
        size = (folder / INDEX_FILE).stat().st_size
        coder = LocalGeocoder(folder)
        houses, streets = _extract(pbf)
        tagged: dict[tuple[str, str], list[LatLng]] = {}
        for h in houses:
            tagged.setdefault((h["street"], h["number"]), []).append(h["at"])
        rows: list[dict[str, Any]] = []
        tallies: dict[str, dict[str, Any]] = {}
        for h in track(houses, description=f"{city}: house numbers"):
            for kind, text in _writings(h, rng).items():
                tally = tallies.setdefault(kind, {"n": 0, "right": 0, "ambiguous": 0, "missing": 0, "ms": []})
                t = time.perf_counter()
                ans = coder.geocode(text)
                tally["ms"].append((time.perf_counter() - t) * 1000)
                tally["n"] += 1
                best = ans.best
                if not ans.matches:
                    tally["missing"] += 1
                elif best is None:
                    tally["ambiguous"] += 1
                elif best.precision is Precision.ADDRESS and any(
                    haversine_m(best.location, at) <= 1.0 for at in tagged[(h["street"], h["number"])]
                ):
                    tally["right"] += 1
        names = sorted(streets)
        sample = rng.sample(names, min(n_streets, len(names)))
        st = {"n": 0, "right": 0, "ambiguous": 0, "missing": 0, "ms": []}
        for name in track(sample, description=f"{city}: streets"):
            t = time.perf_counter()
            ans = coder.geocode(name)
            st["ms"].append((time.perf_counter() - t) * 1000)
            st["n"] += 1
            if not ans.matches:
                st["missing"] += 1
            elif ans.best is None:
                st["ambiguous"] += 1
            elif min(haversine_m(ans.best.location, p) for p in streets[name]) <= 1.0:
                st["right"] += 1
        tallies["street names"] = st
        for kind, tl in tallies.items():
            ms = sorted(tl["ms"])
            rows.append({
                "city": city, "query": kind, "n": tl["n"], "right": tl["right"], "ambiguous": tl["ambiguous"],
                "missing": tl["missing"], "p50_ms": round(statistics.median(ms), 2) if ms else None,
                "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2) if ms else None,
                "build_s": round(build_s, 2), "index_kib": round(size / 1024), "streets": stats.streets,
                "house_numbers": stats.addresses,
            })  # fmt: skip
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cities", nargs="+", default=list(EXTRACTS), choices=list(EXTRACTS))
    ap.add_argument("--streets", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=RESULTS / "geocode.json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    rows = [r for city in args.cities for r in _run_city(city, args.streets, rng)]
    table = Table("city", "query", "n", "right %", "ambiguous %", "not found %", "p50 ms", "p95 ms", "build s",
                  "index KiB", title="Geocoding the extracts' own addresses")  # fmt: skip
    for r in rows:
        share = [f"{100 * r[k] / r['n']:.1f}" if r["n"] else "–" for k in ("right", "ambiguous", "missing")]
        table.add_row(r["city"], r["query"], str(r["n"]), *share,
                      str(r["p50_ms"]), str(r["p95_ms"]), str(r["build_s"]), str(r["index_kib"]))  # fmt: skip
    Console().print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seed": args.seed, "rows": rows}, indent=2), encoding="utf-8")
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
