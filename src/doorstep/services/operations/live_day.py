"""The live day of a published plan: its plan and problem from the store, the live state from stop progress,
and how a checked change is written back as new route versions (done stops never move)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.plan import Plan, Route
from doorstep.domain.problem import Problem
from doorstep.domain.status import PlanStatus, RouteStatus, StopStatus
from doorstep.formats.plan_common import route_zone
from doorstep.formats.plan_json import route_to_dict
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_route
from doorstep.optimize.insertion import LiveState
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.planning.plan_routes import stop_rows
from doorstep.store.models import PlanRow, RouteLiveRow, RouteRow, StopRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

LIVE_ROUTES = (RouteStatus.PUBLISHED.value, RouteStatus.DISPATCHED.value)


def live_rows(uow: UnitOfWork) -> Repository[RouteLiveRow]:
    """The route live-state repository of the unit's organization."""
    return Repository(uow.session, RouteLiveRow, uow.org_id, "route live state")


@dataclass(slots=True)
class LiveDay:
    """A published plan as the engine sees it right now."""

    row: PlanRow
    plan: Plan
    problem: Problem
    routes: dict[str, RouteRow]
    state: LiveState
    options: dict[str, Any] = field(default_factory=dict)
    provider: TravelTimeProvider | None = None  # the deployment's travel model (None: the problem's default)

    def dump(self, route: Route) -> dict[str, Any]:
        """The route in plan.json form, in its depot's time zone."""
        return route_to_dict(route, route_zone(self.problem, route))


def published_plan(uow: UnitOfWork, plan_id: str) -> PlanRow:
    """The plan, which must be the published plan of its day (E2130 otherwise)."""
    row = uow.plans.require(plan_id)
    if row.status != PlanStatus.PUBLISHED.value or row.result is None:
        msg = f"plan {plan_id} is {row.status}; live changes apply to the published plan of a day"
        raise DoorstepError([Issue("E2130", msg, ("plan_id",), plan_id)])
    return row


def plan_of_route(uow: UnitOfWork, route_id: str) -> str:
    """The plan a route belongs to."""
    return uow.routes.require(route_id).plan_id


def load_day(
    uow: UnitOfWork, plan_id: str, now: datetime, travel: Callable[[Problem], TravelTimeProvider] | None = None
) -> LiveDay:
    """The published plan, its live routes and the live state (done and under-way stops fixed) at ``now``."""
    row = published_plan(uow, plan_id)
    plan, problem, options = plan_from_dict(row.result, trusted=True)
    rows = {r.id: r for r in uow.routes.all(RouteRow.plan_id == plan_id) if r.status in LIVE_ROUTES}
    plan.routes = [r for r in plan.routes if r.id in rows]
    state = LiveState(now=now, fixed=_fixed(uow, list(rows)))
    return LiveDay(row, plan, problem, rows, state, options, travel(problem) if travel else None)


def _fixed(uow: UnitOfWork, ids: list[str]) -> dict[str, int]:
    """Per route, the leading stops done or under way: the farthest stop the driver has touched (by the stop
    statuses the driver app writes, or the progress the ETA worker recorded), plus the start."""
    if not ids:
        return {}
    fixed = {lr.route_id: lr.done for lr in live_rows(uow).all(RouteLiveRow.route_id.in_(ids))}
    for stop in uow.stops.all(StopRow.route_id.in_(ids), StopRow.status != StopStatus.PENDING.value):
        fixed[stop.route_id] = max(fixed.get(stop.route_id, 1), stop.seq + 1)
    return fixed


def _same_head(old: dict[str, Any], new: dict[str, Any], done: int) -> bool:
    keys = ("type", "order_id", "arrival", "departure")
    head_old = [tuple(s.get(k) for k in keys) for s in old["stops"][:done]]
    head_new = [tuple(s.get(k) for k in keys) for s in new["stops"][:done]]
    return head_old == head_new


def _stale(route_id: str, why: str) -> DoorstepError:
    return DoorstepError([Issue("E2131", f"route {route_id} {why}; ask for a new proposal", ("route_id",), route_id)])


