"""The address index of a road network folder (``addresses.sqlite``), built from the same OpenStreetMap extract as
the roads: the geocoder's data (``routing.geocoder``).

It holds
- **streets**: the extract's named roads, the ways of one name joined where they come within ``JOIN_M`` of each
  other (a street split into many ways is one street; two ``Hauptstraße`` in two villages are two), each with the
  road point nearest its middle, the places it lies in (the nearest town or village and the nearest district, by
  OSM ``place`` nodes) and the postcodes and towns its house numbers name;
- **addresses**: every node and building with ``addr:housenumber`` and ``addr:street`` (a building at its
  centroid), tied to the nearest street of that name.

Data © OpenStreetMap contributors, ODbL 1.0: the index carries the attribution in its ``meta`` table.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.routing.address_text import first_number, fold, loose_key, name_key, number_key

if TYPE_CHECKING:
    import osmium

INDEX_FILE = "addresses.sqlite"
INDEX_FORMAT = 1
JOIN_M = 300.0  # ways of one name closer than this are one street
ADDRESS_TO_STREET_M = 1_500.0  # an address further from every street of its name makes a street of its own
DISTRICT_M = 3_000.0  # a district (suburb, quarter) further than this is not named for a street
TOWN_M = {"city": 12_000.0, "municipality": 8_000.0, "town": 5_000.0, "village": 2_500.0, "hamlet": 1_000.0}
TOWNS = frozenset(TOWN_M)
DISTRICTS = frozenset({"suburb", "quarter", "neighbourhood", "borough", "city_district"})
NOT_STREETS = frozenset({"proposed", "construction", "abandoned", "platform", "bus_stop", "elevator", "corridor"})
M_PER_DEG = 111_320.0

SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE streets (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL, loose TEXT NOT NULL, name TEXT NOT NULL,
    lat REAL NOT NULL, lng REAL NOT NULL, places TEXT NOT NULL, postcodes TEXT NOT NULL, label_place TEXT NOT NULL
);
CREATE TABLE addresses (
    street_id INTEGER NOT NULL, number TEXT NOT NULL, first INTEGER, postcode TEXT NOT NULL, town TEXT NOT NULL,
    lat REAL NOT NULL, lng REAL NOT NULL
);
CREATE INDEX streets_key ON streets (key);
CREATE INDEX addresses_street ON addresses (street_id, number);
"""


@dataclass(slots=True)
class _Way:
    name: str
    points: list[tuple[float, float]]  # (lat, lng)

    @property
    def box(self) -> tuple[float, float, float, float]:
        lats, lngs = [p[0] for p in self.points], [p[1] for p in self.points]
        return min(lats), min(lngs), max(lats), max(lngs)


@dataclass(slots=True)
class _Street:
    name: str
    points: list[tuple[float, float]] = field(default_factory=list)
    postcodes: Counter[str] = field(default_factory=Counter)
    towns: Counter[str] = field(default_factory=Counter)

    def middle(self) -> tuple[float, float]:
        """The street's point nearest the centroid of its points (a point on the road)."""
        lat = sum(p[0] for p in self.points) / len(self.points)
        lng = sum(p[1] for p in self.points) / len(self.points)
        return min(self.points, key=lambda p: _metres(p, (lat, lng)))


