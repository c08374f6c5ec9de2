"""The ETA worker reads a route from its own part of the stored plan and parses the whole day only when the
stored plan changed: the ETAs are the ones the whole plan gives, and a changed plan is read again."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from doorstep.domain.geo import LatLng
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.live.eta import EtaEngine, RouteEta
from doorstep.services.live_day import live_rows
from doorstep.services.tracking import DAY_PROBLEMS, _route_doc, compute_eta
from doorstep.store.models import RouteLiveRow, RouteRow
from doorstep.store.uow import UnitOfWork
from tests.api import live_day
from tests.api.live_day import DAY_9_30, Day
from tests.api.test_live_replanning import complete_first

Maker = Callable[..., Day]
make_day = live_day.make_day  # the fixture


def _whole_plan_eta(day: Day, uow: UnitOfWork, route: RouteRow, live: RouteLiveRow) -> RouteEta:
    """The ETAs from the whole stored plan parsed afresh (how the worker read it before)."""
    result: dict[str, Any] = uow.plans.require(route.plan_id).result or {}
    doc = {**result, "plan": {**result["plan"], "routes": [route.data], "unassigned": []}}
    plan, problem, _ = plan_from_dict(doc, trusted=True)
    pos = live.position
    position = LatLng(pos["lat"], pos["lng"]) if pos else None
    profile = problem.vehicle(route.vehicle_id).type.profile
    return EtaEngine(day.p.provider(problem)).route_eta(
        plan.routes[0], profile, done=live.done, now=DAY_9_30, position=position
    )


def test_route_etas_equal_those_of_the_whole_plan(make_day: Maker) -> None:
    """Each route of a two-van day, re-timed from a reported position, gets exactly the ETAs the whole plan gives;
    the document the route is read from holds only that route's orders and vehicle."""
    day = make_day(n=8)
    route = day.plan["routes"][0]
    complete_first(day, route)  # progress and a position on the first route
    with day.p.uow(day.actor) as uow:
        for r in day.plan["routes"]:
            row = uow.routes.require(r["id"])
            live = live_rows(uow).first(RouteLiveRow.route_id == row.id) or RouteLiveRow(
                route_id=row.id, done=1, outcomes={}, position=None, etas=[]
            )
            got = compute_eta(uow, row, live, DAY_9_30, day.p.provider)
            assert got is not None and got.stops
            assert got == _whole_plan_eta(day, uow, row, live)
            reduced = _route_doc(uow.plans.require(row.plan_id).result or {}, row)["problem"]
            on_route = {s["order_id"] for s in row.data["stops"] if s.get("order_id")}
            assert {o["id"] for o in reduced["orders"]} == on_route
            assert [v["id"] for v in reduced["vehicles"]] == [row.vehicle_id]


def test_the_whole_day_is_parsed_again_only_when_the_stored_plan_changed(make_day: Maker) -> None:
    """An equal stored document (read again from the database) gives the cached problem; a changed one (an order's
    service time edited) is parsed again and the new value is what the worker sees."""
    day = make_day()
    with day.p.uow(day.actor) as uow:
        row = uow.plans.require(day.plan["id"])
        raw = copy.deepcopy((row.result or {})["problem"])
    first = DAY_PROBLEMS.get(day.plan["id"], raw)
    again = DAY_PROBLEMS.get(day.plan["id"], copy.deepcopy(raw))
    assert again is first
    changed = copy.deepcopy(raw)
    changed["orders"][0]["service_s"] = raw["orders"][0].get("service_s", 0) + 600
    fresh = DAY_PROBLEMS.get(day.plan["id"], changed)
    assert fresh is not first
    order_id = raw["orders"][0]["id"]
    assert fresh.order(order_id).service_s == first.order(order_id).service_s + 600
