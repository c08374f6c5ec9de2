"""Every event type the platform records: the audit trail, the webhook catalogue and what handlers react to."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """An event type as stored (``events.type``) and sent to webhooks: ``<subject>.<what happened>``."""

    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_PLANNED = "order.planned"
    ORDER_DISPATCHED = "order.dispatched"
    ORDER_DELIVERED = "order.delivered"  # its stop was completed
    ORDER_FAILED = "order.failed"  # its stop failed
    ORDER_RESCHEDULED = "order.rescheduled"  # the customer moved it to another window (tracking page)
    ORDER_RELOCATED = "order.relocated"  # its delivery address changed (the customer's page or a dispatcher)
    PLAN_QUEUED = "plan.queued"
    PLAN_STARTED = "plan.started"
    PLAN_COMPLETED = "plan.completed"
    PLAN_FAILED = "plan.failed"
    PLAN_CANCELLED = "plan.cancelled"
    PLAN_PUBLISHED = "plan.published"
    ROUTE_UPDATED = "route.updated"
    ROUTE_DISPATCHED = "route.dispatched"
    LOAD_SCANNED = "load.scanned"  # a parcel scanned into a van before departure (loaded, foreign or unknown)
    LOAD_CHECKED = "load.checked"  # the driver finished loading: what was loaded and what is missing
    STOP_ARRIVED = "stop.arrived"
    STOP_COMPLETED = "stop.completed"
    STOP_FAILED = "stop.failed"
    DELIVERY_FAILED = "delivery.failed"  # the failure policy's record of a failed attempt (with its next step)
    PICKUP_FAILED = "pickup.failed"  # the same for a failed collection (a pickup or a customer's return)
    RETURN_CREATED = "return.created"
    RETURN_SCHEDULED = "return.scheduled"
    RETURN_IN_TRANSIT = "return.in_transit"
    RETURN_RECEIVED = "return.received"
    ETA_UPDATED = "eta.updated"  # a route's re-timed ETAs moved enough to matter to customers (subject: the route)
    DRIVER_CODE_ISSUED = "driver.code_issued"
    FEEDBACK_RECEIVED = "feedback.received"  # a customer rated a delivery (again: the rating was replaced)
    SLOT_HELD = "slot.held"  # a checkout reserved a place in a delivery window
    SLOT_CONFIRMED = "slot.confirmed"  # the hold became an order with that window
    SLOT_EXPIRED = "slot.expired"  # an unconfirmed hold ran out and freed its place
    SLOT_RELEASED = "slot.released"  # the checkout gave an unconfirmed hold back (the customer chose another)
    SLOT_POLICY_UPDATED = "slot_policy.updated"  # an admin replaced or removed the slot policy (its delivery zones)
    CARRIER_BOOKED = "carrier.booked"  # an order was handed to a partner carrier (subject: the order)
    CARRIER_NOT_BOOKED = "carrier.not_booked"  # the carrier did not answer: the order stays ours, flagged
    CARRIER_STATUS = "carrier.status"  # a booked order's status from the carrier (callback or by hand)
    CARRIER_CANCELLED = "carrier.cancelled"  # a booking was given back: the order is ours again
    CARRIER_DECLINED = "carrier.declined"  # a dispatcher declined a plan's carrier offer: the order stays ours
    TRANSFER_CREATED = "transfer.created"  # an inbound trunk run to a depot was announced (with its orders)
    TRANSFER_UPDATED = "transfer.updated"  # its orders, sorting time or reference changed (not later)
    TRANSFER_DELAYED = "transfer.delayed"  # its goods are ready later: names the routes that would leave too early
    TRANSFER_ARRIVED = "transfer.arrived"  # it arrived at the depot (with how late)
    TRANSFER_DELETED = "transfer.deleted"  # it was called off: its orders are no longer held back by it


def matches(pattern: str, type_: str) -> bool:
    """Whether an event type matches a handler's or subscription's pattern: ``*``, ``route.*`` or an exact type."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return type_.startswith(pattern[:-1])
    return pattern == type_
