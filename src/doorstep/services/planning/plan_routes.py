"""Store the routes of a plan document as route and stop rows (the rows the dashboard and drivers read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from doorstep.domain.eta_window import tracking_window
from doorstep.domain.ids import new_id
from doorstep.domain.problem import Problem
from doorstep.domain.status import RouteStatus
from doorstep.store.models import PlanRow, RouteRow, StopRow
from doorstep.store.uow import UnitOfWork


def promised(stop: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The window a customer is promised for an order stop: the order's window the stop was planned into, else the
    window the out-for-delivery message tells around the planned arrival (``tracking_window`` before the route
    starts: give or take 45 minutes, on five-minute marks); none for other stops."""
    if not stop.get("order_id"):
        return None, None
    if stop.get("window_start") and stop.get("window_end"):
        return datetime.fromisoformat(stop["window_start"]), datetime.fromisoformat(stop["window_end"])
    return tracking_window(datetime.fromisoformat(stop["arrival"]))


def stop_rows(route_id: str, route: dict[str, Any]) -> list[StopRow]:
    """One row per stop, in visit order, with the window it promises (kept when the route changes later)."""
    return [
        StopRow(
            id=new_id("stp"),
            route_id=route_id,
            seq=k,
            type=s["type"],
            order_id=s.get("order_id"),
            lat=s["location"]["lat"],
            lng=s["location"]["lng"],
            arrival=datetime.fromisoformat(s["arrival"]),
            departure=datetime.fromisoformat(s["departure"]),
            promised_start=promised(s)[0],
            promised_end=promised(s)[1],
        )
        for k, s in enumerate(route["stops"])
    ]


def store_routes(uow: UnitOfWork, plan: PlanRow, doc: dict[str, Any], problem: Problem) -> list[RouteRow]:
    """Route rows (draft) with their stops for every route of the plan document."""
    drivers = {v.id: v.driver_id for v in problem.vehicles}
    rows = []
    for route in doc["plan"]["routes"]:
        row = uow.routes.add(
            RouteRow(
                id=route["id"], plan_id=plan.id, vehicle_id=route["vehicle_id"],
                driver_id=drivers.get(route["vehicle_id"]), status=RouteStatus.DRAFT.value, data=route,
            )
        )  # fmt: skip
        uow.stops.add_all(stop_rows(row.id, route))
        rows.append(row)
    return rows


def put_routes(plan: PlanRow, routes: list[dict[str, Any]]) -> None:
    """Write changed routes (plan.json form) into the plan's stored document, in place of those with their ids
    (a new document object, so the change is saved)."""
    if not plan.result:
        return
    by_id = {r["id"]: r for r in routes}
    body = dict(plan.result["plan"])
    body["routes"] = [by_id.get(r.get("id"), r) for r in body["routes"]]
    plan.result = {**plan.result, "plan": body}
