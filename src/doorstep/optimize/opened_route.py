"""A route that one new stop opens for an unused vehicle, with the vehicle's breaks where the driver is.

Live insertion and slot pricing open such routes (depot, the stop, depot). A vehicle with breaks must take them
on every route it drives, or the checker refuses the route (BREAK): a same-day order that needed the spare van
then stayed out, and a slot offered only where a route already ran.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

from doorstep.domain.fleet import Break, Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import ScheduledStop, StopType
from doorstep.domain.timing import Leg, lateness_s, retime

LegOf = Callable[[Vehicle, LatLng, LatLng], Leg | None]


def break_stop(brk: Break, where: ScheduledStop) -> ScheduledStop:
    """The break taken where ``where`` is (timed by ``retime``)."""
    return ScheduledStop(
        type=StopType.BREAK, location=where.location, arrival=where.arrival, start=where.arrival,
        departure=where.arrival, window_start=brk.start, window_end=brk.end, service_s=brk.duration_s,
        address="break",
    )  # fmt: skip


def with_breaks(
    stops: list[ScheduledStop], vehicle: Vehicle, leg: LegOf, now: datetime | None
) -> list[ScheduledStop] | None:
    """``stops`` (start depot, the new stop, end) with the vehicle's breaks: the first ones at the depot before the
    stop, the rest at the stop after it — each split tried, the one back soonest with nothing late wins; None when
    no split keeps every window and the shift, or a leg has no road."""
    start, new, end = stops[0], stops[1], stops[-1]
    breaks = sorted(vehicle.breaks, key=lambda b: b.start)
    best: list[ScheduledStop] | None = None
    for split in range(len(breaks) + 1):
        cand = [start, *[break_stop(b, start) for b in breaks[:split]], new,
                *[break_stop(b, new) for b in breaks[split:]], end]  # fmt: skip
        legs = []
        for a, b in itertools.pairwise(cand):
            one = leg(vehicle, a.location, b.location)
            if one is None:
                return None
            legs.append(one)
        timed = retime(cand, 1, legs, depart_at=now)
        if any(lateness_s(x) for x in timed) or timed[-1].arrival > vehicle.shift_end:
            continue
        if best is None or timed[-1].arrival < best[-1].arrival:
            best = timed
    return best
