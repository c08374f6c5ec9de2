"""Pickup points: a shop counter or a parcel locker where customers collect their parcels.

Orders to a point take its location and opening hours; a day's orders to one point are one stop of a route, and
the point takes at most ``capacity_parcels`` parcels a day. Opening hours are local to the serving depot's time
zone, per weekday (``mon`` .. ``sun``), each a list of ``(opens, closes)`` where ``closes`` may be ``24:00``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, OrderKind, TimeWindow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_PERIODS = 4  # opening periods per weekday (e.g. morning and afternoon)
DEFAULT_HANDOVER_S = 300
DEFAULT_PER_PARCEL_S = 10

Hours = dict[str, list[tuple[str, str]]]  # weekday -> [(HH:MM, HH:MM)], closes may be 24:00


class PointKind(StrEnum):
    """Who hands the parcel over."""

    COUNTER = "counter"  # a shop's counter, staffed in its opening hours
    LOCKER = "locker"  # an automatic parcel locker (often 00:00-24:00)


@dataclass(frozen=True, slots=True, kw_only=True)
class PickupPoint:
    """A place customers collect parcels from, served by one depot."""

    id: str
    name: str
    kind: PointKind
    location: LatLng
    address: str
    depot_id: str
    hours: Hours
    capacity_parcels: int
    handover_s: int = DEFAULT_HANDOVER_S  # at the point once per visit
    per_parcel_s: int = DEFAULT_PER_PARCEL_S  # and this much per parcel handed over
    active: bool = True

    def windows_on(self, day: date, timezone: str) -> tuple[TimeWindow, ...]:
        """The point's opening periods on ``day`` as aware windows (empty: closed that day)."""
        tz = ZoneInfo(timezone)
        out = []
        for opens, closes in self.hours.get(WEEKDAYS[day.weekday()], []):
            start = datetime.combine(day, _clock(opens), tz)
            end = datetime.combine(day + timedelta(days=1), time(0), tz) if closes == "24:00" else (
                datetime.combine(day, _clock(closes), tz)
            )  # fmt: skip
            out.append(TimeWindow(start, end))
        return tuple(sorted(out, key=lambda w: w.start))

    def service_s(self, parcels: int) -> int:
        """The time to hand ``parcels`` over at one visit."""
        return self.handover_s + self.per_parcel_s * parcels


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def parcels_of(order: Order) -> int:
    """The parcels an order puts in a point (its ``parcels`` size, at least 1)."""
    return max(1, int(order.size.get("parcels", 1)))


def same_visit(prev: Order | None, order: Order) -> bool:
    """Whether ``order``, served right after ``prev`` (a delivery stop before it on the route, at the same place),
    is part of the same visit to a pickup point: both go to the same point."""
    return (
        prev is not None
        and order.pickup_point_id is not None
        and prev.pickup_point_id == order.pickup_point_id
        and prev.location == order.location
    )


def service_after(prev: Order | None, order: Order) -> int:
    """The time ``order``'s stop takes right after ``prev``'s: without its handover when it joins the visit to a
    pickup point (the handover is paid once per visit; ``handover_s`` is the part of ``service_s`` it takes)."""
    if same_visit(prev, order):
        return max(0, order.service_s - order.handover_s)
    return order.service_s


PICKUP_KEY = "pickup"  # the first part of a pickup slot's key


def pickup_key(point_id: str, day: date) -> str:
    """The slot key of a point's day: what a pickup offer and its hold are counted against."""
    return f"{PICKUP_KEY}|{point_id}|{day.isoformat()}"


def parse_pickup_key(key: str) -> tuple[str, date] | None:
    """(point id, day) of a pickup slot key; None for any other slot's key."""
    parts = key.split("|")
    if len(parts) != 3 or parts[0] != PICKUP_KEY:
        return None
    try:
        return parts[1], date.fromisoformat(parts[2])
    except ValueError:
        return None


def intersect(a: tuple[TimeWindow, ...], b: tuple[TimeWindow, ...]) -> tuple[TimeWindow, ...]:
    """The windows common to both lists (an empty ``b`` means no restriction: ``a`` as is)."""
    if not b:
        return a
    out = [TimeWindow(max(x.start, y.start), min(x.end, y.end)) for x in a for y in b]
    return tuple(sorted((w for w in out if w.end > w.start), key=lambda w: w.start))


Loc = tuple[str | int, ...]


