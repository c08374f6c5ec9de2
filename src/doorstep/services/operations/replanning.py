"""Dynamic re-planning of a published day: new same-day orders, cancellations, a vehicle out of service and a
customer's new availability or an order's new place become proposals (cost change, affected stops and ETA shifts);
approving one (or the auto-approve policy) writes it as new route versions, checked, and announces
``route_changed``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.ids import new_id
from doorstep.domain.orders import CUSTOMER_CHANGES, SAFE_PLACE, Order
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.domain.status import OrderStatus, RouteStatus
from doorstep.formats.doorstep_json import order_to_dict
from doorstep.formats.plan_json import unassigned_to_dict
from doorstep.optimize.insertion import apply_insertion, propose_insertion
from doorstep.optimize.live_changes import redistribute, remove_order
from doorstep.optimize.live_route import with_routes
from doorstep.optimize.resequence import resequence
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.fleet.pickup_points import point_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.live_day import Change, LiveDay, load_day, write_change
from doorstep.services.operations.relocation import place_summary, relocated, window_issues
from doorstep.services.orders.convert import depot_of, order_of, parse_order
from doorstep.services.orders.edit_move import place_of
from doorstep.services.orders.orders import set_order_status
from doorstep.services.orders.pickup_orders import capacity_issues
from doorstep.store.models import OrderRow, ProposalRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

SHIFT_MIN_S = 60  # ETA moves smaller than this are not listed as affected
CHANGES = CUSTOMER_CHANGES  # what customers changed themselves (domain/orders.py)


class ProposalKind(StrEnum):
    """What a proposal changes."""

    INSERT = "insert"  # a new same-day order
    CANCEL = "cancel"  # an order cancelled while on a live route
    REDISTRIBUTE = "redistribute"  # a vehicle or driver out of service
    RESEQUENCE = "resequence"  # re-optimize a route's stops not yet started (e.g. new customer availability)
    INSTRUCTIONS = "instructions"  # the customer's delivery instructions or safe-place permission (no route moves)
    NOT_HOME = "not_home"  # the customer is not home today: off today's route, the order moves to the next day
    RESCHEDULE = "reschedule"  # the customer chose another window: re-inserted today, or off today's route
    PICKUP_POINT = "pickup_point"  # the customer collects at a pickup point: the stop moves there, re-inserted
    RELOCATE = "relocate"  # the order's place changes (a new address): the stop leaves its route, re-inserted


class ProposalStatus(StrEnum):
    """A proposal's life: pending until approved (applied) or rejected; stale when a route moved on first."""

    PENDING = "pending"
    APPLIED = "applied"
    REJECTED = "rejected"
    STALE = "stale"


Travel = Callable[[Problem], TravelTimeProvider]  # the deployment's travel model for a problem


def proposals_of(uow: UnitOfWork) -> Repository[ProposalRow]:
    """The proposal repository of the unit's organization."""
    return Repository(uow.session, ProposalRow, uow.org_id, "proposal")


@dataclass(frozen=True, slots=True)
class Request:
    """A re-planning request on the published plan ``plan_id``."""

    plan_id: str
    kind: ProposalKind
    subject_id: str  # order id (insert, cancel, relocate), vehicle id (redistribute) or route id (resequence)
    windows: list[dict[str, str]] | None = None  # resequence for a customer's new availability, or relocate: the
    # order's new windows
    reoptimize: bool = False  # insert: also offer the best insertion with its route's open stops re-optimized
    details: dict[str, Any] | None = None  # instructions: {"instructions", "safe_place": {"allowed", "where"}};
    # reschedule: {"windows": [{"start", "end"}], "day": "YYYY-MM-DD"}; relocate: {"location": {"lat", "lng"},
    # "address": str | None (None: kept)}


def _shifts(day: LiveDay, new: Plan) -> list[dict[str, Any]]:
    before = {(s.order_id or "", s.type.value): s.arrival for r in day.plan.routes for s in r.stops if s.order_id}
    out = []
    for route in new.routes:
        for s in route.stops:
            old = before.get((s.order_id or "", s.type.value))
            if s.order_id and old is not None and abs((s.arrival - old).total_seconds()) >= SHIFT_MIN_S:
                out.append({
                    "order_id": s.order_id, "external_ref": s.external_ref, "route_id": route.id,
                    "before": old.isoformat(), "after": s.arrival.isoformat(),
                    "shift_s": int((s.arrival - old).total_seconds()),
                })  # fmt: skip
    return out


