"""Overflow by cost: the plan's offers to partner carriers (services/planning/overflow.py), on real solved plans."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import CarrierConfig, CarrierKind, PriceRule, ServiceArea
from doorstep.domain.orders import Order
from doorstep.domain.plan import Plan, Route, StopType
from doorstep.domain.problem import Problem
from doorstep.optimize.options import SolveOptions
from doorstep.routing.defaults import default_provider
from doorstep.services.planning.overflow import Market, money, propose
from doorstep.services.planning.planning import plan
from doorstep.services.planning.retime import retime
from tests.factories import ORIGIN, VehicleType, km, order, problem, vehicle

DAY = date(2026, 11, 23)
MORNING = datetime(2026, 11, 22, 18, tzinfo=ZoneInfo("Europe/Lisbon"))


def carrier(base: int = 500, per_km: int = 10, capacity: int | None = None, cutoff: str | None = None) -> CarrierConfig:
    """A carrier serving 60 km around the depot at ``base`` + ``per_km`` x km."""
    return CarrierConfig(
        id="car_x", name="X", kind=CarrierKind.MANIFEST, areas=(ServiceArea("dep_a", radius_m=60_000),),
        price=PriceRule(base_cents=base, per_km_cents=per_km), capacity_per_day=capacity,
        cutoff=time.fromisoformat(cutoff) if cutoff else None, depots={"dep_a": ORIGIN},
    )  # fmt: skip


def near(n: int) -> list[Order]:
    """``n`` orders within 2 km of the depot."""
    return [order(f"N{i}", km(0.5 + 0.3 * i, 0.4 * (i % 3)), depot_id="dep_a") for i in range(n)]


@cache
def solved(*remote_east: float) -> tuple[Problem, Plan]:
    """Six orders in town and one remote order per distance east, planned for one van (all fit)."""
    remote = [order(f"R{k}", km(east, 0.2 * k), depot_id="dep_a") for k, east in enumerate(remote_east)]
    pb = problem(near(6) + remote, [vehicle()])
    return pb, plan(pb, options=SolveOptions(time_limit_s=1, max_iterations=300, seed=1))


def cost(pb: Problem, route: Route, without: frozenset[str] | set[str] = frozenset()) -> int:
    """The route's re-timed cost without the given orders (0 when it has no order left)."""
    r = copy.deepcopy(route)
    r.stops = [s for s in r.stops if s.order_id not in without or s.type is StopType.BREAK]
    if not any(s.order_id for s in r.stops):
        return 0
    return retime(pb, r, default_provider(pb)).cost_cents


def market(c: CarrierConfig, now: datetime = MORNING) -> Market:
    """The carrier as the plan's day sees it."""
    return Market.of([c], DAY, "Europe/Lisbon", now, {})


def test_a_remote_order_cheaper_with_the_carrier_is_offered_with_its_saving() -> None:
    """The order 30 km out is offered (nothing in town is), at its price, with the route's cost with it minus
    without it minus the price as the saving, and the reason names that saving; the plan's routes are untouched."""
    pb, result = solved(30.0)
    route = result.routes[0]
    before = [s.order_id for s in route.stops]
    offers = propose(pb, result, market(carrier()), default_provider(pb), "EUR")
    price = 500 + round(10 * 30.0)  # straight line from the depot, km
    route_saving = cost(pb, route) - cost(pb, route, {"ord_R0"})
    assert [(o.order_id, o.carrier_id, o.price_cents) for o in offers] == [("ord_R0", "car_x", price)]
    assert offers[0].route_cost_cents == route_saving
    assert offers[0].saving_cents == route_saving - price
    assert offers[0].saving_cents > 0
    assert offers[0].reason == f"cheaper by {money(route_saving - price, 'EUR')}"
    assert offers[0].route_id == route.id
    assert [s.order_id for s in result.routes[0].stops] == before


def test_a_carrier_too_expensive_leaves_the_order_on_its_route() -> None:
    """At a price above what the detour costs the fleet, no order is offered."""
    pb, result = solved(30.0)
    route_saving = cost(pb, result.routes[0]) - cost(pb, result.routes[0], {"ord_R0"})
    offers = propose(pb, result, market(carrier(base=route_saving + 1, per_km=0)), default_provider(pb), "EUR")
    assert offers == []
    assert "ord_R0" in result.routes[0].order_ids


