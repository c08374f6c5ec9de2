"""Partner carrier request and response bodies (``/v1/carriers``) and a plan's carrier offers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from doorstep.api.schemas_common import Out, Strict
from doorstep.api.schemas_fleet import Versioned

EXAMPLE_CARRIER: Any = {
    "name": "CityCourier",
    "kind": "http",
    "endpoints": {
        "quote": "https://api.citycourier.example/quotes",
        "book": "https://api.citycourier.example/bookings",
    },
    "secret": "shared-secret-of-at-least-16-chars",
    "service_areas": [{"depot_id": "dep_01jbz8y3q5m2k7n4p6r8s0t2v4", "radius_m": 40000}],
    "price": {"base_cents": 450, "per_kg_cents": 20, "per_parcel_cents": 50, "per_km_cents": 15},
    "cutoff": "14:00",
    "capacity_per_day": 200,
}


class CarrierIn(Strict):
    """A partner carrier. Values are checked by the service so that every problem has its code (E1640–E1649,
    E1642 for an endpoint outside the allowed addresses). ``secret``: the HMAC key of its callbacks, write-only
    (left out when replacing: the stored one stays)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_CARRIER]})

    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, description="http | manifest")
    endpoints: dict[str, str] = Field(
        default_factory=dict, description="quote, book, cancel, label, status -> URL (http carriers: quote and book)"
    )
    secret: str | None = Field(None, max_length=200, description="signs the carrier's status callbacks (write-only)")
    service_areas: list[dict[str, Any]] = Field(
        default_factory=list, description="[{depot_id, radius_m} | {depot_id, polygon: [{lat, lng}, ...]}]"
    )
    price: dict[str, int] = Field(default_factory=dict, description="base_cents, per_kg_cents, per_parcel_cents, "
                                  "per_km_cents (km: straight line from the depot)")  # fmt: skip
    cutoff: str | None = Field(None, max_length=5, description="local HH:MM of the depot on the delivery day")
    capacity_per_day: int | None = Field(None, description="orders a day (null: no limit)")
    auto_confirm: bool = Field(False, description="the policy: offers to this carrier are booked without a dispatcher")
    timeout_s: float = Field(10.0, description="timeout of one call to the carrier, seconds")
    retries: int = Field(2, description="further attempts of a call that timed out or got a 5xx")
    active: bool = True


class PointOut(Out):
    """A corner of a service area."""

    lat: float
    lng: float


class ServiceAreaOut(Out):
    """Addresses served for one depot: within ``radius_m`` of it, or inside ``polygon``."""

    depot_id: str
    radius_m: int | None = None
    polygon: list[PointOut] | None = None


class CarrierOut(Versioned):
    """A stored carrier (its secret is never shown: ``has_secret`` says whether one is set)."""

    name: str
    kind: str
    active: bool
    endpoints: dict[str, str] = Field(default_factory=dict)
    service_areas: list[ServiceAreaOut] = Field(default_factory=list)
    price: dict[str, int] = Field(default_factory=dict)
    cutoff: str | None = None
    capacity_per_day: int | None = None
    auto_confirm: bool = False
    timeout_s: float = 10.0
    retries: int = 2
    has_secret: bool = False
    updated_at: dt.datetime


class BookingOut(Out):
    """An order handed (or being handed) to a carrier."""

    id: str
    carrier_id: str
    order_id: str
    plan_id: str | None
    date: dt.date = Field(validation_alias="day")
    status: str = Field(description="pending, booked, not_booked (the carrier did not answer), cancelled, "
                        "delivered, failed")  # fmt: skip
    price_cents: int
    saving_cents: int
    external_id: str
    tracking_url: str
    label_url: str
    carrier_status: str
    attempts: int
    last_error: str | None
    updated_at: dt.datetime


class StatusIn(Strict):
    """A manifest carrier's status for one order, entered by a dispatcher."""

    status: str = Field(max_length=30, description="booked, picked_up, in_transit, out_for_delivery, delivered, "
                        "failed, cancelled")  # fmt: skip
    detail: str = Field("", max_length=500, description="the carrier's words (a failure's reason)")


class AppliedOut(Out):
    """What a status did to the order."""

    booking_id: str
    order_id: str
    order_status: str
    applied: bool = Field(description="false: recorded only (a step back, or a closed booking)")
    duplicate: bool = Field(False, description="a callback with this event_id was received before")


class CarrierOfferOut(Out):
    """A plan's proposal to hand an order to a partner carrier."""

    order_id: str
    external_ref: str
    carrier_id: str
    carrier_name: str
    price_cents: int
    saving_cents: int = Field(description="what the fleet saves net of the price (0 for an unassigned order)")
    route_cost_cents: int = Field(description="the route's cost with the order minus without it")
    currency: str
    reason: str = Field(description='"unassigned: FLEET_FULL" or "cheaper by 12.40 €"')
    route_id: str | None
    together: list[str] = Field(default_factory=list, description="orders offered with this one (a remote cluster: "
                                "their detour is saved only when all of them go)")  # fmt: skip
    status: str = Field(description="open, booking, booked, not_booked, declined (the dispatcher kept the order)")
    booking_id: str | None
    error: str | None
