"""Pickup points near an address, for the checkout (a publishable key may ask): the organization's active points
within ``within_m`` metres as the crow flies, nearest first, so the customer can choose one and then ask for its
days (``slot_pickup``). Nothing to choose has its coded reason: the slot policy has no pickup level (E1554), or no
active point lies that near (E2274)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select

from doorstep.domain.cells import M_PER_DEG
from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng, haversine_m
from doorstep.domain.pickup import PickupPoint
from doorstep.services.fleet.pickup_points import point_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.slots.slot_pickup import pickup_level
from doorstep.services.slots.slot_policy import current_policy
from doorstep.store.models import PickupPointRow

AT: tuple[str | int, ...] = ("location",)


@dataclass(frozen=True, slots=True)
class NearPoint:
    """A point and how far it lies from the address, in straight-line metres."""

    point: PickupPoint
    distance_m: int


@dataclass
class NearPoints:
    """The points to offer, nearest first, or why there is none."""

    points: list[NearPoint] = field(default_factory=list)
    reason: Issue | None = None


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
    found = [NearPoint(point_of(r), round(haversine_m(at, LatLng(r.lat, r.lng)))) for r in rows]
    found = sorted((n for n in found if n.distance_m <= within_m), key=lambda n: (n.distance_m, n.point.name))
    if not found:
        where = f"{at.lat:.5f},{at.lng:.5f}"
        return NearPoints(reason=Issue("E2274", f"no active pickup point within {within_m} m of {where}", AT))
    return NearPoints(points=found[:limit])
