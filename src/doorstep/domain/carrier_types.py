"""What passes between Doorstep and a partner carrier: quotes, bookings, labels, statuses, and the offer a plan
makes to a carrier (the third outcome of an order next to "on a route" and "unassigned")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from doorstep.domain.status import OrderStatus


class CarrierStatus(StrEnum):
    """A booked order's status as carriers report it (their own words are mapped onto these)."""

    BOOKED = "booked"  # the carrier accepted the order
    PICKED_UP = "picked_up"  # collected at the depot
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED = "failed"  # a failed attempt (the carrier's reason travels with it)
    CANCELLED = "cancelled"  # the carrier gave the order back


# the order status each carrier status means (the same lifecycle and events as an own delivery)
ORDER_STATUS_OF: dict[CarrierStatus, OrderStatus] = {
    CarrierStatus.BOOKED: OrderStatus.PLANNED,
    CarrierStatus.PICKED_UP: OrderStatus.DISPATCHED,
    CarrierStatus.IN_TRANSIT: OrderStatus.DISPATCHED,
    CarrierStatus.OUT_FOR_DELIVERY: OrderStatus.DISPATCHED,
    CarrierStatus.DELIVERED: OrderStatus.DELIVERED,
    CarrierStatus.FAILED: OrderStatus.FAILED,
    CarrierStatus.CANCELLED: OrderStatus.NEW,  # back to us: plannable again
}
ORDER_EVENT_OF: dict[OrderStatus, str] = {
    OrderStatus.NEW: "order.updated",
    OrderStatus.PLANNED: "order.planned",
    OrderStatus.DISPATCHED: "order.dispatched",
    OrderStatus.DELIVERED: "order.delivered",
    OrderStatus.FAILED: "order.failed",
}


class CarrierUnavailableError(Exception):
    """A carrier call that did not succeed (timeout, refused connection, 5xx, an answer that is not the protocol's):
    the order stays with us."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A carrier's price for one order (``quote_id``: the carrier's reference, if it keeps quotes)."""

    order_id: str
    price_cents: int
    quote_id: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    """An order the carrier took: its reference and where the customer and the depot find it."""

    order_id: str
    external_id: str
    tracking_url: str = ""
    label_url: str = ""
    status: CarrierStatus = CarrierStatus.BOOKED


@dataclass(frozen=True, slots=True)
class Label:
    """A shipping label: its bytes (PDF or ZPL) or a URL where the carrier serves it."""

    content: bytes = b""
    content_type: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A status as the carrier reports it (a poll, a callback or a dispatcher's entry)."""

    status: CarrierStatus
    at: datetime | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CarrierOffer:
    """A plan's proposal to hand an order to a carrier: the price, what our fleet saves, and why."""

    order_id: str
    external_ref: str
    carrier_id: str
    carrier_name: str
    price_cents: int
    saving_cents: int  # the route's cost with the order minus without it, minus the price (0 for unassigned)
    reason: str  # "unassigned: FLEET_FULL" or "cheaper by 12.40 EUR"
    route_id: str | None = None  # the route it leaves when confirmed (None: it was unassigned)
    route_cost_cents: int = 0  # what serving it costs our fleet (the route's cost with it minus without it)
    together: tuple[str, ...] = ()  # orders offered with it: removed together they save route_cost_cents summed


def aware_time(value: object) -> datetime | None:
    """A carrier's ISO-8601 time stamp with its offset; None for anything else (a missing, malformed or naive one):
    the one reading of a carrier's times, for its answers and its callbacks."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


MAX_LINK = 1000  # characters of a carrier's tracking or label URL (what the booking keeps)


def web_link(value: object) -> str:
    """A carrier's URL when it is an http(s) address with a host and fits ``MAX_LINK``; '' for anything else (a
    ``javascript:`` or ``data:`` link from a carrier must never reach a page as a link)."""
    if not isinstance(value, str) or not value or len(value) > MAX_LINK or any(c in value for c in " \t\r\n<>\"'"):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.hostname else ""