def to_point(
    order: Order, points: Mapping[str, PickupPoint], depot: Depot, day: date, loc0: Loc
) -> tuple[Order, list[Issue]]:
    """The order as delivered to its point (place, opening hours of that day intersected with the order's own
    windows, the handover time of one visit), and every reason it cannot go there: unknown E1302, inactive E2270,
    not a plain delivery or another depot's E1574, closed that day E1573, no window in its hours E1572. Shared by
    the API, the CSV/XLSX import, slot confirmations and the tracking page's switch."""
    pid = order.pickup_point_id
    if pid is None:
        return order, []
    point = points.get(pid)
    at: Loc = (*loc0, "pickup_point_id")
    if point is None:
        return order, [Issue("E1302", f"pickup point {pid} not found", at, pid)]
    issues = []
    if not point.active:
        issues.append(Issue("E2270", f"pickup point {pid} ({point.name}) is not active", at, pid))
    if order.kind is not OrderKind.DELIVERY or order.alternatives or order.pickup is not None:
        msg = f"order {order.external_ref}: only a delivery without alternatives goes to pickup point {pid}"
        issues.append(Issue("E1574", msg, (*loc0, "kind"), order.id))
    if order.depot_id != point.depot_id:
        msg = f"pickup point {pid} is served by depot {point.depot_id}, not {order.depot_id}"
        issues.append(Issue("E1574", msg, (*loc0, "depot_id"), pid))
    hours = point.windows_on(day, depot.timezone)
    common = intersect(hours, order.time_windows)
    if not hours:
        issues.append(Issue("E1573", f"pickup point {pid} ({point.name}) is closed on {day.isoformat()}", at, pid))
    elif not common:
        msg = f"order {order.external_ref}: no window overlaps the opening hours of {point.name} on {day.isoformat()}"
        issues.append(Issue("E1572", msg, (*loc0, "time_windows"), order.id))
    placed = replace(
        order, location=point.location, address=point.address or point.name, time_windows=common,
        service_s=point.service_s(parcels_of(order)), handover_s=point.handover_s,
    )  # fmt: skip
    return placed, issues


def hours_issues(hours: object, loc: tuple[str | int, ...] = ("hours",)) -> list[Issue]:
    """Every problem of an opening-hours document (E1571), all at once."""
    if not isinstance(hours, dict):
        return [Issue("E1571", "hours must be an object of weekday -> [[opens, closes], ...]", loc)]
    issues = [
        Issue("E1571", f"unknown weekday {k!r}; use {', '.join(WEEKDAYS)}", (*loc, str(k)))
        for k in hours
        if k not in WEEKDAYS
    ]
    for day in WEEKDAYS:
        periods = hours.get(day, [])
        if not isinstance(periods, list) or len(periods) > MAX_PERIODS:
            issues.append(Issue("E1571", f"{day}: at most {MAX_PERIODS} [opens, closes] pairs", (*loc, day)))
            continue
        issues += _period_issues(day, periods, (*loc, day))
    return issues


def _period_issues(day: str, periods: list[object], loc: tuple[str | int, ...]) -> list[Issue]:
    issues: list[Issue] = []
    spans: list[tuple[int, int]] = []
    for k, period in enumerate(periods):
        pair = list(period) if isinstance(period, list | tuple) else []
        minutes = [_minutes(x) for x in pair] if len(pair) == 2 else [None]
        if len(pair) != 2 or None in minutes or (minutes[0] == 1440):
            issues.append(Issue("E1571", f"{day}[{k}] must be [HH:MM, HH:MM] (closing may be 24:00)", (*loc, k)))
            continue
        opens, closes = int(minutes[0] or 0), int(minutes[1] or 0)
        if closes <= opens:
            issues.append(Issue("E1571", f"{day}[{k}] closes at {pair[1]}, not after it opens at {pair[0]}", (*loc, k)))
            continue
        if any(opens < e and s < closes for s, e in spans):
            issues.append(Issue("E1571", f"{day}[{k}] overlaps another period of {day}", (*loc, k)))
        spans.append((opens, closes))
    return issues


def _minutes(text: object) -> int | None:
    """Minutes after midnight of an ``HH:MM`` (``24:00`` is 1440), None when it is not one."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        return None
    h, m = int(text[:2]), int(text[3:])
    if (h, m) == (24, 0):
        return 1440
    return h * 60 + m if h < 24 and m < 60 else None
