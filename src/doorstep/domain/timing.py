"""Re-timing a route from a given point on: the arithmetic shared by live ETAs and live insertions.

A stop's timing follows from the departure of the stop before it and the drive between them: arrival, then
waiting until its window opens, then service. Pure functions over domain objects, no travel model inside:
callers pass the drive of each leg.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from doorstep.domain.plan import ScheduledStop, StopType

# The window a stop is served in, given when the vehicle arrives (a stop with several windows takes the first it
# can still make); by default the stop's own ``window_start``/``window_end``.
WindowRule = Callable[[ScheduledStop, datetime], tuple[datetime | None, datetime | None]]


@dataclass(frozen=True, slots=True)
class Leg:
    """The drive into a stop from the one before it."""

    travel_s: int
    travel_m: int


def lateness_s(stop: ScheduledStop) -> int:
    """Seconds by which the stop starts after its window closes (0 when on time or without a window)."""
    if stop.window_end is None:
        return 0
    return max(0, int((stop.start - stop.window_end).total_seconds()))


def retime(
    stops: Sequence[ScheduledStop],
    first: int,
    legs: Sequence[Leg],
    depart_at: datetime | None = None,
    drive: Callable[[datetime, int], int] | None = None,
    window: WindowRule | None = None,
) -> list[ScheduledStop]:
    """Stops ``first`` onwards re-timed; earlier stops are returned unchanged.

    ``legs[k]`` is the drive into ``stops[first + k]``. The vehicle leaves ``stops[first - 1]`` at its departure
    or at ``depart_at`` when that is later (a driver who is still there, or a position and time reported live).
    A stop waits for its planned window (``window_start``) and keeps its service time; a late stop starts on
    arrival (the lateness is for the caller to judge). Distance and duration so far are carried on.
    With ``drive``, ``legs`` hold free-flow seconds and ``drive(departure, seconds)`` says how long the leg
    takes leaving at that moment (time-of-day traffic); without it a leg takes its seconds. With ``window``, each
    stop's window is chosen on arrival (and stored on the stop).
    """
    if first < 1 or len(legs) != len(stops) - first:
        raise ValueError("retime needs one leg per re-timed stop and a fixed stop before the first")
    out = list(stops[:first])
    origin = stops[0].arrival  # durations so far count from the start stop, as the planner does
    prev = out[-1]
    leave = prev.departure if depart_at is None else max(prev.departure, depart_at)
    dist = prev.distance_so_far_m
    for stop, free in zip(stops[first:], legs, strict=True):
        leg = free if drive is None or not free.travel_s else Leg(drive(leave, free.travel_s), free.travel_m)
        arrival = leave + timedelta(seconds=leg.travel_s)
        opens, closes = (stop.window_start, stop.window_end) if window is None else window(stop, arrival)
        start = arrival if opens is None else max(arrival, opens)
        departure = start + timedelta(seconds=stop.service_s)
        dist += leg.travel_m
        is_end = stop.type is StopType.END
        new = replace(
            stop,
            arrival=arrival,
            start=start,
            departure=arrival if is_end else departure,
            waiting_s=int((start - arrival).total_seconds()),
            window_start=opens,
            window_end=closes,
            travel_s=leg.travel_s,
            travel_m=leg.travel_m,
            distance_so_far_m=dist,
            duration_so_far_s=int(((arrival if is_end else departure) - origin).total_seconds()),
        )
        out.append(new)
        leave = new.departure
    return out
