"""The windows a customer may move their delivery to from the tracking page, offered from the plan like checkout
slots (``slot_offers``): each candidate window is kept only when the order's stop, bound to it, has a feasible
insertion into that day's plan (``slot_days.slot_day`` and ``optimize/slot_costs.window_costs``, the order itself
taken off its current day first).

Candidate windows, today and the next ``DAYS_AHEAD - 1`` days (depot's time zone):

- the organization has a slot policy and the address lies in a zone of the order's depot: the windows of that
  zone's templates (of the order's own service level when it was booked through a slot, tag ``slot:<level>``),
  not blacked out, before their booking cut-off, in a slot that is not full;
- otherwise (no policy, or the address in none of the depot's zones): two-hour windows from 08:00 to 20:00
  (``FALLBACK_*``), the ones starting at least ``LEAD`` from now.

The order's current window is never offered, nor a day without a vehicle shift at the depot. With learned times
on (``DOORSTEP_LEARNED_TIMES``) and enough attempts observed, the windows the address is most likely reached in
(within ``domain.reach.SUGGEST_WITHIN`` of the best on offer) are ``suggested`` (docs/learning.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from doorstep.domain.depots import counts_at_depot, parcels_of
from doorstep.domain.fleet import Depot
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, TimeWindow
from doorstep.domain.reach import SUGGEST_WITHIN
from doorstep.domain.slots import Window, windows_on
from doorstep.optimize.live_changes import remove_order
from doorstep.optimize.slot_costs import window_costs
from doorstep.services.kernel.learned_times import load_learned
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.convert import depot_of, order_of
from doorstep.services.slots import depot_room
from doorstep.services.slots.slot_days import slot_day
from doorstep.services.slots.slot_offers import has_shifts, taken_by_slot, zone_of
from doorstep.services.slots.slot_policy import current_policy, policies
from doorstep.store.models import OrderRow
from doorstep.store.uow import UnitOfWork

DAYS_AHEAD = 7  # today and the six days after it
FALLBACK_START, FALLBACK_END, FALLBACK_HOURS = time(8), time(20), 2  # windows without a slot policy
LEAD = timedelta(hours=1)  # a fallback window starts at least this long after the request
SLOT_TAG = "slot:"


@dataclass(frozen=True, slots=True)
class Choice:
    """One window the order can move to (``slot_key``/``max_orders`` when it is a slot of the policy)."""

    start: datetime
    end: datetime
    slot_key: str | None = None
    max_orders: int = 0
    suggested: bool = False  # the address is usually reached then (learned reach)


@dataclass(frozen=True, slots=True)
class Choices:
    """The windows on offer per local day, in the depot's time zone."""

    timezone: str
    days: dict[date, list[Choice]]

    def find(self, start: datetime, end: datetime) -> Choice | None:
        """The offered window with exactly these bounds."""
        return next((c for cs in self.days.values() for c in cs if c.start == start and c.end == end), None)


def _level(row: OrderRow) -> str | None:
    tags = row.data.get("tags") or []
    return next((str(t)[len(SLOT_TAG) :] for t in tags if str(t).startswith(SLOT_TAG)), None)


def _policy_windows(
    uow: UnitOfWork, row: OrderRow, loc: LatLng, days: list[date], tz: ZoneInfo, now: datetime
) -> list[Choice] | None:
    """The policy's windows at the order's address (None: no policy, or no zone of the order's depot holds it)."""
    if policies(uow).first() is None:
        return None
    policy, _ = current_policy(uow)
    found = zone_of(uow, policy, loc)
    if found is None or found[1].id != row.depot_id:
        return None
    zone, level = found[0], _level(row)
    windows: list[Window] = []
    for day in days:
        if not policy.blacked_out(day, zone.id):
            for t in policy.templates:
                if t.zone_id == zone.id and (level is None or t.service_level == level):
                    windows += [w for w in windows_on(t, day, tz) if w.cutoff > now]
    taken = taken_by_slot(uow, sorted({w.key for w in windows}), now)
    return [Choice(w.start, w.end, w.key, w.template.max_orders) for w in windows
            if taken.get(w.key, 0) < w.template.max_orders]  # fmt: skip


