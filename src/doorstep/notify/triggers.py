"""What a customer is told about, and the variables each message may use."""

from __future__ import annotations

from enum import StrEnum


class Trigger(StrEnum):
    """The moments a customer hears from Doorstep (which ones, on which channels: the organization's rules)."""

    ORDER_CONFIRMED = "order_confirmed"  # the order was created: its day and promised window
    SCHEDULED = "scheduled"  # the plan was published: the day and the planned arrival window
    OUT_FOR_DELIVERY = "out_for_delivery"  # the route is dispatched: ETA window and tracking link
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"  # with the reason and what happens next
    ARRIVING_SOON = "arriving_soon"  # the driver is a few stops or minutes away
    DELAYED = "delayed"  # the ETA is past the promised window by the organization's threshold
    RETURN_SCHEDULED = "return_scheduled"  # a customer's return pickup has its day and window
    RETURN_RECEIVED = "return_received"  # the returned parcel was scanned in at the depot
    FEEDBACK_REQUEST = "feedback_request"  # some time after delivery: rate it on the tracking page
    RESCHEDULED = "rescheduled"  # the customer moved the delivery to another window (confirmation)
    READY_FOR_PICKUP = "ready_for_pickup"  # the parcel was left at its pickup point: where and when to collect it
    ADDRESS_CHANGED = "address_changed"  # the delivery goes to another address now (confirmation: not you? say so)
    DRIVER_INVITE = "driver_invite"  # to a driver, not a customer: their one-time login code for the driver app


COMMON = frozenset({
    "customer_name", "order_ref", "sender_name", "tracking_url", "brand_colour", "brand_text", "logo_url",
    "unsubscribe_url",
})  # fmt: skip
VARIABLES: dict[Trigger, frozenset[str]] = {
    Trigger.ORDER_CONFIRMED: COMMON | {"day", "window"},
    Trigger.SCHEDULED: COMMON | {"day", "window"},
    Trigger.ARRIVING_SOON: COMMON | {"window", "stops_before"},
    Trigger.DELAYED: COMMON | {"day", "window"},
    Trigger.RETURN_RECEIVED: COMMON | {"day"},
    Trigger.FEEDBACK_REQUEST: COMMON | {"day"},
    Trigger.OUT_FOR_DELIVERY: COMMON | {"day", "window"},
    Trigger.DELIVERED: COMMON | {"day", "time"},
    Trigger.DELIVERY_FAILED: COMMON | {"day", "time", "reason", "next_step"},
    Trigger.RETURN_SCHEDULED: COMMON | {"day", "window"},
    Trigger.RESCHEDULED: COMMON | {"day", "window"},
    Trigger.READY_FOR_PICKUP: COMMON | {"day", "time", "point_name", "point_address", "opening_hours"},
    Trigger.ADDRESS_CHANGED: COMMON | {"address", "day", "window"},
    Trigger.DRIVER_INVITE: frozenset({"driver_name", "sender_name", "code", "expires", "app_url"}),
}
CUSTOMER_TRIGGERS = tuple(t for t in Trigger if t is not Trigger.DRIVER_INVITE)  # what rules decide about
LANGUAGES = ("en", "fr", "de", "es", "pt")  # every trigger has a template in each


def language_for(requested: str) -> str:
    """The template language for a customer's language tag (``pt-BR`` -> ``pt``); English when not offered."""
    primary = requested.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else "en"
