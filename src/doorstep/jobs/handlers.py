"""The event handlers of the platform, registered on the bus by the composition roots (the API app factory and
the worker), so the process that records an event and the one that handles it agree on the names."""

from __future__ import annotations

from doorstep.domain.events import EventType
from doorstep.jobs import registry
from doorstep.services.analytics import daily_cache, zones
from doorstep.services.carriers.bookings import on_order_cancelled as carrier_cancel
from doorstep.services.customer.notifications import NOTIFY_EVENTS, notify_customers
from doorstep.services.kernel.event_bus import EventBus, EventRecord
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.order_cancel import on_order_cancelled
from doorstep.services.operations.tracking import LivePolicy, refresh_on_route_event
from doorstep.services.returns.returns import on_stop_event
from doorstep.services.slots.slot_holds import release_on_cancel
from doorstep.services.slots.slot_live import propose_live_slot

FAILURE_POLICY = "returns.failure_policy"
ETA_REFRESH = "operations.eta_refresh"
NOTIFY = "customers.notify"
CANCEL_OFF_ROUTE = "operations.cancel_off_route"
SLOT_RELEASE = "customers.slot_release"
SLOT_LIVE = "operations.slot_insert"
ANALYTICS_ROLLUP = "analytics.rollup"
ANALYTICS_ZONES = "analytics.zones"
CARRIER_CANCEL = "carriers.cancel_booking"


def register_handlers(bus: EventBus, policy: LivePolicy) -> EventBus:
    """``stop.failed``/``stop.completed`` -> the failure policy and the return flow; ``route.*`` -> ETA refresh;
    dispatched routes, deliveries, failed deliveries and scheduled returns -> customer messages; ``order.cancelled``
    -> the order off its live route, and back from a partner carrier that holds it.
    Webhooks need no handler here: a delivery per subscription is queued with the event and sent (with its own
    retries and log) by the webhook scheduler."""

    def failure_policy(p: Platform, event: EventRecord) -> None:
        on_stop_event(p, event, policy.failure, policy.auto_approve)

    bus.on(FAILURE_POLICY, [EventType.STOP_FAILED.value, EventType.STOP_COMPLETED.value], failure_policy)
    bus.on(ETA_REFRESH, ["route.*"], refresh_on_route_event)
    bus.on(NOTIFY, NOTIFY_EVENTS, notify_customers)
    bus.on(CANCEL_OFF_ROUTE, [EventType.ORDER_CANCELLED.value], on_order_cancelled)
    bus.on(SLOT_RELEASE, [EventType.ORDER_CANCELLED.value], release_on_cancel)  # a slot order frees its place
    bus.on(SLOT_LIVE, [EventType.SLOT_CONFIRMED.value], propose_live_slot)  # same-day/express: into the live plan
    bus.on(ANALYTICS_ROLLUP, daily_cache.ROLLUP_EVENTS, daily_cache.on_event)  # a late change reopens its day
    bus.on(ANALYTICS_ZONES, zones.ZONE_EVENTS, zones.on_event)  # an order's delivery zone, for KPIs by zone
    bus.on(CARRIER_CANCEL, [EventType.ORDER_CANCELLED.value], carrier_cancel)  # a partner carrier gives it back
    registry.registered()  # the dispatch job (events.dispatch) is declared wherever a bus has handlers
    return bus
