"""The audit trail: every status change is an event, written in the same transaction as the change together with
a delivery per matching webhook subscription and a handling per registered event handler (a transactional outbox:
nothing is announced that was not saved, and nothing saved goes unannounced)."""

from __future__ import annotations

from typing import Any

from doorstep.domain.events import EventType
from doorstep.domain.ids import new_id
from doorstep.store.base import utcnow
from doorstep.store.models import EventHandlingRow, EventRow, WebhookDeliveryRow, WebhookSubscriptionRow
from doorstep.store.uow import UnitOfWork

EVENT_TYPES = tuple(t.value for t in EventType)  # what webhooks may subscribe to


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
        type_: EventType | str,
        subject_id: str,
        *,
        from_status: str | None = None,
        to_status: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> EventRow:
        """Store one event, queue its webhook deliveries and its handlings (dispatched once the unit commits)."""
        type_ = EventType(type_).value  # an unknown type is a bug: ValueError
        at = utcnow()
        event = EventRow(
            id=new_id("evt"), org_id=self.uow.org_id, at=at, type=type_, subject_id=subject_id, from_status=from_status,
            to_status=to_status, actor=self.actor, data=data or {},
        )  # fmt: skip
        self.uow.session.add(event)
        names = self.uow.listener.handlers_for(type_) if self.uow.listener is not None else ()
        if names:  # only events some handler reacts to are dispatched
            for name in names:
                self.uow.session.add(
                    EventHandlingRow(
                        id=new_id("evh"), org_id=self.uow.org_id, event_id=event.id, event_type=type_, handler=name,
                        status="pending", attempts=0, next_attempt_at=None, lease_until=None, last_error=None,
                        done_at=None,
                    )
                )  # fmt: skip
            self.uow.recorded.append(event.id)
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
