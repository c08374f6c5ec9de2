"""Depot limits for a live insertion: a way that takes the depot past its daily capacity or stacks loadings over its
docks is not proposed, and the order says why (DEPOT_CAPACITY, DEPOT_DOCKS)."""

from __future__ import annotations

from doorstep.domain.plan import UnassignedReason
from doorstep.optimize.check import check_plan
from doorstep.optimize.insertion import LiveState, apply_insertion, propose_insertion
from tests.factories import VAN, depot, km, order, problem, replace, t, vehicle
from tests.optimize.conftest import solve

LINE = [order("A", km(2, 0)), order("B", km(2, 2)), order("C", km(0, 2))]
SMALL = replace(VAN, capacity={"parcels": 3})


def test_an_order_past_the_depot_capacity_is_not_proposed() -> None:
    """A depot of 3 parcels a day ships three: a fourth order gets no proposal (DEPOT_CAPACITY, naming the
    capacity), though the route has room (without the depot check it is proposed); with room for 4 it is proposed
    and the plan with it checks clean."""
    plan = solve(problem(LINE, depots=[depot(capacity_parcels_per_day=3)]))
    new = order("N", km(2.1, 1))
    full = problem([*LINE, new], depots=[depot(capacity_parcels_per_day=3)])
    refused = propose_insertion(full, plan, new.id)
    assert refused.proposals == [] and refused.unassigned is not None
    assert refused.unassigned.reason is UnassignedReason.DEPOT_CAPACITY
    assert "capacity of 3" in refused.unassigned.message
    assert len(propose_insertion(full, plan, new.id, depot_limits=False).proposals) == 1
    room = replace(full, depots=(depot(capacity_parcels_per_day=4),))
    (best,) = propose_insertion(room, plan, new.id).proposals
    assert check_plan(room, apply_insertion(plan, best)) == []


def test_a_van_that_would_load_beside_another_at_the_only_dock_is_not_proposed() -> None:
    """One dock, 15 minutes to load; veh_1 (full) loads 08:00-08:15. At 08:05 a new order could only open veh_2's
    route, loading at once beside veh_1: no proposal (DEPOT_DOCKS); at 08:20 the dock is free and veh_2 is
    proposed."""
    docked = [depot(loading_s=900, docks=1)]
    plan = solve(problem(LINE, [vehicle("veh_1", SMALL)], docked))
    assert plan.routes[0].stops[0].departure == t(8, 15)
    new = order("N", km(1, 1))
    p = problem([*LINE, new], [vehicle("veh_1", SMALL), vehicle("veh_2", SMALL)], docked)
    busy = propose_insertion(p, plan, new.id, state=LiveState(now=t(8, 5)))
    assert busy.proposals == [] and busy.unassigned is not None
    assert busy.unassigned.reason is UnassignedReason.DEPOT_DOCKS
    free = propose_insertion(p, plan, new.id, state=LiveState(now=t(8, 20)))
    assert [(x.vehicle_id, x.opens_route) for x in free.proposals] == [("veh_2", True)]
