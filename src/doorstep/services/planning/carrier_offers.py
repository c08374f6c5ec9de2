"""A plan's carrier offers (``carrier_offers`` in plan.json, docs/carriers.md): made after the plan is solved
(``overflow.propose``), confirmed by a dispatcher or by the carrier's auto-confirm policy, booked by the named job
``carriers.book``, and — once the carrier has the order — taken off the route.

Confirming holds the order in a pending booking (an order is never offered twice at once) and submits the job.
The job asks the carrier (quote, then book; the adapter's timeouts and retries) and records the answer on the
offer: ``booked`` takes the order off its route (re-timed like a manual edit, a ``route.updated`` event, the live
view and driver apps reload) or out of the unassigned list; ``not_booked`` leaves everything where it was and
flags the offer with the carrier's error (it can be confirmed again). Declining an open offer keeps the order
with the fleet (``declined``, recorded as ``carrier.declined``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.events import EventType
from doorstep.domain.plan import Plan, StopType
from doorstep.domain.problem import Problem
from doorstep.domain.status import RouteStatus
from doorstep.formats.plan_common import route_zone
from doorstep.formats.plan_json import carrier_offer_to_dict, route_to_dict, stats_to_dict, unassigned_to_dict
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.live_route import with_routes
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.carriers.bookings import call_carrier, open_booking
from doorstep.services.carriers.carriers_admin import active_carriers, booked_on, bookings_repo
from doorstep.services.kernel.access import Actor, Permission, system_actor
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform
from doorstep.services.planning.overflow import Market, propose
from doorstep.services.planning.plan_routes import stop_rows
from doorstep.services.planning.retime import retime
from doorstep.services.planning.route_edits import EDITABLE_PLANS
from doorstep.store.models import PlanRow, StopRow
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.carriers")
CONFIRMABLE = ("open", "not_booked")


def offers_for(
    p: Platform, org_id: str, depot_id: str, day: date, problem: Problem, plan: Plan, provider: TravelTimeProvider
) -> list[dict[str, Any]]:
    """The plan's offers to the organization's carriers (none without carriers: nothing is computed)."""
    with p.uow(org_id) as uow:
        carriers = active_carriers(uow)
        if not carriers:
            return []
        used = booked_on(uow, day)
        timezone = uow.depots.require(depot_id).timezone
    market = Market.of(carriers, day, timezone, p.clock(), used)
    return [carrier_offer_to_dict(o, p.currency) for o in propose(problem, plan, market, provider, p.currency)]


def _offers(row: PlanRow) -> list[dict[str, Any]]:
    return list(((row.result or {}).get("plan") or {}).get("carrier_offers") or [])


def _put_offer(row: PlanRow, order_id: str, **changes: Any) -> dict[str, Any]:
    """Change one offer in the stored document (a new document object, so the change is saved)."""
    offers = [dict(o, **changes) if o["order_id"] == order_id else o for o in _offers(row)]
    assert row.result is not None
    row.result = {**row.result, "plan": {**row.result["plan"], "carrier_offers": offers}}
    return next(o for o in offers if o["order_id"] == order_id)


def _route_open(uow: UnitOfWork, route_id: str | None) -> bool:
    if route_id is None:
        return True
    route = uow.routes.get(route_id)
    return route is not None and not route.locked and route.status in (RouteStatus.DRAFT.value,
                                                                        RouteStatus.PUBLISHED.value)  # fmt: skip


def confirm_offer(p: Platform, actor: Actor, plan_id: str, order_id: str) -> dict[str, Any]:
    """Hand the offered order to its carrier: a pending booking holds it and ``carriers.book`` asks the carrier.
    E2310 without an open offer, E2311 when its route can no longer change, E2313 when the carrier cannot take
    it now (cut-off, capacity, inactive)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.plans.require(plan_id)
        offer = next((o for o in _offers(row) if o["order_id"] == order_id), None)
        if offer is None or offer["status"] not in CONFIRMABLE:
            state = "no offer" if offer is None else f"its offer is {offer['status']}"
            msg = f"plan {plan_id}: order {order_id} has {state}" if offer is None else f"order {order_id}: {state}"
            raise DoorstepError([Issue("E2310", msg, ("order_id",), order_id)])
        if row.status not in EDITABLE_PLANS or not _route_open(uow, offer.get("route_id")):
            msg = f"order {order_id}: plan {plan_id} is {row.status} or route {offer.get('route_id')} cannot change"
            raise DoorstepError([Issue("E2311", msg, ("order_id",), order_id)])
        booking = open_booking(p, uow, offer["carrier_id"], order_id, plan_id, offer["price_cents"],
                               offer["saving_cents"])  # fmt: skip
        offer = _put_offer(row, order_id, status="booking", booking_id=booking.id, error=None)
        uow.commit()
    p.submit("carriers.book", org_id=actor.org_id, booking_id=booking.id)
    with p.uow(actor) as uow:
        return next(o for o in _offers(uow.plans.require(plan_id)) if o["order_id"] == order_id)


