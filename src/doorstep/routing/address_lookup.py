"""``LocalGeocoder``: addresses placed from a road network folder's address index (``routing.address_index``),
in-process, offline.

For each reading of the text (``address_text.parse``) the street is found by its name (exactly, or with
``ae``/``oe``/``ue`` as umlauts); only when no reading names a street so, by close spelling (``difflib`` ratio at
least ``FUZZY_CUTOFF``). A town,
district or postcode in the text that one of the streets carries raises it above the others; one that none
carries lowers none (OSM places and people's names for them differ). Then the house number: found on the street
(``address``), else placed between the nearest lower and higher numbers of the same side (same parity, at most
``INTERPOLATE_SPAN`` apart: ``interpolated``), else the street's middle (``street``). Two best matches as good
as each other (however exactly each places the number) and more than ``AMBIGUOUS_M`` apart make the answer
ambiguous, unless ``near`` (a depot) has one of them within ``NEAR_M`` and not the other.

A text that names no street the index knows but a postcode it does (``69117 Heidelberg``, ``98000``) is placed
in the middle of that postcode's area (``postcode``): the median of its house numbers' places, else of its
streets'; labelled with the postcode and the town most of its houses or streets name.
"""

from __future__ import annotations

import difflib
import heapq
import re
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from statistics import median

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.routing.address_index import INDEX_FILE, INDEX_FORMAT
from doorstep.routing.address_suggest import (
    MAX_LIMIT,
    RANKED_PER_SUGGESTION,
    STREETS_FOR_NUMBERS,
    RankKey,
    StreetHit,
    StreetPrefixes,
    StreetRef,
    hinted,
    rank_key,
    street_text,
    typed_keys,
)
from doorstep.routing.address_text import AddressParts, first_number, fold, loose_key, name_key, number_key, parse
from doorstep.routing.geocoder import RANK, Geocoded, GeocodeMatch, Precision, Suggestion

FUZZY_CUTOFF = 0.84
INTERPOLATE_SPAN = 40
AMBIGUOUS_M = 1_000.0
NEAR_M = 30_000.0
PLACE_BONUS = 0.1
NUMBER_BONUS = 0.05
MAX_MATCHES = 5
POSTCODE_TYPED = re.compile(r"\d{2,5}(-\d{0,3})?")  # the first digits of a postcode (``691``, ``4000-4``)
POSTCODE_SCORE = 0.5  # a postcode's area answers only when no street does