def _option(day: LiveDay, new: Plan, extra: dict[str, Any], orders: list[dict[str, Any]]) -> dict[str, Any]:
    """The difference between the live plan and ``new`` as a change to store, with its summary."""
    old = {r.id: r for r in day.plan.routes}
    for r in new.routes:  # a route a vehicle opens gets a store id
        if r.id not in old:
            r.id = new_id("rte")
    dumped = {r.id: day.dump(r) for r in new.routes}
    changed = [d for rid, d in dumped.items() if rid not in old or d != day.dump(old[rid])]
    removed = [rid for rid in old if rid not in dumped]
    cost = sum(r.cost_cents for r in new.routes) - sum(r.cost_cents for r in day.plan.routes)
    names = {r.id: r.vehicle_name or r.vehicle_id for r in [*day.plan.routes, *new.routes]}
    distance = sum(r.distance_m for r in new.routes) - sum(r.distance_m for r in day.plan.routes)
    summary = {
        "distance_delta_m": distance, **extra, "cost_delta_cents": cost,
        "routes": [d["id"] for d in changed], "removed_routes": removed,
        "vehicles": [names[d["id"]] for d in changed] + [names[rid] for rid in removed],  # for people
        "affected": _shifts(day, new), "unassigned": [unassigned_to_dict(u) for u in new.unassigned],
    }  # fmt: skip
    return {
        "summary": summary, "routes": changed, "removed": removed, "orders": orders,
        "unassigned": [unassigned_to_dict(u) for u in new.unassigned],
    }  # fmt: skip


def _reoptimized(day: LiveDay, inserted: Plan, vehicle_id: str) -> tuple[Plan, int] | None:
    """The insertion with the not-yet-started stops of its route re-optimized, and that route's distance change
    against the live plan; None when re-optimizing would leave an order out or saves nothing (cost first, then
    distance and duration: a fleet without costs still gains from a shorter route)."""
    route = next(r for r in inserted.routes if r.vehicle_id == vehicle_id)
    res = resequence(day.problem, inserted, route.id, day.provider, state=day.state)
    new = res.route
    if res.dropped or (new.cost_cents, new.distance_m, new.duration_s) >= (
        route.cost_cents,
        route.distance_m,
        route.duration_s,
    ):
        return None
    before = next((r.distance_m for r in day.plan.routes if r.vehicle_id == vehicle_id), 0)
    plan = with_routes(inserted, [res.route if r.id == route.id else r for r in inserted.routes])
    return plan, res.route.distance_m - before


def _insert_options(uow: UnitOfWork, day: LiveDay, order_id: str, reoptimize: bool) -> list[dict[str, Any]]:
    """The cheapest checked insertions of a new same-day order. A way that would take the depot past its daily
    capacity or stack loadings over its docks is not offered (``optimize/insertion.py`` says why): when none is
    left, the one option leaves the order unassigned with ``DEPOT_CAPACITY`` or ``DEPOT_DOCKS`` and its action."""
    row = uow.orders.require(order_id, ("order_id",))
    if row.status != OrderStatus.NEW.value or row.day != day.row.day or row.depot_id != day.row.depot_id:
        msg = f"order {order_id} is {row.status} for {row.depot_id} on {row.day}; only new orders of the plan's day"
        raise DoorstepError([Issue("E1450", msg, ("order_id",), order_id)])
    order = order_of(row, {d.id: d for d in day.problem.depots})
    day.problem = replace(day.problem, orders=(*[o for o in day.problem.orders if o.id != order_id], order))
    result = propose_insertion(day.problem, day.plan, order_id, day.provider, state=day.state)
    if not result.proposals:
        plan = replace(day.plan, unassigned=[*day.plan.unassigned, *([result.unassigned] if result.unassigned else [])])
        return [_option(day, plan, {"inserted": False}, [order_to_dict(order)])]
    options = [
        _option(
            day, apply_insertion(day.plan, prop),
            {"inserted": True, "vehicle_id": prop.vehicle_id, "opens_route": prop.opens_route,
             "distance_delta_m": prop.distance_delta_m, "duration_delta_s": prop.duration_delta_s},
            [order_to_dict(order)],
        )
        for prop in result.proposals
    ]  # fmt: skip
    best = result.proposals[0]
    better = _reoptimized(day, apply_insertion(day.plan, best), best.vehicle_id) if reoptimize else None
    if better is not None:  # asked for and cheaper: offered first, the plain insertions stay as alternatives
        extra = {"inserted": True, "reoptimized": True, "vehicle_id": best.vehicle_id,
                 "opens_route": best.opens_route, "distance_delta_m": better[1]}  # fmt: skip
        options.insert(0, _option(day, better[0], extra, [order_to_dict(order)]))
    return options


