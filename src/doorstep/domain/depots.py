"""Depots as local distribution centres: what counts against a depot's daily capacity, and when its loading
docks are busy.

**Parcels.** An order counts as its ``parcels`` size when it has one (the count the load sheet and the waves use),
else as the total quantity of its items when it lists items, else as 1. A delivery counts at the depot it is
loaded at (its vehicle's start depot, at the start or at a reload); a pickup or a customer's return counts at the
depot it is brought back to (its vehicle's start depot when a reload follows it, else its end depot; an open-ended
route's goods count at its start depot). A store-to-door order never passes a depot and does not count.

**Docks.** A van occupies a dock for the depot's ``loading_s`` seconds ending at its departure, at the start of
its route and at every reload; at most ``docks`` vans load at once. Two loadings that only touch (one ends when
the next begins) do not overlap. A re-plan's kept routes (dispatched, or published and locked) hold docks too: the
problem lists their loadings (``Problem.kept_loadings``, ``domain/kept_loadings.py``) and they count with the plan's
own (``busy_docks``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.fleet import Vehicle
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.plan import Plan, Route, StopType
from doorstep.domain.problem import Problem

MAX_CAPACITY = 10_000_000  # parcels a day
MAX_DOCKS = 1_000


def parcels_in(size: Mapping[str, int], quantities: Iterable[int]) -> int:
    """The parcels of a ``size`` and item quantities: the ``parcels`` size, else the items' total, else one."""
    if "parcels" in size:
        return max(0, int(size["parcels"]))
    given = list(quantities)
    return sum(max(0, int(q)) for q in given) if given else 1


def parcels_of(order: Order) -> int:
    """How many parcels an order counts for at a depot (its ``parcels`` size, else its items, else one)."""
    return parcels_in(order.size, (i.quantity for i in order.items))


def kind_counts(kind: OrderKind) -> bool:
    """Whether goods of this kind are handled at a depot (every kind but store-to-door)."""
    return kind is not OrderKind.PAIRED


def counts_at_depot(order: Order) -> bool:
    """Whether the order's goods are handled at a depot (every kind but store-to-door)."""
    return kind_counts(order.kind)


def return_depot(vehicle: Vehicle) -> str:
    """Where a vehicle brings goods back at the end of its route (an open end: its start depot)."""
    return vehicle.start_depot_id if vehicle.open_end else vehicle.end_depot


def has_limits(problem: Problem) -> bool:
    """Whether any depot sets a daily capacity or a number of docks."""
    return any(d.capacity_parcels_per_day is not None or d.docks is not None for d in problem.depots)


def route_parcels(problem: Problem, route: Route) -> Iterator[tuple[str, str, int]]:
    """(depot id, order id, parcels) for every order of the route that a depot handles."""
    try:
        vehicle = problem.vehicle(route.vehicle_id)
    except KeyError:
        return
    for pos, s in enumerate(route.stops):
        if s.order_id is None or s.type not in (StopType.DELIVERY, StopType.PICKUP):
            continue
        try:
            order = problem.order(s.order_id)
        except KeyError:
            continue
        if not counts_at_depot(order):
            continue
        if s.type is StopType.DELIVERY:
            yield vehicle.start_depot_id, order.id, parcels_of(order)
            continue
        back = next((n for n in route.stops[pos + 1 :] if n.type in (StopType.RELOAD, StopType.END)), None)
        depot = vehicle.start_depot_id if back is not None and back.type is StopType.RELOAD else return_depot(vehicle)
        yield depot, order.id, parcels_of(order)


def parcels_by_depot(problem: Problem, routes: Iterable[Route]) -> dict[str, int]:
    """Parcels the routes take out of and bring back into each depot."""
    out: dict[str, int] = defaultdict(int)
    for r in routes:
        for depot, _, n in route_parcels(problem, r):
            out[depot] += n
    return dict(out)


@dataclass(frozen=True, slots=True)
class Loading:
    """One van at a dock: the route, which of its departures (1: the start), the depot and when."""

    route_id: str
    trip: int
    depot_id: str
    start: datetime
    end: datetime
    dock: int | None = None


def loadings(problem: Problem, routes: Iterable[Route]) -> list[Loading]:
    """Every loading of the routes at depots whose loading takes time, as the stops claim it: ``loading_s``
    ending at the departure of each start and reload stop."""
    out = []
    for r in routes:
        try:
            depot = problem.depot(problem.vehicle(r.vehicle_id).start_depot_id)
        except KeyError:
            continue
        if depot.loading_s <= 0:
            continue
        trip = 0
        for s in r.stops[:-1]:
            if s.type in (StopType.START, StopType.RELOAD):
                trip += 1
                begin = s.departure - timedelta(seconds=depot.loading_s)
                out.append(Loading(r.id, trip, depot.id, begin, s.departure, s.dock))
    return out


def busy_docks(problem: Problem, routes: Iterable[Route]) -> dict[str, list[tuple[datetime, datetime]]]:
    """Per depot, every interval a van is at one of its docks: the routes' loadings and the problem's kept ones."""
    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for ld in loadings(problem, routes):
        busy[ld.depot_id].append((ld.start, ld.end))
    for k in problem.kept_loadings:
        busy[k.depot_id].append((k.start, k.end))
    return dict(busy)


def peak(
    intervals: Iterable[tuple[datetime, datetime]], tolerance: timedelta = timedelta(0)
) -> tuple[int, datetime | None]:
    """The most intervals open at once and the first moment that many are; an interval ``[a, b)`` shortened by
    ``tolerance`` at its end (touching ends never overlap)."""
    events: list[tuple[datetime, int]] = []
    for a, b in intervals:
        if b - tolerance > a:
            events += [(a, 1), (b - tolerance, -1)]
    events.sort()  # at one instant an end (-1) sorts before a start (+1)
    most, now, when = 0, 0, None
    for t, step in events:
        now += step
        if now > most:
            most, when = now, t
    return most, when


@dataclass(frozen=True, slots=True, kw_only=True)
class DepotLoad:
    """What a plan asks of one depot: parcels out and back in against its daily capacity, and the most vans
    loading at once (the kept routes' loadings included) against its docks (None: the depot sets no limit)."""

    depot_id: str
    parcels: int
    capacity: int | None
    loading_peak: int
    docks: int | None


def depot_loads(problem: Problem, plan: Plan) -> list[DepotLoad]:
    """Per depot with a capacity or docks, in the problem's depot order: what the plan uses of it."""
    if not has_limits(problem):
        return []
    counted = parcels_by_depot(problem, plan.routes)
    busy = busy_docks(problem, plan.routes)
    return [
        DepotLoad(
            depot_id=d.id,
            parcels=counted.get(d.id, 0),
            capacity=d.capacity_parcels_per_day,
            loading_peak=peak(busy.get(d.id, ()))[0],
            docks=d.docks,
        )
        for d in problem.depots
        if d.capacity_parcels_per_day is not None or d.docks is not None
    ]
