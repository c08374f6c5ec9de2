"""The order history a forecast learns from: orders per local delivery day and delivery zone, read from the
stored orders (``orders.day`` is the order's delivery day in its depot's time zone, the day a plan is made for).

Cancelled orders are left out (no van went for them); re-attempts of failed deliveries count (they are stops to
drive). The zone of an order is the slot policy's first zone containing its location — the rule of
``services/slots/slot_offers.zone_of``, applied here with the policy's depots loaded once instead of once per
order (``zone_of`` reads them on every call; a history has tens of thousands of orders). Orders in no zone, and
every order when there is no slot policy, form one group (key ``None``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import Depot
from doorstep.domain.geo import LatLng
from doorstep.domain.slots import Zone
from doorstep.domain.status import OrderStatus
from doorstep.services.orders.convert import depot_of
from doorstep.services.slots.slot_policy import current_policy
from doorstep.store.models import DepotRow, OrderRow
from doorstep.store.uow import UnitOfWork

NO_ZONE = "(no zone)"


@dataclass(slots=True)
class History:
    """Daily order counts from ``first`` to ``last`` (inclusive, every day present, zeros included) per zone key,
    the zones' names, and the orders already booked on later days."""

    first: date
    last: date
    zones: dict[str | None, str]  # zone id (None: no zone) -> name, in policy order
    counts: dict[str | None, list[int]]  # zone key -> count per day, first..last
    booked: dict[date, dict[str | None, int]] = field(default_factory=dict)  # days after last -> zone -> orders

    @property
    def days(self) -> int:
        """How many days the history covers."""
        return len(self.total)

    @property
    def total(self) -> list[int]:
        """Orders per day over every zone."""
        n = (self.last - self.first).days + 1 if self.first <= self.last else 0
        return [sum(c[i] for c in self.counts.values()) for i in range(n)]

    def day(self, i: int) -> date:
        """The date of index ``i`` (0: ``first``; past the end: forecast days)."""
        return self.first + timedelta(days=i)


def local_today(uow: UnitOfWork, now: datetime) -> date:
    """Today in the organization's time zone (its first depot's; UTC without depots)."""
    tz = uow.session.scalar(
        select(DepotRow.timezone).where(DepotRow.org_id == uow.org_id).order_by(DepotRow.id).limit(1)
    )
    return now.astimezone(ZoneInfo(tz or "UTC")).date()


def zone_finder(uow: UnitOfWork) -> tuple[dict[str | None, str], Callable[[LatLng], str | None]]:
    """The policy's zones (id -> name, policy order) and a function giving a point's zone id (None: in no zone)."""
    try:
        policy, _ = current_policy(uow)
    except DoorstepError:  # no slot policy: no zones
        return {}, lambda _: None
    depots: dict[str, Depot] = {
        k: depot_of(r) for k, r in uow.depots.get_many(sorted({z.depot_id for z in policy.zones})).items()
    }
    zones: list[tuple[Zone, LatLng]] = [(z, depots[z.depot_id].location) for z in policy.zones if z.depot_id in depots]

    def find(point: LatLng) -> str | None:
        return next((z.id for z, at in zones if z.contains(point, at)), None)

    return {z.id: z.name for z in policy.zones}, find


def read_history(uow: UnitOfWork, today: date, lookback_days: int, ahead_days: int) -> History:
    """Counts per day and zone over the ``lookback_days`` before ``today`` (starting on the first day with an
    order), and the orders booked from today on for ``ahead_days``."""
    names, find = zone_finder(uow)
    lo, hi = today - timedelta(days=lookback_days), today + timedelta(days=ahead_days - 1)
    q = select(OrderRow.day, OrderRow.lat, OrderRow.lng).where(
        OrderRow.org_id == uow.org_id, OrderRow.day >= lo, OrderRow.day <= hi,
        OrderRow.status != OrderStatus.CANCELLED.value,
    )  # fmt: skip
    per_day: dict[date, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for day, lat, lng in uow.session.execute(q):
        per_day[day][find(LatLng(lat, lng))] += 1
    past = [d for d in per_day if d < today]
    first, last = (min(past) if past else today), today - timedelta(days=1)
    keys: dict[str | None, str] = dict(names)
    if any(None in per_day[d] for d in past) or not keys:
        keys[None] = NO_ZONE
    n = max(0, (last - first).days + 1)
    counts = {k: [per_day.get(first + timedelta(days=i), {}).get(k, 0) for i in range(n)] for k in keys}
    booked = {d: dict(v) for d, v in per_day.items() if d >= today}
    return History(first, last, keys, counts, booked)