def _resequence_options(uow: UnitOfWork, day: LiveDay, req: Request) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = []
    if req.windows is not None:  # the customer's new availability: the order's windows change first
        row = uow.orders.require(req.subject_id, ("order_id",))
        order = _with_windows(row, req.windows, {d.id: d for d in day.problem.depots})
        day.problem = replace(day.problem, orders=tuple(order if o.id == order.id else o for o in day.problem.orders))
        orders = [order_to_dict(order)]
        route_id = next((r.id for r in day.plan.routes if any(s.order_id == order.id for s in r.stops)), None)
        if route_id is None:
            raise DoorstepError([Issue("E2102", f"order {order.id} is on no live route", ("order_id",), order.id)])
    else:
        route_id = req.subject_id
    res = resequence(day.problem, day.plan, route_id, day.provider, state=day.state)
    routes = [res.route if r.id == route_id else r for r in day.plan.routes]
    plan = with_routes(replace(day.plan, unassigned=[*day.plan.unassigned, *res.dropped]), routes)
    windows = orders[0]["time_windows"] if orders else None  # stored as ISO-8601 with offset, like every order
    return [_option(day, plan, {"route_id": route_id, "windows": windows}, orders)]


def _with_windows(row: OrderRow, windows: list[dict[str, str]], depots: dict[str, Depot]) -> Order:
    """The order with the customer's new windows (``HH:MM`` on the order's day in the depot's zone, or ISO-8601);
    every bad time (E1103) and every window ending before it starts (E1104) is reported at once."""
    order, rd = parse_order({**row.data, "time_windows": windows}, 0, depots, row.day)
    if issues := window_issues(order, rd.issues, row.id):
        raise DoorstepError(issues)
    return order


def replace_data(row: OrderRow, data: dict[str, Any]) -> OrderRow:
    """A detached copy of the order row with other data (nothing is saved)."""
    return OrderRow(id=row.id, org_id=row.org_id, day=row.day, depot_id=row.depot_id, data=data)


def _options(uow: UnitOfWork, day: LiveDay, req: Request) -> list[dict[str, Any]]:
    if req.kind is ProposalKind.INSERT:
        return _insert_options(uow, day, req.subject_id, req.reoptimize)
    if req.kind in (ProposalKind.CANCEL, ProposalKind.NOT_HOME):
        after = replace(day.problem, orders=tuple(o for o in day.problem.orders if o.id != req.subject_id))
        plan = remove_order(after, day.plan, req.subject_id, day.provider, state=day.state)
        return [{**_option(day, plan, {"order_id": req.subject_id}, []), "drop_orders": [req.subject_id]}]
    if req.kind is ProposalKind.INSTRUCTIONS:  # nothing moves: the order's data changes when it is applied
        return [_option(day, day.plan, {"order_id": req.subject_id, **(req.details or {})}, [])]
    if req.kind is ProposalKind.RESCHEDULE:
        return _reschedule_options(uow, day, req)
    if req.kind is ProposalKind.PICKUP_POINT:
        return _pickup_options(uow, day, req)
    if req.kind is ProposalKind.RELOCATE:
        return _relocate_options(uow, day, req)
    if req.kind is ProposalKind.REDISTRIBUTE:
        red = redistribute(day.problem, day.plan, req.subject_id, day.provider, state=day.state)
        return [_option(day, red.plan, {"vehicle_id": req.subject_id, "moved": red.moved}, [])]
    return _resequence_options(uow, day, req)


