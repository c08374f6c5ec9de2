"""Cancelling an order with its effect on the plan shown first: where the order is planned (the live route of a
published plan, if any) and, for an order on one, the cancellation computed as a pending re-planning proposal
(cost change, ETAs that move) that the dispatcher approves to cancel, or rejects to keep the order."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.status import OrderStatus, PlanStatus, transition
from doorstep.services.kernel.access import Actor, Permission, system_actor
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations import replanning
from doorstep.services.operations.live_day import LIVE_ROUTES
from doorstep.store.models import OrderRow, ProposalRow, RouteRow, StopRow
from doorstep.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CancelPreview:
    """What cancelling ``order`` does: nothing to any plan (``route`` None: cancel it directly), or the pending
    ``proposal`` that takes it off ``route`` (approve it to cancel)."""

    order: OrderRow
    route: RouteRow | None
    proposal: ProposalRow | None


def live_route_of(uow: UnitOfWork, order_id: str) -> RouteRow | None:
    """The published or dispatched route of a published plan that holds the order, if any."""
    route_ids = sorted({s.route_id for s in uow.stops.all(StopRow.order_id == order_id)})
    routes = [r for r in uow.routes.get_many(route_ids).values() if r.status in LIVE_ROUTES]
    plans = uow.plans.get_many(sorted({r.plan_id for r in routes}))
    live = [r for r in routes if plans[r.plan_id].status == PlanStatus.PUBLISHED.value]
    return max(live, key=lambda r: r.version) if live else None


def preview_cancel(p: Platform, actor: Actor, order_id: str) -> CancelPreview:
    """The effect of cancelling the order; E2004 when it can no longer be cancelled (delivered or cancelled)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        order = uow.orders.require(order_id)
        transition(OrderStatus(order.status), OrderStatus.CANCELLED, subject=order_id)  # refuses as cancel would
        route = live_route_of(uow, order_id)
    if route is None:
        return CancelPreview(order, None, None)
    req = replanning.Request(route.plan_id, replanning.ProposalKind.CANCEL, order_id)
    return CancelPreview(order, route, replanning.propose(p, actor, req, auto_approve=False))


def on_order_cancelled(p: Platform, event: EventRecord) -> None:
    """Event handler for ``order.cancelled``: an order cancelled directly (not through the preview's proposal)
    while it sits on a live route is taken off that route, as an applied cancel proposal, so the driver's app and
    the ETAs stop counting on it. Idempotent: once the stop is off the route there is nothing to do."""
    with p.uow(system_actor(event.org_id)) as uow:
        route = live_route_of(uow, event.subject_id)
    if route is None:
        return
    req = replanning.Request(route.plan_id, replanning.ProposalKind.CANCEL, event.subject_id)
    replanning.propose(p, system_actor(event.org_id), req, auto_approve=True)
