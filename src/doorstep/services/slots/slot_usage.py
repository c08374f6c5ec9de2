"""Slot utilisation per zone and day: for every window the policy opens, and every same-day or express level that
applies in the zone (counted per zone and day), its maximum, confirmed orders and live holds; and per pickup point
and day, the parcels booked and held against its capacity (the dashboard's view of how full the promises are)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.pickup import PickupPoint
from doorstep.domain.slots import Window, windows_on
from doorstep.services.fleet.pickup_points import booked_by_day, held_by_day, point_of
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.slots.slot_policy import current_policy, policies
from doorstep.store.models import SlotHoldRow

MAX_DAYS = 31


@dataclass(frozen=True, slots=True)
class SlotUse:
    """One window: how many orders it takes, how many are confirmed and how many held right now."""

    window: Window
    confirmed: int
    held: int
    kind: str = "scheduled"  # or a level's kind: same_day, express (its window is the day's count)

    @property
    def free(self) -> int:
        """Places still open (never below zero, even if the maximum was lowered since)."""
        return max(0, self.window.template.max_orders - self.confirmed - self.held)


@dataclass(slots=True)
class ZoneDay:
    """A zone's windows on one day, with totals."""

    zone_id: str
    day: date
    timezone: str
    slots: list[SlotUse] = field(default_factory=list)

    @property
    def max_orders(self) -> int:
        """Places the day's windows offer in the zone."""
        return sum(s.window.template.max_orders for s in self.slots)

    @property
    def taken(self) -> int:
        """Confirmed orders and live holds."""
        return sum(s.confirmed + s.held for s in self.slots)


@dataclass(frozen=True, slots=True)
class PointDay:
    """A pickup point's day: its capacity in parcels, the parcels of its orders and of the live holds."""

    point: PickupPoint
    day: date
    booked: int
    held: int

    @property
    def free(self) -> int:
        """Parcels it can still take (never below zero, even if the capacity was lowered since)."""
        return max(0, self.point.capacity_parcels - self.booked - self.held)

    @property
    def utilisation(self) -> float:
        """Booked and held parcels over the capacity."""
        return round((self.booked + self.held) / self.point.capacity_parcels, 4)


def _check_range(date_from: date, date_to: date) -> list[date]:
    """The days of the range; E1551 unless it is in order and at most 31 days long."""
    if date_to < date_from or (date_to - date_from).days >= MAX_DAYS:
        msg = f"date_from {date_from} to date_to {date_to}: give at most {MAX_DAYS} days, in order"
        raise DoorstepError([Issue("E1551", msg, ("date_to",))])
    return [date_from + timedelta(days=k) for k in range((date_to - date_from).days + 1)]


def point_utilisation(p: Platform, actor: Actor, date_from: date, date_to: date) -> list[PointDay]:
    """Every pickup point and day in the range it is open (an inactive point only where parcels are still booked
    or held), by day then name: how many of its parcels are taken. Needs no slot policy (orders go to points
    through the API and imports too)."""
    actor.require(Permission.READ)
    days = _check_range(date_from, date_to)
    now = p.clock().astimezone(UTC)
    with p.uow(actor) as uow:
        points = [point_of(r) for r in uow.pickup_points.all()]
        ids = [x.id for x in points]
        booked, held = booked_by_day(uow, ids, days), held_by_day(uow, ids, days, now)
        zones = {k: r.timezone for k, r in uow.depots.get_many(sorted({x.depot_id for x in points})).items()}
    out = []
    for day in days:
        for point in sorted(points, key=lambda x: (x.name, x.id)):
            taken = (booked.get((point.id, day), 0), held.get((point.id, day), 0))
            is_open = point.depot_id in zones and bool(point.windows_on(day, zones[point.depot_id]))
            if (point.active and is_open) or any(taken):
                out.append(PointDay(point, day, *taken))
    return out


def utilisation(
    p: Platform, actor: Actor, date_from: date, date_to: date, zone_id: str | None
) -> list[ZoneDay] | None:
    """Every zone (or one) and day in the range (at most 31 days): its windows and how full they are; E1551 for
    a bad range; None when the organization has no slot policy yet."""
    actor.require(Permission.READ)
    _check_range(date_from, date_to)
    now = p.clock().astimezone(UTC)
    with p.uow(actor) as uow:
        if policies(uow).first() is None:
            return None
        policy, _ = current_policy(uow)
        depots = uow.depots.get_many(sorted({z.depot_id for z in policy.zones}))
        kinds = policy.level_kinds
        out: list[ZoneDay] = []
        for zone in policy.zones:
            if (zone_id is not None and zone.id != zone_id) or zone.depot_id not in depots:
                continue
            tz_name = depots[zone.depot_id].timezone
            tz = ZoneInfo(tz_name)
            for k in range((date_to - date_from).days + 1):
                day = date_from + timedelta(days=k)
                if policy.blacked_out(day, zone.id):
                    continue
                windows = [w for t in policy.templates if t.zone_id == zone.id for w in windows_on(t, day, tz)]
                windows += [lv.day_count(zone.id, day, tz) for lv in policy.service_levels if lv.applies_in(zone.id)]
                if windows:
                    uses = [SlotUse(w, 0, 0, kinds.get(w.template.id, "scheduled")) for w in windows]
                    out.append(ZoneDay(zone.id, day, tz_name, uses))
        keys = [s.window.key for zd in out for s in zd.slots]
        counts = _counts(uow.session, uow.org_id, keys, now)
    for zd in out:
        zd.slots = [SlotUse(s.window, *counts.get(s.window.key, (0, 0)), s.kind) for s in zd.slots]
    return out


def _counts(session: Session, org_id: str, keys: list[str], now: datetime) -> dict[str, tuple[int, int]]:
    """slot key -> (confirmed, live holds)."""
    out: dict[str, list[int]] = {}
    for chunk in range(0, len(keys), 900):
        q = (
            select(SlotHoldRow.slot_key, SlotHoldRow.status, func.count())
            .where(SlotHoldRow.org_id == org_id, SlotHoldRow.slot_key.in_(keys[chunk : chunk + 900]))
            .where(
                (SlotHoldRow.status == "confirmed") | ((SlotHoldRow.status == "held") & (SlotHoldRow.expires_at > now))
            )
            .group_by(SlotHoldRow.slot_key, SlotHoldRow.status)
        )
        for key, status, n in session.execute(q):
            pair = out.setdefault(str(key), [0, 0])
            pair[0 if status == "confirmed" else 1] += int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}
