"""Partner carriers (3PL) as data: who they are, where they deliver, what they charge, until when they take orders
and how many a day, checked with every problem reported at once (E1640–E1649).

A carrier serves the orders of a depot inside one of its service areas (a radius in metres, straight line from
the depot, or a polygon of at least three points). Its price for an order is
``base + per_kg x kg + per_parcel x parcels + per_km x km`` in cents, where km is the straight line from the depot
to the address (what a carrier's rate card can know before it routes anything). It takes orders for a day until
its cut-off, a local time of the depot on that day, and at most ``capacity_per_day`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng, haversine_m, inside
from doorstep.domain.orders import Order

FIELDS = ("name", "kind", "endpoints", "secret", "service_areas", "price", "cutoff", "capacity_per_day", "auto_confirm",
          "timeout_s", "retries", "active")  # a carrier's settings, as the API and a carriers file give them
ENDPOINTS = ("quote", "book", "cancel", "label", "status")
REQUIRED_HTTP = ("quote", "book")  # an HTTP carrier must at least quote and book
MAX_AREAS = 50
MAX_POLYGON_POINTS = 500
MAX_PRICE_CENTS = 10_000_000  # 100,000.00 in one rate: larger is a typo
MAX_CAPACITY = 1_000_000
MAX_NAME = 200
MIN_SECRET = 16


class CarrierKind(StrEnum):
    """How Doorstep talks to a carrier."""

    HTTP = "http"  # a JSON API: quote, book, cancel, label, status; signed status callbacks
    MANIFEST = "manifest"  # a CSV manifest handed over at the depot; statuses set by hand


@dataclass(frozen=True, slots=True)
class ServiceArea:
    """Addresses a carrier serves for one depot: within ``radius_m`` of it, or inside ``polygon``."""

    depot_id: str
    radius_m: int | None = None
    polygon: tuple[LatLng, ...] = ()

    def contains(self, point: LatLng, depot: LatLng) -> bool:
        """Whether the address lies in the area."""
        if self.radius_m is not None:
            return haversine_m(point, depot) <= self.radius_m
        return inside(point, self.polygon)


@dataclass(frozen=True, slots=True)
class PriceRule:
    """A rate card in cents: a base per order, per kilogram, per parcel and per km from the depot."""

    base_cents: int = 0
    per_kg_cents: int = 0
    per_parcel_cents: int = 0
    per_km_cents: int = 0

    def price(self, order: Order, depot: LatLng) -> int:
        """What the carrier charges for the order (weight from ``size.weight_g``; parcels from ``size.parcels``,
        one when the order does not say)."""
        kg = order.size.get("weight_g", 0) / 1000
        parcels = order.size.get("parcels", 1)
        km = haversine_m(order.location, depot) / 1000
        return (
            self.base_cents + round(self.per_kg_cents * kg + self.per_km_cents * km) + self.per_parcel_cents * parcels
        )


@dataclass(frozen=True, slots=True)
class CarrierConfig:
    """One partner carrier of an organization (its secret signs the status callbacks it sends)."""

    id: str
    name: str
    kind: CarrierKind
    endpoints: dict[str, str] = field(default_factory=dict)
    secret: str = ""
    areas: tuple[ServiceArea, ...] = ()
    price: PriceRule = field(default_factory=PriceRule)
    cutoff: time | None = None  # local time of the depot on the delivery day
    capacity_per_day: int | None = None
    auto_confirm: bool = False  # the policy: offers to this carrier are booked without a dispatcher
    timeout_s: float = 10.0
    retries: int = 2  # further attempts of a call that timed out or failed with 5xx
    active: bool = True
    depots: dict[str, LatLng] = field(default_factory=dict)  # where its depots are (filled when loaded)

    def price_for(self, order: Order) -> int | None:
        """The rate card's price for the order, from its depot (None: the depot is not one of the carrier's)."""
        depot = self.depots.get(order.depot_id or "")
        return self.price.price(order, depot) if depot is not None else None

    def serves(self, order: Order) -> bool:
        """Whether the order's address lies in one of the carrier's areas for its depot."""
        depot = self.depots.get(order.depot_id or "")
        return depot is not None and self.area_for(order, order.depot_id or "", depot) is not None

    def area_for(self, order: Order, depot_id: str, depot: LatLng) -> ServiceArea | None:
        """The first service area of the depot containing the order's address (None: not served)."""
        return next((a for a in self.areas if a.depot_id == depot_id and a.contains(order.location, depot)), None)

    def open_for(self, day: date, timezone: str, now: datetime) -> bool:
        """Whether the carrier still takes orders for ``day`` at ``now`` (before its cut-off that day)."""
        if self.cutoff is None:
            return True
        return now < datetime.combine(day, self.cutoff, tzinfo=ZoneInfo(timezone))


