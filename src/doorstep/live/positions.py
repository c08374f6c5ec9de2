"""Screening of GPS positions sent by the driver app, before anything is stored.

Positions arrive in batches (the app queues them while offline), possibly out of order and possibly twice
(a batch re-sent after a lost acknowledgement). Each one gets a verdict: stored, a duplicate of one already
received (acknowledged again, never stored twice), or refused with a code (from the future, too old, an
impossible jump). Low accuracy is accepted with a warning: a bad fix is still a sign of life.
"""

from __future__ import annotations

import math
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng

CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock may run this far ahead
MAX_AGE = timedelta(hours=24)  # older positions are history, not tracking
MAX_SPEED_MPS = 70.0  # 252 km/h: faster than any delivery vehicle between two fixes
POOR_ACCURACY_M = 200.0


@dataclass(frozen=True, slots=True)
class Position:
    """One fix from a phone; ``client_id`` is generated on the phone so a re-sent fix is recognised."""

    client_id: str
    at: datetime
    location: LatLng
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None


class Outcome(StrEnum):
    """What happens to a position."""

    STORE = "store"
    DUPLICATE = "duplicate"  # already received: acknowledged, not stored again
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one position, with the issue that refused or flagged it."""

    client_id: str
    outcome: Outcome
    issues: tuple[Issue, ...] = field(default=())


def metres(a: LatLng, b: LatLng) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def _refusal(p: Position, now: datetime, last: Position | None) -> Issue | None:
    where = ("positions", p.client_id)
    if not (-90 <= p.location.lat <= 90 and -180 <= p.location.lng <= 180):
        return Issue("E1105", f"{p.client_id}: coordinates {p.location.lat}, {p.location.lng} out of range", where)
    if p.at > now + CLOCK_SKEW:
        ahead = int((p.at - now).total_seconds())
        return Issue("E1401", f"{p.client_id}: time {p.at.isoformat()} is {ahead} s in the future", where)
    if p.at < now - MAX_AGE:
        return Issue("E1402", f"{p.client_id}: time {p.at.isoformat()} is more than 24 h old", where)
    if last is not None:
        dist, secs = metres(last.location, p.location), abs((p.at - last.at).total_seconds())
        if dist > 50 and (secs == 0 or dist / secs > MAX_SPEED_MPS):
            speed = "instantly" if secs == 0 else f"at {dist / secs * 3.6:.0f} km/h"
            return Issue("E1403", f"{p.client_id}: jumps {dist:.0f} m {speed} from the previous fix", where)
    return None


def screen(
    batch: Sequence[Position], now: datetime, last: Position | None = None, seen: Container[str] = frozenset()
) -> list[Verdict]:
    """A verdict per position of ``batch`` (in its order). ``last`` is the latest stored fix of this driver and
    ``seen`` the client ids already stored; the batch is judged in time order, each fix against the previous
    accepted one."""
    verdicts: dict[int, Verdict] = {}
    ids_in_batch: set[str] = set()
    for k in sorted(range(len(batch)), key=lambda i: batch[i].at):
        p = batch[k]
        if p.client_id in seen or p.client_id in ids_in_batch:
            verdicts[k] = Verdict(p.client_id, Outcome.DUPLICATE)
            continue
        refusal = _refusal(p, now, last)
        if refusal is not None:
            verdicts[k] = Verdict(p.client_id, Outcome.REFUSED, (refusal,))
            continue
        warn: tuple[Issue, ...] = ()
        if p.accuracy_m is not None and p.accuracy_m > POOR_ACCURACY_M:
            msg = f"{p.client_id}: accuracy {p.accuracy_m:.0f} m; kept, but not used for arrival detection"
            warn = (Issue("W1401", msg, ("positions", p.client_id)),)
        verdicts[k] = Verdict(p.client_id, Outcome.STORE, warn)
        ids_in_batch.add(p.client_id)
        if last is None or p.at >= last.at:
            last = p
    return [verdicts[k] for k in range(len(batch))]
