"""Lifecycle tables of orders, plans and routes."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.status import ALLOWED_TRANSITIONS, OrderStatus, PlanStatus, RouteStatus, transition


def test_every_status_has_a_row() -> None:
    """Each lifecycle table has an entry for every status of its enum, pointing only to that enum."""
    for enum, table in ALLOWED_TRANSITIONS.items():
        assert set(table) == set(enum)
        assert all(isinstance(t, enum) for targets in table.values() for t in targets)


def test_forbidden_transition_raises_e2004() -> None:
    """A delivered order cannot be cancelled; the error names the subject and both statuses."""
    with pytest.raises(DoorstepError) as exc:
        transition(OrderStatus.DELIVERED, OrderStatus.CANCELLED, subject="ord_x")
    assert exc.value.code == "E2004" and "delivered" in str(exc.value) and "ord_x" in str(exc.value)


def test_dispatched_routes_are_final_and_failed_plans_retry() -> None:
    """A dispatched route never changes status; a failed plan may be queued again (retry)."""
    assert ALLOWED_TRANSITIONS[RouteStatus][RouteStatus.DISPATCHED] == frozenset()
    assert transition(PlanStatus.FAILED, PlanStatus.QUEUED, subject="pln_x") is PlanStatus.QUEUED
