"""What the driver app hears live: changes to the driver's own routes and their ETAs, nothing of other drivers."""

from __future__ import annotations

from typing import Any

from doorstep.services.driver.driver_routes import LIVE
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import RouteRow

SHOWN = ("route_changed", "eta", "gap")  # positions, stop events and alerts of the day stay with the dispatcher


def own_routes(p: Platform, actor: Actor) -> dict[str, int]:
    """The driver's published and dispatched routes with their versions (the stream's first event)."""
    actor.require(Permission.OWN_ROUTES)
    with p.uow(actor) as uow:
        rows = uow.routes.all(RouteRow.driver_id == actor.principal_id, RouteRow.status.in_(LIVE))
        return {r.id: r.version for r in rows}


def is_theirs(p: Platform, actor: Actor, route_id: str) -> bool:
    """Whether the route is now assigned to the driver (a route just given to them, or one another driver had)."""
    with p.uow(actor) as uow:
        row = uow.routes.get(route_id)
        return row is not None and row.driver_id == actor.principal_id


def for_driver(event: dict[str, Any], routes: set[str]) -> dict[str, Any] | None:
    """The event as the driver app gets it, or None. ``route_changed`` of a route the driver does not have yet
    is decided by the caller (it asks the store, see ``is_theirs``)."""
    kind = event.get("type")
    if kind not in SHOWN:
        return None
    if kind == "gap":
        return {"type": "gap"}
    if event.get("route_id") in routes:
        return event
    return None