def _fallback_windows(days: list[date], tz: ZoneInfo, now: datetime) -> list[Choice]:
    out = []
    for day in days:
        at, last = datetime.combine(day, FALLBACK_START, tzinfo=tz), datetime.combine(day, FALLBACK_END, tzinfo=tz)
        while at + timedelta(hours=FALLBACK_HOURS) <= last:
            if at >= now + LEAD:
                out.append(Choice(at, at + timedelta(hours=FALLBACK_HOURS)))
            at += timedelta(hours=FALLBACK_HOURS)
    return out


def _feasible(p: Platform, uow: UnitOfWork, row: OrderRow, day: date, choices: list[Choice]) -> list[Choice]:
    """The choices whose window has a feasible insertion of the order into the day's plan."""
    if not choices or not has_shifts(uow, row.depot_id, day):
        return []
    base = slot_day(p, uow, row.depot_id, day)
    problem, plan = base.problem, base.plan
    if any(o.id == row.id for o in problem.orders):  # the order's own day: it leaves its place first
        problem = replace(problem, orders=tuple(o for o in problem.orders if o.id != row.id))
        if any(s.order_id == row.id for r in plan.routes for s in r.stops):
            plan = remove_order(problem, plan, row.id, base.provider, state=base.state)
    depots = {d.id: d for d in problem.depots}
    order = replace(order_of(row, depots), time_windows=tuple(TimeWindow(c.start, c.end) for c in choices))
    if day != row.day and not _depot_has_room(p, uow, depots.get(row.depot_id), day, order):
        return []
    problem = replace(problem, orders=(*problem.orders, order))
    kept = {(c.start, c.end) for c in window_costs(problem, plan, order, base.provider, base.state)}
    return [c for c in choices if (c.start, c.end) in kept]


def _depot_has_room(p: Platform, uow: UnitOfWork, depot: Depot | None, day: date, order: Order) -> bool:
    """Whether a capped depot takes the order's parcels on another day too (``slots.depot_room``)."""
    if depot is None or not counts_at_depot(order):
        return True
    now = p.clock().astimezone(UTC)
    return depot_room.no_room(uow, depot, day, now, parcels_of(order), ("start",), None) is None


def choices_for(p: Platform, uow: UnitOfWork, row: OrderRow) -> Choices:
    """The windows the order can move to, per day (see the module docstring)."""
    depot = depot_of(uow.depots.require(row.depot_id))
    tz, now = ZoneInfo(depot.timezone), p.clock().astimezone(UTC)
    today = now.astimezone(tz).date()
    days = [today + timedelta(days=k) for k in range(DAYS_AHEAD)]
    loc = order_of(row, {depot.id: depot}).location
    candidates = _policy_windows(uow, row, loc, days, tz, now)
    if candidates is None:
        candidates = _fallback_windows(days, tz, now)
    candidates = [c for c in candidates if not _same(c, row)]
    out: dict[date, list[Choice]] = {}
    for day in days:
        found = _feasible(p, uow, row, day, [c for c in candidates if c.start.astimezone(tz).date() == day])
        if found:
            out[day] = sorted(found, key=lambda c: c.start)
    return Choices(depot.timezone, _suggest(p, uow, loc, tz, out))


def _suggest(p: Platform, uow: UnitOfWork, loc: LatLng, tz: ZoneInfo, days: dict[date, list[Choice]]) -> dict[
    date, list[Choice]
]:  # fmt: skip
    """The choices with the ones the address is most likely reached in marked (learned times on, enough
    attempts observed); as they are otherwise."""
    learned = load_learned(uow) if p.travel.learned else None
    if learned is None or not learned.reach.usable:
        return days
    reach = {(c.start, c.end): learned.reach.window(loc, c.start.astimezone(tz), c.end.astimezone(tz))
             for cs in days.values() for c in cs}  # fmt: skip
    rates = [e.rate for e in reach.values() if e is not None]
    if not rates:
        return days
    best = max(rates)

    def mark(c: Choice) -> Choice:
        e = reach[(c.start, c.end)]
        return replace(c, suggested=e is not None and e.rate >= best - SUGGEST_WITHIN - 1e-9)

    return {d: [mark(c) for c in cs] for d, cs in days.items()}


def _same(c: Choice, row: OrderRow) -> bool:
    """Whether the choice is one of the order's current windows (compared as instants)."""
    return any(datetime.fromisoformat(w["start"]) == c.start and datetime.fromisoformat(w["end"]) == c.end
               for w in row.data.get("time_windows") or ())  # fmt: skip
