"""/v1/slots: the slot policy (admins), offers at checkout, holds and their confirmation into orders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS, LatLngIn
from doorstep.api.schemas_slots import (
    ConfirmIn,
    ConfirmOut,
    HoldIn,
    HoldOut,
    NearPointsIn,
    NearPointsOut,
    OfferIn,
    OffersOut,
    SlotPolicyIn,
    SlotPolicyOut,
    UtilisationOut,
)
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.services.kernel import addresses
from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.platform import Platform
from doorstep.services.slots import slot_holds, slot_offers, slot_pickup, slot_points, slot_policy, slot_usage

router = APIRouter(prefix="/v1/slots", tags=["slots"], responses=ERRORS)


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).isoformat()


@router.get("/policy", response_model=SlotPolicyOut, summary="The slot policy")
def get_policy(p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
    """Zones, slot templates, blackouts, ranking and prices, with the version to send back when replacing it."""
    row = slot_policy.get_policy(p, actor)
    return {"version": row.version, "policy": row.data}


@router.put("/policy", response_model=SlotPolicyOut, summary="Replace the slot policy")
def put_policy(
    body: SlotPolicyIn,
    p: PlatformDep,
    actor: ActorDep,
    version: Annotated[int | None, Query(ge=1, le=2_000_000_000, description="the version you edited")] = None,
) -> dict[str, Any]:
    """Admins: the whole policy at once; every problem is reported together (E1550, E1109 for a depot)."""
    row = slot_policy.put_policy(p, actor, body.model_dump(mode="json", exclude_none=True), version)
    return {"version": row.version, "policy": row.data}


@router.delete("/policy", status_code=204, summary="Remove the slot policy")
def delete_policy(p: PlatformDep, actor: ActorDep) -> Response:
    """Admins: no offers or new holds until a policy is set again (E2250 when there is none)."""
    slot_policy.delete_policy(p, actor)
    return Response(status_code=204)


@router.post("/offers", response_model=OffersOut, summary="Delivery windows for an address")
def offers(body: OfferIn, p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
    """The windows Doorstep can keep at the address between the dates, each with its marginal route cost, the
    kilometres it adds, places left, a green flag and its price; best first by the organization's ranking.
    Outside every zone: no offers and the reason (E1552); a load no vehicle carries: E1553."""
    return offers_body(p, actor, body)


@router.post("/pickup-points", response_model=NearPointsOut, summary="Pickup points near an address")
def near_pickup_points(body: NearPointsIn, p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
    """The organization's active pickup points within ``within_m`` metres of the location (on foot with a walking
    network, ``DOORSTEP_FOOT_NETWORK``; else in a straight line), nearest first, for a checkout to offer (a
    publishable key may ask); ask ``POST /v1/slots/offers`` with a point's id for its days. None with the reason:
    no pickup service level (E1554), no active point that near (E2274)."""
    return near_body(p, actor, body)


def near_body(p: Platform, actor: Actor, body: NearPointsIn) -> dict[str, Any]:
    """The near-points answer (shared with the widget's plain-HTML form)."""
    at, placed = _place(p, body.location, body.address, "location or address")
    res = slot_points.near_points(p, actor, at, body.within_m, body.limit)
    points = [
        {"id": n.point.id, "name": n.point.name, "kind": n.point.kind.value, "address": n.point.address,
         "lat": n.point.location.lat, "lng": n.point.location.lng, "distance_m": n.reach.distance_m,
         "walk_m": n.reach.walk_m, "walk_s": n.reach.walk_s,
         "hours": {k: [list(x) for x in v] for k, v in n.point.hours.items()}}
        for n in res.points
    ]  # fmt: skip
    reason = None
    if res.reason is not None:
        reason = {"code": res.reason.code, "message": res.reason.message, "action": res.reason.fix}
    ranked = "walk" if res.by_walk else "straight_line"
    return {"points": points, "ranked_by": ranked, "placed": placed, "reason": reason}


def _where(body: OfferIn) -> None:
    """E1551 unless the body gives exactly one of location, address and pickup_point_id."""
    if sum(x is not None for x in (body.location, body.address, body.pickup_point_id)) != 1:
        msg = "give one of location, address or pickup_point_id (a pickup point), not several or none"
        raise DoorstepError([Issue("E1551", msg, ("location",))])


def _place(
    p: Platform, location: LatLngIn | None, address: str | None, one_of: str
) -> tuple[LatLng, dict[str, Any] | None]:
    """The place asked for: the ``location``, or where the deployment's address index places ``address`` with how
    (``placed``: label, precision, coordinates, W1212's text when approximate; a postcode alone is its area's
    middle, precision ``postcode``). E1551 unless exactly one is given; E1134, E1135, E3015 from the address."""
    if (location is None) == (address is None):
        raise DoorstepError([Issue("E1551", f"give one of {one_of}, not both or neither", ("location",))])
    if location is not None:
        return LatLng(location.lat, location.lng), None
    assert address is not None
    match, warnings = addresses.place(p, address, None, area_ok=True)
    at = match.location
    placed = {"label": match.label, "precision": match.precision.value, "lat": at.lat, "lng": at.lng,
              "warning": warnings[0].message if warnings else None}  # fmt: skip
    return at, placed


def offers_body(p: Platform, actor: Actor, body: OfferIn) -> dict[str, Any]:
    """The offers answer (shared with the widget's plain-HTML form)."""
    _where(body)
    size = {"parcels": body.parcels}
    if body.weight_g is not None:
        size["weight_g"] = body.weight_g
    if body.volume_cm3 is not None:
        size["volume_cm3"] = body.volume_cm3
    levels = frozenset(body.service_levels)
    placed: dict[str, Any] | None = None
    if body.pickup_point_id is not None:
        ask = slot_pickup.PickupRequest(body.pickup_point_id, body.date_from, body.date_to, size, levels)
        res = slot_pickup.pickup_offers(p, actor, ask)
    else:
        at, placed = _place(p, body.location, body.address, "location, address or pickup_point_id")
        req = slot_offers.OfferRequest(
            location=at, date_from=body.date_from, date_to=body.date_to,
            size=size, skills=frozenset(body.skills), service_levels=levels,
        )  # fmt: skip
        res = slot_offers.make_offers(p, actor, req)
    items = [
        {
            "id": r.id, "start": _local(r.start, res.timezone), "end": _local(r.end, res.timezone),
            "service_level": r.service_level, "kind": res.kind(r), "zone_id": r.zone_id or None,
            "pickup_point_id": res.pickup_point_id,
            "cost_cents": r.cost_cents,
            "km_added": round(r.added_m / 1000, 2), "capacity_left": res.capacity_left[r.id],
            "green": res.green[r.id], "price_cents": r.price_cents, "expires_at": r.expires_at.isoformat(),
            **_reach(res, r.id),
        }
        for r in res.offers
    ]  # fmt: skip
    reason = None
    if res.reason is not None:
        reason = {"code": res.reason.code, "message": res.reason.message, "action": res.reason.fix}
    ranking = None if res.zone_id is None and res.pickup_point_id is None else res.ranking
    return {"offers": items, "placed": placed, "zone_id": res.zone_id, "pickup_point_id": res.pickup_point_id,
            "ranking": ranking, "reason": reason}  # fmt: skip


def _reach(res: slot_offers.Offers, offer_id: str) -> dict[str, Any]:
    """An offer's reach and suggested flag (both null when learned reach is not used: docs/slots.md)."""
    est = res.reach.get(offer_id)
    if est is None:
        return {"reach": None, "suggested": None}
    reach = {"rate": round(est.rate, 3), "observations": est.observations, "level": est.level}
    return {"reach": reach, "suggested": offer_id in res.suggested}


def hold_view(row: Any) -> dict[str, Any]:
    """A hold as the API shows it."""
    return {
        "id": row.id, "offer_id": row.offer_id, "status": row.status, "start": row.start.isoformat(),
        "end": row.end.isoformat(), "service_level": row.service_level, "expires_at": row.expires_at.isoformat(),
        "order_id": row.order_id,
    }  # fmt: skip


@router.post("/holds", response_model=HoldOut, status_code=201, summary="Hold an offered window")
def hold(body: HoldIn, p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
    """Reserve the offer's place for a few minutes (DOORSTEP_SLOT_HOLD_MINUTES): E2251 offer expired, E2252 slot
    full, E2254 already held, E2255 past its cut-off."""
    return hold_view(slot_holds.hold_offer(p, actor, body.offer_id))


@router.get("/holds/{hold_id}", response_model=HoldOut, summary="A hold")
def get_hold(hold_id: str, p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
    """The hold as it stands now (past its time it reads expired)."""
    return hold_view(slot_holds.get_hold(p, actor, hold_id))


@router.post("/holds/{hold_id}/confirm", response_model=ConfirmOut, status_code=201, summary="Confirm a hold")
def confirm(hold_id: str, body: ConfirmIn, p: PlatformDep, actor: ActorDep, response: Response) -> dict[str, Any]:
    """The hold becomes an order with its window for this customer (201); confirming again returns the same
    order (200, ``replayed``); E2253 when the hold expired."""
    customer = slot_holds.Customer(**body.model_dump())
    order, replayed = slot_holds.confirm_hold(p, actor, hold_id, customer)
    if replayed:
        response.status_code = 200
    held = slot_holds.get_hold(p, actor, hold_id)
    return {"hold": hold_view(held), "order_id": order.id, "external_ref": order.external_ref,
            "order_status": order.status, "replayed": replayed}  # fmt: skip


@router.post("/holds/{hold_id}/release", response_model=HoldOut, summary="Give a hold back")
def release(hold_id: str, p: PlatformDep, actor: ActorDep) -> dict[str, Any]:
    """Free an unconfirmed hold's place at once (the customer chose another window): ``released``; again, or on
    an expired hold, the hold as it is; E2256 for a confirmed hold."""
    return hold_view(slot_holds.release_hold(p, actor, hold_id))


@router.get("/utilisation", response_model=UtilisationOut, summary="Slot utilisation per zone, point and day")
def utilisation(
    p: PlatformDep,
    actor: ActorDep,
    date_from: Annotated[date, Query()],
    date_to: Annotated[date, Query()],
    zone_id: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Every window the policy opens in the range (at most 31 days), and each same-day or express level's count
    per zone and day: its maximum, confirmed orders, live holds and free places, with each zone's totals per day
    (none, ``policy_set`` false, before a policy is set); and every pickup point's open days: parcels booked and
    held against its capacity."""
    days = slot_usage.utilisation(p, actor, date_from, date_to, zone_id)
    points = [_point_day(x) for x in slot_usage.point_utilisation(p, actor, date_from, date_to)]
    if days is None:
        return {"days": [], "policy_set": False, "points": points}
    out = []
    for zd in sorted(days, key=lambda d: (d.day, d.zone_id)):
        slots = [
            {
                "start": _local(s.window.start, zd.timezone), "end": _local(s.window.end, zd.timezone),
                "kind": s.kind, "closes": _local(s.window.cutoff, zd.timezone),
                "template_id": s.window.template.id, "service_level": s.window.template.service_level,
                "max_orders": s.window.template.max_orders, "confirmed": s.confirmed, "held": s.held, "free": s.free,
            }
            for s in sorted(zd.slots, key=lambda s: (s.kind != "scheduled", s.window.start, s.window.template.id))
        ]  # fmt: skip
        confirmed, held = sum(s.confirmed for s in zd.slots), sum(s.held for s in zd.slots)
        share = round(zd.taken / zd.max_orders, 4) if zd.max_orders else 0.0
        out.append({"zone_id": zd.zone_id, "date": zd.day.isoformat(), "max_orders": zd.max_orders,
                    "confirmed": confirmed, "held": held, "utilisation": share, "slots": slots})  # fmt: skip
    return {"days": out, "policy_set": True, "points": points}


def _point_day(x: slot_usage.PointDay) -> dict[str, Any]:
    """A pickup point's day as the API shows it."""
    pt = x.point
    return {
        "pickup_point_id": pt.id, "name": pt.name, "kind": pt.kind.value, "active": pt.active, "depot_id": pt.depot_id,
        "date": x.day.isoformat(), "capacity_parcels": pt.capacity_parcels, "booked_parcels": x.booked,
        "held_parcels": x.held, "free_parcels": x.free, "utilisation": x.utilisation,
    }  # fmt: skip
