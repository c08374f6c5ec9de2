"""Carrier offers for a plan made from files (services/planning/file_offers.py): the planning job's overflow step
on a problem whose orders may name no depot, a carrier past its cut-off left out with W1720."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from doorstep.domain.carriers import CarrierConfig
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.optimize.options import SolveOptions
from doorstep.routing.defaults import default_provider
from doorstep.services.planning.file_offers import offers_from_file, plan_day, with_depots
from doorstep.services.planning.overflow import Market, propose
from doorstep.services.planning.planning import plan
from tests.factories import DAY, depot, km, order, problem, vehicle
from tests.services.test_overflow import carrier

EVENING_BEFORE = datetime(2026, 11, 22, 20, tzinfo=ZoneInfo("Europe/Lisbon"))
NOON = datetime(2026, 11, 23, 12, tzinfo=ZoneInfo("Europe/Lisbon"))


@cache
def day_without_depots() -> tuple[Problem, Plan]:
    """Five orders in town and one 30 km east, none naming a depot (a CSV without a depot column), one van at
    dep_a; a second depot 80 km north that no van leaves from."""
    orders = [order(f"N{i}", km(0.5 + 0.4 * i, 0.3 * (i % 2))) for i in range(5)] + [order("FAR", km(30, 0.5))]
    far_north = depot("dep_b", km(0, 80))
    pb = problem(orders, [vehicle()], [depot(), far_north])
    return pb, plan(pb, options=SolveOptions(time_limit_s=1, max_iterations=300, seed=1))


def test_orders_without_a_depot_are_priced_from_the_depot_they_leave_from() -> None:
    """Routed orders get their van's start depot, an unassigned one the nearest depot; an order naming its depot
    keeps it; nothing else of the order changes."""
    pb, pl = day_without_depots()
    lost = order("LOST", km(1, 79))  # near dep_b, on no route
    pb2 = replace(pb, orders=(*pb.orders, lost, order("OWN", km(1, 1), depot_id="dep_b")))
    filled = with_depots(pb2, pl)
    assert {o.external_ref: o.depot_id for o in filled.orders} == {
        **{f"N{i}": "dep_a" for i in range(5)}, "FAR": "dep_a", "LOST": "dep_b", "OWN": "dep_b",
    }  # fmt: skip
    assert [replace(o, depot_id=None) for o in filled.orders[:6]] == list(pb.orders)


def test_the_file_offers_are_the_planning_jobs_offers() -> None:
    """With no cut-off passed the offers are exactly ``overflow.propose`` on the problem with depots: the remote
    order, with the saving re-timed routes give, and no warning."""
    pb, pl = day_without_depots()
    offers, warnings = offers_from_file(pb, pl, [carrier()], default_provider(pb), "EUR", EVENING_BEFORE)
    market = Market.of([carrier()], DAY.date(), "Europe/Lisbon", EVENING_BEFORE, {})
    assert offers == propose(with_depots(pb, pl), pl, market, default_provider(pb), "EUR")
    assert [o.external_ref for o in offers] == ["FAR"] and offers[0].saving_cents > 0
    assert warnings == []


def test_a_carrier_past_its_cut_off_is_left_out_with_w1720() -> None:
    """Planned at noon on the day for a carrier taking orders until 10:00: no offer, one W1720 naming the carrier
    and the cut-off; an inactive carrier is left out without a warning."""
    pb, pl = day_without_depots()
    late: CarrierConfig = carrier(cutoff="10:00")
    off = replace(carrier(), id="car_off", active=False)
    offers, warnings = offers_from_file(pb, pl, [late, off], default_provider(pb), "EUR", NOON)
    assert offers == []
    assert [(w.code, w.id) for w in warnings] == [("W1720", "car_x")]
    assert "until 10:00 Europe/Lisbon" in warnings[0].message and "2026-11-23 12:00" in warnings[0].message
    assert offers_from_file(pb, pl, [late], default_provider(pb), "EUR", EVENING_BEFORE)[1] == []


def test_the_plan_day_is_the_first_shift_start_in_the_first_depots_zone() -> None:
    """The earliest shift start's local day; without vehicles the earliest window's; without either, now's."""
    pb, _ = day_without_depots()
    assert plan_day(pb, NOON) == (DAY.date(), "Europe/Lisbon")
    windowed = replace(problem([order("W", km(1, 1), windows=((9, 12),))]), vehicles=())
    assert plan_day(windowed, EVENING_BEFORE) == (DAY.date(), "Europe/Lisbon")
    assert plan_day(replace(problem([]), vehicles=()), EVENING_BEFORE)[0] == EVENING_BEFORE.date()
