"""The arrival window promised to a customer: the planned arrival give or take a margin, kept inside the order's
own time window (a customer booked 11:00-13:00 is never told 10:15)."""

from __future__ import annotations

from datetime import datetime, timedelta

from doorstep.domain.orders import TimeWindow

DEFAULT_MARGIN_S = 30 * 60


def eta_window(
    eta: datetime, windows: tuple[TimeWindow, ...] = (), margin_s: int = DEFAULT_MARGIN_S
) -> tuple[datetime, datetime]:
    """``eta ± margin`` clipped to the order window that holds the ETA (or the nearest one); when clipping leaves
    nothing (an ETA outside every window), that whole window."""
    start, end = eta - timedelta(seconds=margin_s), eta + timedelta(seconds=margin_s)
    if not windows:
        return start, end
    holding = [w for w in windows if w.start <= eta <= w.end]
    w = holding[0] if holding else min(windows, key=lambda w: min(abs(w.start - eta), abs(w.end - eta)))
    lo, hi = max(start, w.start), min(end, w.end)
    return (lo, hi) if lo < hi else (w.start, w.end)
