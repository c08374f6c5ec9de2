"""When a customer is usually reached: the chance a delivery attempt at an address finds someone there, by weekday
and two-hour band of the local day, learned from the attempts on record (docs/learning.md, "Reachability").

An attempt is a delivery stop that was completed (reached) or failed for a reason that says the customer was not
there (``ABSENT_REASONS``: not home, no access); other failures (refused, damaged, address not found, no parking,
out of time, other) say nothing about presence and are left out. Counts are kept, not rates, so every estimate
can show what it was learned from; the estimate of an address in a band (a weekday's two hours) is a
Beta/binomial shrinkage, each level's rate ``(successes + k × parent) / (attempts + k)`` towards its parent:

1. organization in the band  ← the organization's overall rate (``K_ORG``);
2. neighbourhood in the band ← the organization in the band (``K_NEIGHBOURHOOD``);
3. the address overall       ← its neighbourhood in the band (``K_ADDRESS``): a customer rarely home anywhere in
   the week pulls every band down, shaped by when the neighbourhood is reached;
4. the address in the band   ← the address overall (``K_BAND``).

An address never attempted takes its neighbourhood's band rate; a neighbourhood never attempted in the band, the
organization's. Pure: the record is read in services/analytics/learning.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from doorstep.domain.cells import address_of, address_point, neighbourhood_of
from doorstep.domain.geo import LatLng

BAND_H = 2  # hours in a band
BANDS = 24 // BAND_H  # bands a day (00-02 ... 22-24)
ABSENT_REASONS = frozenset({"not_home", "no_access"})  # failures that say the customer was not there
K_ORG, K_NEIGHBOURHOOD, K_ADDRESS, K_BAND = 10.0, 10.0, 4.0, 2.0  # prior strength (attempts) of each parent
MIN_ATTEMPTS = 20  # fewer attempts on record in all: nothing is estimated (offers carry no reach)
SUGGEST_WITHIN = 0.05  # a window within this of the best reach on offer is suggested
DAY_HOURS = (8, 20)  # a re-attempt's window may move within these local hours (docs/learning.md)

Counts = tuple[int, int]  # (successes, attempts)


def slot_of(weekday: int, hour: int) -> int:
    """The band of the week (0 = Monday 00-02 ... 83 = Sunday 22-24) of a local weekday (0 = Monday) and hour."""
    return weekday * BANDS + hour // BAND_H


@dataclass(frozen=True, slots=True)
class ReachObservation:
    """One delivery attempt: where, its local weekday and hour, and whether the customer was reached."""

    location: LatLng
    weekday: int
    hour: int
    reached: bool


@dataclass(frozen=True, slots=True)
class ReachEstimate:
    """The chance the customer is reached, the attempts behind it and the level it comes from: ``address`` (the
    address was attempted: ``observations`` counts all its attempts, every one enters), ``neighbourhood`` (its
    attempts in the bands asked) or ``organization`` (its attempts in those bands; 0: its overall rate)."""

    rate: float
    observations: int
    level: str


def _add(table: dict[Any, list[int]], key: Any, reached: bool) -> None:
    cell = table.setdefault(key, [0, 0])
    cell[0] += int(reached)
    cell[1] += 1


def _shrunk(counts: Counts, parent: float, k: float) -> float:
    return (counts[0] + k * parent) / (counts[1] + k)


@dataclass
class Reach:
    """The attempt counts of an organization (see the module docstring); estimates are made from them on demand.

    ``slots``: band of the week -> counts of the organization; ``cells``: ``"<neighbourhood>|<band>"``;
    ``addresses``: address -> counts over the week; ``address_slots``: ``"<address>|<band>"``."""

    successes: int = 0
    attempts: int = 0
    slots: dict[int, Counts] = field(default_factory=dict)
    cells: dict[str, Counts] = field(default_factory=dict)
    addresses: dict[str, Counts] = field(default_factory=dict)
    address_slots: dict[str, Counts] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """Enough attempts were observed to estimate reach."""
        return self.attempts >= MIN_ATTEMPTS

    @property
    def overall(self) -> float:
        """The organization's rate over every attempt (0 when none)."""
        return self.successes / self.attempts if self.attempts else 0.0

    def organization(self, slot: int) -> float:
        """The organization's rate in a band of the week, shrunk towards its overall rate."""
        return _shrunk(self.slots.get(slot, (0, 0)), self.overall, K_ORG)

    def neighbourhood(self, cell: str, slot: int) -> float:
        """A neighbourhood's rate in a band, shrunk towards the organization's in that band."""
        return _shrunk(self.cells.get(f"{cell}|{slot}", (0, 0)), self.organization(slot), K_NEIGHBOURHOOD)

    def address(self, point: LatLng, slot: int) -> float:
        """An address's rate in a band: its own attempts in the band shrunk towards its overall rate, which is
        shrunk towards its neighbourhood's rate in the band."""
        key = address_of(point)
        overall = _shrunk(self.addresses.get(key, (0, 0)), self.neighbourhood(neighbourhood_of(point), slot), K_ADDRESS)
        return _shrunk(self.address_slots.get(f"{key}|{slot}", (0, 0)), overall, K_BAND)

    def estimate(self, point: LatLng, slots: Mapping[int, float]) -> ReachEstimate | None:
        """The reach of ``point`` over bands weighted by ``slots`` (band -> weight, e.g. minutes of a window in
        it); None when too little was observed."""
        total = sum(slots.values())
        if not self.usable or total <= 0:
            return None
        rate = sum(self.address(point, s) * w for s, w in slots.items()) / total
        seen = self.addresses.get(address_of(point), (0, 0))[1]
        cell = neighbourhood_of(point)
        near = sum(self.cells.get(f"{cell}|{s}", (0, 0))[1] for s in slots)
        if seen:
            return ReachEstimate(rate, seen, "address")
        if near:
            return ReachEstimate(rate, near, "neighbourhood")
        return ReachEstimate(rate, sum(self.slots.get(s, (0, 0))[1] for s in slots), "organization")

    def window(self, point: LatLng, start: datetime, end: datetime) -> ReachEstimate | None:
        """The reach of a window (aware local datetimes of the address's depot): the bands it covers, each
        weighted by its minutes in the window."""
        return self.estimate(point, window_slots(start, end))

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able part of the learned document (string keys)."""
        return {
            "successes": self.successes, "attempts": self.attempts,
            "slots": {str(k): list(v) for k, v in self.slots.items()},
            "cells": {k: list(v) for k, v in self.cells.items()},
            "addresses": {k: list(v) for k, v in self.addresses.items()},
            "address_slots": {k: list(v) for k, v in self.address_slots.items()},
        }  # fmt: skip

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Reach:
        """The counts from their stored document (an older document without them: nothing observed)."""

        def table(name: str) -> dict[str, Counts]:
            return {k: (int(v[0]), int(v[1])) for k, v in (doc.get(name) or {}).items()}

        return cls(
            successes=int(doc.get("successes", 0)), attempts=int(doc.get("attempts", 0)),
            slots={int(k): v for k, v in table("slots").items()}, cells=table("cells"),
            addresses=table("addresses"), address_slots=table("address_slots"),
        )  # fmt: skip


def window_slots(start: datetime, end: datetime) -> dict[int, float]:
    """The bands of the week a local window covers, with its minutes in each."""
    out: dict[int, float] = {}
    at = start
    while at < end:
        step = min(end, at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
        slot = slot_of(at.weekday(), at.hour)
        out[slot] = out.get(slot, 0.0) + (step - at).total_seconds() / 60
        at = step
    return out


def learn_reach(attempts: Iterable[ReachObservation]) -> Reach:
    """Count the attempts per organization band, neighbourhood band, address and address band."""
    slots: dict[int, list[int]] = {}
    cells: dict[str, list[int]] = {}
    addresses: dict[str, list[int]] = {}
    address_slots: dict[str, list[int]] = {}
    successes = n = 0
    for a in attempts:
        slot, key = slot_of(a.weekday, a.hour), address_of(a.location)
        _add(slots, slot, a.reached)
        _add(cells, f"{neighbourhood_of(a.location)}|{slot}", a.reached)
        _add(addresses, key, a.reached)
        _add(address_slots, f"{key}|{slot}", a.reached)
        successes, n = successes + int(a.reached), n + 1

    def frozen(t: dict[Any, list[int]]) -> dict[Any, Counts]:
        return {k: (v[0], v[1]) for k, v in t.items()}

    return Reach(successes, n, frozen(slots), frozen(cells), frozen(addresses), frozen(address_slots))


def best_window(
    reach: Reach, point: LatLng, start: datetime, end: datetime, within: tuple[datetime, datetime] | None = None
) -> tuple[datetime, datetime] | None:
    """Where a re-attempt's window should move on its day: the window of the same length starting on a band
    within ``DAY_HOURS`` that the address is most likely reached in, when it beats the window as it is by more
    than ``SUGGEST_WITHIN`` (ties: the one starting nearest the window as it is); None: keep the window.
    ``within`` (when the vans work that day) bounds the windows tried: a window no van is out in is no help."""
    here = reach.window(point, start, end)
    length = end - start
    if here is None or length > timedelta(hours=DAY_HOURS[1] - DAY_HOURS[0]) or length <= timedelta(0):
        return None
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    best: tuple[float, float, datetime] | None = None
    for hour in range(DAY_HOURS[0], DAY_HOURS[1], BAND_H):
        at = day + timedelta(hours=hour)
        if at + length > day + timedelta(hours=DAY_HOURS[1]):
            break
        if within is not None and (at < within[0] or at + length > within[1]):
            continue
        est = reach.window(point, at, at + length)
        if est is not None:
            key = (-est.rate, abs((at - start).total_seconds()), at)
            best = key if best is None or key < best else best
    if best is None or -best[0] <= here.rate + SUGGEST_WITHIN:
        return None
    return best[2], best[2] + length


@dataclass(frozen=True, slots=True)
class GridCell:
    """One band of the week as the page shows it: the estimate there and the attempts of the scope in it."""

    weekday: int
    band: int
    rate: float | None  # None: too little observed in all (nothing is estimated)
    successes: int
    attempts: int
    level: str


def grid(reach: Reach, where: str | None) -> tuple[str, Counts, list[GridCell]]:
    """The week's bands for the organization (``where`` None), a neighbourhood (``n…`` key) or an address
    (``a…`` key): the scope, its attempts over the week, and per band the estimate with the attempts it saw."""
    scope = "organization" if where is None else "neighbourhood" if where.startswith("n") else "address"
    total: Counts = (reach.successes, reach.attempts)
    if scope == "neighbourhood":
        assert where is not None
        seen = [v for k, v in reach.cells.items() if k.split("|")[0] == where]
        total = (sum(s for s, _ in seen), sum(n for _, n in seen))
    elif scope == "address":
        assert where is not None
        total = reach.addresses.get(where, (0, 0))
    out = []
    for slot in range(7 * BANDS):
        if scope == "organization":
            counts, rate, level = reach.slots.get(slot, (0, 0)), reach.organization(slot), "organization"
        elif scope == "neighbourhood":
            counts = reach.cells.get(f"{where}|{slot}", (0, 0))
            rate, level = reach.neighbourhood(str(where), slot), "neighbourhood" if counts[1] else "organization"
        else:
            point = address_point(str(where))
            est = reach.estimate(point, {slot: 1.0})
            counts = reach.address_slots.get(f"{where}|{slot}", (0, 0))
            rate, level = reach.address(point, slot), est.level if est is not None else "organization"
        usable = reach.usable
        out.append(GridCell(slot // BANDS, slot % BANDS, rate if usable else None, counts[0], counts[1], level))
    return scope, total, out


