"""Property: any valid problem with depot capacities, loading docks and inbound transfers yields a plan the
independent checker accepts (capacities, docks and release times included), every order routed once or
unassigned with a reason."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.domain import Depot, OrderKind, Problem, validate_problem
from doorstep.domain.depots import parcels_by_depot
from doorstep.domain.transfers import Transfer
from doorstep.optimize.options import SolveOptions
from doorstep.services.planning.planning import check, plan
from tests.factories import km, t
from tests.optimize.test_properties import offsets, orders, vehicles


@st.composite
def limited_problems(draw: st.DrawFn) -> Problem:
    ids = [f"dep_{k}" for k in range(draw(st.integers(1, 2)))]
    depots = tuple(
        Depot(
            id=d, name=d, location=km(*draw(offsets)), timezone="Europe/Lisbon",
            loading_s=draw(st.integers(0, 1800)),
            capacity_parcels_per_day=draw(st.one_of(st.none(), st.integers(0, 40))),
            docks=draw(st.one_of(st.none(), st.integers(1, 2))),
        )
        for d in ids
    )  # fmt: skip
    p = Problem(depots=depots, vehicles=tuple(draw(vehicles(ids))), orders=tuple(draw(orders(ids))))
    target = draw(st.sampled_from(ids))
    carried = tuple(
        o.id for o in p.orders
        if o.kind is OrderKind.DELIVERY and o.depot_id in (None, target) and draw(st.booleans())
    )  # fmt: skip
    if carried:
        trunk = Transfer(id="trf_p", depot_id=target, arrival=t(draw(st.integers(6, 13))),
                         sorting_s=draw(st.integers(0, 3600)), orders=carried)  # fmt: skip
        p = replace(p, transfers=(trunk,))
    return p


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(limited_problems(), st.integers(0, 3))
def test_any_problem_with_depot_limits_yields_a_checked_plan(p: Problem, seed: int) -> None:
    """Plan, then check independently: no violation (no depot over its capacity or docks, no order leaving before
    its trunk run is sorted); each order routed once or unassigned with a reason."""
    assert [i for i in validate_problem(p) if i.severity == "error"] == []
    result = plan(p, options=SolveOptions(time_limit_s=10, max_iterations=150, seed=seed))
    assert check(p, result) == []
    for d, n in parcels_by_depot(p, result.routes).items():
        cap = p.depot(d).capacity_parcels_per_day
        assert cap is None or n <= cap
    routed = [s.order_id for r in result.routes for s in r.stops if s.order_id and s.type.value != "paired_pickup"]
    unassigned = [u.order_id for u in result.unassigned]
    assert sorted(routed + unassigned) == sorted(o.id for o in p.orders)
    assert all(u.reason and u.message and u.action for u in result.unassigned)
