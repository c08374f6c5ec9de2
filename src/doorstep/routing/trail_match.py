"""Map matching of a whole GPS trail: thinned, cut into chunks the engine matches well, matched chunk by chunk
(each chunk remembered, so a growing trail re-matches only its newest chunk) and joined into driven lines.

Why chunks: a day's trail has pauses (stops, lunch, a phone without signal) that a matcher cannot bridge, and
engines limit the fixes of one request (OSRM's server: 100 by default). Why thinning: fixes a few metres apart
make the noisy trace zig-zag, which the matcher reads as a trace that does not follow the road (measured on
Monaco: fixes 10 m apart with 3 m of noise match with confidence 0.3, the same trace thinned to 20-30 m apart
with 0.95); a parked van's cloud of fixes collapses to one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.lru import Lru
from doorstep.routing.route_geometry import MatchedTrace, TraceMatcher

MIN_RADIUS_M, MAX_RADIUS_M = 5.0, 50.0  # GPS accuracy handed to the matcher (OSRM's default is 5 m)
JOIN_M = 30.0  # a chunk's first matched point this close to the previous line's end continues that line


@dataclass(frozen=True, slots=True)
class Fix:
    """One GPS fix of a trail: where, when (UNIX seconds) and how accurate the phone said it was."""

    point: LatLng
    at: int
    accuracy_m: float | None = None

    @property
    def radius_m(self) -> float:
        """The accuracy the matcher is told (clamped: phones report 0 or hundreds of metres at times)."""
        return MIN_RADIUS_M if self.accuracy_m is None else min(max(self.accuracy_m, MIN_RADIUS_M), MAX_RADIUS_M)


@dataclass(frozen=True, slots=True)
class TrailOptions:
    """How a trail is prepared for matching.

    ``min_spacing_m``: a fix closer than this (or than 3 × its accuracy) to the last kept fix is folded into it;
    ``max_chunk``: kept fixes per matcher request; ``max_gap_s``: a longer pause between two fixes starts a new
    chunk; ``max_accuracy_m``: fixes less accurate than this are not matched (kept as signs of life only).
    """

    min_spacing_m: float = 20.0
    max_chunk: int = 100  # osrm-routed refuses more by default (--max-matching-size)
    max_gap_s: int = 180
    max_accuracy_m: float = 200.0

    def __post_init__(self) -> None:
        if self.max_chunk < 2 or self.max_gap_s <= 0 or self.min_spacing_m < 0:
            raise ValueError("max_chunk must be at least 2, max_gap_s positive and min_spacing_m not negative")


@dataclass(slots=True)
class Chunk:
    """Kept fixes sent to the matcher in one request; ``members[k]`` are the trail indices kept fix k stands for
    (itself and the fixes folded into it). ``continues`` when the chunk was cut only for size: its first fix is
    the previous chunk's last, so their lines join."""

    kept: list[int] = field(default_factory=list)
    members: list[list[int]] = field(default_factory=list)
    continues: bool = False


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What one chunk gave: trail indices it covers, driven metres and seconds, confidence, or the error."""

    first: int
    last: int
    fixes: int
    distance_m: int
    duration_s: int
    confidence: float | None
    error: Issue | None = None


@dataclass(frozen=True, slots=True)
class TrailMatch:
    """A trail on the roads: driven lines (a new line where the trail has a gap), metres and seconds driven
    along them, confidence (0..1, weighted by distance), and the trail indices that could not be matched."""

    lines: list[list[LatLng]]
    distance_m: int
    duration_s: int
    confidence: float | None
    unmatched: list[int]
    chunks: list[ChunkResult]


class MatchCache:
    """Matched chunks by their content (matcher, fixes, accuracies), least recently used dropped first.

    A growing trail re-matches only its last chunk; a batch that arrives late changes only the chunks it falls
    in. Thread-safe: API handlers run in a thread pool.
    """

    def __init__(self, max_chunks: int = 1_024) -> None:
        self._items: Lru[str, MatchedTrace | Issue] = Lru(max_chunks)

    @property
    def hits(self) -> int:
        return self._items.hits

    @property
    def misses(self) -> int:
        return self._items.misses

    def get(self, key: str) -> MatchedTrace | Issue | None:
        """The stored result of a chunk, or None."""
        return self._items.get(key)[1]

    def put(self, key: str, value: MatchedTrace | Issue) -> None:
        """Remember a chunk's result (a failure too: the same fixes fail again)."""
        self._items.put(key, value)


