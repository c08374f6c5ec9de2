"""Helpers shared by the plan writers: local time zones, time formatting, route colours, stop labels."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from doorstep.domain.orders import Order
from doorstep.domain.plan import Route, ScheduledStop, StopType
from doorstep.domain.problem import Problem

# Distinct colours readable on a light background (Tableau 10 + two extras), cycled past the twelfth route.
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939",
)  # fmt: skip

ORDER_STOPS = frozenset({StopType.DELIVERY, StopType.PICKUP, StopType.PAIRED_PICKUP, StopType.PAIRED_DELIVERY})


def route_colour(index: int) -> str:
    """The colour of the ``index``-th route, shared by the GeoJSON and the HTML map so they agree."""
    return PALETTE[index % len(PALETTE)]


def depot_zone(problem: Problem, depot_id: str | None = None) -> tzinfo:
    """The depot's time zone (the first depot's when unknown; UTC when there is none or it is invalid)."""
    depot = next((d for d in problem.depots if d.id == depot_id), problem.depots[0] if problem.depots else None)
    if depot is None:
        return UTC
    try:
        return ZoneInfo(depot.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def route_zone(problem: Problem, route: Route) -> tzinfo:
    """Times on a route are shown in its start depot's time zone."""
    return depot_zone(problem, route.start_depot_id)


def iso_local(when: datetime | None, tz: tzinfo) -> str | None:
    """ISO-8601 with the offset of ``tz`` (None stays None)."""
    return None if when is None else when.astimezone(tz).isoformat()


def hhmm(when: datetime | None, tz: tzinfo) -> str:
    """Local wall time as HH:MM, what a driver reads ('' when unknown)."""
    return "" if when is None else when.astimezone(tz).strftime("%H:%M")


def find_order(problem: Problem, order_id: str | None) -> Order | None:
    """The order with this id, or None (a stop without an order, or an id the problem does not know)."""
    if order_id is None:
        return None
    try:
        return problem.order(order_id)
    except KeyError:
        return None


def order_index(problem: Problem) -> dict[str, Order]:
    """Orders by id, for writers that look up every stop."""
    return {o.id: o for o in problem.orders}


def synthetic_points(problem: Problem) -> bool:
    """Whether the locations are placeholders (matrix indices only), so nothing should be drawn from them."""
    return problem.matrices is not None and problem.matrices.synthetic_points


def stop_sequence(route: Route) -> list[tuple[int, ScheduledStop]]:
    """Stops numbered as drivers count them: start is 0, each following stop one more."""
    return list(enumerate(route.stops))


def format_load(load: dict[str, int]) -> str:
    """A load as ``parcels=3; weight_g=1200`` (stable, readable, parseable)."""
    return "; ".join(f"{k}={v}" for k, v in load.items())