class LocalGeocoder:
    """The address index of one network folder; safe to share between threads (one connection per thread)."""

    def __init__(self, folder: Path, name: str = "") -> None:
        self.path = folder / INDEX_FILE
        if not self.path.is_file():
            msg = f"{folder} has no address index ({INDEX_FILE}): rebuild it with `doorstep network build`"
            raise DoorstepError([Issue("E3015", msg, ("network",))])
        self._name = name or f"network:{folder.name}"
        self._local = threading.local()
        db = self._db()
        meta = dict(db.execute("SELECT k, v FROM meta").fetchall())
        if meta.get("format") != str(INDEX_FORMAT):
            msg = f"{self.path} is address index format {meta.get('format')}, this Doorstep reads {INDEX_FORMAT}"
            raise DoorstepError([Issue("E3015", msg, ("network",))])
        self.meta = meta
        self._streets: dict[int, StreetRef] = {}
        self._by_key: dict[str, list[int]] = defaultdict(list)
        self._by_loose: dict[str, list[int]] = defaultdict(list)
        self._by_postcode: dict[str, list[int]] = defaultdict(list)
        for sid, key, loose, sname, lat, lng, places, postcodes, label_place in db.execute("SELECT * FROM streets"):
            words, codes = frozenset(places.split()), postcodes.split()  # postcodes: the most named first
            first = codes[0] if codes else ""
            self._streets[sid] = StreetRef(sid, sname, LatLng(lat, lng), words, frozenset(codes), label_place, first)
            self._by_key[key].append(sid)
            self._by_loose[loose].append(sid)
            for code in postcodes.split():
                self._by_postcode[code].append(sid)
        self._loose_keys = list(self._by_loose)
        self._same: dict[tuple[str, str], list[int]] = defaultdict(list)  # one street the index holds in pieces
        for st in self._streets.values():
            self._same[(st.name, st.label_place)].append(st.id)
        self._areas: dict[str, GeocodeMatch | None] = {}  # postcode areas suggested so far
        self._prefixes: StreetPrefixes | None = None  # built on the first suggestion asked for
        self._prefixes_lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def geocode(self, text: str, near: LatLng | None = None) -> Geocoded:
        found: dict[tuple[float, str], GeocodeMatch] = {}
        readings = parse(text)
        for fuzzy in (False, True):  # close spellings only when no reading names a street exactly
            for reading in readings:
                for match in self._matches(reading, fuzzy):
                    key = (round(match.location.lat, 5), match.label)
                    old = found.get(key)
                    if old is None or _order(match) < _order(old):
                        found[key] = match
            if found:
                break
        if not found:  # no street: a postcode's area, if the index knows the postcode
            for reading in readings:
                area = self._postcode_area(reading.postcode)
                if area is not None:
                    found[(round(area.location.lat, 5), area.label)] = area
        # best first; of equals, the nearer to ``near`` (else by label, for a stable order)
        def rank(m: GeocodeMatch) -> tuple[float, int, float, str]:
            return (-m.score, RANK[m.precision], haversine_m(m.location, near) if near else 0.0, m.label)

        ranked = sorted(found.values(), key=rank)
        matches = tuple(ranked[:MAX_MATCHES])
        return Geocoded(text, matches, _ambiguous(matches, near))

    def _streets_for(self, street: str, fuzzy: bool) -> list[tuple[StreetRef, float]]:
        """The streets this name may mean, with how well the name matched (1 exact); by close spelling only when
        ``fuzzy``."""
        key, loose = name_key(street), loose_key(street)
        if not key:
            return []
        if not fuzzy:
            if key in self._by_key:
                return [(self._streets[i], 1.0) for i in self._by_key[key]]
            return [(self._streets[i], 0.98) for i in self._by_loose.get(loose, [])]
        out: list[tuple[StreetRef, float]] = []
        for close in difflib.get_close_matches(loose, self._loose_keys, n=4, cutoff=FUZZY_CUTOFF):
            ratio = difflib.SequenceMatcher(None, loose, close).ratio()
            out.extend((self._streets[i], 0.95 * ratio) for i in self._by_loose[close])
        return out

    def _matches(self, reading: AddressParts, fuzzy: bool) -> list[GeocodeMatch]:
        out: list[GeocodeMatch] = []
        hints = {w for p in reading.places for w in fold(p).split() if len(w) > 2}
        for street, score in self._streets_for(reading.street, fuzzy):
            if (hints and hints & street.places) or (reading.postcode and reading.postcode in street.postcodes):
                score += PLACE_BONUS
            at, precision, number = street.at, Precision.STREET, ""
            if reading.number:
                placed = self._number(street.id, reading.number)
                if placed is not None:
                    at, precision = placed
                    number = reading.number
                    score += NUMBER_BONUS if precision is Precision.ADDRESS else 0.0
            label = f"{street.name} {number}".strip() + (f", {street.label_place}" if street.label_place else "")
            out.append(GeocodeMatch(at, label, precision, round(min(score, 1.0 + PLACE_BONUS + NUMBER_BONUS), 4)))
        return out

    def suggest(self, text: str, near: Sequence[LatLng] = (), limit: int = 8) -> tuple[Suggestion, ...]:
        """What ``text`` may be the beginning of, best first (``routing.address_suggest``): with a house number
        after a whole street name, that street's houses whose number begins with it; else the streets."""
        limit = max(1, min(limit, MAX_LIMIT))
        hits: list[tuple[RankKey, StreetHit, AddressParts]] = []
        for reading in parse(text):
            for hit in self._street_prefixes().find(typed_keys(reading.street)):
                hits.append((rank_key(hit, hinted(hit.street, reading.postcode, reading.places), near), hit, reading))
        ranked = heapq.nsmallest(limit * RANKED_PER_SUGGESTION, hits, key=lambda r: r[0])  # pieces share names
        if ranked and not ranked[0][0][0]:  # the text names a place or postcode some streets have: only those
            ranked = [r for r in ranked if not r[0][0]]
        houses: dict[str, Suggestion] = {}
        numbered = [(hit, r) for _, hit, r in ranked if r.number and hit.whole]
        for hit, reading in _distinct(numbered)[:STREETS_FOR_NUMBERS]:
            for s in self._houses(hit.street, reading.number, limit):
                houses.setdefault(s.text, s)  # of two houses with one number, the first (the geocoder's below)
        if houses:
            found = list(houses.values())[:limit]
        else:
            streets = _distinct([(h, r) for _, h, r in ranked])[:limit]
            found = [self._street_suggestion(hit.street) for hit, _ in streets]
        if not found:
            return self._postcodes(text, limit)
        return tuple(self._as_placed(s, near) for s in found[:limit])

    def _as_placed(self, s: Suggestion, near: Sequence[LatLng]) -> Suggestion:
        """The suggestion where the geocoder places its text, so an order given the text lands where the
        suggestion showed (of two buildings with one number, the geocoder's); its own place when the text alone
        does not say which (the geocoder finds it ambiguous, or another street first)."""
        best = self.geocode(s.text, near[0] if near else None).best
        if best is not None and (best.label, best.precision) == (s.label, s.precision):
            return replace(s, location=best.location)
        return s

    def _postcodes(self, text: str, limit: int) -> tuple[Suggestion, ...]:
        """For a text of a postcode's first digits (``691``, ``4000-``), the areas of the postcodes it begins."""
        typed = text.strip()
        if not POSTCODE_TYPED.fullmatch(typed):
            return ()
        codes = sorted(c for c in self._by_postcode if c.startswith(typed))[:limit]
        areas = [a for a in (self._area(c) for c in codes) if a is not None]
        return tuple(Suggestion(a.label, a.label, a.location, Precision.POSTCODE) for a in areas)

    def _area(self, postcode: str) -> GeocodeMatch | None:
        """``_postcode_area``, kept: the areas do not change while the index is open, and one is a scan."""
        if postcode not in self._areas:
            self._areas[postcode] = self._postcode_area(postcode)
        return self._areas[postcode]

    def _street_prefixes(self) -> StreetPrefixes:
        with self._prefixes_lock:
            if self._prefixes is None:
                self._prefixes = StreetPrefixes(self._streets.values())
            return self._prefixes

    def _street_suggestion(self, s: StreetRef) -> Suggestion:
        label = s.name + (f", {s.label_place}" if s.label_place else "")
        return Suggestion(street_text(s), label, s.at, Precision.STREET)

    def _houses(self, s: StreetRef, number: str, limit: int) -> list[Suggestion]:
        """The houses of the street (all its pieces) whose number begins with ``number``, in number order; none
        begins with it: the number placed as the geocoder would (between known ones, else the street)."""
        ids = self._same[(s.name, s.label_place)]
        marks = ",".join("?" * len(ids))
        rows = self._db().execute(
            f"SELECT number, first, postcode, town, lat, lng FROM addresses WHERE street_id IN ({marks})",
            ids,
        ).fetchall()
        wanted = number_key(number)
        begun = sorted({r for r in rows if r[0].startswith(wanted)}, key=lambda r: (r[1] is None, r[1] or 0, r[0]))
        place = f", {s.label_place}" if s.label_place else ""
        out = [
            Suggestion(street_text(s, num, code, town), f"{s.name} {num}{place}", LatLng(lat, lng), Precision.ADDRESS)
            for num, _, code, town, lat, lng in begun[:limit]
        ]
        if out:
            return out
        placed = self._number(s.id, number)
        if placed is None:
            return [Suggestion(street_text(s, wanted), s.name + place, s.at, Precision.STREET)]
        return [Suggestion(street_text(s, wanted), f"{s.name} {wanted}{place}", placed[0], placed[1])]

    def _postcode_area(self, postcode: str) -> GeocodeMatch | None:
        """The middle of a postcode's houses (else of its streets), labelled with the postcode and its usual town;
        None for a postcode the index does not know."""
        if not postcode:
            return None
        houses = self._db().execute("SELECT lat, lng, town FROM addresses WHERE postcode = ?", (postcode,)).fetchall()
        streets = [self._streets[i] for i in self._by_postcode.get(postcode, [])]
        if houses:
            points = [(lat, lng) for lat, lng, _ in houses]
            towns = Counter(t for _, _, t in houses if t)
        elif streets:
            points = [(s.at.lat, s.at.lng) for s in streets]
            towns = Counter(s.label_place for s in streets if s.label_place)
        else:
            return None
        if not towns:
            towns = Counter(s.label_place for s in streets if s.label_place)
        at = LatLng(median(p[0] for p in points), median(p[1] for p in points))
        town = towns.most_common(1)[0][0] if towns else ""
        return GeocodeMatch(at, f"{postcode} {town}".strip(), Precision.POSTCODE, POSTCODE_SCORE)

    def _number(self, street_id: int, number: str) -> tuple[LatLng, Precision] | None:
        rows = (
            self._db()
            .execute("SELECT number, first, lat, lng FROM addresses WHERE street_id = ?", (street_id,))
            .fetchall()
        )
        wanted = number_key(number)
        exact = [r for r in rows if r[0] == wanted]
        if exact:
            return LatLng(exact[0][2], exact[0][3]), Precision.ADDRESS
        n = first_number(number)
        if n is None:
            return None
        same = [r for r in rows if r[0] == str(n) or (r[1] == n and wanted.startswith(str(n)))]
        if same:  # "12a" asked, "12" known: the same house's door
            return LatLng(same[0][2], same[0][3]), Precision.INTERPOLATED
        side = [r for r in rows if r[1] is not None and r[1] % 2 == n % 2]
        lower = max((r for r in side if r[1] < n), key=lambda r: r[1], default=None)
        upper = min((r for r in side if r[1] > n), key=lambda r: r[1], default=None)
        if lower is None or upper is None or upper[1] - lower[1] > INTERPOLATE_SPAN:
            return None
        f = (n - lower[1]) / (upper[1] - lower[1])
        at = LatLng(lower[2] + f * (upper[2] - lower[2]), lower[3] + f * (upper[3] - lower[3]))
        return at, Precision.INTERPOLATED


