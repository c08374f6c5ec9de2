"""A small hand-built problem and plan (Lisbon, two vans) shared by the plan writer tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.fleet import Break, Depot, Vehicle, VehicleType
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Contact, Item, Order, OrderKind, PairedPickup, TimeWindow
from doorstep.domain.plan import Plan, PlanStats, Route, ScheduledStop, StopType, Unassigned, UnassignedReason
from doorstep.domain.problem import Problem

T0 = datetime(2025, 6, 17, 7, 0, tzinfo=UTC)  # 08:00 in Lisbon (UTC+1 in summer)
NASTY = 'Rua </script><b>"Bold"</b> & Co\'s 1'
DEPOT = LatLng(38.7372, -9.1034)


def at(minutes: int) -> datetime:
    """UTC time ``minutes`` after 08:00 Lisbon."""
    return T0 + timedelta(minutes=minutes)


def make_problem() -> Problem:
    """Two vans, four orders: a windowed delivery, a return, a store-to-door order and an oversized one."""
    depot = Depot(id="dep_lx", name="Hub Lisboa", location=DEPOT, timezone="Europe/Lisbon")
    vtype = VehicleType(
        id="vty_l",
        name="Van L",
        capacity={"parcels": 10},
        fixed_cost_cents=4000,
        cost_per_km_cents=35,
        cost_per_hour_cents=2200,
    )
    vans = tuple(
        Vehicle(
            id=f"veh_{k}",
            name=f"Van {k}",
            type=vtype,
            start_depot_id="dep_lx",
            shift_start=at(0),
            shift_end=at(600),
            breaks=(Break(at(240), at(330), 1800),),
        )
        for k in (1, 2)
    )
    orders = (
        Order(
            id="ord_1",
            external_ref="A-1",
            kind=OrderKind.DELIVERY,
            location=LatLng(38.7115, -9.138),
            address=NASTY,
            contact=Contact("Ana Silva", "+351 910 000 001"),
            size={"parcels": 2},
            service_s=180,
            time_windows=(TimeWindow(at(60), at(180)),),
            instructions="Ring twice",
            items=(Item("Shoes", 2, "SH-42", "4006381333931"), Item("Card")),
        ),
        Order(
            id="ord_2",
            external_ref="A-2",
            kind=OrderKind.RETURN,
            location=LatLng(38.7385, -9.147),
            address="Avenida da República 10",
            size={"parcels": 1},
            service_s=120,
        ),
        Order(
            id="ord_3",
            external_ref="A-3",
            kind=OrderKind.PAIRED,
            location=LatLng(38.753, -9.142),
            address="Avenida da Igreja 5",
            size={"parcels": 3},
            service_s=120,
            pickup=PairedPickup(location=LatLng(38.7128, -9.1395), address="Mercearia", service_s=300),
        ),
        Order(
            id="ord_4",
            external_ref="A-4",
            kind=OrderKind.DELIVERY,
            location=LatLng(38.77, -9.16),
            address="Rua do Lumiar 3",
            size={"parcels": 50},
        ),
    )
    return Problem(depots=(depot,), vehicles=vans, orders=orders, name="test day")


def _stop(kind: StopType, loc: LatLng, arrive: int, service: int = 0, **kw: object) -> ScheduledStop:
    return ScheduledStop(
        type=kind,
        location=loc,
        arrival=at(arrive),
        start=at(arrive),
        departure=at(arrive) + timedelta(seconds=service),
        service_s=service,
        travel_s=600,
        travel_m=4000,
        **kw,  # type: ignore[arg-type]
    )


def make_plan(problem: Problem) -> Plan:
    """One route serving orders 1-3 (with a break), van 2 unused, order 4 unassigned for capacity."""
    o1, o2, o3 = problem.orders[:3]
    assert o3.pickup is not None
    stops = [
        _stop(StopType.START, DEPOT, 0, load_after={"parcels": 2}, depot_id="dep_lx"),
        _stop(
            StopType.DELIVERY,
            o1.location,
            70,
            180,
            order_id="ord_1",
            external_ref="A-1",
            address=o1.address,
            window_start=at(60),
            window_end=at(180),
            load_after={"parcels": 0},
        ),
        _stop(
            StopType.PAIRED_PICKUP,
            o3.pickup.location,
            90,
            300,
            order_id="ord_3",
            external_ref="A-3",
            load_after={"parcels": 3},
        ),
        _stop(StopType.BREAK, o3.pickup.location, 240, 1800, load_after={"parcels": 3}),
        _stop(
            StopType.PAIRED_DELIVERY,
            o3.location,
            290,
            120,
            order_id="ord_3",
            external_ref="A-3",
            load_after={"parcels": 0},
        ),
        _stop(
            StopType.PICKUP,
            o2.location,
            310,
            120,
            order_id="ord_2",
            external_ref="A-2",
            load_after={"parcels": 1},
        ),
        _stop(StopType.END, DEPOT, 330, load_after={"parcels": 1}, depot_id="dep_lx"),
    ]
    route = Route(
        id="rte_1",
        vehicle_id="veh_1",
        vehicle_name="Van 1",
        start_depot_id="dep_lx",
        stops=stops,
        distance_m=24000,
        duration_s=19800,
        driving_s=3600,
        waiting_s=0,
        service_s=2520,
        cost_cents=12100,
    )
    unassigned = Unassigned("ord_4", "A-4", UnassignedReason.CAPACITY, "50 parcels > 10", "Split the order.")
    stats = PlanStats(
        cost_cents=12100,
        distance_m=24000,
        duration_s=19800,
        orders_total=4,
        orders_assigned=3,
        vehicles_used=1,
        runtime_s=1.5,
        solver_s=1.2,
        seed=3,
        time_limit_s=2.0,
        provider="test",
    )
    return Plan(id="pln_test", created_at=at(-60), routes=[route], unassigned=[unassigned], stats=stats)


@pytest.fixture
def problem() -> Problem:
    """The small problem."""
    return make_problem()


@pytest.fixture
def plan(problem: Problem) -> Plan:
    """The hand-built plan for it."""
    return make_plan(problem)
