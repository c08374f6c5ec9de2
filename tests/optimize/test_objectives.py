"""The objectives mean what they say: money, driving-only money (VROOM's costs), duration, distance."""

from __future__ import annotations

from doorstep.optimize.options import Objective
from doorstep.optimize.scaling import COST_UNITS_PER_CENT, PER_METRE_PER_CENT_PER_KM, PER_SECOND_PER_CENT_PER_HOUR
from tests.factories import VAN, km, order, problem, replace, vehicle
from tests.optimize.conftest import solve

FIXED = replace(VAN, fixed_cost_cents=1_000)


def _orders() -> list:  # type: ignore[type-arg]
    return [order(f"O{i}", km(1 + i, (-1) ** i)) for i in range(6)]


def test_travel_cost_counts_driving_only() -> None:
    """Under TRAVEL_COST the solver's objective is fixed + per-km + per-hour of driving, waiting and service free."""
    result = solve(
        problem(_orders(), [vehicle("veh_1", FIXED), vehicle("veh_2", FIXED)]), objective=Objective.TRAVEL_COST
    )
    assert not result.unassigned
    expected = sum(
        FIXED.fixed_cost_cents * COST_UNITS_PER_CENT
        + FIXED.cost_per_km_cents * PER_METRE_PER_CENT_PER_KM * r.distance_m
        + FIXED.cost_per_hour_cents * PER_SECOND_PER_CENT_PER_HOUR * r.driving_s
        for r in result.routes
    )
    assert result.stats.objective == expected
    assert all(r.service_s > 0 for r in result.routes)  # service time exists but is not in the objective
    assert not [w for w in result.warnings if w.code == "W1207"]


def test_travel_cost_with_a_distance_limit_warns() -> None:
    """A vehicle with a distance limit cannot be costed on driving only, and the plan says so (W1207)."""
    limited = vehicle("veh_1", FIXED, max_distance_m=200_000)
    result = solve(problem(_orders(), [limited]), objective=Objective.TRAVEL_COST)
    assert [(w.code, w.id) for w in result.warnings if w.code == "W1207"] == [("W1207", "veh_1")]
    assert solve(problem(_orders(), [limited]), objective=Objective.COST).warnings == []


def test_cost_objective_charges_service_time_too() -> None:
    """Under COST the hourly rate covers the whole route (service included), so its objective is larger."""
    p = problem(_orders(), [vehicle("veh_1", FIXED)])
    travel = solve(p, objective=Objective.TRAVEL_COST)
    full = solve(p, objective=Objective.COST)
    assert full.stats.objective > travel.stats.objective
