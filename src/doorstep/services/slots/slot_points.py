"""Pickup points near an address, for the checkout (a publishable key may ask): the organization's active points
within ``within_m`` metres, nearest first, so the customer can choose one and then ask for its days
(``slot_pickup``). Nothing to choose has its coded reason: the slot policy has no pickup level (E1554), or no
active point lies that near (E2274).

With a walking network (``DOORSTEP_FOOT_NETWORK``) "near" is the walk: the points nearest as the crow flies (at
most ``WALK_CANDIDATES``) are measured on foot, ranked by the walk and kept when it is at most ``within_m``. A
point across a motorway, a railway or up a cliff is not near however close it looks (in Monaco, 227 m in a
straight line can be a 3 km walk). An address the walking network cannot reach (outside its extract) keeps the
straight line."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select

from doorstep.domain.cells import M_PER_DEG
from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.pickup import PickupPoint
from doorstep.services.fleet.pickup_points import point_of
from doorstep.services.fleet.point_reach import Reach, straight, walked
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.slots.slot_pickup import pickup_level
from doorstep.services.slots.slot_policy import current_policy
from doorstep.store.models import PickupPointRow

AT: tuple[str | int, ...] = ("location",)
WALK_CANDIDATES = 50  # the points nearest in a straight line that are measured on foot (one small matrix)


@dataclass(frozen=True, slots=True)
class NearPoint:
    """A point and how far it lies from the address (the walk too when the deployment has a walking network)."""

    point: PickupPoint
    reach: Reach


@dataclass
class NearPoints:
    """The points to offer, nearest first (by the walk when ``by_walk``), or why there is none."""

    points: list[NearPoint] = field(default_factory=list)
    reason: Issue | None = None
    by_walk: bool = False


def _box(at: LatLng, within_m: int) -> tuple[float, float, float, float]:
    """A latitude/longitude box holding every place within ``within_m`` of ``at`` (the index narrows to it)."""
    dlat = within_m / M_PER_DEG
    dlng = within_m / (M_PER_DEG * max(0.01, math.cos(math.radians(at.lat))))
    return at.lat - dlat, at.lat + dlat, at.lng - dlng, at.lng + dlng


def near_points(p: Platform, actor: Actor, at: LatLng, within_m: int, limit: int) -> NearPoints:
    """At most ``limit`` active points within ``within_m`` metres of ``at``, nearest first (ties by name)."""
    actor.require_any(Permission.READ, Permission.WRITE, Permission.CHECKOUT)
    with p.uow(actor) as uow:
        policy, _ = current_policy(uow)
        if pickup_level(policy) is None:
            return NearPoints(reason=Issue("E1554", "the slot policy has no pickup service level", AT))
        lat0, lat1, lng0, lng1 = _box(at, within_m)
        rows = uow.session.scalars(select(PickupPointRow).where(
            PickupPointRow.org_id == uow.org_id, PickupPointRow.active,
            PickupPointRow.lat.between(lat0, lat1), PickupPointRow.lng.between(lng0, lng1),
        )).all()  # fmt: skip
    points = [point_of(r) for r in rows]
    lines = [NearPoint(x, r) for x, r in zip(points, straight(at, [x.location for x in points]), strict=True)]
    inside = (n for n in lines if n.reach.distance_m <= within_m)
    found = sorted(inside, key=lambda n: (*n.reach.key(False), n.point.name))
    on_foot = None
    if p.travel.foot is not None:
        near = found[:WALK_CANDIDATES]
        reaches = walked(p.travel.foot, at, [n.point.location for n in near])
        if reaches is not None:
            on_foot = [NearPoint(n.point, r) for n, r in zip(near, reaches, strict=True)]
    if on_foot is not None:
        found = sorted((n for n in on_foot if n.reach.walk_m is not None and n.reach.walk_m <= within_m),
                       key=lambda n: (*n.reach.key(True), n.point.name))  # fmt: skip
    if not found:
        where, how = f"{at.lat:.5f},{at.lng:.5f}", " on foot" if on_foot is not None else ""
        return NearPoints(reason=Issue("E2274", f"no active pickup point within {within_m} m{how} of {where}", AT))
    return NearPoints(points=found[:limit], by_walk=on_foot is not None)
