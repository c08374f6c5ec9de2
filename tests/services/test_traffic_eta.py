"""Re-timing a plan's ETAs with the factor of the hour each leg is driven in."""

from __future__ import annotations

from datetime import timedelta

from doorstep.optimize.options import SolveOptions
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.routing.traffic import TrafficModel, TrafficProvider
from doorstep.services.operations.traffic_eta import retime_plan
from doorstep.services.planning.planning import plan
from tests.factories import TimeWindow, km, order, problem, replace, t, vehicle


def day_problem() -> object:
    """Twelve orders 2-8 km from the depot, one van 08-18, the last order with a tight 09-10 window."""
    orders = [order(f"T{i:02d}", km(2 + (i % 4) * 2, (i - 6) * 0.8)) for i in range(11)]
    orders.append(order("T11", km(6, 6), windows=((9, 10),)))
    return problem(orders, [vehicle()])


def test_legs_driven_in_later_hours_use_their_factor() -> None:
    """Every leg's new travel time is its free-flow time driven at its own departure; the ETAs move accordingly."""
    p = day_problem()
    hours = [1.0] * 168
    hours[8] = 1.5  # Monday 08 h: the plan's main bucket
    model = TrafficModel(tuple(hours), timezone="Europe/Lisbon")
    result = plan(p, provider=TrafficProvider(StraightLineProvider(), model),  # type: ignore[arg-type]
                  options=SolveOptions(time_limit_s=2, max_iterations=100))  # fmt: skip
    before = {s.order_id: (s.arrival, s.travel_s) for r in result.routes for s in r.stops if s.order_id}
    retime_plan(result, p, model)  # type: ignore[arg-type]
    off_peak = 0
    for route in result.routes:
        for prev, stop in zip(route.stops, route.stops[1:], strict=False):
            if stop.order_id and stop.travel_s:
                free = round(before[stop.order_id][1] / 1.5)
                assert stop.travel_s == model.leg_duration(prev.departure, free)
                assert stop.arrival == prev.departure + timedelta(seconds=stop.travel_s)
                if model.factor_at(prev.departure) == 1.0 and model.factor_at(stop.arrival) == 1.0:
                    off_peak += 1
                    assert stop.travel_s == free < before[stop.order_id][1]
    assert off_peak > 0


def test_a_stop_pushed_past_its_window_is_reported() -> None:
    """When hours after 09:00 are three times slower, the order due 10:00-10:15 (reached by a leg driven after
    09:00, whatever the plan's order) misses its window: W3005 naming it."""
    orders = [order(f"T{i:02d}", km(2 + (i % 4) * 2, (i - 6) * 0.8)) for i in range(11)]
    late = order("T11", km(6, 6))
    orders.append(replace(late, time_windows=(TimeWindow(t(10), t(10, 15)),)))
    p = problem(orders, [vehicle()])
    hours = [3.0] * 168
    hours[8] = 1.0
    model = TrafficModel(tuple(hours), timezone="Europe/Lisbon")
    result = plan(p, provider=TrafficProvider(StraightLineProvider(), model),
                  options=SolveOptions(time_limit_s=2, max_iterations=100))  # fmt: skip
    warnings = retime_plan(result, p, model)
    assert warnings and all(w.code == "W3005" for w in warnings)
    assert any(w.id == "ord_T11" for w in warnings)
    assert warnings[0] in result.warnings
