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
    """``stops`` (start depot, the new stops — one, or a pickup and its delivery —, end) with the vehicle's breaks,
    each taken where the driver is: at the depot before the first stop or at a stop after serving it. Every
    placement in order is tried; the one back soonest with nothing late wins; None when none keeps every window
    and the shift, or a leg has no road."""
    start, middle, end = stops[0], stops[1:-1], stops[-1]
    breaks = sorted(vehicle.breaks, key=lambda b: b.start)
    best: list[ScheduledStop] | None = None
    for gaps in itertools.combinations_with_replacement(range(len(middle) + 1), len(breaks)):
        cand = [start, *[break_stop(b, start) for b, g in zip(breaks, gaps, strict=True) if g == 0]]
        for k, stop in enumerate(middle, start=1):
            cand += [stop, *[break_stop(b, stop) for b, g in zip(breaks, gaps, strict=True) if g == k]]
        cand.append(end)
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
