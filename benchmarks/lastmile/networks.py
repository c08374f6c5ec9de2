"""Road networks (built with Doorstep's own ``build_network``) and candidate addresses, both cached per city.

Candidates are real places of the extract inside the city's service disc: address nodes, building centroids,
and points every ~50 m along residential-class streets (Porto's extract is road-only, so there streets carry
the day). OpenStreetMap data © OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import itertools
import json
import math
import time

import osmium
from cities import City, km_between

from doorstep.routing.network_build import build_network
from doorstep.routing.network_meta import META_FILE, Algorithm, NetworkProfile

STREETS = frozenset({"residential", "living_street", "unclassified", "tertiary", "secondary", "primary"})
STREET_STEP_M = 50.0
PLACES_FILE = "places.json"
Place = tuple[float, float, str]  # lat, lng, kind (address | building | street)


def ensure_network(city: City) -> float:
    """Build the city's car network (MLD, one thread) unless it is already there; seconds spent building."""
    if (city.network_dir / META_FILE).is_file():
        return 0.0
    t0 = time.perf_counter()
    build_network(city.extract, city.network_dir, NetworkProfile.CAR, Algorithm.MLD, threads=1)
    return time.perf_counter() - t0


def _street_points(nodes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Way nodes thinned to one every ``STREET_STEP_M`` along the way (the first node always)."""
    out = [nodes[0]]
    walked = 0.0
    for a, b in itertools.pairwise(nodes):
        walked += km_between(a, b) * 1000
        if walked >= STREET_STEP_M:
            out.append(b)
            walked = 0.0
    return out


def _scan(city: City) -> list[Place]:
    """Every candidate place of the extract within the service disc."""
    found: list[Place] = []

    def keep(lat: float, lng: float, kind: str) -> None:
        if km_between((lat, lng), city.centre) <= city.radius_km:
            found.append((round(lat, 6), round(lng, 6), kind))

    for obj in osmium.FileProcessor(str(city.extract)).with_locations():
        if isinstance(obj, osmium.osm.Node):
            if "addr:housenumber" in obj.tags and obj.location.valid():
                keep(obj.location.lat, obj.location.lon, "address")
            continue
        if not isinstance(obj, osmium.osm.Way):
            continue
        pts = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
        if not pts:
            continue
        if "building" in obj.tags:
            keep(sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts), "building")
        elif obj.tags.get("highway") in STREETS:
            for lat, lng in _street_points(pts):
                keep(lat, lng, "street")
    seen: set[tuple[float, float]] = set()
    unique: list[Place] = []
    for p in found:
        if (p[0], p[1]) not in seen:
            seen.add((p[0], p[1]))
            unique.append(p)
    return unique


def candidate_places(city: City) -> list[Place]:
    """The city's candidates, read from the cache or scanned once (a few seconds)."""
    path = city.network_dir / PLACES_FILE
    if path.is_file():
        return [(float(a), float(b), str(c)) for a, b, c in json.loads(path.read_text())]
    places = _scan(city)
    city.network_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(places))
    return places


def nearest(places: list[Place], site: tuple[float, float], kinds: frozenset[str]) -> int:
    """Index of the candidate of one of ``kinds`` nearest to ``site``."""
    best, best_d = -1, math.inf
    for i, (lat, lng, kind) in enumerate(places):
        if kind in kinds:
            d = km_between((lat, lng), site)
            if d < best_d:
                best, best_d = i, d
    return best
