"""The arrival window shown to a customer (tracking page and out-for-delivery message): the expected delivery give
or take a margin that narrows as the driver gets closer, never opening before the order's own window (a customer
booked 11:00-13:00 is never told 10:15) and never hiding a delay."""

from __future__ import annotations

from datetime import datetime, timedelta

from doorstep.domain.orders import TimeWindow

# The tracking page's arrival window narrows as the driver works through the stops before this one: the fewer
# customer stops left before it, the less the ETA can still move. (stops before it, at least) -> margin each side.
NARROWING: tuple[tuple[int, int], ...] = ((10, 45 * 60), (5, 30 * 60), (2, 20 * 60), (1, 15 * 60), (0, 10 * 60))
ROUND_S = 5 * 60  # a window's ends are shown on five-minute marks (10:05-10:25, never 10:07-10:27)


def narrowing_margin_s(stops_before: int | None) -> int:
    """The margin each side of the ETA for a stop with ``stops_before`` customer stops still to serve before it
    (0: it is the driver's next stop; None: the route has not started, as far as it can be)."""
    if stops_before is None:
        return NARROWING[0][1]
    return next(margin for least, margin in NARROWING if stops_before >= least)


def _floor(t: datetime) -> datetime:
    return t - timedelta(seconds=int(t.timestamp()) % ROUND_S, microseconds=t.microsecond)


def _ceil(t: datetime) -> datetime:
    down = _floor(t)
    return down if down == t else down + timedelta(seconds=ROUND_S)


def tracking_window(
    eta: datetime,
    windows: tuple[TimeWindow, ...] = (),
    stops_before: int | None = None,
    now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """The window the tracking page shows: the expected delivery give or take the narrowing margin, on five-minute
    marks. The expected delivery is the ETA, or the opening of the promised window when the driver would arrive
    before it (service starts at the window). The window never starts before the promised window opens, nor before
    ``now``; a driver running late is shown late (the end is not clipped to the promised window: that would hide
    the delay)."""
    margin = timedelta(seconds=narrowing_margin_s(stops_before))
    holding = [w for w in windows if w.start <= eta <= w.end]
    nearest = min(windows, key=lambda w: min(abs(w.start - eta), abs(w.end - eta)), default=None)
    promised = holding[0] if holding else nearest
    expected = max(eta, promised.start) if promised is not None else eta
    lo, hi = _floor(expected - margin), _ceil(expected + margin)
    if promised is not None:
        lo = max(lo, promised.start)
        if expected <= promised.end:
            hi = min(hi, max(promised.end, lo + timedelta(seconds=ROUND_S)))
    if now is not None and now > lo:
        lo = min(_floor(now), hi - timedelta(seconds=ROUND_S))
        if promised is not None:
            lo = max(lo, promised.start)
    return lo, hi
