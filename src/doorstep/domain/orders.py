"""Orders: what a customer asked for, where, when and how big."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from doorstep.domain.geo import LatLng

MAX_TIME_WINDOWS = 8
# What customers changed themselves (the tracking page), kept in a stored order's data under extension keys
# (Doorstep JSON allows x-…). The server keeps them: an edit of the order through the API does not replace them.
SAFE_PLACE = "x-safe-place"  # {"allowed": bool, "where": str}: the driver may leave the parcel there
CUSTOMER_CHANGES = "x-customer-changes"  # [{"kind": "not_home", "from_day": "YYYY-MM-DD"}, ...]
SERVER_KEPT = (SAFE_PLACE, CUSTOMER_CHANGES)


class OrderKind(StrEnum):
    """What the vehicle does at the customer."""

    DELIVERY = "delivery"  # goods loaded at the depot, dropped at the customer
    PICKUP = "pickup"  # goods collected at the customer, brought back to the depot
    RETURN = "return"  # a customer return: handled like a pickup, reported separately
    PAIRED = "paired"  # store-to-door: collected at one place, dropped at another on the same route


class Priority(StrEnum):
    """How hard the planner tries to serve the order."""

    MUST_SERVE = "must_serve"  # never dropped while any feasible plan serves it
    HIGH = "high"  # dropped only after every normal order
    NORMAL = "normal"
    OPTIONAL = "optional"  # served when its value beats the cost of serving it


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Service must *start* within [start, end] (both timezone-aware)."""

    start: datetime
    end: datetime

    def is_valid(self) -> bool:
        """An aware window whose end is not before its start."""
        return self.start.tzinfo is not None and self.end.tzinfo is not None and self.end >= self.start


@dataclass(frozen=True, slots=True)
class Contact:
    """Who to call at the door, and who is told about the delivery (in ``language``, e.g. ``pt``; "" = English)."""

    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = ""


@dataclass(frozen=True, slots=True)
class Place:
    """An alternative place to serve the order (a neighbour, a pickup point, a locker)."""

    location: LatLng
    address: str = ""
    label: str = ""
    time_windows: tuple[TimeWindow, ...] = ()


@dataclass(frozen=True, slots=True)
class PairedPickup:
    """The first leg of a store-to-door order: where and when the goods are collected."""

    location: LatLng
    address: str = ""
    time_windows: tuple[TimeWindow, ...] = ()
    service_s: int = 0


@dataclass(frozen=True, slots=True)
class Item:
    """One line of what the parcel holds, as the driver sees it: ``quantity`` x ``description`` (``sku``), and the
    barcode on its label when it has one (``""``: none). Limits and checks: ``domain/items.py``."""

    description: str
    quantity: int = 1
    sku: str = ""
    barcode: str = ""


@dataclass(frozen=True, slots=True)
class Geocoded:
    """How an order's location was found from its address (docs/geocoding.md): ``precision`` is ``address`` (at
    the house), ``interpolated`` (between two known numbers of the street) or ``street`` (on its street only), and
    ``label`` the place as the address index names it. Set by Doorstep when it placed the order, never by clients."""

    precision: str
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """One customer request. For PAIRED orders, ``location`` is the drop-off and ``pickup`` the collection."""

    id: str
    external_ref: str
    kind: OrderKind
    location: LatLng
    address: str = ""
    contact: Contact = field(default_factory=Contact)
    time_windows: tuple[TimeWindow, ...] = ()
    service_s: int = 0
    size: dict[str, int] = field(default_factory=dict)
    collect: dict[str, int] = field(default_factory=dict)  # also taken back to the depot (exchanges, crates)
    skills: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    value_cents: int = 0  # what serving an OPTIONAL order is worth
    alternatives: tuple[Place, ...] = ()
    instructions: str = ""
    release_at: datetime | None = None  # goods ready at the depot from then on
    depot_id: str | None = None  # ship from this depot only (None: any depot)
    pickup: PairedPickup | None = None
    tags: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()  # what the parcel holds; planning ignores it
    pickup_point_id: str | None = None  # delivered to this pickup point: orders to one point a day are one stop
    # of service_s, what is paid once per visit to the pickup point (its handover): an order served right after
    # another order to the same point, at the same place, skips it (domain.pickup.service_after)
    handover_s: int = 0
    geocoded: Geocoded | None = None  # the location came from the address (how exactly); None: given as coordinates

    @property
    def is_pickup_like(self) -> bool:
        """Goods travel from the customer to the depot."""
        return self.kind in (OrderKind.PICKUP, OrderKind.RETURN)

    @property
    def barcodes(self) -> tuple[str, ...]:
        """The item barcodes the driver is expected to scan, in item order."""
        return tuple(i.barcode for i in self.items if i.barcode)
