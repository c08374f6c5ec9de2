"""Where and when an order may be served, in plan seconds: each place with its windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.orders import Order, TimeWindow
from doorstep.optimize.geometry import Geometry
from doorstep.optimize.scaling import UNBOUNDED, seconds_since


@dataclass(frozen=True, slots=True)
class PlaceOption:
    """One place an order can be served at, with its windows (never empty: no window means all day)."""

    place: int  # 0 own location, k alternative k-1
    loc: int
    windows: tuple[tuple[int, int], ...]


def windows_in_seconds(t0: datetime, windows: tuple[TimeWindow, ...]) -> tuple[tuple[int, int], ...]:
    """Windows as (early, late) plan seconds; no window is one unbounded window."""
    if not windows:
        return ((0, UNBOUNDED),)
    return tuple((seconds_since(t0, w.start), seconds_since(t0, w.end)) for w in windows)


def order_places(order: Order, order_idx: int, geo: Geometry) -> list[PlaceOption]:
    """The order's own location and its alternatives (an alternative without windows is open all day)."""
    locs = geo.order_locs[order_idx]
    out = [PlaceOption(0, locs[0], windows_in_seconds(geo.t0, order.time_windows))]
    for k, alt in enumerate(order.alternatives, start=1):
        out.append(PlaceOption(k, locs[k], windows_in_seconds(geo.t0, alt.time_windows)))
    return out
