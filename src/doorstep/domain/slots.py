"""Delivery slots as data: an organization's zones, slot templates, blackout dates, ranking and price list, checked
with every problem reported at once, and the windows a template opens on a day.

A zone is a depot with either a radius (metres, straight line from the depot) or a polygon of at least three
points; an address belongs to the first zone (in policy order) that contains it. A template opens windows of
``length_min`` minutes every ``step_min`` minutes from ``start`` until ``end`` (local time of the zone's depot) on
its days of the week; each window closes for booking ``cutoff_min`` minutes before it starts and takes at most
``max_orders`` orders (confirmed orders and live holds). Templates are the *scheduled* service levels.

A service level of another kind opens one window today, counted per zone and day against its ``max_orders``:
*same-day* (booked before ``cutoff``, delivered from now until ``until``) and *express* (delivered within
``within_min`` minutes of the order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng, haversine_m, inside

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_ZONES = 50
MAX_TEMPLATES = 100
MAX_POLYGON_POINTS = 500
MAX_BLACKOUTS = 1000


class Ranking(StrEnum):
    """How offers are ordered for the customer."""

    CHEAPEST = "cheapest"  # least marginal cost first
    GREENEST = "greenest"  # fewest kilometres added first
    EARLIEST = "earliest"  # soonest window first
    LIKELY_HOME = "likely_home"  # most likely reached first (learned reach; else as cheapest: docs/slots.md)


@dataclass(frozen=True, slots=True)
class Zone:
    """Addresses served from one depot: within ``radius_m`` of it, or inside ``polygon``."""

    id: str
    name: str
    depot_id: str
    radius_m: int | None
    polygon: tuple[LatLng, ...]

    def contains(self, point: LatLng, depot: LatLng) -> bool:
        """Whether the point lies in the zone (radius from the depot, or inside the polygon)."""
        if self.radius_m is not None:
            return haversine_m(point, depot) <= self.radius_m
        return inside(point, self.polygon)


@dataclass(frozen=True, slots=True)
class SlotTemplate:
    """Windows of one service level in one zone: their length, the hours they cover, days, cut-off and maximum."""

    id: str
    zone_id: str
    service_level: str
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    length_min: int
    step_min: int
    cutoff_min: int
    max_orders: int


class LevelKind(StrEnum):
    """Service levels beyond the scheduled windows of templates."""

    SAME_DAY = "same_day"  # ordered before the cut-off, delivered today (a live re-planning proposal)
    EXPRESS = "express"  # delivered within N minutes of the order
    PICKUP = "pickup"  # delivered to a pickup point: its opening hours on a day it has room


def _next_quarter(t: datetime) -> datetime:
    """``t`` rounded up to the quarter hour (a quarter hour itself stays)."""
    up = (t + timedelta(minutes=14, seconds=59)).replace(second=0, microsecond=0)
    return up - timedelta(minutes=up.minute % 15)


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """A same-day or express level of the organization: where it applies, its window rule, maximum and price."""

    id: str
    kind: LevelKind
    zone_ids: frozenset[str]  # empty: every zone
    cutoff: time | None  # same-day: booking closes at this local time
    until: time | None  # same-day: delivered by this local time
    within_min: int  # express: the window's length from the order
    max_orders: int  # per zone and day
    price_cents: int | None

    def template(self, zone_id: str, start: datetime, end: datetime) -> SlotTemplate:
        """The level's window as a one-off template (its id is the level's: the slot count is per level)."""
        length = max(15, int((end - start).total_seconds() // 60))
        return SlotTemplate(self.id, zone_id, self.id, frozenset(range(7)), start.time(), end.time(), length,
                            length, 0, self.max_orders)  # fmt: skip

    def window(self, zone_id: str, now: datetime, tz: ZoneInfo, opens: datetime | None = None) -> Window | None:
        """Today's window of the level for an order placed ``now`` (None past the same-day cut-off or too late in
        the day); it starts at the next quarter hour and is counted per zone and day. A same-day window starts no
        earlier than ``opens`` (the day's first shift, at its quarter hour): ordered at night, it is delivered from
        when the vans start, not from 01:00. Express keeps its meaning, within ``within_min`` of the order."""
        local = now.astimezone(tz)
        start = _next_quarter(local)
        if self.kind is LevelKind.SAME_DAY and opens is not None:
            start = max(start, _next_quarter(opens.astimezone(tz)))
        day_start = datetime.combine(local.date(), time(0), tzinfo=tz)
        if self.kind is LevelKind.SAME_DAY:
            assert self.cutoff is not None and self.until is not None
            closes = datetime.combine(local.date(), self.cutoff, tzinfo=tz)
            end = datetime.combine(local.date(), self.until, tzinfo=tz)
            if local >= closes or end - start < timedelta(minutes=15):
                return None
        else:
            end = start + timedelta(minutes=self.within_min)
            closes = end - timedelta(minutes=self.within_min / 2)
        return Window(self.template(zone_id, start, end), start, end, closes, count_from=day_start)

    def applies_in(self, zone_id: str) -> bool:
        """Whether the level opens a window of its own in the zone (a pickup level's are a point's, not a zone's)."""
        return self.kind is not LevelKind.PICKUP and (not self.zone_ids or zone_id in self.zone_ids)

    def day_count(self, zone_id: str, day: date, tz: ZoneInfo) -> Window:
        """The level's count on a day as one window: from the day's start (the slot key its offers use) to when it
        delivers by (same-day: ``until``; express: the day's end); booking closes at the same-day cut-off."""
        start = datetime.combine(day, time(0), tzinfo=tz)
        if self.kind is LevelKind.SAME_DAY:
            assert self.until is not None and self.cutoff is not None
            end, closes = datetime.combine(day, self.until, tzinfo=tz), datetime.combine(day, self.cutoff, tzinfo=tz)
        else:
            end = closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        return Window(self.template(zone_id, start, end), start, end, closes, count_from=start)

    def closes(self, start: datetime, end: datetime, tz: ZoneInfo) -> datetime:
        """When an offered window of the level can no longer be held: the same-day cut-off of its day; for
        express, once half of its span has passed (the promise would no longer be "within" it)."""
        if self.kind is LevelKind.SAME_DAY:
            assert self.cutoff is not None
            return datetime.combine(start.astimezone(tz).date(), self.cutoff, tzinfo=tz)
        return end - (end - start) / 2


@dataclass(frozen=True, slots=True)
class Price:
    """What the customer pays for a window of a service level and length."""

    service_level: str
    length_min: int
    price_cents: int


@dataclass(frozen=True, slots=True)
class SlotPolicy:
    """Everything an organization decides about its delivery promises."""

    zones: tuple[Zone, ...]
    templates: tuple[SlotTemplate, ...]
    blackouts: frozenset[tuple[date, str | None]]  # (date, zone id or None for every zone)
    ranking: Ranking
    green_km: float
    service_s: int
    prices: tuple[Price, ...]
    service_levels: tuple[ServiceLevel, ...] = ()

    def level(self, level_id: str) -> ServiceLevel | None:
        """The same-day or express level of that id."""
        return next((lv for lv in self.service_levels if lv.id == level_id), None)

    @property
    def level_kinds(self) -> dict[str, str]:
        """Each level's id and kind (same_day, express, pickup); a template's service level is not among them."""
        return {lv.id: lv.kind.value for lv in self.service_levels}

    def booking(self, template_id: str, zone_id: str, start: datetime, end: datetime,
                tz: ZoneInfo) -> tuple[int, datetime] | None:  # fmt: skip
        """(maximum orders, when booking closes) of an offered window of a template or service level; None when
        the policy no longer has it."""
        for t in self.templates:
            if t.id == template_id and t.zone_id == zone_id:
                return t.max_orders, start - timedelta(minutes=t.cutoff_min)
        lv = self.level(template_id)
        if lv is not None and (not lv.zone_ids or zone_id in lv.zone_ids):
            return lv.max_orders, lv.closes(start, end, tz)
        return None

    def price(self, service_level: str, length_min: int) -> int | None:
        """The price of such a window, or None when the price list has no line for it."""
        for p in self.prices:
            if p.service_level == service_level and p.length_min == length_min:
                return p.price_cents
        return None

    def blacked_out(self, day: date, zone_id: str) -> bool:
        """Whether no window opens in the zone on the day."""
        return (day, None) in self.blackouts or (day, zone_id) in self.blackouts


@dataclass(frozen=True, slots=True)
class Window:
    """One bookable window of a template on a day (aware datetimes), and when booking it closes."""

    template: SlotTemplate
    start: datetime
    end: datetime
    cutoff: datetime
    count_from: datetime | None = None  # a service level's window is counted per day (from the day's start)

    @property
    def key(self) -> str:
        """The slot's identity for counting: zone, template (or level) and start (UTC)."""
        return slot_key(self.template.zone_id, self.template.id, self.count_from or self.start)


def slot_key(zone_id: str, template_id: str, start: datetime) -> str:
    """``zone|template|start in UTC``: what the maximum of a slot is counted against."""
    return f"{zone_id}|{template_id}|{start.astimezone(ZoneInfo('UTC')).strftime('%Y-%m-%dT%H:%MZ')}"


def windows_on(template: SlotTemplate, day: date, tz: ZoneInfo) -> list[Window]:
    """The windows the template opens on ``day`` in the depot's time zone (none on other weekdays)."""
    if day.weekday() not in template.days:
        return []
    out = []
    begin = datetime.combine(day, template.start, tzinfo=tz)
    last = datetime.combine(day, template.end, tzinfo=tz)
    length, step = timedelta(minutes=template.length_min), timedelta(minutes=template.step_min)
    at = begin
    while at + length <= last:
        out.append(Window(template, at, at + length, at - timedelta(minutes=template.cutoff_min)))
        at += step
    return out


def _hhmm(value: Any) -> time | None:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return None
    try:
        return time(int(value[:2]), int(value[3:]))
    except ValueError:
        return None


def _int(value: Any, low: int, high: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else None


class _Checker:
    """Collects every problem of a policy document (E1550), each located by its JSON path."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def bad(self, loc: tuple[str | int, ...], message: str, code: str = "E1550") -> None:
        where = ".".join(str(x) for x in loc)
        self.issues.append(Issue(code, f"{where}: {message}", loc))


def _zone(c: _Checker, i: int, z: dict[str, Any]) -> Zone:
    loc: tuple[str | int, ...] = ("zones", i)
    radius, polygon = z.get("radius_m"), z.get("polygon")
    points: list[LatLng] = []
    if (radius is None) == (polygon is None):
        c.bad(loc, "give either radius_m or polygon")
    elif radius is not None and _int(radius, 1, 500_000) is None:
        c.bad((*loc, "radius_m"), "must be a whole number of metres from 1 to 500,000")
    elif polygon is not None:
        if not isinstance(polygon, list) or not 3 <= len(polygon) <= MAX_POLYGON_POINTS:
            c.bad((*loc, "polygon"), f"must list 3 to {MAX_POLYGON_POINTS} points")
        else:
            for k, p in enumerate(polygon):
                pt = LatLng(float(p.get("lat", 999)), float(p.get("lng", 999))) if isinstance(p, dict) else None
                if pt is None or not pt.is_valid():
                    c.bad((*loc, "polygon", k), "a point needs lat within -90..90 and lng within -180..180")
                else:
                    points.append(pt)
    return Zone(str(z.get("id", "")), str(z.get("name", "")), str(z.get("depot_id", "")),
                radius if isinstance(radius, int) else None, tuple(points))  # fmt: skip


def _template(c: _Checker, i: int, t: dict[str, Any], zones: set[str]) -> SlotTemplate:
    loc: tuple[str | int, ...] = ("templates", i)
    if t.get("zone_id") not in zones:
        c.bad((*loc, "zone_id"), f"zone {t.get('zone_id')!r} is not one of the policy's zones")
    days = t.get("days", list(DAYS))
    if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
        c.bad((*loc, "days"), f"must list days among {', '.join(DAYS)}")
        days = []
    start, end = _hhmm(t.get("start")), _hhmm(t.get("end"))
    if start is None:
        c.bad((*loc, "start"), "must be a local time HH:MM")
    if end is None:
        c.bad((*loc, "end"), "must be a local time HH:MM")
    length = _int(t.get("length_min"), 15, 24 * 60)
    if length is None:
        c.bad((*loc, "length_min"), "must be whole minutes from 15 to 1440")
    step = _int(t.get("step_min", length), 15, 24 * 60) if length is not None else None
    if length is not None and step is None:
        c.bad((*loc, "step_min"), "must be whole minutes from 15 to 1440")
    if start and end and length and (datetime.combine(date.min, end) - datetime.combine(date.min, start)
                                     < timedelta(minutes=length)):  # fmt: skip
        c.bad((*loc, "end"), f"{t.get('start')}-{t.get('end')} is shorter than one {length}-minute window")
    cutoff = _int(t.get("cutoff_min", 0), 0, 30 * 24 * 60)
    if cutoff is None:
        c.bad((*loc, "cutoff_min"), "must be whole minutes from 0 to 43,200 (30 days)")
    most = _int(t.get("max_orders"), 1, 100_000)
    if most is None:
        c.bad((*loc, "max_orders"), "must be a whole number from 1 to 100,000")
    level = t.get("service_level", "standard")
    if not isinstance(level, str) or not level or len(level) > 40:
        c.bad((*loc, "service_level"), "must be a name of 1 to 40 characters")
    return SlotTemplate(
        id=str(t.get("id", "")), zone_id=str(t.get("zone_id", "")), service_level=str(level),
        days=frozenset(DAYS.index(d) for d in days), start=start or time(0), end=end or time(0),
        length_min=length or 60, step_min=step or length or 60, cutoff_min=cutoff or 0, max_orders=most or 1,
    )  # fmt: skip


def _ids(c: _Checker, items: list[Any], kind: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str) or not 1 <= len(ident) <= 40 or "|" in ident:
            c.bad((kind, i, "id"), "must be a name of 1 to 40 characters without '|'")
        elif ident in seen:
            c.bad((kind, i, "id"), f"{ident!r} repeats {kind}[{seen[ident]}]")
        else:
            seen[ident] = i


def _blackouts(c: _Checker, raw: Any, zones: set[str]) -> frozenset[tuple[date, str | None]]:
    out: set[tuple[date, str | None]] = set()
    if not isinstance(raw, list) or len(raw) > MAX_BLACKOUTS:
        c.bad(("blackouts",), f"must be a list of at most {MAX_BLACKOUTS} dates")
        return frozenset()
    for i, b in enumerate(raw):
        b = {"date": b} if isinstance(b, str) else b
        try:
            day = date.fromisoformat(b["date"])
        except (TypeError, KeyError, ValueError):
            c.bad(("blackouts", i, "date"), "must be a date YYYY-MM-DD")
            continue
        zone = b.get("zone_id")
        if zone is not None and zone not in zones:
            c.bad(("blackouts", i, "zone_id"), f"zone {zone!r} is not one of the policy's zones")
        out.add((day, zone))
    return frozenset(out)


def _prices(c: _Checker, raw: Any) -> tuple[Price, ...]:
    out = []
    for i, p in enumerate(raw if isinstance(raw, list) else []):
        level, length, cents = p.get("service_level"), _int(p.get("length_min"), 15, 1440), _int(
            p.get("price_cents"), 0, 10_000_000)  # fmt: skip
        if not isinstance(level, str) or not level:
            c.bad(("prices", i, "service_level"), "must name a service level")
        if length is None:
            c.bad(("prices", i, "length_min"), "must be whole minutes from 15 to 1440")
        if cents is None:
            c.bad(("prices", i, "price_cents"), "must be whole cents from 0 to 10,000,000")
        out.append(Price(str(level), length or 0, cents or 0))
    return tuple(out)


def _level(c: _Checker, i: int, lv: Any, zones: set[str], taken: set[str]) -> ServiceLevel | None:
    loc: tuple[str | int, ...] = ("service_levels", i)
    if not isinstance(lv, dict):
        c.bad(loc, "must be an object")
        return None
    ident = lv.get("id")
    if not isinstance(ident, str) or not 1 <= len(ident) <= 40 or "|" in ident:
        c.bad((*loc, "id"), "must be a name of 1 to 40 characters without '|'")
    elif ident in taken:
        c.bad((*loc, "id"), f"{ident!r} is already a template or service level id")
    taken.add(str(ident))
    kind = lv.get("kind")
    if kind not in {k.value for k in LevelKind}:
        c.bad((*loc, "kind"), f"{kind!r} is not one of same_day, express, pickup")
    zone_ids = lv.get("zone_ids", [])
    if not isinstance(zone_ids, list) or any(z not in zones for z in zone_ids):
        c.bad((*loc, "zone_ids"), "must list zones of the policy")
        zone_ids = []
    cutoff, until, within = _hhmm(lv.get("cutoff")), _hhmm(lv.get("until")), 0
    if kind == LevelKind.SAME_DAY.value:
        if cutoff is None:
            c.bad((*loc, "cutoff"), "a same-day level needs the local time HH:MM booking closes")
        if until is None:
            c.bad((*loc, "until"), "a same-day level needs the local time HH:MM it delivers by")
        elif cutoff is not None and until <= cutoff:
            c.bad((*loc, "until"), f"{lv.get('until')} must be after the cut-off {lv.get('cutoff')}")
    elif kind == LevelKind.EXPRESS.value:
        within = _int(lv.get("within_min"), 30, 24 * 60) or 0
        if not within:
            c.bad((*loc, "within_min"), "an express level needs whole minutes from 30 to 1440")
    # a pickup level's room is each point's capacity_parcels: max_orders may be left out
    most = _int(lv.get("max_orders", 100_000 if kind == LevelKind.PICKUP.value else None), 1, 100_000)
    if most is None:
        c.bad((*loc, "max_orders"), "must be a whole number from 1 to 100,000")
    price = lv.get("price_cents")
    if price is not None and _int(price, 0, 10_000_000) is None:
        c.bad((*loc, "price_cents"), "must be whole cents from 0 to 10,000,000")
    if not isinstance(ident, str) or kind not in {k.value for k in LevelKind}:
        return None
    return ServiceLevel(ident, LevelKind(kind), frozenset(zone_ids), cutoff, until, within, most or 1,
                        price if isinstance(price, int) else None)  # fmt: skip


def _levels(c: _Checker, raw: Any, zones: set[str], templates: list[SlotTemplate]) -> tuple[ServiceLevel, ...]:
    if not isinstance(raw, list) or len(raw) > MAX_TEMPLATES:
        c.bad(("service_levels",), f"must be a list of at most {MAX_TEMPLATES} service levels")
        return ()
    taken = {t.id for t in templates}
    return tuple(lv for i, item in enumerate(raw) if (lv := _level(c, i, item, zones, taken)) is not None)


def parse_policy(doc: dict[str, Any], depots: set[str]) -> tuple[SlotPolicy, list[Issue]]:
    """The policy of a document and every problem with it (E1550; E1109 for a zone's unknown depot)."""
    c = _Checker()
    zones_raw, templates_raw = doc.get("zones") or [], doc.get("templates") or []
    if not zones_raw or len(zones_raw) > MAX_ZONES:
        c.bad(("zones",), f"give 1 to {MAX_ZONES} zones")
    if not templates_raw or len(templates_raw) > MAX_TEMPLATES:
        c.bad(("templates",), f"give 1 to {MAX_TEMPLATES} slot templates")
    _ids(c, zones_raw, "zones")
    _ids(c, templates_raw, "templates")
    zones = [_zone(c, i, z) for i, z in enumerate(zones_raw)]
    for i, z in enumerate(zones):
        if z.depot_id not in depots:
            c.bad(("zones", i, "depot_id"), f"depot {z.depot_id!r} not found", "E1109")
    zone_ids = {z.id for z in zones}
    templates = [_template(c, i, t, zone_ids) for i, t in enumerate(templates_raw)]
    ranking = doc.get("ranking", "cheapest")
    if ranking not in {r.value for r in Ranking}:
        c.bad(("ranking",), f"{ranking!r} is not one of cheapest, greenest, earliest, likely_home")
        ranking = "cheapest"
    green = doc.get("green_km", 1.0)
    if not isinstance(green, int | float) or isinstance(green, bool) or not 0 <= green <= 100:
        c.bad(("green_km",), "must be kilometres from 0 to 100")
        green = 1.0
    service = _int(doc.get("service_s", 120), 0, 4 * 3600)
    if service is None:
        c.bad(("service_s",), "must be whole seconds from 0 to 14,400")
    policy = SlotPolicy(
        zones=tuple(zones), templates=tuple(templates), blackouts=_blackouts(c, doc.get("blackouts", []), zone_ids),
        ranking=Ranking(ranking), green_km=float(green), service_s=service or 0, prices=_prices(c, doc.get("prices")),
        service_levels=_levels(c, doc.get("service_levels", []), zone_ids, templates),
    )  # fmt: skip
    return policy, c.issues
