"""Pickup slots: the ``pickup`` service level of the slot policy offers a pickup point's days instead of windows at
an address. Each day the point is open, has a van's shift at its depot and room for the parcels is one offer
spanning its opening hours, priced like a delivery window: the cheapest checked insertion of a stop at the point,
within its opening periods, into the day offers are priced against (``slot_days``; a van that already stops at
the point that day takes the parcels into that visit for their handover seconds alone: green). Holding it takes
the parcels' place at the point for that day (counted with the orders there, under the point's lock), and
confirming it makes an order to the point (its place, opening periods and handover time:
``domain.pickup.to_point``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Order, OrderKind, TimeWindow
from doorstep.domain.pickup import PickupPoint, parse_pickup_key, pickup_key, to_point
from doorstep.domain.slots import LevelKind, ServiceLevel, SlotPolicy
from doorstep.optimize.slot_costs import window_costs
from doorstep.services.fleet.pickup_points import booked_by_day, booked_parcels, held_parcels, lock_points, point_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.convert import depot_of
from doorstep.services.slots import depot_room
from doorstep.services.slots.slot_days import slot_day
from doorstep.services.slots.slot_offers import (
    OFFER_ORDER_ID,
    OfferRequest,
    Offers,
    check_load,
    check_request,
    has_shifts,
    offers_of,
    rank,
)
from doorstep.services.slots.slot_policy import current_policy
from doorstep.store.models import SlotOfferRow
from doorstep.store.uow import UnitOfWork

AT: tuple[str | int, ...] = ("pickup_point_id",)


@dataclass(frozen=True, slots=True)
class PickupRequest:
    """What the checkout asks for a point: which days, how big, and optionally which service levels."""

    point_id: str
    date_from: date
    date_to: date
    size: dict[str, int]
    service_levels: frozenset[str] = frozenset()  # empty: every level


def pickup_level(policy: SlotPolicy, wanted: frozenset[str] = frozenset()) -> ServiceLevel | None:
    """The policy's first pickup level (among ``wanted`` when given)."""
    return next(
        (lv for lv in policy.service_levels if lv.kind is LevelKind.PICKUP and (not wanted or lv.id in wanted)),
        None,
    )


def _parcels(size: dict[str, Any]) -> int:
    return max(1, int(size.get("parcels", 1)))


def pickup_price(policy: SlotPolicy, level: ServiceLevel) -> int | None:
    """The level's own price, else the price list's first line for the level (a pickup offer spans the point's
    opening hours, so the line's window length is not matched)."""
    if level.price_cents is not None:
        return level.price_cents
    return next((p.price_cents for p in policy.prices if p.service_level == level.id), None)


def _cost(p: Platform, uow: UnitOfWork, point: PickupPoint, day: date, hours: tuple[TimeWindow, ...],
          size: dict[str, int]) -> tuple[int, int] | None:  # fmt: skip
    """(cents, metres) the parcels add to the day: the cheapest checked insertion of a stop at the point within
    one of its opening periods (joining a visit to the point already on a route pays the parcels' handover time
    only); None when no route of the day can bring them there while it is open."""
    base = slot_day(p, uow, point.depot_id, day)
    order = Order(
        id=OFFER_ORDER_ID, external_ref="pickup offer", kind=OrderKind.DELIVERY, location=point.location,
        address=point.address or point.name, time_windows=hours, service_s=point.service_s(_parcels(size)),
        handover_s=point.handover_s, size=dict(size), depot_id=point.depot_id, pickup_point_id=point.id,
    )  # fmt: skip
    problem = replace(base.problem, orders=(*base.problem.orders, order))
    costs = window_costs(problem, base.plan, order, base.provider, base.state)
    if not costs:
        return None
    best = min(costs, key=lambda c: (c.proposal.cost_delta_cents, c.proposal.distance_delta_m, c.start))
    return best.proposal.cost_delta_cents, best.proposal.distance_delta_m


def pickup_offers(p: Platform, actor: Actor, req: PickupRequest) -> Offers:
    """The point's days in the range it can take the parcels on, earliest first; none with the coded reason: no
    pickup level (E1554), an inactive point (E2270), full (E2271) or closed (E1573) on every day asked."""
    actor.require_any(Permission.WRITE, Permission.CHECKOUT)
    check_request(OfferRequest(LatLng(0, 0), req.date_from, req.date_to, req.size), p.slots.max_days)
    now = p.clock().astimezone(UTC)
    with p.uow(actor) as uow:
        policy, _ = current_policy(uow)
        point = point_of(uow.pickup_points.require(req.point_id, AT))
        level = pickup_level(policy, req.service_levels)
        result = Offers(pickup_point_id=point.id, ranking=policy.ranking.value,
                        level_kinds=policy.level_kinds)
        if level is None:
            result.reason = Issue("E1554", "the slot policy has no pickup service level", AT, point.id)
            return result
        if not point.active:
            result.reason = Issue("E2270", f"pickup point {point.id} ({point.name}) is not active", AT, point.id)
            return result
        depot = depot_of(uow.depots.require(point.depot_id))
        check_load(uow, depot.id, req.size, frozenset())
        result.timezone = depot.timezone
        rows, reason = _day_rows(p, uow, point, (policy, level), depot, req, now)
        expires = now + timedelta(seconds=p.slots.offer_ttl_s)
        for row, left in rows:
            row.expires_at = expires
            result.capacity_left[row.id] = left
            result.green[row.id] = row.added_m < policy.green_km * 1000
        offers_of(uow).add_all([r for r, _ in rows])
        uow.commit()
        result.offers = rank(policy, [r for r, _ in rows])
        result.reason = None if rows else reason
    return result