def network_geocoder(folder: Path | None) -> LocalGeocoder | None:
    """The road network folder's address index, or None without a folder or without an index (a network built
    before networks carried addresses: orders there need coordinates)."""
    if folder is None or not (folder / INDEX_FILE).is_file():
        return None
    return LocalGeocoder(folder)


def _distinct(hits: list[tuple[StreetHit, AddressParts]]) -> list[tuple[StreetHit, AddressParts]]:
    """The first hit of each street as people see it (name and place): pieces of one street are one."""
    seen: set[tuple[str, str]] = set()
    out = []
    for hit, reading in hits:
        key = (hit.street.name, hit.street.label_place)
        if key not in seen:
            seen.add(key)
            out.append((hit, reading))
    return out


def _order(m: GeocodeMatch) -> tuple[float, int, str]:
    """Best first: the higher score, then the more exact place."""
    return (-m.score, RANK[m.precision], m.label)


def _ambiguous(matches: tuple[GeocodeMatch, ...], near: LatLng | None) -> bool:
    """Whether the two best are equally good and far apart (and ``near`` does not tell them apart)."""
    if len(matches) < 2:
        return False
    a, b = matches[0], matches[1]
    if abs(a.score - b.score) > 0.005:  # a house number known on one street only does not tell towns apart
        return False
    if haversine_m(a.location, b.location) <= AMBIGUOUS_M:
        return False
    if near is not None:
        da, db = haversine_m(a.location, near), haversine_m(b.location, near)
        if (da <= NEAR_M) != (db <= NEAR_M):
            return False
    return True
