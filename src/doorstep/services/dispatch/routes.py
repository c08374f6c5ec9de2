"""Route use cases: read (drivers: their own only), assign a driver or vehicle, lock, dispatch, the timeline."""

from __future__ import annotations

from sqlalchemy import select

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.status import OrderStatus, RouteStatus, transition
from doorstep.services.fleet.fleet_admin import check_version
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.orders import set_order_status
from doorstep.services.planning.plan_routes import put_routes
from doorstep.store.models import DriverRow, EventRow, RouteRow
from doorstep.store.uow import UnitOfWork


def _visible(uow: UnitOfWork, actor: Actor, row: RouteRow) -> bool:
    if actor.can(Permission.READ):
        return True
    if not actor.can(Permission.OWN_ROUTES) or row.driver_id is None:
        return False
    driver = uow.drivers.get(row.driver_id)
    return driver is not None and driver.user_id == actor.principal_id


def get_route(p: Platform, actor: Actor, route_id: str) -> RouteRow:
    """A route; drivers see only routes assigned to their own driver record (others are 404)."""
    if not (actor.can(Permission.READ) or actor.can(Permission.OWN_ROUTES)):
        actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row = uow.routes.require(route_id)
        if not _visible(uow, actor, row):
            raise DoorstepError([Issue("E1302", f"route {route_id} not found", (), route_id)])
        return row


def my_routes(p: Platform, actor: Actor) -> list[RouteRow]:
    """The routes assigned to the calling driver that are published or dispatched."""
    actor.require(Permission.OWN_ROUTES)
    with p.uow(actor) as uow:
        drivers = uow.drivers.all(DriverRow.user_id == actor.principal_id)
        if not drivers:
            return []
        live = (RouteStatus.PUBLISHED.value, RouteStatus.DISPATCHED.value)
        return uow.routes.all(RouteRow.driver_id.in_([d.id for d in drivers]), RouteRow.status.in_(live))


def _editable(row: RouteRow, version: int) -> None:
    check_version(row, version)
    if row.status in (RouteStatus.DISPATCHED.value, RouteStatus.SUPERSEDED.value):
        raise DoorstepError([Issue("E2004", f"route {row.id} is {row.status}", ("status",), row.id)])


def _swap_vehicle(uow: UnitOfWork, row: RouteRow, vehicle_id: str) -> None:
    """Give the route another vehicle of its plan day: one with a shift that day and no route in this plan."""
    plan = uow.plans.require(row.plan_id)
    vehicles = {v["id"]: v for v in (plan.result or {}).get("problem", {}).get("vehicles", [])}
    taken = {r.vehicle_id for r in uow.routes.all(RouteRow.plan_id == row.plan_id) if r.id != row.id}
    if vehicle_id not in vehicles or vehicle_id in taken:
        why = "has a route in this plan already" if vehicle_id in taken else "has no shift on the plan's day"
        raise DoorstepError([Issue("E1308", f"vehicle {vehicle_id} {why}", ("vehicle_id",), vehicle_id)])
    name = vehicles[vehicle_id].get("name", vehicle_id)
    row.vehicle_id, row.data = vehicle_id, {**row.data, "vehicle_id": vehicle_id, "vehicle_name": name}
    put_routes(plan, [row.data])


def assign(
    p: Platform, actor: Actor, route_id: str, driver_id: str | None, version: int, vehicle_id: str | None = None
) -> RouteRow:
    """Set (or clear) the route's driver, and optionally give it another vehicle, at the given route version. A
    dispatched route takes another driver (a hand-over: the driver of a route dispatched without one, or one who
    falls ill), not another vehicle (its stops were timed for that one)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.routes.require(route_id)
        if row.status == RouteStatus.DISPATCHED.value and vehicle_id in (None, row.vehicle_id):
            check_version(row, version)
        else:
            _editable(row, version)
        if driver_id is not None:
            uow.drivers.require(driver_id, ("driver_id",))
        if vehicle_id is not None and vehicle_id != row.vehicle_id:
            _swap_vehicle(uow, row, vehicle_id)
        row.driver_id, row.version = driver_id, row.version + 1
        data = {"driver_id": driver_id, "vehicle_id": row.vehicle_id}
        EventRecorder(uow, actor.label).record("route.updated", row.id, data=data)
        uow.commit()
        _changed(p, actor, row)  # before the unit ends and its events reach their handlers (ETA refresh)
    return row


def _changed(p: Platform, actor: Actor, row: RouteRow) -> None:
    """Tell live listeners (the dispatcher's view, the driver apps) that the route has a new version."""
    p.live.publish(actor.org_id, {"type": "route_changed", "route_id": row.id, "version": row.version})


def set_lock(p: Platform, actor: Actor, route_id: str, locked: bool, version: int) -> RouteRow:
    """Lock a route against edits and re-plans (or unlock it)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.routes.require(route_id)
        _editable(row, version)
        row.locked, row.version = locked, row.version + 1
        EventRecorder(uow, actor.label).record("route.updated", row.id, data={"locked": locked})
        uow.commit()
    return row


def dispatch_warnings(row: RouteRow) -> list[Issue]:
    """What the dispatcher should know about a dispatched route: W1413 when it has no driver (nobody sees it)."""
    if row.driver_id is not None:
        return []
    msg = f"route {row.id} was dispatched without a driver: no driver's app shows it until one is assigned"
    return [Issue("W1413", msg, ("driver_id",), row.id)]


def dispatch(p: Platform, actor: Actor, route_id: str, version: int) -> RouteRow:
    """Send a published route to its driver: the route and its orders become dispatched."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.routes.require(route_id)
        check_version(row, version)
        current = RouteStatus(row.status)
        row.status = transition(current, RouteStatus.DISPATCHED, subject=route_id).value
        row.version += 1
        events = EventRecorder(uow, actor.label)
        ids = [s["order_id"] for s in row.data["stops"] if s.get("order_id")]
        for order in uow.orders.get_many(ids).values():
            if order.status == OrderStatus.PLANNED.value:
                set_order_status(uow, events, order, OrderStatus.DISPATCHED, "order.dispatched")
        data = {"vehicle_id": row.vehicle_id, "driver_id": row.driver_id, "orders": len(set(ids))}
        events.record("route.dispatched", row.id, from_status=current.value, to_status=row.status, data=data)
        uow.commit()
        _changed(p, actor, row)  # the event then refreshes the live ETAs (with the hour's traffic)
    return row


def timeline(p: Platform, actor: Actor, route_id: str) -> list[EventRow]:
    """Every event of a route (assignments, dispatch, loading scans), oldest first; who may read the route."""
    get_route(p, actor, route_id)
    with p.uow(actor) as uow:
        q = select(EventRow).where(EventRow.org_id == actor.org_id, EventRow.subject_id == route_id)
        return list(uow.session.scalars(q.order_by(EventRow.at, EventRow.id)))
