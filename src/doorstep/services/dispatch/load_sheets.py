"""The warehouse hand-off of a plan: a route's load sheet (PDF or CSV) and the depot's picking waves of a day.

A route's parcels come from its stored plan (the stops in their current order) with the orders' current items
(barcodes edited after planning show); release times follow the platform's loading times (docs/warehouse.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from datetime import tzinfo

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.loading import LoadPlan, load_plan
from doorstep.domain.orders import Order
from doorstep.domain.plan import Route
from doorstep.domain.problem import Problem
from doorstep.domain.status import PlanStatus
from doorstep.domain.waves import LoadingTimes, Wave, group_waves, route_releases
from doorstep.formats.load_sheet import LoadSheet, load_sheet_csv
from doorstep.formats.load_sheet_pdf import load_sheet_pdf
from doorstep.formats.plan_common import depot_zone, route_zone
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.services.dispatch.routes import get_route
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.convert import order_of
from doorstep.store.models import PlanRow, RouteRow
from doorstep.store.uow import UnitOfWork

FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class RenderedSheet:
    """A load sheet file: its bytes, media type and a file name."""

    body: bytes
    media_type: str
    filename: str


def _current_orders(uow: UnitOfWork, problem: Problem, route: Route) -> dict[str, Order]:
    """The route's orders as planned, with their items as stored now (an order edited after planning)."""
    planned = {o.id: o for o in problem.orders}
    depots = {d.id: d for d in problem.depots}
    ids = [s.order_id for s in route.stops if s.order_id]
    for oid, row in uow.orders.get_many(ids).items():
        try:
            items = order_of(row, depots).items
        except DoorstepError:  # stored data that no longer parses: keep the planned items
            continue
        if oid in planned:
            planned[oid] = replace(planned[oid], items=items)
    return planned


def _capacity(problem: Problem, route: Route) -> dict[str, int]:
    try:
        return dict(problem.vehicle(route.vehicle_id).type.capacity)
    except KeyError:
        return {}


def _route_plans(uow: UnitOfWork, plan: PlanRow) -> tuple[Problem, dict[str, tuple[Route, LoadPlan]]]:
    """Every route of a stored plan with its load plan, by route id."""
    stored, problem, _ = plan_from_dict(plan.result, trusted=True)
    out = {}
    for route in stored.routes:
        out[route.id] = (route, load_plan(route, _current_orders(uow, problem, route), _capacity(problem, route)))
    return problem, out


def build_sheet(p: Platform, uow: UnitOfWork, row: RouteRow) -> LoadSheet:
    """The load sheet of a stored route (an empty sheet for a route without parcels)."""
    plan = uow.plans.require(row.plan_id)
    stored, problem, _ = plan_from_dict(plan.result, trusted=True)
    route = next(r for r in stored.routes if r.id == row.id)
    lp = load_plan(route, _current_orders(uow, problem, route), _capacity(problem, route))
    driver = uow.drivers.get(row.driver_id) if row.driver_id else None
    try:
        depot = problem.depot(route.start_depot_id).name
    except KeyError:
        depot = route.start_depot_id
    return LoadSheet(
        plan=lp, route_id=row.id, day=plan.day.isoformat(), tz=route_zone(problem, route), depot=depot,
        driver=driver.name if driver is not None else "", releases=tuple(route_releases(lp, p.loading)),
    )  # fmt: skip


def load_sheet(p: Platform, actor: Actor, route_id: str) -> LoadSheet:
    """A route's load sheet (readers; a driver only for a route of their own, like the route itself)."""
    get_route(p, actor, route_id)
    with p.uow(actor) as uow:
        return build_sheet(p, uow, uow.routes.require(route_id))


def render_load_sheet(p: Platform, actor: Actor, route_id: str, fmt: str) -> RenderedSheet:
    """The load sheet as a PDF or CSV file (E1600 for any other format)."""
    if fmt not in FORMATS:
        msg = f"load sheet format {fmt!r} is not one of {', '.join(FORMATS)}"
        raise DoorstepError([Issue("E1600", msg, ("format",))])
    sheet = load_sheet(p, actor, route_id)
    body = load_sheet_pdf(sheet) if fmt == "pdf" else load_sheet_csv(sheet).encode("utf-8-sig")
    return RenderedSheet(body, FORMATS[fmt], f"load-sheet-{route_id}.{fmt}")


def depot_waves(
    p: Platform, actor: Actor, depot_id: str, day: dt.date, times: LoadingTimes | None = None
) -> tuple[tzinfo, list[Wave]]:
    """The picking waves of the depot's published plan of the day, earliest first (E2302 when none is published),
    with the platform's loading times or ``times`` (what-if: a faster crew, a longer dock time; E1603 when bad)."""
    actor.require(Permission.READ)
    times = times or p.loading
    times.validate()
    with p.uow(actor) as uow:
        uow.depots.require(depot_id)
        plan = uow.plans.first(
            PlanRow.depot_id == depot_id, PlanRow.day == day, PlanRow.status == PlanStatus.PUBLISHED.value
        )
        if plan is None or plan.result is None:
            msg = f"depot {depot_id} has no published plan on {day.isoformat()}"
            raise DoorstepError([Issue("E2302", msg, ("date",), depot_id)])
        problem, routes = _route_plans(uow, plan)
    releases = [r for _, lp in routes.values() for r in route_releases(lp, times)]
    tz = depot_zone(problem, depot_id)
    return tz, group_waves(releases, times.wave_s, tz)
