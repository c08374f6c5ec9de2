"""plan.json: plan + problem + options written and read back; hand edits tolerated, malformed values coded."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.plan import Plan, StopType
from doorstep.domain.problem import Problem
from doorstep.formats.plan_json import PLAN_FORMAT, plan_from_dict, plan_to_dict

OPTIONS = {"time_limit_s": 2.0, "seed": 3, "objective": "cost"}


def _doc(plan: Plan, problem: Problem) -> dict[str, Any]:
    return json.loads(json.dumps(plan_to_dict(plan, problem, OPTIONS)))  # type: ignore[no-any-return]


def _codes_and_messages(exc: pytest.ExceptionInfo[DoorstepError]) -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in exc.value.issues]


def test_document_shape(plan: Plan, problem: Problem) -> None:
    """The document is versioned and holds plan, problem and options; times carry the depot's offset."""
    doc = _doc(plan, problem)
    assert doc["doorstep"] == PLAN_FORMAT == "plan/1"
    assert set(doc) == {"doorstep", "plan", "problem", "options"}
    assert doc["options"] == OPTIONS
    body = doc["plan"]
    assert body["created_at"] == "2025-06-17T07:00:00+01:00"
    stop = body["routes"][0]["stops"][1]
    assert stop["location"] == {"lat": 38.7115, "lng": -9.138}
    assert stop["arrival"] == "2025-06-17T09:10:00+01:00" and stop["window_end"] == "2025-06-17T11:00:00+01:00"
    assert body["unassigned"][0]["reason"] == "CAPACITY"
    assert body["stats"]["cost_cents"] == 12100


def test_round_trip(plan: Plan, problem: Problem) -> None:
    """Reading a written plan gives back an equal plan, problem and options."""
    back, back_problem, options = plan_from_dict(_doc(plan, problem))
    assert back_problem == problem
    assert options == OPTIONS
    assert back.routes == plan.routes
    assert back.unassigned == plan.unassigned
    assert back.stats == plan.stats
    assert (back.id, back.created_at) == (plan.id, plan.created_at)


def test_hand_edited_stops_need_only_order_ids(plan: Plan, problem: Problem) -> None:
    """Stops reduced to order ids get their type, place, service and (placeholder) times filled in."""
    doc = _doc(plan, problem)
    doc["plan"]["routes"][0]["stops"] = [
        {"type": "start"}, {"order_id": "ord_3"}, {"order_id": "ord_1", "arrival": "09:30"},
        {"order_id": "ord_3"}, {"order_id": "ord_2"}, {"type": "end"},
    ]  # fmt: skip
    back, back_problem, _ = plan_from_dict(doc)
    stops = back.routes[0].stops
    types = [s.type for s in stops]
    assert types == [
        StopType.START, StopType.PAIRED_PICKUP, StopType.DELIVERY,
        StopType.PAIRED_DELIVERY, StopType.PICKUP, StopType.END,
    ]  # fmt: skip
    pickup = back_problem.order("ord_3").pickup
    assert pickup is not None and stops[1].location == pickup.location
    assert stops[0].location == back_problem.depots[0].location
    assert stops[1].service_s == 300
    assert stops[2].arrival.isoformat() == "2025-06-17T09:30:00+01:00"
    assert stops[3].arrival == stops[2].departure


def test_malformed_values_are_e1120_with_paths(plan: Plan, problem: Problem) -> None:
    """Every malformed value is reported at once, as E1120 naming its path."""
    doc = _doc(plan, problem)
    stops = doc["plan"]["routes"][0]["stops"]
    stops[1]["arrival"] = "yesterday"
    stops[2]["type"] = "teleport"
    stops[3]["location"] = [38.7, -9.1]
    doc["plan"]["unassigned"][0]["reason"] = "BAD_LUCK"
    with pytest.raises(DoorstepError) as exc:
        plan_from_dict(doc)
    found = _codes_and_messages(exc)
    assert {code for code, _ in found} == {"E1120"}
    paths = [msg.split(":")[0] for _, msg in found]
    assert paths == [
        "plan.routes[0].stops[1].arrival", "plan.routes[0].stops[2].type",
        "plan.routes[0].stops[3].location", "plan.unassigned[0].reason",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["plan"]["routes"][0].update(vehicle_id="veh_9"), "plan.routes[0].vehicle_id"),
        (
            lambda d: d["plan"]["routes"][0]["stops"][1].update(order_id="ord_9"),
            "plan.routes[0].stops[1].order_id",
        ),
        (lambda d: d["plan"].update(routes={"a": 1}), "plan.routes"),
        (lambda d: d["plan"]["routes"][0].update(distance_m="far"), "plan.routes[0].distance_m"),
        (lambda d: d.update(doorstep="problem/1"), "doorstep"),
    ],
)
def test_unknown_references_and_types(plan: Plan, problem: Problem, edit: Any, path: str) -> None:
    """Unknown vehicles/orders, wrong container types and a wrong format tag are E1120 at their path."""
    doc = copy.deepcopy(_doc(plan, problem))
    edit(doc)
    with pytest.raises(DoorstepError) as exc:
        plan_from_dict(doc)
    assert [(c, m.split(":")[0]) for c, m in _codes_and_messages(exc)] == [("E1120", path)]


def test_missing_problem_is_reported(plan: Plan, problem: Problem) -> None:
    """A plan file without its problem cannot be checked: E1120 names 'problem'."""
    doc = _doc(plan, problem)
    del doc["problem"]
    with pytest.raises(DoorstepError) as exc:
        plan_from_dict(doc)
    assert exc.value.issues[0].code == "E1120" and exc.value.issues[0].message.startswith("problem")


def test_bad_embedded_problem_keeps_its_code_under_problem(plan: Plan, problem: Problem) -> None:
    """Errors inside the embedded problem keep their own codes, located under 'problem'."""
    doc = _doc(plan, problem)
    doc["problem"]["orders"] = "nope"
    with pytest.raises(DoorstepError) as exc:
        plan_from_dict(doc)
    assert all(i.loc[:1] == ("problem",) for i in exc.value.issues)
    assert exc.value.issues[0].code != "E1120"


def test_not_an_object() -> None:
    """A JSON array is not a plan file."""
    with pytest.raises(DoorstepError) as exc:
        plan_from_dict([1, 2])
    assert exc.value.code == "E1120"
