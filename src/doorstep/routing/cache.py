"""A disk cache of travel-time pairs, so re-planning a day that mostly repeats yesterday's addresses reuses them.

Pairs are keyed by (network, profile, zones avoided, time bucket, rounded origin, rounded destination);
coordinates are rounded to 5 decimals (about 1 m). A plan asks the inner provider only for the rows and columns of
places it has not seen (two rectangular tables), then stores them. The cache is one SQLite file, bounded by a
number of places: when full, the least recently used places and every pair touching them are dropped. Any disk
problem turns the cache off for the run with a W3004 warning; planning never fails because of it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.provider import NO_AVOID, UNREACHABLE, Matrix
from doorstep.routing.road_matrix import RectMatrix, unique_points
from doorstep.routing.route_geometry import Leg, inner_legs

DEFAULT_MAX_PLACES = 20_000  # up to 400 M pairs in theory; in practice a city's recurring addresses
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pairs (k TEXT, a TEXT, b TEXT, dur INTEGER, dist INTEGER, PRIMARY KEY (k, a, b))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_by_destination ON pairs (k, b);
CREATE TABLE IF NOT EXISTS places (k TEXT, p TEXT, used REAL, PRIMARY KEY (k, p)) WITHOUT ROWID;
"""


class RectProvider(Protocol):
    """A provider that can compute sources × destinations tables (the road providers)."""

    @property
    def name(self) -> str:
        """Provider label."""
        ...

    @property
    def cache_id(self) -> str:
        """What the travel times depend on (network build, profile set-up)."""
        ...

    def rect(
        self,
        sources: Sequence[LatLng],
        destinations: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> RectMatrix:
        """Durations and distances from every source to every destination, not through the zones ``avoid``."""
        ...


def place_key(p: LatLng) -> str:
    """A point rounded to 5 decimals (about 1 m), as stored."""
    return f"{p.lat:.5f},{p.lng:.5f}"


@dataclass(slots=True)
class CacheStats:
    """Pairs served from the cache and pairs computed, over the provider's life."""

    hits: int = 0
    misses: int = 0

    @property
    def hit_rate(self) -> float:
        """Share of pairs served from the cache (0 when nothing was asked)."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class CachedProvider:
    """Wraps a road provider with the disk cache; ``bucket`` names the time bucket the inner times are for."""

    def __init__(
        self, inner: RectProvider, path: Path, *, max_places: int = DEFAULT_MAX_PLACES, bucket: str = "free-flow"
    ) -> None:
        self.inner, self.path, self.max_places, self.bucket = inner, path, max_places, bucket
        self.stats = CacheStats()
        self._db: sqlite3.Connection | None = None
        self._broken: Issue | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            self._disable(exc)

    @property
    def name(self) -> str:
        """The inner provider's label (the cache does not change the travel model)."""
        return self.inner.name

    @property
    def attribution(self) -> str:
        """The inner provider's data credit."""
        return str(getattr(self.inner, "attribution", ""))

    def route_legs(
        self, stops: Sequence[LatLng], profile: SpeedProfile, *, avoid: frozenset[str] = NO_AVOID
    ) -> list[Leg] | None:
        """Road geometry is not cached: asked of the inner provider (None when it has none)."""
        return inner_legs(self.inner, stops, profile, avoid)

    def _disable(self, exc: Exception) -> None:
        self._db = None
        self._broken = Issue("W3004", f"matrix cache {self.path} is off for this run: {exc}", ("cache",))

    def _key(self, profile: SpeedProfile, avoid: frozenset[str]) -> str:
        zones = f"|avoid:{','.join(sorted(avoid))}" if avoid else ""  # without: the key of caches made before zones
        return f"{self.inner.cache_id}|{profile.value}{zones}|{self.bucket}"

    def _rect(
        self,
        a: Sequence[LatLng],
        b: Sequence[LatLng],
        profile: SpeedProfile,
        when: datetime | None,
        avoid: frozenset[str],
    ) -> RectMatrix:
        if avoid:
            return self.inner.rect(a, b, profile, when, avoid=avoid)
        return self.inner.rect(a, b, profile, when)

    def _load(self, key: str, keys: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
        assert self._db is not None
        wanted, found = set(keys), {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(f"SELECT a, b, dur, dist FROM pairs WHERE k = ? AND a IN ({marks})", [key, *part])
            found.update({(a, b): (d, m) for a, b, d, m in rows if b in wanted})
        return found

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """All pairs: from the cache where known, the rest from the inner provider (then stored)."""
        uniq, index = unique_points(points)
        if self._db is None:
            m = self._rect(uniq, uniq, profile, depart_at, avoid)
            return self._expand(
                m.durations, m.distances, index, [*([self._broken] if self._broken else []), *m.warnings]
            )
        try:
            return self._matrix(uniq, index, profile, depart_at, avoid)
        except sqlite3.Error as exc:
            self._disable(exc)
            return self.matrix(points, profile, depart_at, avoid=avoid)

    def _matrix(
        self,
        uniq: list[LatLng],
        index: np.ndarray,
        profile: SpeedProfile,
        depart_at: datetime | None,
        avoid: frozenset[str],
    ) -> Matrix:
        key, keys = self._key(profile, avoid), [place_key(p) for p in uniq]
        n = len(uniq)
        known = self._load(key, keys)
        dur, dist = np.zeros((n, n), dtype=np.int64), np.zeros((n, n), dtype=np.int64)
        have = np.zeros((n, n), dtype=bool)
        pos = {k: i for i, k in enumerate(keys)}
        for (a, b), (d, m) in known.items():
            dur[pos[a], pos[b]], dist[pos[a], pos[b]], have[pos[a], pos[b]] = d, m, True
        missing = [i for i in range(n) if not (have[i, :].all() and have[:, i].all())]
        self.stats.hits += int(have.sum())
        self.stats.misses += n * n - int(have.sum())
        warnings: list[Issue] = []
        if missing:
            new = [uniq[i] for i in missing]
            rows = self._rect(new, uniq, profile, depart_at, avoid)
            cols = self._rect(uniq, new, profile, depart_at, avoid)
            dur[missing, :], dist[missing, :] = rows.durations, rows.distances
            dur[:, missing], dist[:, missing] = cols.durations, cols.distances
            warnings = rows.warnings + [w for w in cols.warnings if w not in rows.warnings]
            self._store(key, keys, missing, dur, dist)
        self._touch(key, keys)
        warnings += self._cut_off(uniq, [i for i in range(n) if i not in set(missing)], dur)
        return self._expand(dur, dist, index, warnings)

    @staticmethod
    def _cut_off(uniq: list[LatLng], cached: list[int], dur: np.ndarray) -> list[Issue]:
        """W3001 again for cached places with no road connection at all (the warning is not stored)."""
        if len(uniq) < 2:
            return []
        out = []
        for i in cached:
            others = np.arange(len(uniq)) != i
            if (dur[i, others] >= UNREACHABLE).all() and (dur[others, i] >= UNREACHABLE).all():
                p = uniq[i]
                msg = f"location {i} ({p.lat:.6f}, {p.lng:.6f}) has no road connection (cached)"
                out.append(Issue("W3001", msg, ("points", i)))
        return out

    def _store(self, key: str, keys: list[str], missing: list[int], dur: np.ndarray, dist: np.ndarray) -> None:
        assert self._db is not None
        new = set(missing)
        rows = (
            (key, keys[i], keys[j], int(dur[i, j]), int(dist[i, j]))
            for i in range(len(keys))
            for j in range(len(keys))
            if i in new or j in new
        )
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO pairs VALUES (?, ?, ?, ?, ?)", rows)

    def _touch(self, key: str, keys: list[str]) -> None:
        assert self._db is not None
        now = time.time()
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO places VALUES (?, ?, ?)", ((key, k, now) for k in keys))
            (count,) = self._db.execute("SELECT COUNT(*) FROM places").fetchone()
            if count > self.max_places:
                self._evict(count - self.max_places)

    def _evict(self, extra: int) -> None:
        """Drop the least recently used places and every pair that starts or ends at one of them."""
        assert self._db is not None
        old = self._db.execute("SELECT k, p FROM places ORDER BY used LIMIT ?", (extra,)).fetchall()
        self._db.executemany("DELETE FROM pairs WHERE k = ? AND (a = ? OR b = ?)", ((k, p, p) for k, p in old))
        self._db.executemany("DELETE FROM places WHERE k = ? AND p = ?", old)

    def pairs_stored(self) -> int:
        """How many pairs the cache holds (for tests and benchmarks)."""
        if self._db is None:
            return 0
        return int(self._db.execute("SELECT COUNT(*) FROM pairs").fetchone()[0])

    @staticmethod
    def _expand(dur: np.ndarray, dist: np.ndarray, index: np.ndarray, warnings: list[Issue]) -> Matrix:
        sub = np.ix_(index, index)
        return Matrix(durations=dur[sub], distances=dist[sub], warnings=warnings)