def _reschedule_options(uow: UnitOfWork, day: LiveDay, req: Request) -> list[dict[str, Any]]:
    """The order off its route; on the plan's day inserted again with its new window (E2172 when no route can
    take it there any more), on another day left off (the order moves to that day when applied)."""
    details = req.details or {}
    after = replace(day.problem, orders=tuple(o for o in day.problem.orders if o.id != req.subject_id))
    plan = remove_order(after, day.plan, req.subject_id, day.provider, state=day.state)
    extra = {"order_id": req.subject_id, **details}
    if details.get("day") != day.row.day.isoformat():
        return [{**_option(day, plan, extra, []), "drop_orders": [req.subject_id]}]
    row = uow.orders.require(req.subject_id, ("order_id",))
    order = order_of(replace_data(row, {**row.data, "time_windows": details.get("windows") or []}),
                     {d.id: d for d in day.problem.depots})  # fmt: skip
    day.problem = replace(after, orders=(*after.orders, order))
    result = propose_insertion(day.problem, plan, order.id, day.provider, state=day.state, limit=1)
    if not result.proposals:
        msg = f"no route can serve order {order.id} in the window chosen any more"
        raise DoorstepError([Issue("E2172", msg, ("start",), order.id)])
    return [_option(day, apply_insertion(plan, result.proposals[0]), extra, [order_to_dict(order)])]


def _pickup_options(uow: UnitOfWork, day: LiveDay, req: Request) -> list[dict[str, Any]]:
    """The order off its route and inserted again as the point's order (its place, opening periods and handover
    time in ``details["order"]``), cheapest feasible insertion on any route; E2273 when none can."""
    details = dict(req.details or {})
    placed = details.pop("order")
    after = replace(day.problem, orders=tuple(o for o in day.problem.orders if o.id != req.subject_id))
    plan = remove_order(after, day.plan, req.subject_id, day.provider, state=day.state)
    row = uow.orders.require(req.subject_id, ("order_id",))
    order = order_of(replace_data(row, placed), {d.id: d for d in day.problem.depots})
    day.problem = replace(after, orders=(*after.orders, order))
    result = propose_insertion(day.problem, plan, order.id, day.provider, state=day.state, limit=1)
    if not result.proposals:
        msg = f"no route of the day can bring order {order.id} to the pickup point within its opening hours"
        raise DoorstepError([Issue("E2273", msg, ("pickup_point_id",), details.get("pickup_point_id"))])
    extra = {"order_id": req.subject_id, **details}
    return [_option(day, apply_insertion(plan, result.proposals[0]), extra, [order_to_dict(order)])]


def _relocate_options(uow: UnitOfWork, day: LiveDay, req: Request) -> list[dict[str, Any]]:
    """The order off its route and inserted again at its new place (and windows, when given): up to three
    vehicles, cheapest first, each option with the whole change (the stop's removal and its insertion); E2136
    when no route can serve it there. Its new place is checked first, every problem at once."""
    row = uow.orders.require(req.subject_id, ("subject_id",))
    order = relocated(row, req.details or {}, req.windows, {d.id: d for d in day.problem.depots})
    after = replace(day.problem, orders=tuple(o for o in day.problem.orders if o.id != order.id))
    plan = remove_order(after, day.plan, order.id, day.provider, state=day.state)  # E2101 done, E2102 on no route
    day.problem = replace(after, orders=(*after.orders, order))
    result = propose_insertion(day.problem, plan, order.id, day.provider, state=day.state, limit=3)
    if not result.proposals:
        why = f" ({result.unassigned.reason.value}: {result.unassigned.message})" if result.unassigned else ""
        msg = f"no route of the day can serve order {order.id} at its new place{why}"
        raise DoorstepError([Issue("E2136", msg, ("location",), order.id)])
    placed, names = order_to_dict(order), {v.id: v.name or v.id for v in day.problem.vehicles}
    return [
        _option(day, apply_insertion(plan, prop),
                {**place_summary(placed), "vehicle_id": prop.vehicle_id, "vehicle_name": names[prop.vehicle_id],
                 "opens_route": prop.opens_route}, [placed])
        for prop in result.proposals
    ]  # fmt: skip


def _subject_label(uow: UnitOfWork, day: LiveDay, req: Request) -> str:
    """What the proposal is about, as people name it: the order's reference, the vehicle's or route's vehicle name."""
    by_order = (
        ProposalKind.INSERT,
        ProposalKind.CANCEL,
        ProposalKind.INSTRUCTIONS,
        ProposalKind.NOT_HOME,
        ProposalKind.RESCHEDULE,
        ProposalKind.PICKUP_POINT,
        ProposalKind.RELOCATE,
    )
    if req.kind in by_order or req.windows is not None:  # a window change names the order
        order = uow.orders.get(req.subject_id)
        return order.external_ref if order is not None and order.external_ref else req.subject_id
    if req.kind is ProposalKind.REDISTRIBUTE:
        return next((v.name or v.id for v in day.problem.vehicles if v.id == req.subject_id), req.subject_id)
    route = next((r for r in day.plan.routes if r.id == req.subject_id), None)
    return (route.vehicle_name or route.vehicle_id) if route is not None else req.subject_id