def decline_offer(p: Platform, actor: Actor, plan_id: str, order_id: str) -> dict[str, Any]:
    """The dispatcher keeps the order: the offer becomes ``declined`` (it cannot be confirmed any more; the order
    stays where the plan put it) and ``carrier.declined`` records it on the order's timeline. E2310 without an
    open or not-booked offer (one being booked or booked is the carrier's: cancel the order to give it back)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.plans.require(plan_id)
        offer = next((o for o in _offers(row) if o["order_id"] == order_id), None)
        if offer is None or offer["status"] not in CONFIRMABLE:
            state = "no offer" if offer is None else f"its offer is {offer['status']}"
            raise DoorstepError([Issue("E2310", f"plan {plan_id}: order {order_id} has {state}", ("order_id",),
                                       order_id)])  # fmt: skip
        offer = _put_offer(row, order_id, status="declined", error=None)
        data = {"carrier_id": offer["carrier_id"], "carrier_name": offer["carrier_name"], "plan_id": plan_id,
                "price_cents": offer["price_cents"], "saving_cents": offer["saving_cents"]}  # fmt: skip
        EventRecorder(uow, actor.label).record(EventType.CARRIER_DECLINED, order_id, to_status="declined", data=data)
        uow.commit()
        return offer


def auto_confirm(p: Platform, org_id: str, plan_id: str) -> list[str]:
    """The policy: confirm the plan's offers to carriers that auto-confirm (the orders sent to be booked)."""
    with p.uow(org_id) as uow:
        auto = {c.id for c in active_carriers(uow) if c.auto_confirm}
        wanted = [o["order_id"] for o in _offers(uow.plans.require(plan_id)) if o["carrier_id"] in auto]
    done = []
    for order_id in wanted:
        try:
            confirm_offer(p, system_actor(org_id), plan_id, order_id)
            done.append(order_id)
        except DoorstepError as exc:  # full, past its cut-off: the offer stays open for a dispatcher
            log.info("auto-confirm of %s on %s not made: %s", order_id, plan_id, exc)
    return done


@job("carriers.book")
def book_job(p: Platform, org_id: str, booking_id: str) -> None:
    """Ask the carrier, record its answer on the offer and, when booked, take the order off the plan."""
    outcome = call_carrier(p, org_id, booking_id)
    if outcome is None:
        return
    changed: list[tuple[str, int]] = []
    with p.uow(org_id) as uow:
        booking = bookings_repo(uow).require(booking_id)
        row = uow.plans.get(booking.plan_id) if booking.plan_id else None
        if row is None or row.result is None:
            return
        if not outcome.booked:
            _put_offer(row, outcome.order_id, status="not_booked", error=outcome.error[:500])
        else:
            offer = next((o for o in _offers(row) if o["order_id"] == outcome.order_id), {})
            moved = _route_open(uow, offer.get("route_id"))
            changed = _take_off(p, uow, row, outcome.order_id) if moved else []
            note = None if moved else f"route {offer.get('route_id')} changed meanwhile: take the order off it by hand"
            _put_offer(row, outcome.order_id, status="booked", error=note)
        uow.commit()
    for route_id, version in changed:
        p.live.publish(org_id, {"type": "route_changed", "route_id": route_id, "version": version})


def _take_off(p: Platform, uow: UnitOfWork, row: PlanRow, order_id: str) -> list[tuple[str, int]]:
    """The order off its route (re-timed; a route left without orders is superseded) or out of the unassigned
    list, in the route rows and the plan document alike."""
    assert row.result is not None
    plan, problem, _ = plan_from_dict(row.result, trusted=True)
    plan.unassigned = [u for u in plan.unassigned if u.order_id != order_id]
    routes, changed, events = [], [], EventRecorder(uow, "system")
    for r in plan.routes:
        if not any(s.order_id == order_id for s in r.stops):
            routes.append(r)
            continue
        r.stops = [s for s in r.stops if s.order_id != order_id or s.type is StopType.BREAK]
        rr = uow.routes.require(r.id)
        for old in uow.stops.all(StopRow.route_id == rr.id):
            uow.stops.delete(old)
        rr.version += 1
        if any(s.order_id for s in r.stops):
            routes.append(retime(problem, r, p.provider(problem, uow.org_id)))
            rr.data = route_to_dict(routes[-1], route_zone(problem, routes[-1]))
            uow.stops.add_all(stop_rows(rr.id, rr.data))
        else:
            rr.status = RouteStatus.SUPERSEDED.value  # nothing left to drive
        changed.append((rr.id, rr.version))
        events.record("route.updated", rr.id, data={"version": rr.version, "to_carrier": order_id})
    plan = with_routes(plan, routes)
    by_id = {rid: uow.routes.require(rid).data for rid, _ in changed}
    body = dict(row.result["plan"])
    body["routes"] = [by_id.get(d["id"], d) for d in body["routes"] if d["id"] in {r.id for r in plan.routes}]
    body["unassigned"] = [unassigned_to_dict(u) for u in plan.unassigned]
    body["stats"] = {**body.get("stats", {}), **stats_to_dict(plan.stats)}
    row.result = {**row.result, "plan": body}
    return changed
