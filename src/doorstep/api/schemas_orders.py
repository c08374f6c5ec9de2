"""Order request and response bodies (the order object is Doorstep JSON's, plus the service ``date``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import ConfigDict, Field

from doorstep.api.schemas_common import MAX_INT, Amount, ErrorDetail, IssueOut, LatLngIn, Out, Strict

EXAMPLE_ORDER: Any = {
    "external_ref": "SHOP-1001",
    "depot_id": "dep_01jbz8y3q5m2k7n4p6r8s0t2v4",
    "date": "2025-06-17",
    "location": {"lat": 38.7223, "lng": -9.1393},
    "address": "Rua Augusta 100, Lisboa",
    "contact": {"name": "Ana Silva", "phone": "+351 912 345 678"},
    "time_windows": [{"start": "09:00", "end": "11:00"}],
    "service_s": 180,
    "size": {"parcels": 2, "weight_g": 3500},
    "items": [
        {"sku": "SH-42", "description": "Running shoes, size 42", "quantity": 2, "barcode": "4006381333931"},
        {"description": "Gift bag", "quantity": 1},
    ],
}


class WindowIn(Strict):
    """Service must start within [start, end]: ``HH:MM`` local to the depot on ``date``, or ISO-8601 with offset."""

    start: str = Field(max_length=40, examples=["09:00"])
    end: str = Field(max_length=40, examples=["11:00"])


class ContactIn(Strict):
    """Who to call at the door."""

    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=50)
    email: str = Field("", max_length=320)
    language: str = Field(
        "", max_length=35, pattern=r"^([a-z]{2,3}([-_][A-Za-z0-9]{2,8})*)?$",
        description="language of customer messages (en, fr, de, es, pt, ...; empty: English)",
    )  # fmt: skip


class PickupIn(Strict):
    """Where a paired (store-to-door) order is collected."""

    location: LatLngIn
    address: str = Field("", max_length=500)
    time_windows: list[WindowIn] = Field(default_factory=list, max_length=8)
    service_s: int = Field(0, ge=0, le=86_400)


class PlaceIn(Strict):
    """An alternative place to serve the order (a neighbour, a pickup point)."""

    location: LatLngIn
    address: str = Field("", max_length=500)
    label: str = Field("", max_length=200)
    time_windows: list[WindowIn] = Field(default_factory=list, max_length=8)


class ItemIn(Strict):
    """One line of what the parcel holds. Values are checked by the order service so that every problem gets its
    own code at ``items[k].field`` (E1123 no description, E1124 quantity not 1..10,000, E1125 bad barcode, E1126
    barcode repeated in the order, E1127 over 200 items, E1128 text too long)."""

    sku: str | None = Field(None, description="your article number (at most 100 characters)")
    description: str = Field("", description="what it is, as the driver reads it (1..500 characters)")
    quantity: int = Field(1, description="how many (1..10,000)")
    barcode: str | None = Field(
        None, description="the code on its label (1..128 printable characters), unique within the order"
    )


class OrderIn(Strict):
    """A new order, or the full replacement of one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_ORDER]})

    external_ref: str = Field(min_length=1, max_length=200, description="the client's own id; unique per org")
    depot_id: str = Field(max_length=64)
    date: dt.date
    kind: Literal["delivery", "pickup", "return", "paired"] = "delivery"
    location: LatLngIn | None = Field(None, description="where to deliver; omit it for an order to a pickup point")
    pickup_point_id: str | None = Field(
        None, max_length=64, description="deliver to this pickup point: its place and opening hours become the order's"
    )
    address: str = Field("", max_length=500)
    contact: ContactIn = Field(default_factory=ContactIn)
    time_windows: list[WindowIn] = Field(default_factory=list, max_length=8)
    service_s: int = Field(0, ge=0, le=86_400)
    size: dict[str, Amount] = Field(default_factory=dict)
    collect: dict[str, Amount] = Field(default_factory=dict)
    skills: list[str] = Field(default_factory=list, max_length=50)
    priority: Literal["must_serve", "high", "normal", "optional"] = "normal"
    value_cents: int = Field(0, ge=0, le=MAX_INT)
    instructions: str = Field("", max_length=2000)
    tags: list[str] = Field(default_factory=list, max_length=50)
    pickup: PickupIn | None = None
    alternatives: list[PlaceIn] = Field(default_factory=list, max_length=10)
    release_at: str | None = Field(None, max_length=40, description="goods ready at the depot (HH:MM or ISO)")
    items: list[ItemIn] = Field(
        default_factory=list, description="what the parcel holds, with barcodes for the driver to scan (at most 200)"
    )

    def to_data(self) -> dict[str, Any]:
        """The plain dict the order service takes."""
        return self.model_dump()


class OrderUpdate(OrderIn):
    """A full replacement, made to ``version`` (409 when the order changed meanwhile)."""

    version: int = Field(ge=1, le=MAX_INT)

    def to_data(self) -> dict[str, Any]:
        """The order fields without the version."""
        return self.model_dump(exclude={"version"})


class BulkIn(Strict):
    """Up to 1,000 orders created together: all or none (more is E1305)."""

    orders: list[OrderIn] = Field(min_length=1)


class OrderOut(Out):
    """A stored order: status, version and its Doorstep JSON object (``data``)."""

    id: str
    external_ref: str
    depot_id: str
    date: dt.date = Field(validation_alias="day")
    status: str
    kind: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    data: dict[str, Any]


class OrderCreated(OrderOut):
    """The stored order and the warnings about it (W1209: its coordinates look swapped)."""

    warnings: list[ErrorDetail] = Field(default_factory=list)


class BulkOut(Out):
    """The orders in request order; ``created[i]`` is false where the external_ref already existed; ``warnings``
    located at ``["orders", i, ...]``."""

    orders: list[OrderOut]
    created: list[bool]
    warnings: list[ErrorDetail] = Field(default_factory=list)


class EventOut(Out):
    """One entry of an order's timeline."""

    id: str
    type: str
    from_status: str | None
    to_status: str | None
    actor: str
    actor_name: str | None = Field(None, description="the actor as people know them: email, key or driver name")
    at: dt.datetime
    data: dict[str, Any]


class ImportRow(Out):
    """A stored row of an uploaded file."""

    row: int
    id: str
    external_ref: str


class ImportReportOut(Out):
    """Per-row result of a file upload: created, already existing, skipped (with every problem), warnings."""

    created: list[ImportRow]
    existing: list[ImportRow]
    skipped: list[IssueOut] = Field(description="one W1205 per bad row, naming each of its problems")
    warnings: list[IssueOut]


class MessageOut(Out):
    """A message to the order's customer and how its delivery went: ``queued`` (waiting or being retried: see
    ``attempts``, ``next_attempt_at`` and ``last_error``), ``sent`` (the provider accepted it: ``provider_id`` is
    the email's Message-ID or the SMS sid), ``failed`` (refused for good or still failing after the last attempt),
    ``bounced`` (the mail server refused the recipient, or the SMS provider reported it undelivered)."""

    id: str
    order_id: str
    trigger: Literal[
        "order_confirmed", "scheduled", "out_for_delivery", "arriving_soon", "delayed", "delivered", "delivery_failed",
        "rescheduled", "return_scheduled", "return_received", "feedback_request", "ready_for_pickup",
        "address_changed",
    ]  # fmt: skip
    version: int
    channel: Literal["email", "sms"]
    recipient: str
    language: str
    subject: str = Field(description="the email's subject; empty for SMS")
    body_text: str = Field(description="the email's text part, or the SMS")
    status: Literal["queued", "sent", "failed", "bounced"]
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    provider_id: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
