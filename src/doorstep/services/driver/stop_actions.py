"""Driver actions on stops (arrive, complete with proof, fail with a reason), idempotent by client id.

The phone generates a client id per action and may send it many times (offline queue, lost answers): the first
time the action is applied and its answer stored; every repeat returns that answer unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.failures import FailureReason
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.ids import new_id
from doorstep.domain.status import STOP_ORDER_STATUS, OrderStatus, StopStatus, transition
from doorstep.formats.plan_common import route_zone
from doorstep.formats.plan_json import route_to_dict
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.services.driver.driver_routes import LIVE
from doorstep.services.driver.proofs import ProofIn, image_type, proof_issues, scan_warnings
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.orders import set_order_status
from doorstep.services.planning.plan_routes import put_routes
from doorstep.services.planning.retime import retime
from doorstep.store.models import OrderRow, PlanRow, ProofRow, RouteRow, StopEventRow, StopRow
from doorstep.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class StopAction:
    """One action as the phone recorded it."""

    client_id: str
    stop_id: str
    status: StopStatus
    at: datetime
    location: LatLng | None = None
    accuracy_m: float | None = None
    reason: str | None = None
    note: str = ""
    proof: ProofIn | None = None


# How far ahead of the server's clock a phone's event may be dated (clocks drift; a phone set days ahead would
# otherwise write the future into the audit trail, ETAs and analytics).
MAX_CLOCK_AHEAD = timedelta(minutes=5)


def _input_issues(a: StopAction, max_photo_bytes: int, now: datetime) -> list[Issue]:
    issues: list[Issue] = []
    if a.at > now + MAX_CLOCK_AHEAD:
        ahead = int((a.at - now).total_seconds() // 60)
        msg = f"the event is dated {a.at.isoformat()}, {ahead} minutes after the server's time {now.isoformat()}"
        issues.append(Issue("E1418", msg, ("at",)))
    if a.status is StopStatus.PENDING:
        issues.append(Issue("E1301", "status must be arrived, completed or failed", ("status",)))
    if a.status is StopStatus.FAILED:
        if a.reason not in {r.value for r in FailureReason}:
            issues.append(Issue("E1412", f"failure reason {a.reason!r} is not in the catalogue", ("reason",)))
        elif a.reason == FailureReason.OTHER and not a.note.strip():
            issues.append(Issue("E1412", "reason 'other' needs a note saying what happened", ("note",)))
    if a.proof is not None:
        issues += proof_issues(a.proof, max_photo_bytes)
    return issues


def _replay(row: StopEventRow, a: StopAction) -> dict[str, Any]:
    if row.stop_id != a.stop_id or row.status != a.status.value:
        msg = f"client id {a.client_id} was used for {row.status} on {row.stop_id}"
        raise DoorstepError([Issue("E2112", msg, ("client_id",), a.client_id)])
    return {**row.result, "replayed": True}


def _target(uow: UnitOfWork, actor: Actor, a: StopAction) -> tuple[StopRow, RouteRow, OrderRow | None]:
    stop = uow.stops.require(a.stop_id, ("stop_id",))
    route = uow.routes.require(stop.route_id)
    if route.driver_id != actor.principal_id:
        raise DoorstepError([Issue("E1416", f"stop {stop.id} is not on one of your routes", ("stop_id",), stop.id)])
    if route.status not in LIVE:
        raise DoorstepError([Issue("E2113", f"route {route.id} is {route.status}", ("stop_id",), route.id)])
    order = uow.orders.get(stop.order_id) if stop.order_id else None
    if order is not None and order.status == OrderStatus.CANCELLED.value:
        raise DoorstepError([Issue("E2110", f"order {order.id} was cancelled", ("stop_id",), order.id)])
    if stop.status in (StopStatus.COMPLETED.value, StopStatus.FAILED.value):
        raise DoorstepError([Issue("E2111", f"stop {stop.id} is already {stop.status}", ("stop_id",), stop.id)])
    return stop, route, order


def _follow_order(uow: UnitOfWork, events: EventRecorder, order: OrderRow | None, target: StopStatus) -> None:
    """A finished stop finishes its order (a planned order is dispatched first: the driver has it)."""
    if order is None or target not in STOP_ORDER_STATUS:
        return
    if order.status == OrderStatus.PLANNED.value:
        set_order_status(uow, events, order, OrderStatus.DISPATCHED, "order.dispatched")
    final = STOP_ORDER_STATUS[target]
    set_order_status(uow, events, order, final, f"order.{final.value}")


def _proof_row(uow: UnitOfWork, stop: StopRow, a: StopAction) -> ProofRow | None:
    if a.status is not StopStatus.COMPLETED or a.proof is None or a.proof.empty:
        return None
    pr = a.proof
    row = ProofRow(
        id=new_id("pod"), stop_id=stop.id, order_id=stop.order_id, photo=pr.photo,
        photo_type=image_type(pr.photo) if pr.photo else None, signature=pr.signature,
        barcodes=list(pr.barcodes), recipient=pr.recipient, safe_place=pr.safe_place, at=a.at,
        lat=a.location.lat if a.location else None, lng=a.location.lng if a.location else None,
    )  # fmt: skip
    uow.proofs.add(row)
    return row


def _retimed(p: Platform, plan: PlanRow, data: dict[str, Any]) -> dict[str, Any]:
    """The route (plan.json form) with its stops' times, distances and loads recomputed along their new order, as
    the checker recomputes them: a later change of the day (a cancellation, a new window) is checked against it.
    The route's totals (distance, duration, cost) stay the plan's: analytics compares the driven day with them."""
    put_routes(plan, [data])
    stored, problem, _ = plan_from_dict(plan.result, trusted=True)
    route = next(r for r in stored.routes if r.id == data["id"])
    fresh = route_to_dict(retime(problem, route, p.provider(problem, plan.org_id)), route_zone(problem, route))
    return {**data, "stops": fresh["stops"]}


def _visit_next(p: Platform, uow: UnitOfWork, route: RouteRow, stop: StopRow) -> bool:
    """A driver who works a stop while earlier stops are still pending went there first: the route is re-sequenced
    so this stop follows the last one touched and the skipped stops come after it, in their order (stop ids kept,
    the route's version moved on, the published plan's copy too) and re-timed along its new order. Without it the
    stop's position counted as progress: the stops skipped looked done, their ETAs stopped and a cancellation of
    one was refused (E2101); without the re-timing, once a skipped stop was done too, its planned arrival (from
    the old order) was earlier than possible and a later change of the route failed the checker (E2131).
    A paired delivery whose pickup is still pending stays where it is. Returns whether the route changed."""
    stops = sorted(uow.stops.all(StopRow.route_id == route.id), key=lambda s: s.seq)
    last = max((s.seq for s in stops if s.status != StopStatus.PENDING.value), default=0)
    if stop.seq <= last + 1:
        return False
    skipped = [s for s in stops if last < s.seq < stop.seq]
    if stop.type == "paired_delivery" and any(s.order_id == stop.order_id for s in skipped):
        return False
    visits = [s for s in stops if s.seq <= last] + [stop] + skipped + [s for s in stops if s.seq > stop.seq]
    planned = route.data["stops"]
    plan = uow.plans.require(route.plan_id)
    route.data = _retimed(p, plan, {**route.data, "stops": [planned[s.seq] for s in visits]})
    for k, s in enumerate(visits):
        s.seq = k
    route.version += 1
    put_routes(plan, [route.data])
    return True


def _apply(p: Platform, uow: UnitOfWork, actor: Actor, a: StopAction) -> dict[str, Any]:
    stop, route, order = _target(uow, actor, a)
    current = StopStatus(stop.status)
    target = transition(current, a.status, subject=stop.id).value
    resequenced = current is StopStatus.PENDING and _visit_next(p, uow, route, stop)
    # compare-and-set: of two different actions racing on one stop, only the first finishes it
    moved = uow.session.execute(
        update(StopRow).where(StopRow.id == stop.id, StopRow.status == current.value).values(status=target)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise DoorstepError([Issue("E2111", f"stop {stop.id} changed meanwhile; reload", ("stop_id",), stop.id)])
    distance = round(haversine_m(LatLng(stop.lat, stop.lng), a.location)) if a.location else None
    flagged = a.status is StopStatus.COMPLETED and distance is not None and distance > p.live_rules.pod_flag_distance_m
    warnings = []
    if flagged:
        msg = f"completed {distance} m from the stop (more than {p.live_rules.pod_flag_distance_m:.0f} m)"
        warnings.append(Issue("W1410", msg, ("position",), stop.id).to_dict())
    scan = None
    if a.status is StopStatus.COMPLETED:
        check, scan_issues = scan_warnings(order.data if order is not None else None, a.proof, stop.id)
        scan = check.to_dict() if check is not None else None
        warnings += [i.to_dict() for i in scan_issues]
    events = EventRecorder(uow, actor.label)
    _follow_order(uow, events, order, a.status)
    proof = _proof_row(uow, stop, a)
    result: dict[str, Any] = {
        "id": new_id("sev"), "client_id": a.client_id, "stop_id": stop.id, "route_id": route.id,
        "order_id": stop.order_id, "status": a.status.value, "reason": a.reason, "note": a.note,
        "at": a.at.isoformat(), "distance_m": distance, "flagged": flagged,
        "proof_id": proof.id if proof else None, "scan": scan, "warnings": warnings, "replayed": False,
        "route_version": route.version if resequenced else None,
    }  # fmt: skip
    uow.stop_events.add(
        StopEventRow(
            id=result["id"], client_id=a.client_id, route_id=route.id, stop_id=stop.id, order_id=stop.order_id,
            driver_id=route.driver_id, actor=actor.label, status=a.status.value, reason=a.reason, note=a.note,
            at=a.at, lat=a.location.lat if a.location else None, lng=a.location.lng if a.location else None,
            accuracy_m=a.accuracy_m, distance_m=distance, flagged=flagged, proof_id=result["proof_id"],
            result=result,
        )
    )  # fmt: skip
    data = {k: result[k] for k in ("route_id", "order_id", "reason", "distance_m", "flagged", "proof_id", "scan", "at")}
    data |= {"driver_id": route.driver_id, "lat": a.location.lat if a.location else None,
             "lng": a.location.lng if a.location else None}  # fmt: skip
    events.record(f"stop.{a.status.value}", stop.id, from_status=current.value, to_status=a.status.value, data=data)
    if resequenced:
        events.record("route.updated", route.id, data={"version": route.version, "visited_early": stop.id})
    return result


def record_action(p: Platform, actor: Actor, a: StopAction) -> dict[str, Any]:
    """Apply a driver's stop action once; a repeated client id returns the first answer (``replayed: true``)."""
    actor.require(Permission.OWN_ROUTES)
    issues = _input_issues(a, p.live_rules.max_photo_bytes, p.clock())
    if issues:
        raise DoorstepError(issues)
    try:
        with p.uow(actor) as uow:
            seen = uow.stop_events.first(StopEventRow.client_id == a.client_id)
            if seen is not None:
                return _replay(seen, a)
            result = _apply(p, uow, actor, a)
            uow.commit()
    except (IntegrityError, DoorstepError):  # lost a race: maybe to a copy of this very action, then replay it
        with p.uow(actor) as uow:
            seen = uow.stop_events.first(StopEventRow.client_id == a.client_id)
        if seen is None:
            raise
        return _replay(seen, a)
    p.live.publish(actor.org_id, live_event(result, a))
    if result.get("route_version") is not None:  # the driver's app and the live view reload the new order
        p.live.publish(actor.org_id, {"type": "route_changed", "route_id": result["route_id"],
                                      "version": result["route_version"]})  # fmt: skip
    return result


def live_event(result: dict[str, Any], a: StopAction) -> dict[str, Any]:
    """The ``stop`` event of the live channel (shared contract with the dispatcher view)."""
    return {
        "type": "stop", "route_id": result["route_id"], "stop_id": result["stop_id"], "order_id": result["order_id"],
        "status": result["status"], "reason": result["reason"], "at": result["at"],
        "lat": a.location.lat if a.location else None, "lng": a.location.lng if a.location else None,
    }  # fmt: skip
