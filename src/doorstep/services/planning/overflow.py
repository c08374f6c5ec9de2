"""Overflow by cost: after a plan is made, the orders a partner carrier should take instead of our fleet.

Two kinds of order are offered to the cheapest carrier that serves the address, is before its cut-off and has
room that day:

- an order the plan left **unassigned** (the reason says why: ``unassigned: FLEET_FULL``);
- a routed order whose **removal saves more than the carrier's price**: the route's cost with the order minus its
  cost without it, both re-timed by the one timing engine the manual edits use (``planning.retime``: waits, breaks,
  loads; the planner's route cost: fixed + per km + per hour of the whole route). The reason says by how much it is
  cheaper (``cheaper by 12.40 EUR``).

Removing several orders must stay consistent: two neighbours on a remote leg each "save" the whole detour alone,
but taking both saves it once. So the step is greedy and re-evaluates: it takes the single order whose removal
gains most (saving minus price), removes it from its route, re-computes the savings of that route's other orders
on the route as it now is, and repeats until nothing gains. The sum of the offered savings is then what taking
all offers saves, exactly; each route is re-timed once per order on it plus once per order removed from it
(an order is evaluated again only when its route changed). The optimizer's own routes are not touched: the
offers are proposals, applied one by one when confirmed.

Deliveries only: a pickup, a paired order or an order to a pickup point stays with the fleet.
"""

from __future__ import annotations

import copy
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
    """The plan's routes as the step removes orders from them, with their re-timed costs."""

    def __init__(self, problem: Problem, plan: Plan, provider: TravelTimeProvider) -> None:
        self.problem, self.provider = problem, provider
        self.routes = {r.id: copy.deepcopy(r) for r in plan.routes}
        self.cost = {rid: self._cost(r) for rid, r in self.routes.items()}
        self.cache: dict[tuple[str, str], int] = {}

    def _cost(self, route: Route) -> int:
        if not any(s.order_id for s in route.stops):
            return 0  # an emptied route is not driven
        return retime(self.problem, copy.deepcopy(route), self.provider).cost_cents

    def _without(self, route: Route, order_id: str) -> Route:
        out = copy.deepcopy(route)
        out.stops = [s for s in out.stops if s.order_id != order_id or s.type is StopType.BREAK]
        return out

    def saving(self, route_id: str, order_id: str) -> int:
        """What the route saves without the order (re-timed), on the route as it is now."""
        key = (route_id, order_id)
        if key not in self.cache:
            self.cache[key] = self.cost[route_id] - self._cost(self._without(self.routes[route_id], order_id))
        return self.cache[key]

    def remove(self, route_id: str, order_id: str) -> None:
        """Take the order off; the route's other orders are evaluated again."""
        self.routes[route_id] = self._without(self.routes[route_id], order_id)
        self.cost[route_id] = self._cost(self.routes[route_id])
        self.cache = {k: v for k, v in self.cache.items() if k[0] != route_id}


def propose(
    problem: Problem, plan: Plan, market: Market, provider: TravelTimeProvider, currency: str
) -> list[CarrierOffer]:
    """The plan's carrier offers: unassigned orders first, then routed ones by greatest gain (see the module)."""
    offers: list[CarrierOffer] = []
    if not market.carriers:
        return offers
    for u in plan.unassigned:
        order = problem.order(u.order_id)
        best = market.cheapest(order) if _eligible(order) else None
        if best is not None:
            market.take(best[0].id)
            offers.append(CarrierOffer(order.id, order.external_ref, best[0].id, best[0].name, best[1], 0,
                                       f"unassigned: {u.reason.value}"))  # fmt: skip
    on_route = [(r.id, oid) for r in plan.routes for oid in dict.fromkeys(s.order_id for s in r.stops if s.order_id)]
    candidates = [(rid, oid) for rid, oid in on_route if _eligible(problem.order(oid))
                  and market.cheapest(problem.order(oid)) is not None]  # fmt: skip
    if not candidates:
        return offers
    routes = _Routes(problem, plan, provider)
    while candidates:
        best_gain, pick = 0, None
        for rid, oid in candidates:
            quote = market.cheapest(problem.order(oid))
            if quote is None:
                continue
            gain = routes.saving(rid, oid) - quote[1]
            if gain > best_gain:
                best_gain, pick = gain, (rid, oid, quote)
        if pick is None:
            break
        rid, oid, (carrier, price) = pick
        saving = routes.saving(rid, oid)
        routes.remove(rid, oid)
        market.take(carrier.id)
        candidates.remove((rid, oid))
        order = problem.order(oid)
        offers.append(CarrierOffer(oid, order.external_ref, carrier.id, carrier.name, price, saving - price,
                                   f"cheaper by {money(saving - price, currency)}", rid, saving))  # fmt: skip
    return offers
