"""The delivery zone of each order (``orders.zone_id``), so the SQL rollups can group by it: the first zone of the
organization's slot policy that contains the order's location, none outside every zone or without a policy. The
``analytics.zones`` handler sets it when an order is created or changed and sets every order's again when the
policy changes (its zones are the current policy's), dropping the rollups of the days it moved (docs/analytics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from doorstep.domain.geo import LatLng
from doorstep.domain.slots import Zone, parse_policy
from doorstep.domain.zoning import zone_at
from doorstep.services.analytics import daily_cache
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.event_bus import EventRecord
from doorstep.services.kernel.platform import Platform
from doorstep.services.slots.slot_policy import policies
from doorstep.store.models import OrderRow, PlanRow, RouteRow, StopRow
from doorstep.store.uow import UnitOfWork

ZONE_EVENTS = ["order.created", "order.updated", "slot_policy.updated"]  # what moves an order between zones
OUTSIDE = "outside every zone"  # the label of the group of orders in no zone
PAGE = 5000  # orders read (and zoned again) at a time when the policy changes


@dataclass(frozen=True, slots=True)
class Zoning:
    """The zones of the organization's policy in order, and where their depots are (a radius's centre)."""

    zones: tuple[Zone, ...]
    depots: dict[str, LatLng]

    def zone_of(self, lat: float, lng: float) -> str | None:
        """The zone id of a location, None outside every zone."""
        return zone_at(self.zones, self.depots, LatLng(lat, lng))


def zoning(uow: UnitOfWork) -> Zoning:
    """The current policy's zones (none without a policy)."""
    row = policies(uow).first()
    if row is None:
        return Zoning((), {})
    depot_ids = sorted({str(z.get("depot_id", "")) for z in row.data.get("zones", [])})
    depots = {k: LatLng(d.lat, d.lng) for k, d in uow.depots.get_many(depot_ids).items()}
    policy, _ = parse_policy(row.data, set(depots))
    return Zoning(policy.zones, depots)


def zone_names(uow: UnitOfWork) -> dict[str, str]:
    """Zone id -> name, of the current policy (a zone without a name is called by its id)."""
    return {z.id: z.name or z.id for z in zoning(uow).zones}


@dataclass(frozen=True, slots=True)
class ZoneShape:
    """A zone as the map draws it: a circle around its depot, or a polygon."""

    id: str
    name: str
    depot_id: str
    center: LatLng | None  # the depot, for a radius zone
    radius_m: int | None
    polygon: tuple[LatLng, ...]


def zone_shapes(p: Platform, actor: Actor) -> list[ZoneShape]:
    """The zones of the organization's slot policy in policy order (empty without a policy)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        z = zoning(uow)
    return [ZoneShape(zone.id, zone.name or zone.id, zone.depot_id,
                      z.depots.get(zone.depot_id) if zone.radius_m is not None else None, zone.radius_m, zone.polygon)
            for zone in z.zones]  # fmt: skip


def _days_of(s: Session, org_id: str, order_ids: list[str]) -> list[date]:
    """The days whose rollups hold these orders: their own day and the days of the plans their stops are on."""
    days = set(s.scalars(select(OrderRow.day).where(OrderRow.org_id == org_id, OrderRow.id.in_(order_ids))))
    q = (
        select(PlanRow.day)
        .join(RouteRow, RouteRow.plan_id == PlanRow.id)
        .join(StopRow, StopRow.route_id == RouteRow.id)
        .where(StopRow.org_id == org_id, StopRow.order_id.in_(order_ids))
        .distinct()
    )
    return sorted(days | set(s.scalars(q)))


def zone_order(uow: UnitOfWork, order_id: str) -> bool:
    """Set one order's zone from its location now; drop the rollups of its days when it moved. Whether it did."""
    row = uow.orders.get(order_id)
    if row is None:
        return False
    zone = zoning(uow).zone_of(row.lat, row.lng)
    if zone == row.zone_id:
        return False
    row.zone_id = zone
    daily_cache.drop(uow.session, uow.org_id, _days_of(uow.session, uow.org_id, [order_id]))
    return True


def zone_all(uow: UnitOfWork) -> int:
    """Set every order's zone from the current policy, a page of orders at a time (only the ones that move are
    written); drop the organization's rollups when any moved. How many moved."""
    z, s, after, moved = zoning(uow), uow.session, "", 0
    o, t = OrderRow, OrderRow.__table__
    write = update(t).where(t.c.id == bindparam("oid")).values(zone_id=bindparam("zid"))  # type: ignore[arg-type]
    while True:
        q = select(o.id, o.lat, o.lng, o.zone_id).where(o.org_id == uow.org_id, o.id > after).order_by(o.id)
        page = s.execute(q.limit(PAGE)).all()
        if not page:
            break
        changes = [{"oid": r.id, "zid": zone} for r in page if (zone := z.zone_of(r.lat, r.lng)) != r.zone_id]
        if changes:
            s.execute(write, changes)
        moved, after = moved + len(changes), page[-1].id
    if moved:
        daily_cache.drop(s, uow.org_id)
    return moved


def on_event(p: Platform, event: EventRecord) -> None:
    """``order.created``/``order.updated``: the order's zone; ``slot_policy.updated``: every order's (idempotent:
    running it again finds nothing to move)."""
    with p.uow(event.org_id) as uow:
        if event.type == "slot_policy.updated":
            zone_all(uow)
        else:
            zone_order(uow, event.subject_id)
        uow.commit()