def propose(p: Platform, actor: Actor, req: Request, *, auto_approve: bool = False) -> ProposalRow:
    """Compute the change on the live plan and store it as a pending proposal (or apply it at once)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        day = load_day(uow, req.plan_id, p.clock(), p.travel_for(uow.org_id))
        options = _options(uow, day, req)
        label = _subject_label(uow, day, req)
        for option in options:
            option["summary"]["subject_label"] = label
        row = proposals_of(uow).add(
            ProposalRow(
                id=new_id("prp"), plan_id=req.plan_id, kind=req.kind.value, subject_id=req.subject_id,
                status=ProposalStatus.PENDING.value, options=options,
                base_versions={rid: r.version for rid, r in day.routes.items()},
                decided_at=None, decided_by=None, chosen=None, created_at=p.clock(),
            )
        )  # fmt: skip
        uow.commit()
    if auto_approve and _applicable(row):
        return decide(p, actor, row.id, approve=True)
    return row


def _applicable(row: ProposalRow) -> bool:
    """Whether the proposal does what was asked (an insertion that found no place is for a human to see)."""
    return row.kind != ProposalKind.INSERT.value or bool(row.options[0]["summary"].get("inserted"))


def _order_statuses(uow: UnitOfWork, events: EventRecorder, row: ProposalRow, touched: list[Any]) -> None:
    if row.kind == ProposalKind.CANCEL.value:
        order = uow.orders.require(row.subject_id)
        if order.status != OrderStatus.CANCELLED.value:
            set_order_status(uow, events, order, OrderStatus.CANCELLED, "order.cancelled")
        return
    if row.kind not in (ProposalKind.INSERT.value, ProposalKind.RELOCATE.value):
        return
    order = uow.orders.require(row.subject_id)
    route = next((r for r in touched if any(s.get("order_id") == order.id for s in r.data["stops"])), None)
    if route is None:
        return
    if order.status == OrderStatus.NEW.value:
        set_order_status(uow, events, order, OrderStatus.PLANNED, "order.planned")
    if route.status == RouteStatus.DISPATCHED.value and order.status == OrderStatus.PLANNED.value:
        set_order_status(uow, events, order, OrderStatus.DISPATCHED, "order.dispatched")


def _customer_change(uow: UnitOfWork, events: EventRecorder, row: ProposalRow, option: dict[str, Any]) -> None:
    """What a customer's (or dispatcher's) proposal does to the order itself: new instructions, the order moved to
    the next day (back to ``new``, its windows a day later, to be planned with that day), a new window, pickup
    point or place."""
    if row.kind == ProposalKind.INSTRUCTIONS.value:
        order = uow.orders.require(row.subject_id)
        summary = option["summary"]
        data = {**order.data, "instructions": summary.get("instructions", ""), SAFE_PLACE: summary.get("safe_place")}
        order.data, order.version = data, order.version + 1
        events.record("order.updated", order.id, data={"by": "customer", "change": "instructions"})
    elif row.kind == ProposalKind.NOT_HOME.value:
        order = uow.orders.require(row.subject_id)
        windows = order.data.get("time_windows") or ()
        moved = [{"start": _next_day(w["start"]), "end": _next_day(w["end"])} for w in windows]
        log = [*order.data.get(CHANGES, []), {"kind": "not_home", "from_day": order.day.isoformat()}]
        order.data = {**order.data, "time_windows": moved, CHANGES: log}
        order.day = order.day + timedelta(days=1)
        set_order_status(uow, events, order, OrderStatus.NEW, "order.updated")
    elif row.kind == ProposalKind.RESCHEDULE.value:
        _rescheduled(uow, events, uow.orders.require(row.subject_id), option["summary"])
    elif row.kind == ProposalKind.PICKUP_POINT.value:
        order = uow.orders.require(row.subject_id)
        to_pickup_point(events, order, option["orders"][0], option["summary"]["pickup_point_id"])
    elif row.kind == ProposalKind.RELOCATE.value:
        relocate_order(events, uow.orders.require(row.subject_id), option["summary"])


def _point_full(uow: UnitOfWork, row: ProposalRow, option: dict[str, Any], now: datetime) -> list[Issue]:
    """E2271 when the point has no room left for the order as it is applied: counted again under the point's lock
    (held until this transaction ends), so two switches checked at once cannot both take its last place."""
    order = uow.orders.require(row.subject_id)
    point_id = option["summary"]["pickup_point_id"]
    point = uow.pickup_points.get(point_id)
    if point is None:
        return [Issue("E1302", f"pickup point {point_id} not found", ("pickup_point_id",), point_id)]
    depot = depot_of(uow.depots.require(order.depot_id))
    placed = order_of(replace_data(order, option["orders"][0]), {depot.id: depot})
    return capacity_issues(uow, [(placed, order.day, ())], {point_id: point_of(point)}, now, (order.id,))


def to_pickup_point(events: EventRecorder, order: OrderRow, placed: dict[str, Any], point_id: str) -> None:
    """The order takes the point's place, opening periods and handover time (``placed``: the order as booked to
    the point); the former place is logged and ``order.updated`` recorded."""
    was = place_of(order)
    log = [*order.data.get(CHANGES, []), {"kind": "pickup_point", "to": point_id, "from": was}]
    order.data = {**order.data, **placed, CHANGES: log}
    order.lat, order.lng = placed["location"]["lat"], placed["location"]["lng"]
    order.address, order.pickup_point_id = str(placed.get("address") or ""), point_id
    order.version += 1
    events.record("order.updated", order.id, data={"by": "customer", "change": "pickup_point",
                                                   "pickup_point_id": point_id})  # fmt: skip


def relocate_order(events: EventRecorder, order: OrderRow, summary: dict[str, Any]) -> None:
    """The order takes the new place, address and windows of the applied ``relocate`` option (only those: anything
    else edited since the proposal was made stays); it no longer goes to a pickup point. The former place is
    logged, the version goes up, ``order.relocated`` is recorded with the new address and place, who moved it (the
    customer through their link, else a dispatcher) and the version — the customer's confirmation
    (``address_changed``) is a handler of it — and then ``order.updated`` (as every other change of the order)."""
    was = place_of(order)
    log = [*order.data.get(CHANGES, []), {"kind": "relocate", "from": was}]
    data = {**order.data, "location": summary["location"], "address": summary["address"],
            "time_windows": summary["windows"], CHANGES: log}  # fmt: skip
    data.pop("pickup_point_id", None)
    order.data, order.lat, order.lng = data, summary["location"]["lat"], summary["location"]["lng"]
    order.address, order.pickup_point_id, order.version = summary["address"], None, order.version + 1
    by = "customer" if events.actor == "customer" else "dispatcher"
    moved = {"address": order.address, "location": {"lat": order.lat, "lng": order.lng}, "by": by,
             "version": order.version}  # fmt: skip
    events.record("order.relocated", order.id, data=moved)
    events.record("order.updated", order.id, data={"change": "relocate", "version": order.version})


def _rescheduled(uow: UnitOfWork, events: EventRecorder, order: OrderRow, summary: dict[str, Any]) -> None:
    """The order takes its new window (and day: then ``new`` again, to be planned with that day)."""
    before, to_day = order.day, date.fromisoformat(summary["day"])
    log = [*order.data.get(CHANGES, []), {"kind": "reschedule", "from_day": before.isoformat()}]
    order.data = {**order.data, "time_windows": summary["windows"], CHANGES: log}
    if to_day != before and order.status != OrderStatus.NEW.value:
        order.day = to_day
        set_order_status(uow, events, order, OrderStatus.NEW, "order.updated")
    else:
        order.day, order.version = to_day, order.version + 1
    record_rescheduled(events, order, before)


def record_rescheduled(events: EventRecorder, order: OrderRow, from_day: date) -> None:
    """``order.rescheduled`` with the new day and window: the customer's confirmation is a handler of it."""
    windows = order.data.get("time_windows") or []
    data = {"by": "customer", "from_day": from_day.isoformat(), "day": order.day.isoformat(),
            "window": windows[0] if windows else None, "version": order.version}  # fmt: skip
    events.record("order.rescheduled", order.id, data=data)


