"""A synthetic day of a forecast size, for staffing: the orders already booked for the day, and the rest sampled
from the history of the same weekday (their real addresses, sizes, skills and service times; their windows moved
to the day), and the organization's real fleet on that day (docs/analytics.md, "Forecast and staffing").

The fleet of a depot on a day is its vehicles with a shift that day; a vehicle without one (a day not rostered
yet) gets its latest shift on the same weekday, else its latest shift of any day, moved to the day at the same
local clock times (breaks too). A vehicle that never had a shift is not counted. Simplifications, so the day
plans like an ordinary one: alternatives are dropped, an order to a pickup point counts as its own stop, and
the shifts carry no driver (the driver's skills stay with the vehicle).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.fleet import Depot, Vehicle
from doorstep.domain.orders import Order, PairedPickup, TimeWindow
from doorstep.domain.problem import Problem
from doorstep.domain.status import OrderStatus
from doorstep.services.orders.convert import depot_of, order_of, vehicle_of, vehicle_type_of
from doorstep.store.models import OrderRow, ShiftRow, VehicleRow
from doorstep.store.uow import UnitOfWork

SAME_WEEKDAYS = 8  # weeks of history the orders of a day are sampled from
SHIFT_LOOKBACK = 8 * 7  # days back a vehicle's latest shift is looked for


def moved(at: datetime, since: date, day: date, tz: ZoneInfo) -> datetime:
    """An instant of ``since`` at the same local clock time on ``day`` (across a daylight-saving change too)."""
    local = at.astimezone(tz)
    return datetime.combine(local.date() + (day - since), local.time(), tz)


def _window(w: TimeWindow, since: date, day: date, tz: ZoneInfo) -> TimeWindow:
    return TimeWindow(moved(w.start, since, day, tz), moved(w.end, since, day, tz))


def moved_order(order: Order, n: int, since: date, day: date, tz: ZoneInfo) -> Order:
    """A copy of a past order as order ``n`` of the synthetic day: windows and release time moved to the day."""
    pickup = order.pickup
    if pickup is not None:
        pickup = PairedPickup(pickup.location, pickup.address, tuple(_window(w, since, day, tz) for w in
                              pickup.time_windows), pickup.service_s)  # fmt: skip
    release = moved(order.release_at, since, day, tz) if order.release_at else None
    windows = tuple(_window(w, since, day, tz) for w in order.time_windows)
    return replace(order, id=f"ord_staff{n:05d}", external_ref=f"S-{n}", time_windows=windows, release_at=release,
                   alternatives=(), pickup=pickup, pickup_point_id=None, handover_s=0)  # fmt: skip


def sample_orders(uow: UnitOfWork, day: date, today: date, count: int, seed: int) -> list[OrderRow]:
    """``count`` orders drawn (seeded) from the last ``SAME_WEEKDAYS`` same weekdays before today (any day of
    those weeks when that weekday had none); with replacement only when there are fewer than asked."""
    if count <= 0:
        return []
    back = [day - timedelta(days=7 * k) for k in range(1, SAME_WEEKDAYS + 60)]
    same = [d for d in back if d < today][:SAME_WEEKDAYS]
    live = OrderRow.status != OrderStatus.CANCELLED.value
    rows = uow.orders.all(OrderRow.day.in_(same), live) if same else []
    if not rows:
        rows = uow.orders.all(OrderRow.day < today, OrderRow.day >= today - timedelta(days=7 * SAME_WEEKDAYS), live)
    if not rows:
        return []
    rows.sort(key=lambda r: r.id)
    rng = random.Random(f"{seed}:{day.isoformat()}")
    return rng.sample(rows, count) if count <= len(rows) else rng.choices(rows, k=count)


def _shift_for(shifts: list[ShiftRow], day: date) -> ShiftRow | None:
    """The shift that day, else the latest on the same weekday, else the latest (None: never rostered)."""
    exact = [s for s in shifts if s.day == day]
    same = [s for s in shifts if s.day < day and s.day.weekday() == day.weekday()]
    before = [s for s in shifts if s.day < day]
    for group in (exact, same, before):
        if group:
            return max(group, key=lambda s: s.day)
    return None


def _moved_shift(s: ShiftRow, day: date, tz: ZoneInfo) -> ShiftRow:
    """A transient copy of the shift on ``day`` (never added to the session), without its driver."""
    breaks: list[dict[str, Any]] = [
        {"start": moved(datetime.fromisoformat(b["start"]), s.day, day, tz).isoformat(),
         "end": moved(datetime.fromisoformat(b["end"]), s.day, day, tz).isoformat(), "duration_s": b["duration_s"]}
        for b in s.breaks
    ]  # fmt: skip
    return ShiftRow(vehicle_id=s.vehicle_id, driver_id=None, day=day, start=moved(s.start, s.day, day, tz),
                    end=moved(s.end, s.day, day, tz), breaks=breaks)  # fmt: skip


def fleet_on(uow: UnitOfWork, depot: Depot, day: date) -> list[Vehicle]:
    """The depot's vehicles as available on ``day`` (their shift that day, or their usual one moved to it)."""
    rows = uow.vehicles.all(VehicleRow.depot_id == depot.id)
    if not rows:
        return []
    shifts = uow.shifts.all(ShiftRow.vehicle_id.in_([r.id for r in rows]),
                            ShiftRow.day >= day - timedelta(days=SHIFT_LOOKBACK), ShiftRow.day <= day)  # fmt: skip
    types = {k: vehicle_type_of(t) for k, t in uow.vehicle_types.get_many([r.type_id for r in rows]).items()}
    drivers = uow.drivers.get_many([s.driver_id for s in shifts if s.driver_id])
    tz = ZoneInfo(depot.timezone)
    out = []
    for row in sorted(rows, key=lambda r: r.id):
        shift = _shift_for([s for s in shifts if s.vehicle_id == row.id], day)
        if shift is None or row.type_id not in types:
            continue
        driver = drivers.get(shift.driver_id) if shift.driver_id else None
        out.append(vehicle_of(row, types[row.type_id], _moved_shift(shift, day, tz), driver))
    return out


