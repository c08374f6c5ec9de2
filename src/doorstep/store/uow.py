"""The unit of work: one transaction, repositories scoped to one organization, commit or roll back as a whole."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from doorstep.store.conflicts import conflict
from doorstep.store.idempotency_mark import mark_applied
from doorstep.store.models import (
    AccessZoneRow,
    ApiKeyRow,
    DepotRow,
    DriverRow,
    PlanRow,
    RouteRow,
    ShiftRow,
    StopRow,
    UserRow,
    VehicleRow,
    VehicleTypeRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)
from doorstep.store.models_customers import FeedbackRow, TrackingTokenRow
from doorstep.store.models_live import DriverCodeRow, ProofRow, StopEventRow
from doorstep.store.models_messages import MessageRow
from doorstep.store.models_orders import OrderRow
from doorstep.store.models_pickup import PickupPointRow
from doorstep.store.repositories import Repository


class EventListener(Protocol):
    """Who reacts to the events a unit records (the event bus, injected by the composition root)."""

    def handlers_for(self, event_type: str) -> Sequence[str]:
        """The names of the handlers that must run for an event of this type (a row each, in the same commit)."""

    def after_commit(self, org_id: str, event_ids: list[str]) -> None:
        """The unit committed these events and ended: hand them to their handlers (never raises into the caller)."""


class UnitOfWork:
    """``with UnitOfWork(sessions, org_id) as uow: ...; uow.commit()`` — anything not committed is rolled back.

    A constraint the database enforces that escapes the block (a concurrent request stored the same unique value
    first) leaves it as a coded conflict, ``ConflictError`` (E2007/E2010, HTTP 409), never as an internal error;
    code inside the block may still catch ``IntegrityError`` itself to say something more specific."""

    def __init__(self, sessions: sessionmaker[Session], org_id: str, listener: EventListener | None = None) -> None:
        self._sessions = sessions
        self.org_id = org_id
        self.listener = listener
        self.recorded: list[str] = []  # ids of events recorded since the last commit
        self._committed: list[str] = []  # ids of committed events, handed to the listener when the unit ends

    def __enter__(self) -> Self:
        self.session = self._sessions()
        s, org = self.session, self.org_id
        self.users = Repository(s, UserRow, org, "user")
        self.api_keys = Repository(s, ApiKeyRow, org, "API key")
        self.depots = Repository(s, DepotRow, org, "depot")
        self.vehicle_types = Repository(s, VehicleTypeRow, org, "vehicle type")
        self.access_zones = Repository(s, AccessZoneRow, org, "access zone")
        self.vehicles = Repository(s, VehicleRow, org, "vehicle")
        self.drivers = Repository(s, DriverRow, org, "driver")
        self.shifts = Repository(s, ShiftRow, org, "shift")
        self.orders = Repository(s, OrderRow, org, "order")
        self.plans = Repository(s, PlanRow, org, "plan")
        self.routes = Repository(s, RouteRow, org, "route")
        self.stops = Repository(s, StopRow, org, "stop")
        self.webhooks = Repository(s, WebhookSubscriptionRow, org, "webhook subscription")
        self.deliveries = Repository(s, WebhookDeliveryRow, org, "webhook delivery")
        self.driver_codes = Repository(s, DriverCodeRow, org, "driver code")
        self.stop_events = Repository(s, StopEventRow, org, "stop event")
        self.proofs = Repository(s, ProofRow, org, "proof")
        self.messages = Repository(s, MessageRow, org, "message")
        self.tracking_tokens = Repository(s, TrackingTokenRow, org, "tracking link")
        self.feedback = Repository(s, FeedbackRow, org, "feedback")
        self.pickup_points = Repository(s, PickupPointRow, org, "pickup point")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() ends the transaction (rolling back anything uncommitted) and detaches the rows with their loaded
        # values, so callers may read what a service returns; an explicit rollback would expire them.
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            self.session.close()
            committed, self._committed, self.recorded = self._committed, [], []
            if committed and self.listener is not None:  # after the unit: its follow-up work is announced first
                self.listener.after_commit(self.org_id, committed)
        if isinstance(exc, IntegrityError):
            raise conflict(exc) from exc

    def commit(self) -> None:
        """Make everything staged in this unit durable at once (its events are dispatched when the unit ends);
        within an idempotent create, the first commit also marks its claim applied (``idempotency_mark``)."""
        mark_applied(self.session)
        self.session.commit()
        self._committed += self.recorded
        self.recorded = []

    def flush(self) -> None:
        """Send staged rows to the database (to surface constraint errors) without committing."""
        self.session.flush()