@dataclass(slots=True)
class Change:
    """A checked change to write: new or changed routes (plan.json form), routes dropped, the unassigned list."""

    routes: list[dict[str, Any]]
    removed: list[str]
    unassigned: list[dict[str, Any]]
    orders: list[dict[str, Any]]  # orders the problem gains (a new same-day order)
    base_versions: dict[str, int]
    drop_orders: list[str] = field(default_factory=list)  # orders the problem loses (a cancellation)


def write_change(uow: UnitOfWork, day: LiveDay, change: Change) -> list[RouteRow]:
    """Write the change as new route versions after re-checking it; E2131 when a route moved on meanwhile."""
    doc = dict(day.row.result or {})
    body, problem_doc = dict(doc["plan"]), dict(doc["problem"])
    given = {o["id"]: o for o in change.orders}
    kept_orders = [given.pop(o["id"], o) for o in problem_doc["orders"] if o["id"] not in change.drop_orders]
    problem_doc["orders"] = kept_orders + list(given.values())
    by_id = {d["id"]: d for d in change.routes}
    kept = [by_id.pop(r["id"], r) for r in body["routes"] if r["id"] not in change.removed]
    body["routes"] = kept + list(by_id.values())
    body["unassigned"] = change.unassigned
    doc["plan"], doc["problem"] = body, problem_doc
    plan, problem, _ = plan_from_dict(doc, trusted=True)
    routes = {r.id: r for r in plan.routes}
    touched: list[RouteRow] = []
    for data in change.routes:
        row = day.routes.get(data["id"])
        done = day.state.fixed.get(data["id"], 1)
        if row is not None and (
            row.version != change.base_versions.get(row.id) or not _same_head(row.data, data, done)
        ):
            raise _stale(row.id, "changed since the proposal was made")
        violations = check_route(problem, routes[data["id"]], day.provider)
        if violations:
            raise _stale(data["id"], f"would break a constraint ({violations[0].message})")
        touched.append(_store_route(uow, day, row, data))
    for rid in change.removed:
        gone = day.routes[rid]
        if gone.version != change.base_versions.get(rid):
            raise _stale(rid, "changed since the proposal was made")
        gone.status, gone.version = RouteStatus.SUPERSEDED.value, gone.version + 1
        touched.append(gone)
    day.row.result = doc
    return touched


def _store_route(uow: UnitOfWork, day: LiveDay, row: RouteRow | None, data: dict[str, Any]) -> RouteRow:
    if row is None:  # a vehicle that had no route opens one
        drivers = {v.id: v.driver_id for v in day.problem.vehicles}
        row = uow.routes.add(
            RouteRow(
                id=data["id"], plan_id=day.row.id, vehicle_id=data["vehicle_id"],
                driver_id=drivers.get(data["vehicle_id"]), status=RouteStatus.PUBLISHED.value, data=data, version=1,
            )
        )  # fmt: skip
        uow.stops.add_all(stop_rows(row.id, data))
        return row
    row.data, row.version = data, row.version + 1
    _sync_stops(uow, row.id, data)
    return row


def _stop_key(stop_type: str, order_id: str | None, seen: dict[tuple[str, str | None], int]) -> tuple[str, str, int]:
    n = seen.get((stop_type, order_id), 0)
    seen[(stop_type, order_id)] = n + 1
    return stop_type, order_id or "", n


def _sync_stops(uow: UnitOfWork, route_id: str, data: dict[str, Any]) -> None:
    """Update the route's stop rows in place: a stop that stays keeps its id and driver status (stop events and
    proofs refer to it); new stops are added, dropped ones (never started) deleted."""
    seen: dict[tuple[str, str | None], int] = {}
    old = {_stop_key(r.type, r.order_id, seen): r for r in sorted(uow.stops.all(StopRow.route_id == route_id),
                                                                  key=lambda r: r.seq)}  # fmt: skip
    seen = {}
    fresh = stop_rows(route_id, data)
    for new in fresh:
        row = old.pop(_stop_key(new.type, new.order_id, seen), None)
        if row is None:
            uow.stops.add(new)
            continue
        row.seq, row.lat, row.lng, row.arrival, row.departure = new.seq, new.lat, new.lng, new.arrival, new.departure
    for gone in old.values():
        uow.stops.delete(gone)