class _Parse:
    """One parse: the problems found so far (every one is reported at once)."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def bad(self, code: str, msg: str, loc: tuple[str | int, ...]) -> None:
        """Note a problem."""
        self.issues.append(Issue(code, msg, loc))

    def int_(self, d: dict[str, Any], key: str, lo: int, hi: int, code: str, loc: tuple[str | int, ...]) -> int | None:
        """An integer field within ``lo..hi`` (None when absent or wrong: noted)."""
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.bad(code, f"{key}={value!r}; give a whole number {lo}..{hi}", (*loc, key))
            return None
        return value

    def areas(self, raw: Any, depots: set[str]) -> tuple[ServiceArea, ...]:
        """The service areas: each a known depot with a radius or a polygon."""
        if not isinstance(raw, list) or len(raw) > MAX_AREAS:
            self.bad("E1645", f"service_areas must be a list of at most {MAX_AREAS} areas", ("service_areas",))
            return ()
        out = []
        for i, a in enumerate(raw):
            loc: tuple[str | int, ...] = ("service_areas", i)
            if not isinstance(a, dict):
                self.bad("E1645", "a service area is an object with depot_id and radius_m or polygon", loc)
                continue
            depot_id = str(a.get("depot_id") or "")
            if depot_id not in depots:
                self.bad("E1645", f"depot {depot_id!r} not found", (*loc, "depot_id"))
            if (a.get("radius_m") is None) == (a.get("polygon") is None):
                self.bad("E1645", "give either radius_m or polygon", loc)
            elif a.get("radius_m") is not None:
                radius = self.int_(a, "radius_m", 1, 2_000_000, "E1645", loc)
                out += [ServiceArea(depot_id, radius_m=radius)] if radius is not None else []
            elif points := self.polygon(a["polygon"], (*loc, "polygon")):
                out.append(ServiceArea(depot_id, polygon=points))
        return tuple(out)

    def polygon(self, raw: Any, loc: tuple[str | int, ...]) -> tuple[LatLng, ...]:
        """3..500 points ``{lat, lng}`` inside WGS84 (empty when not: noted)."""
        points: list[LatLng] = []
        for p in raw if isinstance(raw, list) and 3 <= len(raw) <= MAX_POLYGON_POINTS else ():
            point = _point(p)
            if point is None:
                points = []
                break
            points.append(point)
        if not points:
            self.bad("E1645", f"polygon needs 3..{MAX_POLYGON_POINTS} points {{lat, lng}} inside WGS84", loc)
        return tuple(points)

    def price(self, raw: Any) -> PriceRule:
        """The rate card: whole cents 0..10,000,000 per field."""
        keys = ("base_cents", "per_kg_cents", "per_parcel_cents", "per_km_cents")
        if not isinstance(raw, dict):
            self.bad("E1646", f"price is an object of cents: {', '.join(keys)}", ("price",))
            return PriceRule()
        for k in sorted(set(raw) - set(keys)):
            self.bad("E1646", f"unknown price field {k!r}; allowed: {', '.join(keys)}", ("price", k))
        return PriceRule(*(self.int_(raw, k, 0, MAX_PRICE_CENTS, "E1646", ("price",)) or 0 for k in keys))

    def cutoff(self, raw: Any) -> time | None:
        """A local time ``HH:MM`` (None: no cut-off)."""
        if raw is None:
            return None
        if isinstance(raw, str) and len(raw) == 5 and raw[2] == ":" and raw.replace(":", "").isdigit():
            try:
                return time(int(raw[:2]), int(raw[3:]))
            except ValueError:
                pass
        self.bad("E1647", f"cutoff {raw!r} is not a local time HH:MM", ("cutoff",))
        return None

    def endpoints(self, raw: Any, kind: CarrierKind | None) -> dict[str, str]:
        """Known endpoint names with their URLs (an HTTP carrier needs quote and book)."""
        if not isinstance(raw, dict):
            self.bad("E1643", f"endpoints is an object naming URLs for {', '.join(ENDPOINTS)}", ("endpoints",))
            return {}
        out = {}
        for k, v in raw.items():
            if k not in ENDPOINTS:
                self.bad("E1643", f"unknown endpoint {k!r}; allowed: {', '.join(ENDPOINTS)}", ("endpoints", k))
            elif v:
                out[k] = str(v)
        for k in REQUIRED_HTTP if kind is CarrierKind.HTTP else ():
            if k not in out:
                self.bad("E1643", f"an HTTP carrier needs the {k} endpoint", ("endpoints", k))
        return out

    def calls(self, data: dict[str, Any]) -> tuple[float, int]:
        """The timeout of one call (0.1..60 s) and the further attempts after a failed one (0..5)."""
        timeout = data.get("timeout_s", 10.0)
        if not _number(timeout) or not 0.1 <= timeout <= 60:
            self.bad("E1649", f"timeout_s={timeout!r}; give 0.1..60 seconds", ("timeout_s",))
            timeout = 10.0
        retries = self.int_(data, "retries", 0, 5, "E1649", ())
        return float(timeout), 2 if retries is None else retries


def _point(p: Any) -> LatLng | None:
    """A ``{lat, lng}`` object inside WGS84 as a point (None: not one)."""
    if not isinstance(p, dict) or not (_number(p.get("lat")) and _number(p.get("lng"))):
        return None
    lat, lng = float(p["lat"]), float(p["lng"])
    return LatLng(lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else None


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def parse_carrier(
    data: dict[str, Any], carrier_id: str, depots: set[str], secret: str
) -> tuple[CarrierConfig, list[Issue]]:
    """The carrier of a request body and every problem with it (``secret``: the one given, else the stored one)."""
    parse = _Parse()
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= MAX_NAME:
        parse.bad("E1640", f"name must have 1..{MAX_NAME} characters", ("name",))
    try:
        kind: CarrierKind | None = CarrierKind(str(data.get("kind")))
    except ValueError:
        kind = None
        parse.bad("E1641", f"kind {data.get('kind')!r}; allowed: {', '.join(CarrierKind)}", ("kind",))
    endpoints = parse.endpoints(data.get("endpoints") or {}, kind)
    if kind is CarrierKind.HTTP and len(secret) < MIN_SECRET:
        parse.bad("E1644", f"an HTTP carrier needs a secret of at least {MIN_SECRET} characters", ("secret",))
    capacity = parse.int_(data, "capacity_per_day", 1, MAX_CAPACITY, "E1648", ())
    timeout, retries = parse.calls(data)
    config = CarrierConfig(
        id=carrier_id, name=name, kind=kind or CarrierKind.MANIFEST, endpoints=endpoints, secret=secret,
        areas=parse.areas(data.get("service_areas") or [], depots), price=parse.price(data.get("price") or {}),
        cutoff=parse.cutoff(data.get("cutoff")), capacity_per_day=capacity, auto_confirm=bool(data.get("auto_confirm")),
        timeout_s=timeout, retries=retries, active=bool(data.get("active", True)),
    )  # fmt: skip
    return config, parse.issues


def located(config: CarrierConfig, depots: dict[str, LatLng]) -> CarrierConfig:
    """The carrier with the locations of the depots its areas name (its prices are counted from them)."""
    return replace(config, depots={k: v for k, v in depots.items() if any(a.depot_id == k for a in config.areas)})


def carrier_of(
    carrier_id: str, kind: str, data: dict[str, Any], secret: str, depots: dict[str, LatLng]
) -> CarrierConfig:
    """The domain carrier of a stored one (``data``: the checked request body without its secret; ``depots``: the
    organization's depot locations)."""
    config, _ = parse_carrier({**data, "kind": kind}, carrier_id, set(depots), secret)
    return located(config, depots)
