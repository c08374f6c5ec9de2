"""The ETA worker reads a route from its own part of the stored plan and parses the whole day only when the
stored plan changed: the ETAs are the ones the whole plan gives, and a changed plan is read again."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from doorstep.domain.geo import LatLng
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.live.eta import EtaEngine, RouteEta
from doorstep.services.operations.live_day import live_rows
from doorstep.services.operations.tracking import DAY_PLANS, _route_doc, compute_eta
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
            own = reduced["vehicles"][0].get("driver_id")
            assert [d["id"] for d in reduced.get("drivers", [])] == ([own] if own else [])


def test_the_whole_day_is_parsed_again_only_when_the_stored_plan_changed(make_day: Maker) -> None:
    """Reading an unchanged stored plan again gives the cached parse; once the stored plan changes (an order's
    service time edited) the worker parses it again and sees the new value."""
    day = make_day()
    plan_id = day.plan["id"]
    with day.p.uow(day.actor) as uow:
        first, again = DAY_PLANS.get(uow, plan_id), DAY_PLANS.get(uow, plan_id)
        assert first is not None and again is not None and again[1] is first[1]
        row = uow.plans.require(plan_id)
        doc = copy.deepcopy(row.result or {})
        order = doc["problem"]["orders"][0]
        order["service_s"] = order.get("service_s", 0) + 600
        row.result = doc
        uow.commit()
    with day.p.uow(day.actor) as uow:
        fresh = DAY_PLANS.get(uow, plan_id)
    assert fresh is not None and fresh[1] is not first[1]
    assert fresh[1].order(order["id"]).service_s == first[1].order(order["id"]).service_s + 600


def test_an_unchanged_plan_is_not_read_again_on_postgresql(make_day: Maker) -> None:
    """On PostgreSQL the worker asks for the plan row's version only; the document itself is read when the
    version changed (any update of the row). SQLite reads the text and compares it, in the same process."""
    day = make_day()
    plan_id = day.plan["id"]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = day.p.sessions.kw["bind"]
    with day.p.uow(day.actor) as uow:
        assert DAY_PLANS.get(uow, plan_id) is not None
        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert DAY_PLANS.get(uow, plan_id) is not None
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        read_text = [s for s in statements if "CAST(plans.result AS TEXT)" in s]
        assert len(statements) == 1
        assert read_text == ([] if engine.dialect.name == "postgresql" else statements)
        row = uow.plans.require(plan_id)
        row.result = {**(row.result or {}), "name": "edited"}
        uow.commit()
    with day.p.uow(day.actor) as uow:
        got = DAY_PLANS.get(uow, plan_id)
    assert got is not None and got[0]["name"] == "edited"


def test_the_route_document_keeps_the_vehicles_driver_only() -> None:
    """The reduced document holds the route's orders, its vehicle and that vehicle's driver (none without one);
    with an id missing from the day's document, all of it."""
    problem = {
        "orders": [{"id": "o1"}, {"id": "o2"}, {"id": "o3"}],
        "vehicles": [{"id": "v1", "driver_id": "d1"}, {"id": "v2", "driver_id": "d2"}, {"id": "v3"}],
        "drivers": [{"id": "d1", "name": "A"}, {"id": "d2", "name": "B"}],
    }
    result = {"problem": problem, "plan": {"routes": [], "unassigned": []}}

    def route(vehicle_id: str, orders: list[str]) -> RouteRow:
        stops = [{"order_id": o} for o in orders]
        return RouteRow(id="rte_1", plan_id="pln_1", vehicle_id=vehicle_id, data={"stops": stops})

    doc = _route_doc(result, route("v2", ["o2", "o3"]))["problem"]
    assert [o["id"] for o in doc["orders"]] == ["o2", "o3"] and doc["drivers"] == [{"id": "d2", "name": "B"}]
    assert _route_doc(result, route("v3", ["o1"]))["problem"]["drivers"] == []
    assert _route_doc(result, route("v1", ["o1", "o9"]))["problem"] == problem  # o9 is not in the document
