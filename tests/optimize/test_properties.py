"""Property: any valid problem, however odd, yields a plan the independent checker accepts, and every order is
either on exactly one route or unassigned with a reason."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.domain import (
    Break,
    Depot,
    Order,
    OrderKind,
    PairedPickup,
    Place,
    Priority,
    Problem,
    TimeWindow,
    Vehicle,
    VehicleType,
    validate_problem,
)
from doorstep.optimize.options import SolveOptions
from doorstep.services.planning.planning import check, plan
from tests.factories import km, t

SKILLS = ["refrigerated", "tail_lift", "adr"]
offsets = st.tuples(st.floats(-15, 15), st.floats(-15, 15))


@st.composite
def windows(draw: st.DrawFn, max_n: int = 3) -> tuple[TimeWindow, ...]:
    out = []
    for _ in range(draw(st.integers(0, max_n))):
        start = draw(st.integers(7 * 60, 19 * 60))
        length = draw(st.integers(15, 240))
        out.append(TimeWindow(t(0) + timedelta(minutes=start), t(0) + timedelta(minutes=start + length)))
    return tuple(out)


@st.composite
def vehicles(draw: st.DrawFn, depots: list[str]) -> list[Vehicle]:
    types = [
        VehicleType(
            id=f"vty_{k}",
            name=f"T{k}",
            capacity={"parcels": draw(st.integers(1, 40))},
            skills=frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=2))),
            fixed_cost_cents=draw(st.integers(0, 20_000)),
            cost_per_km_cents=draw(st.integers(0, 60)),
            cost_per_hour_cents=draw(st.integers(0, 3000)),
        )
        for k in range(draw(st.integers(1, 2)))
    ]
    out = []
    for i in range(draw(st.integers(1, 4))):
        start = draw(st.integers(6, 10))
        end = draw(st.integers(start + 2, 20))
        brk: tuple[Break, ...] = ()
        if draw(st.booleans()):
            b0 = draw(st.integers(start * 60, end * 60 - 60))
            brk = (Break(t(0) + timedelta(minutes=b0), t(0) + timedelta(minutes=min(b0 + 90, end * 60 - 30)), 1800),)
        out.append(
            Vehicle(
                id=f"veh_{i}",
                type=draw(st.sampled_from(types)),
                start_depot_id=draw(st.sampled_from(depots)),
                shift_start=t(start),
                shift_end=t(end),
                breaks=brk,
                open_end=draw(st.booleans()),
                reloads=draw(st.booleans()),
                max_shift_s=draw(st.one_of(st.none(), st.integers(3600, 10 * 3600))),
                max_distance_m=draw(st.one_of(st.none(), st.integers(10_000, 100_000))),
                max_stops=draw(st.one_of(st.none(), st.integers(1, 8))),
            )
        )
    return out


@st.composite
def orders(draw: st.DrawFn, depots: list[str]) -> list[Order]:
    out = []
    for i in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(list(OrderKind)))
        pickup = (
            PairedPickup(location=km(*draw(offsets)), time_windows=draw(windows(1)), service_s=60)
            if kind is OrderKind.PAIRED
            else None
        )
        alts = tuple(
            Place(location=km(*draw(offsets)), time_windows=draw(windows(1))) for _ in range(draw(st.integers(0, 1)))
        )
        release = t(draw(st.integers(6, 14))) if draw(st.booleans()) else None
        out.append(
            Order(
                id=f"ord_{i}",
                external_ref=f"R{i}",
                kind=kind,
                location=km(*draw(offsets)),
                time_windows=draw(windows()),
                service_s=draw(st.integers(0, 900)),
                size={"parcels": draw(st.integers(0, 12))},
                skills=frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=1))),
                priority=draw(st.sampled_from(list(Priority))),
                value_cents=draw(st.integers(0, 5000)),
                alternatives=alts if kind is not OrderKind.PAIRED else (),
                release_at=release,
                depot_id=draw(st.one_of(st.none(), st.sampled_from(depots))),
                pickup=pickup,
            )
        )
    return out


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    ids = [f"dep_{k}" for k in range(draw(st.integers(1, 2)))]
    depots = tuple(
        Depot(
            id=d,
            name=d,
            location=km(*draw(offsets)),
            timezone="Europe/Lisbon",
            loading_s=draw(st.integers(0, 900)),
        )
        for d in ids
    )
    return Problem(depots=depots, vehicles=tuple(draw(vehicles(ids))), orders=tuple(draw(orders(ids))))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(problems(), st.integers(0, 3))
def test_any_valid_problem_yields_a_checked_plan(p: Problem, seed: int) -> None:
    """Plan, then check independently: no violations, and each order routed once or unassigned with a reason."""
    assert [i for i in validate_problem(p) if i.severity == "error"] == []
    result = plan(p, options=SolveOptions(time_limit_s=10, max_iterations=150, seed=seed))
    assert check(p, result) == []
    routed = [s.order_id for r in result.routes for s in r.stops if s.order_id and s.type.value != "paired_pickup"]
    unassigned = [u.order_id for u in result.unassigned]
    assert sorted(routed + unassigned) == sorted(o.id for o in p.orders)
    assert all(u.reason and u.message and u.action for u in result.unassigned)
    assert result.stats.orders_assigned == len(routed)
