"""Overflow by cost: after a plan is made, the orders a partner carrier should take instead of our fleet.

Two kinds of order are offered to the cheapest carrier that serves the address, is before its cut-off and has
room that day:

- an order the plan left **unassigned** (the reason says why: ``unassigned: FLEET_FULL``);
- a routed order whose **removal saves more than the carrier's price**: the route's cost with the order minus its
  cost without it, both re-timed by the one timing engine the manual edits use (``planning.retime``: waits, breaks,
  loads; the planner's route cost: fixed + per km + per hour of the whole route). The reason says by how much it is
  cheaper (``cheaper by 12.40 EUR``).

Removing several orders must stay consistent: taking two orders off one route does not save the sum of what
each saves alone. So the step is greedy and re-evaluates: it takes the removal that gains most (saving minus
price), removes it from its route, re-computes the savings of that route's other orders on the route as it now
is, and repeats until nothing gains; the offers' savings then add up to what taking all of them saves, exactly.
A removal is one order or a run of up to ``MAX_GROUP`` orders visited one after another: two remote neighbours
each save little alone (the van drives out for the other one anyway) but together save the whole detour, so
they are offered together (the reason names the others; the group's saving is shared by price). A run is
re-timed only when an upper bound on its saving (``_Routes.bound``) beats its price and the best gain so far,
and again only when its route changed: in a city day nearly no order is re-timed (benchmarks/carrier_overflow.py).
The optimizer's own routes are not touched: the offers are proposals, applied one by one when confirmed.

Deliveries only: a pickup, a paired order or an order to a pickup point stays with the fleet.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from doorstep.domain.carrier_types import CarrierOffer
from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.plan import Plan, Route, StopType
from doorstep.domain.problem import Problem
from doorstep.routing.provider import TravelTimeProvider
from doorstep.services.planning.retime import retime

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
MAX_GROUP = 3  # orders visited in a row that may go to carriers together (a remote cluster saves its detour once)
Group = tuple[str, ...]
Quote = tuple[CarrierConfig, int]


def money(cents: int, currency: str) -> str:
    """``12.40 €`` (the currency's code when it has no common symbol)."""
    return f"{cents / 100:.2f} {SYMBOLS.get(currency, currency)}"


@dataclass(slots=True)
class Market:
    """The carriers open for the plan's day and the room each has left."""

    carriers: list[CarrierConfig]
    room: dict[str, int | None] = field(default_factory=dict)

    @classmethod
    def of(cls, carriers: list[CarrierConfig], day: date, timezone: str, now: datetime, used: dict[str, int]) -> Market:
        """Active carriers before their cut-off, with their capacity that day less their open bookings."""
        open_ = [c for c in carriers if c.active and c.open_for(day, timezone, now)]
        room = {c.id: None if c.capacity_per_day is None else c.capacity_per_day - used.get(c.id, 0) for c in open_}
        return cls([c for c in open_ if room[c.id] is None or (room[c.id] or 0) > 0], room)

    def cheapest(self, order: Order) -> tuple[CarrierConfig, int] | None:
        """The cheapest carrier with room that serves the order, and its price (ties: the first carrier)."""
        best: tuple[CarrierConfig, int] | None = None
        for c in self.carriers:
            room = self.room.get(c.id)
            if (room is not None and room <= 0) or not c.serves(order):
                continue
            price = c.price_for(order)
            if price is not None and (best is None or price < best[1]):
                best = (c, price)
        return best

    def take(self, carrier_id: str) -> None:
        """One more order for the carrier."""
        if self.room.get(carrier_id) is not None:
            self.room[carrier_id] = (self.room[carrier_id] or 0) - 1


def _eligible(order: Order) -> bool:
    return order.kind is OrderKind.DELIVERY and order.pickup_point_id is None


class _Routes:
    """The plan's routes as the step removes orders from them (kept re-timed), with their costs."""

    def __init__(self, problem: Problem, plan: Plan, provider: TravelTimeProvider) -> None:
        self.problem, self.provider = problem, provider
        self.routes: dict[str, Route] = {}
        self.cost: dict[str, int] = {}
        self.cache: dict[tuple[str, Group], int] = {}
        self.retimed = 0  # route re-timings made (what the step costs)
        for r in plan.routes:
            self._set(r.id, copy.deepcopy(r))

    def _timed(self, route: Route) -> Route | None:
        """The route re-timed (None: no order left on it, so it is not driven and costs nothing)."""
        if not any(s.order_id for s in route.stops):
            return None
        self.retimed += 1
        return retime(self.problem, route, self.provider)

    def _set(self, route_id: str, route: Route) -> None:
        timed = self._timed(route)
        self.routes[route_id] = timed if timed is not None else route
        self.cost[route_id] = timed.cost_cents if timed is not None else 0

    def _without(self, route: Route, group: Group) -> Route:
        out = copy.deepcopy(route)
        out.stops = [s for s in out.stops if s.order_id not in group or s.type is StopType.BREAK]
        return out

    def groups(self, route_id: str, wanted: set[str]) -> list[Group]:
        """Runs of 1..``MAX_GROUP`` orders visited one after another on the route, all of them ``wanted``."""
        ids = list(dict.fromkeys(s.order_id for s in self.routes[route_id].stops if s.order_id))
        return [
            tuple(ids[i : i + n])
            for i in range(len(ids))
            for n in range(1, MAX_GROUP + 1)
            if i + n <= len(ids) and all(x in wanted for x in ids[i : i + n])
        ]

    def bound(self, route_id: str, group: Group) -> int:
        """An upper bound on ``saving`` without re-timing: every removed stop's legs in and out (the direct leg
        that replaces them is at least 0), its waiting and service, the next stop's service (a pickup point's
        handover may move), at the vehicle's rates, plus the whole cost when no other order is left. Removing
        stops never makes a later stop later (timing is monotone in the arrival), so the route's duration drops
        by at most that much."""
        route = self.routes[route_id]
        if all(s.order_id in group for s in route.stops if s.order_id):
            return self.cost[route_id]
        vt = self.problem.vehicle(route.vehicle_id).type
        metres = seconds = 0
        for k, s in enumerate(route.stops):
            removed = s.order_id in group and s.type is not StopType.BREAK
            after = k > 0 and route.stops[k - 1].order_id in group and route.stops[k - 1].type is not StopType.BREAK
            if removed or after:
                metres += s.travel_m
                seconds += s.travel_s + s.service_s + (s.waiting_s if removed else 0)
        return math.ceil(vt.cost_per_km_cents * metres / 1000 + vt.cost_per_hour_cents * seconds / 3600) + 1

    def saving(self, route_id: str, group: Group) -> int:
        """What the route saves without the group's orders (re-timed), on the route as it is now."""
        key = (route_id, group)
        if key not in self.cache:
            timed = self._timed(self._without(self.routes[route_id], group))
            self.cache[key] = self.cost[route_id] - (timed.cost_cents if timed is not None else 0)
        return self.cache[key]

    def remove(self, route_id: str, group: Group) -> None:
        """Take the orders off; the route's other orders are evaluated again."""
        self._set(route_id, self._without(self.routes[route_id], group))
        self.cache = {k: v for k, v in self.cache.items() if k[0] != route_id}


def _unassigned(problem: Problem, plan: Plan, market: Market) -> list[CarrierOffer]:
    offers = []
    for u in plan.unassigned:
        order = problem.order(u.order_id)
        best = market.cheapest(order) if _eligible(order) else None
        if best is not None:
            market.take(best[0].id)
            offers.append(CarrierOffer(order.id, order.external_ref, best[0].id, best[0].name, best[1], 0,
                                       f"unassigned: {u.reason.value}"))  # fmt: skip
    return offers


def _quotes(market: Market, problem: Problem, group: Group) -> list[tuple[CarrierConfig, int]] | None:
    """The cheapest carrier of each order of the group, if the carriers have room for all of them."""
    quotes = [market.cheapest(problem.order(oid)) for oid in group]
    if any(q is None for q in quotes):
        return None
    found = [q for q in quotes if q is not None]
    need = Counter(c.id for c, _ in found)
    return (
        found if all(market.room.get(cid) is None or (market.room[cid] or 0) >= n for cid, n in need.items()) else None
    )


def _best(problem: Problem, routes: _Routes, market: Market, wanted: set[str]) -> tuple[str, Group, list[Quote]] | None:
    """The group whose removal gains most (its saving minus its prices), if any gains. A group whose saving's
    upper bound cannot beat the best gain so far is not re-timed (in a city day, nearly every order)."""
    best_gain, pick = 0, None
    for rid in routes.routes:
        for group in routes.groups(rid, wanted):
            quotes = _quotes(market, problem, group)
            if quotes is None:
                continue
            price = sum(p for _, p in quotes)
            if routes.bound(rid, group) - price <= best_gain:
                continue
            gain = routes.saving(rid, group) - price
            if gain > best_gain:
                best_gain, pick = gain, (rid, group, quotes)
    return pick


def propose(
    problem: Problem, plan: Plan, market: Market, provider: TravelTimeProvider, currency: str
) -> list[CarrierOffer]:
    """The plan's carrier offers: unassigned orders first, then routed ones by greatest gain (see the module)."""
    if not market.carriers:
        return []
    offers = _unassigned(problem, plan, market)
    on_route = {oid for r in plan.routes for oid in r.order_ids}
    wanted = {oid for oid in on_route if _eligible(problem.order(oid)) and market.cheapest(problem.order(oid))}
    routes = _Routes(problem, plan, provider) if wanted else None
    while routes is not None and (pick := _best(problem, routes, market, wanted)) is not None:
        rid, group, quotes = pick
        saving = routes.saving(rid, group)
        routes.remove(rid, group)
        wanted -= set(group)
        offers += _group_offers(problem, rid, group, quotes, saving, currency)
        for carrier, _ in quotes:
            market.take(carrier.id)
    return offers


def _group_offers(
    problem: Problem, route_id: str, group: Group, quotes: list[Quote], saving: int, currency: str
) -> list[CarrierOffer]:
    """One offer per order of the group; the group's saving is shared in proportion to the prices (so the
    offers' savings add up to the group's exactly), and the reason names the orders that go together."""
    total = sum(price for _, price in quotes) or 1
    shares = [saving * price // total for _, price in quotes]
    shares[0] += saving - sum(shares)
    cheaper = f"cheaper by {money(saving - sum(price for _, price in quotes), currency)}"
    out = []
    for oid, (carrier, price), share in zip(group, quotes, shares, strict=True):
        others = [problem.order(x).external_ref for x in group if x != oid]
        reason = f"{cheaper} together with {', '.join(others)}" if others else cheaper
        o = problem.order(oid)
        out.append(CarrierOffer(oid, o.external_ref, carrier.id, carrier.name, price, share - price, reason,
                                route_id, share, group))  # fmt: skip
    return out
