"""CO2 in the plan outputs: co2_kg per route and in the stats of plan.json (read back), and on the map page."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.formats.map_html import render_map_html
from doorstep.formats.plan_json import plan_to_dict
from doorstep.formats.plan_reader import plan_from_dict


def _with_co2(plan: Plan) -> Plan:
    """The shared plan with route CO2 figures as the planner sets them (1234 g, 2234 g, ...)."""
    routes = [replace(r, co2_g=1234 + 1000 * k) for k, r in enumerate(plan.routes)]
    return replace(plan, routes=routes, stats=replace(plan.stats, co2_g=sum(r.co2_g for r in routes)))


def test_plan_json_has_co2_kg_per_route_and_in_stats(plan: Plan, problem: Problem) -> None:
    """plan.json writes co2_kg (grams / 1000) on every route and in the stats, and reading it back gives the
    grams again."""
    p = _with_co2(plan)
    doc = json.loads(json.dumps(plan_to_dict(p, problem)))
    assert [r["co2_kg"] for r in doc["plan"]["routes"]] == [1.234 + k for k in range(len(p.routes))]
    assert doc["plan"]["stats"]["co2_kg"] == p.stats.co2_g / 1000
    assert "co2_g" not in doc["plan"]["stats"]
    back, _, _ = plan_from_dict(doc)
    assert [r.co2_g for r in back.routes] == [r.co2_g for r in p.routes]
    assert back.stats.co2_g == p.stats.co2_g


def test_bad_co2_in_plan_json_is_e1120(plan: Plan, problem: Problem) -> None:
    """A negative or textual co2_kg in a hand-edited plan.json is an E1120 issue at its path."""
    doc = json.loads(json.dumps(plan_to_dict(_with_co2(plan), problem)))
    doc["plan"]["stats"]["co2_kg"] = "lots"
    doc["plan"]["routes"][0]["co2_kg"] = -1
    with pytest.raises(DoorstepError) as exc:
        plan_from_dict(doc)
    assert sorted((i.code, i.loc) for i in exc.value.issues) == [
        ("E1120", ("plan", "routes", 0, "co2_kg")),
        ("E1120", ("plan", "stats", "co2_kg")),
    ]


def test_map_page_reports_co2(plan: Plan, problem: Problem) -> None:
    """The map page's data carries the plan's and each route's CO2 in kg, and the page shows them."""
    p = _with_co2(plan)
    page = render_map_html(p, problem)
    match = re.search(r'<script type="application/json" id="plan-data">(.*?)</script>', page, re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert data["totals"]["co2_kg"] == p.stats.co2_g / 1000
    assert [r["co2_kg"] for r in data["routes"]] == [r.co2_g / 1000 for r in p.routes]
    assert "<th>CO₂ kg</th>" in page and '" · CO₂ " + t.co2_kg.toFixed(1) + " kg"' in page
