"""Manual route edits: move an order to another route or position, preview the checker's verdict and the new
ETAs, then save with optimistic versioning.

The verdict covers the touched routes (``check_route``) and the depot's limits over the whole plan as the move
leaves it (``check_depots``): moving an unassigned order onto a route may take the depot past its daily capacity,
and a route whose timing changes may stack its reload on others at the docks. The depot is checked against the
routes of the depot's other plans of the day that stay in force (dispatched, or published and locked:
``plan_problem.with_kept``), as a re-plan would be. Like a route's violations, a depot's are shown and returned by
the save but do not block it: the dispatcher decides."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.orders import OrderKind
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType, Violation
from doorstep.domain.problem import Problem
from doorstep.domain.status import PlanStatus, RouteStatus
from doorstep.formats.plan_common import route_zone
from doorstep.formats.plan_json import route_to_dict, unassigned_to_dict
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_route
from doorstep.optimize.check_depots import check_depots
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.fleet.fleet_admin import check_version
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.planning.plan_problem import kept_routes, with_kept
from doorstep.services.planning.plan_routes import stop_rows
from doorstep.services.planning.retime import retime
from doorstep.store.models import PlanRow, RouteRow, StopRow
from doorstep.store.uow import UnitOfWork

EDITABLE_PLANS = (PlanStatus.SUCCEEDED.value, PlanStatus.PUBLISHED.value)


@dataclass(frozen=True, slots=True)
class Move:
    """Put ``order_id`` on ``route_id`` before the stop now at ``position`` (0 = first after the start)."""

    order_id: str
    route_id: str
    position: int


@dataclass(slots=True)
class EditResult:
    """The touched routes as they would be (new ETAs), every violation the checker finds on them, and the depot's
    (``DEPOT_CAPACITY``, ``DEPOT_DOCKS``) over the whole plan."""

    routes: list[dict[str, Any]] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)


def _bad(msg: str, loc: str, obj_id: str | None = None) -> DoorstepError:
    return DoorstepError([Issue("E1308", msg, (loc,), obj_id)])


def _take(plan: Plan, problem: Problem, order_id: str) -> tuple[ScheduledStop, Route | None]:
    """Remove the order's stop from its route (or from the unassigned list) and return it."""
    for route in plan.routes:
        for k, s in enumerate(route.stops):
            if s.order_id == order_id and s.type in (StopType.DELIVERY, StopType.PICKUP):
                return route.stops.pop(k), route
    for k, u in enumerate(plan.unassigned):
        if u.order_id == order_id:
            plan.unassigned.pop(k)
            o = problem.order(order_id)
            stype = StopType.PICKUP if o.is_pickup_like else StopType.DELIVERY
            t = plan.routes[0].stops[0].departure if plan.routes else plan.created_at
            stop = ScheduledStop(type=stype, location=o.location, arrival=t, start=t, departure=t)
            stop.order_id, stop.external_ref, stop.address = o.id, o.external_ref, o.address
            return stop, None
    raise _bad(
        f"order {order_id} is not on this plan (or is a paired order, which cannot be moved by hand)",
        "order_id",
        order_id,
    )


def apply_move(plan: Plan, problem: Problem, move: Move, provider: TravelTimeProvider | None = None) -> list[Route]:
    """Move the stop in the plan (in memory); return the touched routes, re-timed."""
    try:
        order = problem.order(move.order_id)
    except KeyError:
        raise _bad(f"order {move.order_id} is not on this plan", "order_id", move.order_id) from None
    if order.kind is OrderKind.PAIRED:
        raise _bad(
            f"order {move.order_id} is paired; move its pickup and drop-off together (not supported yet)", "order_id"
        )
    target = next((r for r in plan.routes if r.id == move.route_id), None)
    if target is None:
        raise _bad(f"route {move.route_id} is not on this plan", "route_id", move.route_id)
    stop, source = _take(plan, problem, move.order_id)
    index = 1 + move.position
    if not 1 <= index <= len(target.stops) - 1:
        raise _bad(f"position {move.position} is outside route {target.id} (0..{len(target.stops) - 2})", "position")
    target.stops.insert(index, stop)
    touched = [target] if source is None or source is target else [source, target]
    return [retime(problem, r, provider) for r in touched]