def _next_day(iso: str) -> str:
    return (datetime.fromisoformat(iso) + timedelta(days=1)).isoformat()


def _window_change(uow: UnitOfWork, row: ProposalRow, option: dict[str, Any]) -> None:
    windows = option["summary"].get("windows")
    if row.kind == ProposalKind.RESEQUENCE.value and windows is not None:
        order = uow.orders.require(row.subject_id)
        order.data, order.version = {**order.data, "time_windows": windows}, order.version + 1


def decide(p: Platform, actor: Actor, proposal_id: str, *, approve: bool, choice: int = 0) -> ProposalRow:
    """Approve (apply option ``choice`` as new route versions) or reject a pending proposal."""
    actor.require(Permission.WRITE)
    changed: list[tuple[str, int]] = []
    with p.uow(actor) as uow:
        row = proposals_of(uow).require(proposal_id)
        if row.status != ProposalStatus.PENDING.value:
            msg = f"proposal {proposal_id} is {row.status}"
            raise DoorstepError([Issue("E2132", msg, ("proposal_id",), proposal_id)])
        if not 0 <= choice < len(row.options):
            msg = f"choice {choice} is not one of the proposal's {len(row.options)} options"
            raise DoorstepError([Issue("E1301", msg, ("choice",), proposal_id)])
        row.decided_at, row.decided_by = p.clock(), actor.label
        if approve and _expired(row, p.clock(), p.live_rules.proposal_ttl_s):
            row.status = ProposalStatus.STALE.value
            uow.commit()
            age = round((p.clock() - row.created_at).total_seconds() / 60)
            hold = p.live_rules.proposal_ttl_s // 60
            msg = f"proposal {proposal_id} was computed {age} min ago (they hold {hold} min)"
            raise DoorstepError([Issue("E2134", msg, ("proposal_id",), proposal_id)])
        if approve:
            changed = _apply(uow, actor, row, choice, p.clock(), p.travel_for(uow.org_id))
        else:
            row.status = ProposalStatus.REJECTED.value
        uow.commit()
        for route_id, version in changed:  # announced before the unit's route.updated events refresh the ETAs
            p.live.publish(actor.org_id, {"type": "route_changed", "route_id": route_id, "version": version})
    return row