def _day_rows(
    p: Platform, uow: UnitOfWork, point: PickupPoint, rules: tuple[SlotPolicy, ServiceLevel], depot: Depot,
    req: PickupRequest, now: datetime,
) -> tuple[list[tuple[SlotOfferRow, int]], Issue | None]:  # fmt: skip
    """One priced offer per day the point can take the parcels (with the parcels it has left), and the reason
    there is none: full on a day (E2271), else its depot full (E2275), else no van able to get there while it is
    open (E2273), else closed on every day (E1573)."""
    policy, level = rules
    days = [req.date_from + timedelta(days=k) for k in range((req.date_to - req.date_from).days + 1)]
    booked = booked_by_day(uow, [point.id], days)
    asked = _parcels(req.size)
    out, full, unreached, depot_full = [], [], [], []
    for day in days:
        hours = point.windows_on(day, depot.timezone)
        if not hours or hours[0].start <= now or not has_shifts(uow, point.depot_id, day):
            continue
        left = point.capacity_parcels - booked.get((point.id, day), 0) - held_parcels(uow, point.id, day, now)
        if left < asked:
            full.append((day, max(0, left)))
            continue
        issue = depot_room.no_room(uow, depot, day, now, asked, AT, depot.id)
        if issue is not None:
            depot_full.append(issue)
            continue
        priced = _cost(p, uow, point, day, hours, req.size)
        if priced is None:
            unreached.append(day)
            continue
        row = SlotOfferRow(
            id=new_id("sof"), slot_key=pickup_key(point.id, day), zone_id="", template_id=level.id,
            service_level=level.id, depot_id=point.depot_id, day=day, start=hours[0].start, end=hours[-1].end,
            lat=point.location.lat, lng=point.location.lng, size=dict(req.size), skills=[], cost_cents=priced[0],
            added_m=priced[1], price_cents=pickup_price(policy, level), expires_at=now,
        )  # fmt: skip
        out.append((row, left))
    return out, depot_full[0] if depot_full and not full else _no_offer(point, req, asked, full, unreached)


def _no_offer(point: PickupPoint, req: PickupRequest, asked: int, full: list[tuple[date, int]],
              unreached: list[date]) -> Issue:  # fmt: skip
    """Why a point has no offer: full on a day (E2271), else no van reaches it while open (E2273), else closed."""
    if full:
        day, left = full[0]
        msg = (f"pickup point {point.id} ({point.name}) takes {point.capacity_parcels} parcels on {day.isoformat()}:"
               f" {left} left, {asked} asked")  # fmt: skip
        return Issue("E2271", msg, AT, point.id)
    if unreached:
        msg = (f"no van of depot {point.depot_id} can bring the parcels to pickup point {point.id} ({point.name}) "
               f"while it is open on {unreached[0].isoformat()}")  # fmt: skip
        return Issue("E2273", msg, AT, point.id)
    span = f"{req.date_from.isoformat()}..{req.date_to.isoformat()}"
    return Issue("E1573", f"pickup point {point.id} ({point.name}) opens for no booking on {span}", AT, point.id)


def take_pickup_place(uow: UnitOfWork, offer: SlotOfferRow, now: datetime) -> None:
    """Take the offer's parcels at its point for its day, or raise why not: inactive E2270, closed E1573, booking
    closed once the point opened that day E2255, full E2271. Call first in the transaction (the point's lock);
    holds past their time count as free (the caller also expires them, with their events)."""
    parts = parse_pickup_key(offer.slot_key)
    assert parts is not None
    pid, day = parts
    point = point_of(uow.pickup_points.require(pid, ("offer_id",)))
    if not point.active:
        raise DoorstepError([Issue("E2270", f"pickup point {pid} ({point.name}) is not active", AT, pid)])
    depot = depot_of(uow.depots.require(point.depot_id))
    hours = point.windows_on(day, depot.timezone)
    if not hours:
        raise DoorstepError([Issue("E1573", f"pickup point {pid} is closed on {day.isoformat()}", AT, pid)])
    if hours[0].start <= now:
        msg = f"pickup point {pid} opened at {hours[0].start.isoformat()}: that day is closed for booking"
        raise DoorstepError([Issue("E2255", msg, ("offer_id",), offer.id)])
    taken = booked_parcels(uow, pid, day) + held_parcels(uow, pid, day, now)
    asked = _parcels(offer.size)
    if taken + asked > point.capacity_parcels:
        msg = (f"pickup point {pid} ({point.name}) takes {point.capacity_parcels} parcels on {day.isoformat()}: "
               f"{taken} booked or held, {asked} more asked")  # fmt: skip
        raise DoorstepError([Issue("E2271", msg, AT, pid)])


def lock(uow: UnitOfWork, slot_key: str) -> bool:
    """Lock the point of a pickup slot key (``lock_points``); False for any other slot's key."""
    parts = parse_pickup_key(slot_key)
    if parts is None:
        return False
    lock_points(uow, [parts[0]])
    return True


def pickup_order(uow: UnitOfWork, slot_key: str, order: Order) -> Order:
    """The order a confirmed pickup hold becomes: to its point, on its day (the point's place, its opening
    periods that day as windows, its handover time); every reason it can no longer go there, raised."""
    parts = parse_pickup_key(slot_key)
    if parts is None:
        return order
    pid, day = parts
    points = {pid: point_of(uow.pickup_points.require(pid, AT))}
    depot = depot_of(uow.depots.require(points[pid].depot_id))
    placed, issues = to_point(replace(order, pickup_point_id=pid, time_windows=()), points, depot, day, ())
    if issues:
        raise DoorstepError(issues)
    return placed