def booked_orders(uow: UnitOfWork, day: date) -> list[OrderRow]:
    """The orders already stored for ``day`` (cancelled ones left out), in id order."""
    live = OrderRow.status != OrderStatus.CANCELLED.value
    return sorted(uow.orders.all(OrderRow.day == day, live), key=lambda r: r.id)


def synthetic_days(uow: UnitOfWork, day: date, today: date, count: int, seed: int) -> list[Problem]:
    """One problem per depot for a day of ``count`` orders with the real fleet: the orders already booked for the
    day as they are, and the rest sampled from history (a forecast is never below the booked count, so a day
    of real orders is staffed with them, even with no history to sample from)."""
    booked = booked_orders(uow, day)[:count]
    sampled = booked + sample_orders(uow, day, today, count - len(booked), seed)
    depots = {k: depot_of(r) for k, r in uow.depots.get_many(sorted({r.depot_id for r in sampled})).items()}
    by_depot: dict[str, list[Order]] = {}
    for n, row in enumerate(sampled):
        depot = depots[row.depot_id]
        order = order_of(row, depots)
        by_depot.setdefault(row.depot_id, []).append(moved_order(order, n, row.day, day, ZoneInfo(depot.timezone)))
    problems = []
    for depot_id, orders in sorted(by_depot.items()):
        depot = depots[depot_id]
        vehicles = fleet_on(uow, depot, day)
        ends = sorted({v.end_depot_id for v in vehicles if v.end_depot_id and v.end_depot_id != depot_id})
        others = tuple(depot_of(r) for r in uow.depots.get_many(ends).values())
        problems.append(Problem(depots=(depot, *others), vehicles=tuple(vehicles), orders=tuple(orders),
                                name=f"staffing {depot.name} {day.isoformat()}"))  # fmt: skip
    return problems