@dataclass(frozen=True, slots=True)
class _Address:
    street: str
    number: str
    postcode: str
    town: str
    at: tuple[float, float]


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What ``build_address_index`` wrote."""

    streets: int
    addresses: int
    places: int
    seconds: float


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: exact enough at street scale."""
    dx = (a[1] - b[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(a[0] - b[0], dx) * M_PER_DEG


def _box_gap_m(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Metres between two lat/lng boxes (0 when they overlap)."""
    dlat = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dlng = max(0.0, max(a[1], b[1]) - min(a[3], b[3])) * math.cos(math.radians((a[0] + b[2]) / 2))
    return math.hypot(dlat, dlng) * M_PER_DEG


def _read(pbf: Path) -> tuple[list[_Way], list[_Address], list[tuple[str, str, float, float]]]:
    import osmium  # the build's only: the lookup (``address_lookup``) reads SQLite

    ways: list[_Way] = []
    addresses: list[_Address] = []
    places: list[tuple[str, str, float, float]] = []  # (kind, name, lat, lng)
    for obj in osmium.FileProcessor(str(pbf)).with_locations():
        tags = obj.tags
        if isinstance(obj, osmium.osm.Node):
            loc = obj.location
            if not loc.valid():
                continue
            if tags.get("place") in TOWNS | DISTRICTS and "name" in tags:
                places.append((tags["place"], tags["name"], loc.lat, loc.lon))
            if "addr:housenumber" in tags and "addr:street" in tags:
                addresses.append(_address(tags, (loc.lat, loc.lon)))
        elif isinstance(obj, osmium.osm.Way):
            pts = [(n.location.lat, n.location.lon) for n in obj.nodes if n.location.valid()]
            if not pts:
                continue
            if "highway" in tags and "name" in tags and tags["highway"] not in NOT_STREETS:
                ways.append(_Way(tags["name"], pts))
            if "addr:housenumber" in tags and "addr:street" in tags:
                centre = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
                addresses.append(_address(tags, centre))
    return ways, addresses, places


def _address(tags: osmium.osm.TagList, at: tuple[float, float]) -> _Address:
    postcode, town = tags.get("addr:postcode") or "", tags.get("addr:city") or ""
    return _Address(tags["addr:street"], tags["addr:housenumber"], postcode, town, at)


def _join(ways: list[_Way]) -> list[_Street]:
    """Ways of one name joined into streets where their boxes come within ``JOIN_M`` (union-find, per name)."""
    by_key: dict[str, list[_Way]] = defaultdict(list)
    for w in ways:
        by_key[name_key(w.name)].append(w)
    streets: list[_Street] = []
    for group in by_key.values():
        parent = list(range(len(group)))
        root = _finder(parent)

        boxes = [w.box for w in group]
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                if root(i) != root(j) and _box_gap_m(boxes[i], boxes[j]) <= JOIN_M:
                    parent[root(j)] = root(i)
        joined: dict[int, _Street] = {}
        names: dict[int, Counter[str]] = defaultdict(Counter)
        for i, w in enumerate(group):
            r = root(i)
            joined.setdefault(r, _Street(w.name)).points.extend(w.points)
            names[r][w.name] += 1
        for r, s in joined.items():
            s.name = names[r].most_common(1)[0][0]
            streets.append(s)
    return streets


def _finder(parent: list[int]) -> Callable[[int], int]:
    """Union-find's root lookup over ``parent`` (with path halving)."""

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    return root


def _attach(streets: list[_Street], addresses: list[_Address]) -> list[tuple[int, _Address]]:
    """Each address with the index of the nearest street of its name (one made for it when none is near)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(streets):
        by_key[name_key(s.name)].append(i)
    out: list[tuple[int, _Address]] = []
    for a in addresses:
        key = name_key(a.street)
        best, best_m = -1, math.inf
        for i in by_key.get(key, []):
            d = min(_metres(a.at, p) for p in streets[i].points[:: max(1, len(streets[i].points) // 200)])
            if d < best_m:
                best, best_m = i, d
        if best < 0 or best_m > ADDRESS_TO_STREET_M:
            streets.append(_Street(a.street, [a.at]))
            best = len(streets) - 1
            by_key[key].append(best)
        if a.postcode:
            streets[best].postcodes[a.postcode] += 1
        if a.town:
            streets[best].towns[a.town] += 1
        out.append((best, a))
    return out


def _nearest(at: tuple[float, float], places: list[tuple[str, str, float, float]], limit_m: float | None) -> str:
    """The nearest place's name within ``limit_m`` (None: within its kind's reach, ``TOWN_M``), else ``""``."""
    near = [p for p in places if _metres(at, (p[2], p[3])) <= (TOWN_M[p[0]] if limit_m is None else limit_m)]
    best = min(near, key=lambda p: _metres(at, (p[2], p[3])), default=None)
    return "" if best is None else best[1]


def build_address_index(pbf: Path, out: Path, on_progress: Callable[[str], None] | None = None) -> IndexStats:
    """Write ``out`` (an SQLite file, replaced atomically) from the extract ``pbf``."""
    t0 = datetime.now(UTC)
    say = on_progress or (lambda _m: None)
    say("reading the extract")
    ways, addresses, places = _read(pbf)
    say(f"joining {len(ways):,} named ways")
    streets = _join(ways)
    attached = _attach(streets, addresses)
    towns = [p for p in places if p[0] in TOWNS]
    districts = [p for p in places if p[0] in DISTRICTS]
    tmp = out.with_name(out.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(tmp)
    except sqlite3.Error as exc:
        raise DoorstepError([Issue("E3004", f"cannot write {out}: {exc}", ("out",))]) from None
    with db:
        db.executescript(SCHEMA)
        rows = []
        for i, s in enumerate(streets):
            mid = s.middle()
            town, district = _nearest(mid, towns, None), _nearest(mid, districts, DISTRICT_M)
            named = [t for t, _ in s.towns.most_common()]
            place_words = " ".join(dict.fromkeys(fold(p) for p in (district, town, *named) if p))
            postcodes = " ".join(p for p, _ in s.postcodes.most_common())
            label_place = ", ".join(dict.fromkeys(p for p in (district, named[0] if named else town) if p))
            if not label_place and s.postcodes:
                label_place = s.postcodes.most_common(1)[0][0]
            rows.append((i, name_key(s.name), loose_key(s.name), s.name, mid[0], mid[1], place_words, postcodes,
                         label_place))  # fmt: skip
        db.executemany("INSERT INTO streets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany(
            "INSERT INTO addresses VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i, number_key(a.number), first_number(a.number), a.postcode, a.town, a.at[0], a.at[1])
             for i, a in attached],
        )  # fmt: skip
        meta = {
            "format": str(INDEX_FORMAT),
            "source_file": pbf.name,
            "built_at": t0.isoformat(timespec="seconds"),
            "attribution": "© OpenStreetMap contributors, ODbL 1.0",
            "streets": str(len(streets)),
            "addresses": str(len(attached)),
            "places": str(len(places)),
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    db.close()
    tmp.replace(out)
    seconds = (datetime.now(UTC) - t0).total_seconds()
    return IndexStats(len(streets), len(attached), len(places), round(seconds, 3))