def test_two_remote_neighbours_are_offered_together_and_their_savings_add_up() -> None:
    """Two neighbours 30 km out each save little alone (the van drives out for the other), so neither is worth
    the price alone; removed together they save the detour: both are offered, naming each other, and their
    offers' route costs add up to the route's cost with both minus without both."""
    pb, result = solved(30.0, 30.3)
    route = result.routes[0]
    offers = propose(pb, result, market(carrier()), default_provider(pb), "EUR")
    alone = {oid: cost(pb, route) - cost(pb, route, {oid}) for oid in ("ord_R0", "ord_R1")}
    prices = {o.order_id: o.price_cents for o in offers}
    assert sorted(prices) == ["ord_R0", "ord_R1"]
    assert all(alone[oid] < prices[oid] for oid in alone)  # neither alone
    both = cost(pb, route) - cost(pb, route, {"ord_R0", "ord_R1"})
    assert sum(o.route_cost_cents for o in offers) == both
    assert sum(o.saving_cents for o in offers) == both - sum(prices.values())
    assert {o.together for o in offers} == {tuple(o.order_id for o in offers)}
    gain = money(both - sum(prices.values()), "EUR")
    assert offers[0].reason == f"cheaper by {gain} together with {offers[1].external_ref}"
    assert offers[1].reason == f"cheaper by {gain} together with {offers[0].external_ref}"


def test_a_far_order_each_way_is_offered_within_the_carriers_capacity() -> None:
    """With room for one order that day the carrier gets the order that gains most; with room for two, both."""
    pb, result = solved(30.0, -40.0)
    one = propose(pb, result, market(carrier(capacity=1)), default_provider(pb), "EUR")
    two = propose(pb, result, market(carrier(capacity=2)), default_provider(pb), "EUR")
    assert [o.order_id for o in one] == ["ord_R1"]  # 40 km west gains more than 30 km east
    assert sorted(o.order_id for o in two) == ["ord_R0", "ord_R1"]
    route = result.routes[0]
    assert sum(o.route_cost_cents for o in two) == cost(pb, route) - cost(pb, route, {"ord_R0", "ord_R1"})


def test_an_unassigned_order_is_offered_with_its_reason() -> None:
    """A van with room for three parcels leaves orders out; each is offered with "unassigned: <reason>"."""
    vt = VehicleType(id="vty_small", name="Small", capacity={"parcels": 3}, cost_per_km_cents=30)
    pb = problem(near(5), [vehicle(vtype=vt)])
    result = plan(pb, options=SolveOptions(time_limit_s=1, max_iterations=200, seed=1))
    assert len(result.unassigned) == 2
    offers = propose(pb, result, market(carrier(base=10_000)), default_provider(pb), "EUR")
    assert [(o.order_id, o.reason, o.saving_cents, o.route_id) for o in offers] == [
        (u.order_id, f"unassigned: {u.reason.value}", 0, None) for u in result.unassigned
    ]


def test_past_the_cut_off_the_carrier_is_not_offered_anything() -> None:
    """A carrier whose cut-off (14:00 on the day) has passed takes no offer; before it, it does."""
    pb, result = solved(30.0)
    after = datetime(2026, 11, 23, 14, 1, tzinfo=ZoneInfo("Europe/Lisbon"))
    assert propose(pb, result, market(carrier(cutoff="14:00"), after), default_provider(pb), "EUR") == []
    assert len(propose(pb, result, market(carrier(cutoff="14:00")), default_provider(pb), "EUR")) == 1


def test_an_address_outside_the_service_area_is_not_offered() -> None:
    """The remote order 30 km out is beyond a 20 km area: no offer."""
    pb, result = solved(30.0)
    narrow = replace(carrier(), areas=(ServiceArea("dep_a", radius_m=20_000),))
    assert propose(pb, result, market(narrow), default_provider(pb), "EUR") == []


def test_the_pruning_bound_never_undercuts_a_real_saving() -> None:
    """On plans with windows, waits and a lunch break, every run of up to three orders saves at most its bound
    (so skipping runs whose bound is below the price never loses an offer)."""
    from doorstep.services.planning.overflow import MAX_GROUP, _Routes
    from tests.factories import Break, t

    windows = [order(f"W{i}", km(1.5 * (i % 4) - 2, 1.2 * (i // 4) - 1), windows=((9 + i % 3, 10 + i % 3),),
                     depot_id="dep_a") for i in range(8)]  # fmt: skip
    van = vehicle(breaks=(Break(t(12), t(13, 30), 1800),))
    cases = [solved(30.0, 30.3), solved(30.0, -40.0)]
    pb = problem([*windows, order("R", km(25, 3), depot_id="dep_a")], [van])
    cases.append((pb, plan(pb, options=SolveOptions(time_limit_s=1, max_iterations=300, seed=3))))
    checked = expected = 0
    for pb, result in cases:
        routes = _Routes(pb, result, default_provider(pb))
        everyone = {o.id for o in pb.orders}
        for rid in routes.routes:
            m = len(routes.routes[rid].order_ids)
            expected += sum(max(0, m - n + 1) for n in range(1, MAX_GROUP + 1))
            for group in routes.groups(rid, everyone):
                assert routes.saving(rid, group) <= routes.bound(rid, group), (rid, group)
                checked += 1
    assert checked == expected > 0