def chunk_trail(fixes: Sequence[Fix], options: TrailOptions) -> tuple[list[Chunk], list[int]]:
    """The chunks of a trail in time order, and the indices of fixes left out for poor accuracy.

    Greedy from the first fix, so appending fixes changes only the last chunk (what makes the cache work).
    """
    order = sorted(range(len(fixes)), key=lambda i: fixes[i].at)
    poor = [i for i in order if (fixes[i].accuracy_m or 0.0) > options.max_accuracy_m]
    skip = set(poor)
    chunks: list[Chunk] = []
    current, last_at = Chunk(), None
    for i in order:
        if i in skip:
            continue
        fix = fixes[i]
        if last_at is not None and fix.at - last_at > options.max_gap_s:
            chunks.append(current)
            current = Chunk()
        last_at = fix.at
        if current.kept:
            anchor = fixes[current.kept[-1]]
            spacing = max(options.min_spacing_m, 3 * fix.radius_m)
            if haversine_m(anchor.point, fix.point) < spacing:
                current.members[-1].append(i)
                continue
            if len(current.kept) == options.max_chunk:
                chunks.append(current)
                current = Chunk([current.kept[-1]], [[]], continues=True)
        current.kept.append(i)
        current.members.append([i])
    if current.kept:
        chunks.append(current)
    return chunks, poor


def _key(matcher_id: str, fixes: Sequence[Fix], chunk: Chunk) -> str:
    text = ";".join(
        f"{f.point.lat:.6f},{f.point.lng:.6f},{f.at},{f.radius_m:.0f}" for f in (fixes[i] for i in chunk.kept)
    )
    return hashlib.blake2b(f"{matcher_id}|{text}".encode(), digest_size=16).hexdigest()


def _match_chunk(
    matcher: TraceMatcher, matcher_id: str, fixes: Sequence[Fix], chunk: Chunk, cache: MatchCache | None
) -> MatchedTrace | Issue:
    key = _key(matcher_id, fixes, chunk)
    found = cache.get(key) if cache is not None else None
    if found is not None:
        return found
    kept = [fixes[i] for i in chunk.kept]
    try:
        result: MatchedTrace | Issue = matcher.match(
            [f.point for f in kept], [f.at for f in kept], [f.radius_m for f in kept]
        )
    except DoorstepError as exc:
        first = exc.issues[0]
        result = Issue("E3012", first.message, ("positions", chunk.kept[0]))
    if cache is not None:
        cache.put(key, result)
    return result


def _extend(lines: list[list[LatLng]], piece: Sequence[LatLng], continues: bool) -> None:
    """Add a matched piece: onto the last line when it goes on from its end, else as a new line."""
    if not piece:
        return
    if continues and lines and haversine_m(lines[-1][-1], piece[0]) <= JOIN_M:
        lines[-1].extend(piece[1:] if lines[-1][-1] == piece[0] else piece)
    else:
        lines.append(list(piece))


def match_trail(
    matcher: TraceMatcher,
    fixes: Sequence[Fix],
    *,
    options: TrailOptions | None = None,
    cache: MatchCache | None = None,
    matcher_id: str = "",
) -> TrailMatch:
    """Fit a whole trail to the roads, chunk by chunk; raises E3012 (every failed chunk listed) only when the
    trail had fixes to match and none of them could be matched."""
    options = options or TrailOptions()
    chunks, unmatched = chunk_trail(fixes, options)
    lines: list[list[LatLng]] = []
    results: list[ChunkResult] = []
    failures: list[Issue] = []
    distance = duration = 0
    weighted = 0.0
    for chunk in chunks:
        covered = [i for group in chunk.members for i in group]
        if len(chunk.kept) < 2:  # one place, alone between pauses: nothing to fit a road to
            unmatched.extend(covered)
            continue
        got = _match_chunk(matcher, matcher_id, fixes, chunk, cache)
        first, last = min(covered), max(covered)
        if isinstance(got, Issue):
            failures.append(got)
            unmatched.extend(covered)
            results.append(ChunkResult(first, last, len(covered), 0, 0, None, got))
            continue
        for k, snapped in enumerate(got.snapped):
            if snapped is None:
                unmatched.extend(chunk.members[k])
        for n, piece in enumerate(got.pieces or (got.path,)):
            _extend(lines, piece, chunk.continues and n == 0)
        distance += got.distance_m
        duration += got.duration_s
        weighted += got.confidence * got.distance_m
        results.append(ChunkResult(first, last, len(covered), got.distance_m, got.duration_s, got.confidence))
    matched = [r for r in results if r.error is None]
    if failures and not matched:
        raise DoorstepError(failures)
    confidence = None
    if matched:
        confidence = weighted / distance if distance else min(r.confidence or 0.0 for r in matched)
    return TrailMatch(lines, distance, duration, confidence, sorted(set(unmatched)), results)