def _load(uow: UnitOfWork, plan_id: str) -> tuple[PlanRow, Plan, Problem]:
    row = uow.plans.require(plan_id)
    if row.status not in EDITABLE_PLANS or row.result is None:
        msg = f"plan {plan_id} is {row.status}; only succeeded or published plans can be edited"
        raise DoorstepError([Issue("E2006", msg, ("status",), plan_id)])
    plan, problem, _ = plan_from_dict(row.result)
    return row, plan, problem


def depot_problem(uow: UnitOfWork, row: PlanRow, plan: Plan, problem: Problem) -> Problem:
    """The plan's problem with the depot's limits as they stand now: its stored capacity less the parcels of the
    routes kept from its other plans of the day, and their loadings at its docks (a vehicle this plan has a route
    for is this plan's: its older route is not counted twice)."""
    mine = {r.vehicle_id for r in plan.routes}
    kept = [r for r in kept_routes(uow, row.depot_id, row.day) if r.plan_id != row.id and r.vehicle_id not in mine]
    return with_kept(uow, problem, row.depot_id, kept)


def _result(
    problem: Problem, depots: Problem, plan: Plan, routes: list[Route], provider: TravelTimeProvider | None = None
) -> EditResult:
    """The touched ``routes`` checked on ``problem``, and the whole ``plan`` with them in place checked against the
    depot limits of ``depots`` (``depot_problem``)."""
    out = EditResult()
    for r in routes:
        out.routes.append(route_to_dict(r, route_zone(problem, r)))
        out.violations += check_route(problem, r, provider, transit=True)  # a hand edit: draw its roads too
    fresh = {r.id: r for r in routes}
    out.violations += check_depots(depots, replace(plan, routes=[fresh.get(r.id, r) for r in plan.routes]))
    return out


def preview_move(p: Platform, actor: Actor, plan_id: str, move: Move) -> EditResult:
    """What the move would do: the touched routes with new ETAs, the checker's violations on them and the depot's
    over the whole plan. Nothing is saved."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row, plan, problem = _load(uow, plan_id)
        depots = depot_problem(uow, row, plan, problem)
    travel = p.provider(problem, actor.org_id)
    return _result(problem, depots, plan, apply_move(plan, problem, move, travel), travel)


def _editable(row: RouteRow, versions: dict[str, int]) -> None:
    if row.status == RouteStatus.DISPATCHED.value:
        raise DoorstepError(
            [Issue("E2004", f"route {row.id} is dispatched; it cannot be edited", ("route_id",), row.id)]
        )
    if row.locked:
        raise DoorstepError([Issue("E2005", f"route {row.id} is locked", ("route_id",), row.id)])
    if row.id not in versions:
        msg = f"give the version of route {row.id} you edited"
        raise DoorstepError([Issue("E1301", msg, ("versions", row.id), row.id)])
    check_version(row, versions[row.id])


def save_move(p: Platform, actor: Actor, plan_id: str, move: Move, versions: dict[str, int]) -> EditResult:
    """Apply the move when every touched route is at the version the client saw (E2002 otherwise). Violations,
    the depot's included, are returned with the saved routes; they do not block the save."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row, plan, problem = _load(uow, plan_id)
        depots = depot_problem(uow, row, plan, problem)
        travel = p.provider(problem, actor.org_id)
        touched = apply_move(plan, problem, move, travel)
        route_rows = uow.routes.get_many([r.id for r in touched])
        for r in touched:
            _editable(route_rows[r.id], versions)
        result = _result(problem, depots, plan, touched, travel)
        events = EventRecorder(uow, actor.label)
        changed: list[tuple[str, int]] = []
        for data in result.routes:
            rr = route_rows[data["id"]]
            rr.data, rr.version = data, rr.version + 1
            changed.append((rr.id, rr.version))
            for old in uow.stops.all(StopRow.route_id == rr.id):
                uow.stops.delete(old)
            uow.stops.add_all(stop_rows(rr.id, data))
            events.record("route.updated", rr.id, data={"version": rr.version, "moved": move.order_id})
        doc = dict(row.result or {})
        body = dict(doc["plan"])
        by_id = {d["id"]: d for d in result.routes}
        body["routes"] = [by_id.get(r["id"], r) for r in body["routes"]]
        body["unassigned"] = [unassigned_to_dict(u) for u in plan.unassigned]
        doc["plan"] = body
        row.result = doc
        uow.commit()
        for route_id, version in changed:  # the dispatcher's live view and the drivers' apps reload the route
            p.live.publish(actor.org_id, {"type": "route_changed", "route_id": route_id, "version": version})
    return result
