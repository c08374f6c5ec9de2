"""Lifecycles as tables: the statuses of orders, plans and routes, their allowed transitions, one transition().

Every transition is stored as an event by the service that makes it (the audit trail).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    NEW = "new"  # accepted, not on a published plan
    PLANNED = "planned"  # on a published plan
    DISPATCHED = "dispatched"  # its route was sent to the driver
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PlanStatus(StrEnum):
    """A plan version: a planning job, then its result."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a newer version was published


class RouteStatus(StrEnum):
    """One route of a plan version."""

    DRAFT = "draft"
    PUBLISHED = "published"
    DISPATCHED = "dispatched"
    SUPERSEDED = "superseded"


class StopStatus(StrEnum):
    """A stop as the driver works it: arrive, then complete or fail (arriving may be skipped)."""

    PENDING = "pending"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    FAILED = "failed"


ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.NEW: frozenset({OrderStatus.PLANNED, OrderStatus.CANCELLED}),
    OrderStatus.PLANNED: frozenset({OrderStatus.NEW, OrderStatus.DISPATCHED, OrderStatus.CANCELLED}),
    # back to new: the customer is not home today and the order moves to another day (self-service)
    OrderStatus.DISPATCHED: frozenset(
        {OrderStatus.NEW, OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED}
    ),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.FAILED: frozenset({OrderStatus.NEW}),
    OrderStatus.CANCELLED: frozenset(),
}
PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.QUEUED: frozenset({PlanStatus.RUNNING, PlanStatus.FAILED}),
    PlanStatus.RUNNING: frozenset({PlanStatus.SUCCEEDED, PlanStatus.FAILED}),
    PlanStatus.SUCCEEDED: frozenset({PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED}),
    PlanStatus.FAILED: frozenset({PlanStatus.QUEUED}),  # retry
    PlanStatus.PUBLISHED: frozenset({PlanStatus.SUPERSEDED}),
    PlanStatus.SUPERSEDED: frozenset(),
}
ROUTE_TRANSITIONS: dict[RouteStatus, frozenset[RouteStatus]] = {
    RouteStatus.DRAFT: frozenset({RouteStatus.PUBLISHED, RouteStatus.SUPERSEDED}),
    RouteStatus.PUBLISHED: frozenset({RouteStatus.DISPATCHED, RouteStatus.SUPERSEDED}),
    RouteStatus.DISPATCHED: frozenset(),  # never silently replaced
    RouteStatus.SUPERSEDED: frozenset(),
}
STOP_TRANSITIONS: dict[StopStatus, frozenset[StopStatus]] = {
    StopStatus.PENDING: frozenset({StopStatus.ARRIVED, StopStatus.COMPLETED, StopStatus.FAILED}),
    StopStatus.ARRIVED: frozenset({StopStatus.COMPLETED, StopStatus.FAILED}),
    StopStatus.COMPLETED: frozenset(),
    StopStatus.FAILED: frozenset(),
}
ALLOWED_TRANSITIONS: dict[type[StrEnum], Mapping[Any, frozenset[Any]]] = {
    OrderStatus: ORDER_TRANSITIONS,
    PlanStatus: PLAN_TRANSITIONS,
    RouteStatus: ROUTE_TRANSITIONS,
    StopStatus: STOP_TRANSITIONS,
}
STOP_ORDER_STATUS: dict[StopStatus, OrderStatus] = {
    StopStatus.COMPLETED: OrderStatus.DELIVERED,
    StopStatus.FAILED: OrderStatus.FAILED,
}  # what a finished stop makes of its order


def can_transition[S: StrEnum](current: S, target: S) -> bool:
    """Whether the lifecycle table allows ``current -> target``."""
    return target in ALLOWED_TRANSITIONS[type(current)][current]


def transition[S: StrEnum](current: S, target: S, *, subject: str) -> S:
    """``target`` when allowed, else raise E2004 naming the subject and both statuses."""
    if not can_transition(current, target):
        msg = f"{subject}: cannot go from {current.value} to {target.value}"
        raise DoorstepError([Issue("E2004", msg, ("status",), subject)])
    return target
