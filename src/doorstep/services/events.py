"""The audit trail: every status change is an event, and each event fans out to matching webhook subscriptions
in the same transaction (a transactional outbox: nothing is announced that was not saved)."""

from __future__ import annotations

from typing import Any

from doorstep.domain.ids import new_id
from doorstep.store.base import utcnow
from doorstep.store.models import EventRow, WebhookDeliveryRow, WebhookSubscriptionRow
from doorstep.store.uow import UnitOfWork

EVENT_TYPES = (
    "order.created",
    "order.updated",
    "order.cancelled",
    "order.planned",
    "order.dispatched",
    "plan.queued",
    "plan.started",
    "plan.completed",
    "plan.failed",
    "plan.cancelled",
    "plan.published",
    "route.updated",
    "route.dispatched",
    "delivery.failed",
    "return.created",
    "return.scheduled",
    "return.in_transit",
    "return.received",
)


class EventRecorder:
    """Records events within one unit of work; loads the subscriptions once per unit."""

    def __init__(self, uow: UnitOfWork, actor: str) -> None:
        self.uow = uow
        self.actor = actor
        self._subs: list[WebhookSubscriptionRow] | None = None

    def _subscriptions(self) -> list[WebhookSubscriptionRow]:
        if self._subs is None:
            # disabled subscriptions queue too: their deliveries go out once the receiver is fixed and re-enabled
            self._subs = self.uow.webhooks.all()
        return self._subs

    def record(
        self,
        type_: str,
        subject_id: str,
        *,
        from_status: str | None = None,
        to_status: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> EventRow:
        """Store one event and queue its webhook deliveries."""
        at = utcnow()
        event = EventRow(
            id=new_id("evt"), org_id=self.uow.org_id, at=at, type=type_, subject_id=subject_id, from_status=from_status,
            to_status=to_status, actor=self.actor, data=data or {},
        )  # fmt: skip
        self.uow.session.add(event)
        payload = {
            "id": event.id, "type": type_, "subject_id": subject_id, "from_status": from_status,
            "to_status": to_status, "actor": self.actor, "occurred_at": at.isoformat(), "data": data or {},
        }  # fmt: skip
        for sub in self._subscriptions():
            if type_ in sub.event_types or "*" in sub.event_types:
                self.uow.deliveries.add(
                    WebhookDeliveryRow(
                        id=new_id("dlv"), subscription_id=sub.id, event_id=event.id, event_type=type_,
                        payload=payload, status="pending", next_attempt_at=None,
                    )
                )  # fmt: skip
        return event
