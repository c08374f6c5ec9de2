"""solution.vroom.json: a plan in VROOM's solution shape with VROOM's ids, times and costs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from doorstep.domain.plan import Plan
from doorstep.domain.problem import ExplicitMatrices, Problem
from doorstep.formats.vroom_common import VroomContext
from doorstep.formats.vroom_output import context_for, vroom_cost, vroom_solution


def _ctx() -> VroomContext:
    return VroomContext(
        job_ids={"ord_1": 101, "ord_2": 102, "ord_4": 104},
        shipment_ids={"ord_3": (301, 302)},
        vehicle_ids={"veh_1": 7, "veh_2": 8},
        break_ids={"veh_1": [55], "veh_2": [56]},
        dimensions=["parcels"],
    )


def test_steps_use_vroom_ids_and_types(plan: Plan, problem: Problem) -> None:
    """Steps are start/job/pickup/break/delivery/job/end with the context's job, shipment and break ids."""
    (route,) = vroom_solution(plan, problem, _ctx())["routes"]
    assert route["vehicle"] == 7
    assert [s["type"] for s in route["steps"]] == [
        "start",
        "job",
        "pickup",
        "break",
        "delivery",
        "job",
        "end",
    ]
    assert [s.get("id") for s in route["steps"]] == [None, 101, 301, 55, 302, 102, None]
    assert route["steps"][1]["location"] == [-9.138, 38.7115]


def test_times_and_cumulated_travel(plan: Plan, problem: Problem) -> None:
    """Arrivals are integer epoch seconds; step duration/distance accumulate travel as in VROOM."""
    steps = vroom_solution(plan, problem, _ctx())["routes"][0]["steps"]
    assert steps[1]["arrival"] == int(datetime(2025, 6, 17, 8, 10, tzinfo=UTC).timestamp())
    assert [s["duration"] for s in steps] == [600 * (k + 1) for k in range(7)]
    assert steps[-1]["distance"] == 7 * 4000
    assert steps[0]["load"] == [2] and steps[-1]["load"] == [1]


def test_route_amounts_and_cost(plan: Plan, problem: Problem) -> None:
    """Delivery counts the delivery and the shipment, pickup the return and the shipment; cost is VROOM's."""
    sol = vroom_solution(plan, problem, _ctx())
    route = sol["routes"][0]
    assert route["delivery"] == [2 + 3] and route["pickup"] == [1 + 3]
    assert route["cost"] == round(4000 + 2200 * 4200 / 3600 + 35 * 28000 / 1000)
    assert sol["summary"]["cost"] == route["cost"] and sol["summary"]["routes"] == 1
    assert sol["code"] == 0 and set(sol["summary"]["computing_times"]) == {"loading", "solving", "routing"}


def test_unassigned_by_vroom_id(plan: Plan, problem: Problem) -> None:
    """Unassigned orders are listed with their VROOM id, type and [lon, lat] location."""
    sol = vroom_solution(plan, problem, _ctx())
    assert sol["unassigned"] == [{"id": 104, "type": "job", "location": [-9.16, 38.77]}]
    assert sol["summary"]["unassigned"] == 1


def test_location_index_echoed(plan: Plan, problem: Problem) -> None:
    """With location_index input, steps carry the matrix index of their point instead of coordinates."""
    points = tuple(dict.fromkeys(s.location for s in plan.routes[0].stops))
    matrices = ExplicitMatrices(points=points, durations={"*": [[0] * len(points)] * len(points)})
    ctx = _ctx()
    ctx.location_index = True
    steps = vroom_solution(plan, replace(problem, matrices=matrices), ctx)["routes"][0]["steps"]
    assert steps[0] == steps[0] | {"location_index": 0} and "location" not in steps[0]
    assert steps[-1]["location_index"] == 0


def test_context_for_numbers_everything(problem: Problem) -> None:
    """Without VROOM input, jobs and shipments are numbered from 1 and vehicles/breaks get ids."""
    ctx = context_for(problem)
    assert ctx.job_ids == {"ord_1": 1, "ord_2": 2, "ord_4": 5}
    assert ctx.shipment_ids == {"ord_3": (3, 4)}
    assert ctx.vehicle_ids == {"veh_1": 1, "veh_2": 2} and ctx.break_ids == {"veh_1": [1], "veh_2": [2]}


def test_cost_without_vehicle_is_duration() -> None:
    """An unknown vehicle falls back to duration as cost (VROOM's default objective)."""
    assert vroom_cost(None, 123, 456) == 123
