"""Pickup slots: the ``pickup`` service level of the slot policy offers a pickup point's days instead of windows at
an address. Each day the point is open, has a van's shift at its depot and room for the parcels is one offer
spanning its opening hours; holding it takes the parcels' place at the point for that day (counted with the
orders there, under the point's lock), and confirming it makes an order to the point (its place, opening
periods and handover time: ``pickup_orders.to_point``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import new_id
from doorstep.domain.orders import Order
from doorstep.domain.pickup import PickupPoint, parse_pickup_key, pickup_key
from doorstep.domain.slots import LevelKind, ServiceLevel, SlotPolicy
from doorstep.services.access import Actor, Permission
from doorstep.services.convert import depot_of
from doorstep.services.pickup_orders import to_point
from doorstep.services.pickup_points import booked_by_day, booked_parcels, held_parcels, lock_points, point_of
from doorstep.services.platform import Platform
from doorstep.services.slot_offers import OfferRequest, Offers, check_load, check_request, has_shifts, offers_of
from doorstep.services.slot_policy import current_policy
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
        result = Offers(pickup_point_id=point.id, ranking="earliest")
        if level is None:
            result.reason = Issue("E1554", "the slot policy has no pickup service level", AT, point.id)
            return result
        if not point.active:
            result.reason = Issue("E2270", f"pickup point {point.id} ({point.name}) is not active", AT, point.id)
            return result
        depot = depot_of(uow.depots.require(point.depot_id))
        check_load(uow, depot.id, req.size, frozenset())
        result.timezone = depot.timezone
        rows, reason = _day_rows(uow, point, level, depot.timezone, req, now)
        expires = now + timedelta(seconds=p.slots.offer_ttl_s)
        for row, left in rows:
            row.expires_at = expires
            result.capacity_left[row.id] = left
            result.green[row.id] = False
        offers_of(uow).add_all([r for r, _ in rows])
        uow.commit()
        result.offers = [r for r, _ in rows]
        result.reason = None if rows else reason
    return result


def _day_rows(
    uow: UnitOfWork, point: PickupPoint, level: ServiceLevel, tz: str, req: PickupRequest, now: datetime
) -> tuple[list[tuple[SlotOfferRow, int]], Issue | None]:
    """One offer per day the point can take the parcels (with the parcels it has left), and the reason there is
    none: full on a day (E2271) before closed on every day (E1573)."""
    days = [req.date_from + timedelta(days=k) for k in range((req.date_to - req.date_from).days + 1)]
    booked = booked_by_day(uow, [point.id], days)
    asked = _parcels(req.size)
    out, full = [], []
    for day in days:
        hours = point.windows_on(day, tz)
        if not hours or hours[0].start <= now or not has_shifts(uow, point.depot_id, day):
            continue
        left = point.capacity_parcels - booked.get((point.id, day), 0) - held_parcels(uow, point.id, day, now)
        if left < asked:
            full.append((day, max(0, left)))
            continue
        row = SlotOfferRow(
            id=new_id("sof"), slot_key=pickup_key(point.id, day), zone_id="", template_id=level.id,
            service_level=level.id, depot_id=point.depot_id, day=day, start=hours[0].start, end=hours[-1].end,
            lat=point.location.lat, lng=point.location.lng, size=dict(req.size), skills=[], cost_cents=0, added_m=0,
            price_cents=level.price_cents, expires_at=now,
        )  # fmt: skip
        out.append((row, left))
    if full:
        day, left = full[0]
        msg = (f"pickup point {point.id} ({point.name}) takes {point.capacity_parcels} parcels on {day.isoformat()}:"
               f" {left} left, {asked} asked")  # fmt: skip
        return out, Issue("E2271", msg, AT, point.id)
    span = f"{req.date_from.isoformat()}..{req.date_to.isoformat()}"
    return out, Issue("E1573", f"pickup point {point.id} ({point.name}) opens for no booking on {span}", AT, point.id)


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