def _expired(row: ProposalRow, now: datetime, ttl_s: int) -> bool:
    """Whether the proposal is older than ``ttl_s``: the day has moved on since its times were computed."""
    return ttl_s > 0 and (now - row.created_at).total_seconds() > ttl_s


def _apply(
    uow: UnitOfWork, actor: Actor, row: ProposalRow, choice: int, now: datetime, travel: Travel | None = None
) -> list[tuple[str, int]]:
    option = row.options[choice]
    if row.kind == ProposalKind.PICKUP_POINT.value and (full := _point_full(uow, row, option, now)):
        row.status = ProposalStatus.STALE.value  # the point filled up since the proposal was made
        uow.commit()
        raise DoorstepError(full)
    day = load_day(uow, row.plan_id, now, travel)
    change = Change(
        option["routes"], option["removed"], option["unassigned"], option["orders"], row.base_versions,
        option.get("drop_orders", []),
    )  # fmt: skip
    try:
        touched = write_change(uow, day, change)
    except DoorstepError:
        uow.session.rollback()
        stale = proposals_of(uow).require(row.id)
        stale.status = ProposalStatus.STALE.value
        uow.commit()
        raise
    events = EventRecorder(uow, actor.label)
    for r in touched:
        events.record("route.updated", r.id, data={"version": r.version, "proposal": row.id, "kind": row.kind})
    _order_statuses(uow, events, row, touched)
    _window_change(uow, row, option)
    _customer_change(uow, events, row, option)
    row.status, row.chosen = ProposalStatus.APPLIED.value, choice
    return [(r.id, r.version) for r in touched]


def list_proposals(p: Platform, actor: Actor, plan_id: str | None, status: str | None) -> list[ProposalRow]:
    """Proposals, newest first, optionally of one plan and in one status."""
    actor.require(Permission.READ)
    where = []
    if plan_id:
        where.append(ProposalRow.plan_id == plan_id)
    if status:
        where.append(ProposalRow.status == status)
    with p.uow(actor) as uow:
        return sorted(proposals_of(uow).all(*where), key=lambda r: r.created_at, reverse=True)


def get_proposal(p: Platform, actor: Actor, proposal_id: str) -> ProposalRow:
    """One proposal."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return proposals_of(uow).require(proposal_id)
