"""A live day on a deployment with time-of-day traffic (DOORSTEP_TRAFFIC=urban): plans and live changes use the
plan's main hour and pass the checker on that model; live ETAs drive each leg in the hour it is driven."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from doorstep.routing.defaults import default_provider
from doorstep.routing.traffic import HOURS_PER_WEEK, TrafficModel, TrafficProvider
from doorstep.services.operations import replanning
from doorstep.services.operations.live_day import live_rows
from doorstep.services.operations.replanning import ProposalKind, Request
from doorstep.services.operations.tracking import compute_eta
from doorstep.store.models import RouteLiveRow
from tests.api import live_day
from tests.api.conftest import platform_of
from tests.api.live_day import DAY_9_30, Day
from tests.api.test_live_replanning import complete_first, new_order

Maker = Callable[..., Day]
PEAK = TrafficModel((1.5,) * HOURS_PER_WEEK, timezone="Europe/Lisbon")  # the morning peak all day
make_day = live_day.make_day  # the fixture


@pytest.fixture
def urban(client: TestClient) -> Iterator[None]:
    """The session app's platform with the urban traffic factors, for one test."""
    p = platform_of(client)
    p.travel.traffic = "urban"
    try:
        yield
    finally:
        p.travel.traffic = None


def _stored(day: Day) -> dict[str, Any]:
    with day.p.uow(day.actor) as uow:
        doc: dict[str, Any] = uow.plans.require(day.plan["id"]).result or {}
    return doc


@pytest.mark.usefixtures("urban")
def test_live_etas_follow_the_hours_traffic_and_changes_check_on_the_plans_model(make_day: Maker) -> None:
    """At 09:30 on a Tuesday (factor 1.3, then 1.15 from 10:00) every remaining ETA is later than the free-flow
    ETA from the same place and time; an approved insertion passes the checker on the deployment's model."""
    day = make_day()
    assert "+traffic" in day.plan["stats"]["provider"]
    route = day.plan["routes"][0]
    complete_first(day, route)  # a stop event at 09:30: the ETA worker re-times the rest of the route
    with day.p.uow(day.actor) as uow:
        live = live_rows(uow).first(RouteLiveRow.route_id == route["id"])
        assert live is not None and live.etas
        row = uow.routes.require(route["id"])
        free = compute_eta(uow, row, live, DAY_9_30, default_provider)
        peak = compute_eta(uow, row, live, DAY_9_30, lambda prob: TrafficProvider(default_provider(prob), PEAK))
    assert free is not None and peak is not None
    with_traffic = {e["index"]: datetime.fromisoformat(e["eta"]) for e in live.etas}
    assert len(with_traffic) == len(free.stops) >= 2
    assert all(with_traffic[s.index] > s.eta for s in free.stops)
    # the plan's main hour (08:00, 1.5) is not used for ETAs: the 09-10 h and 10-11 h factors are lower
    assert all(with_traffic[s.index] < s.eta for s in peak.stops)

    oid = new_order(day)
    prop = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.INSERT, oid))
    assert replanning.decide(day.p, day.actor, prop.id, approve=True).status == "applied"
    plan, problem, _ = plan_from_dict(_stored(day))
    assert any(s.order_id == oid for r in plan.routes for s in r.stops)
    assert check_plan(problem, plan, day.p.provider(problem)) == []


def test_dispatch_computes_live_etas_before_the_driver_reports(make_day: Maker) -> None:
    """Dispatching a route re-times it at once, so the dispatcher and customers see live ETAs (with the hour's
    traffic when configured) before the first position arrives."""
    day = make_day()
    with day.p.uow(day.actor) as uow:
        for r in day.plan["routes"]:
            live = live_rows(uow).first(RouteLiveRow.route_id == r["id"])
            assert live is not None and live.updated_at is not None
            assert [e["index"] for e in live.etas] == list(range(1, len(r["data"]["stops"])))
