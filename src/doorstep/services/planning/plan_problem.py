"""Assemble the planning Problem of a depot and day from stored orders, vehicles, shifts and drivers.

A re-plan keeps some routes (``kept_routes``: dispatched ones, and published ones a dispatcher locked). Their
vehicles and orders stay out of the problem, and what they already take of the depot is taken off its limits
(``with_kept``): its daily capacity is lowered by their parcels, and their loadings are listed as docks already
taken (``Problem.kept_loadings``, read from their stored start and reload stops), so the planner books the new
loadings around them and the checker counts them. Hand edits check the depot limits on the same terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from doorstep.domain.depots import parcels_of
from doorstep.domain.errors import Issue
from doorstep.domain.fleet import Depot
from doorstep.domain.kept_loadings import KeptLoading
from doorstep.domain.problem import Problem
from doorstep.domain.status import OrderStatus, RouteStatus
from doorstep.domain.zones import AccessZone
from doorstep.formats.zones_json import zones_from_list
from doorstep.optimize.pickup_stops import Handover, with_handovers
from doorstep.services.carriers.carriers_admin import held_orders
from doorstep.services.orders.convert import depot_of, driver_of, order_of, vehicle_of, vehicle_type_of
from doorstep.services.orders.transfers import transfers_for
from doorstep.store.models import AccessZoneRow, OrderRow, PickupPointRow, PlanRow, RouteRow, ShiftRow, VehicleRow
from doorstep.store.uow import UnitOfWork

PLANNABLE = (OrderStatus.NEW.value, OrderStatus.PLANNED.value)


def kept_routes(uow: UnitOfWork, depot_id: str, day: date) -> list[RouteRow]:
    """Routes a re-plan must not touch: dispatched ones, and published ones that a dispatcher locked."""
    ids = [p.id for p in uow.plans.all(PlanRow.depot_id == depot_id, PlanRow.day == day)]
    if not ids:
        return []
    return [
        r
        for r in uow.routes.all(RouteRow.plan_id.in_(ids))
        if r.status == RouteStatus.DISPATCHED.value or (r.locked and r.status == RouteStatus.PUBLISHED.value)
    ]


def build_problem(uow: UnitOfWork, depot_id: str, day: date, exclude_routes: list[RouteRow]) -> Problem:
    """Orders new or planned for the depot and day, and vehicles with a shift that day, minus kept routes and
    orders a partner carrier holds; the inbound transfers that carry the orders; the depot's daily capacity less
    what the kept routes already take out of it, and their loadings at its docks (``with_kept``)."""
    depot_row = uow.depots.require(depot_id)
    depots = {depot_row.id: depot_of(depot_row)}
    busy_vehicles = {r.vehicle_id for r in exclude_routes}
    busy_orders = {s["order_id"] for r in exclude_routes for s in r.data["stops"] if s.get("order_id")}
    rows = uow.orders.all(OrderRow.depot_id == depot_id, OrderRow.day == day, OrderRow.status.in_(PLANNABLE))
    busy_orders |= held_orders(uow, [r.id for r in rows])  # handed to a partner carrier (or being handed)
    orders = [order_of(row, depots) for row in rows if row.id not in busy_orders]
    shifts = uow.shifts.all(ShiftRow.day == day)
    vehicles_by_id = uow.vehicles.get_many([s.vehicle_id for s in shifts])
    types = {
        k: vehicle_type_of(t)
        for k, t in uow.vehicle_types.get_many([v.type_id for v in vehicles_by_id.values()]).items()
    }
    drivers = uow.drivers.get_many([s.driver_id for s in shifts if s.driver_id])
    vehicles = []
    for shift in shifts:
        row: VehicleRow | None = vehicles_by_id.get(shift.vehicle_id)
        if row is None or row.depot_id != depot_id or row.id in busy_vehicles:
            continue
        driver = drivers.get(shift.driver_id) if shift.driver_id else None
        vehicles.append(vehicle_of(row, types[row.type_id], shift, driver))
    ends = sorted({v.end_depot_id for v in vehicles if v.end_depot_id and v.end_depot_id not in depots})
    depots.update((k, depot_of(r)) for k, r in uow.depots.get_many(ends).items())  # where routes end elsewhere
    problem = Problem(
        depots=tuple(depots.values()),
        vehicles=tuple(vehicles),
        orders=tuple(orders),
        drivers=tuple(driver_of(d) for d in drivers.values()),
        name=f"{depot_row.name} {day.isoformat()}",
        zones=access_zones(uow),
        transfers=transfers_for(uow, [o.id for o in orders]),
    )
    problem = with_kept(uow, problem, depot_id, exclude_routes)
    return with_handovers(problem, _handovers(uow, {o.pickup_point_id for o in orders if o.pickup_point_id}))


def with_kept(uow: UnitOfWork, problem: Problem, depot_id: str, kept: list[RouteRow]) -> Problem:
    """The problem with what the kept routes take of the depot: its stored daily capacity less their parcels, and
    their loadings at its docks. The capacity is the stored one (not the problem's, which may be lowered already),
    so a stored plan's problem can be checked again against the routes kept now."""
    depots = {d.id: d for d in problem.depots}
    if depot_id not in depots:
        return problem
    depot = depots[depot_id]
    cap = depot_of(uow.depots.require(depot_id)).capacity_parcels_per_day
    if cap is not None and kept:
        cap = max(0, cap - kept_parcels(uow, kept, depots))
    depot = replace(depot, capacity_parcels_per_day=cap)
    return replace(
        problem,
        depots=tuple(depot if d.id == depot_id else d for d in problem.depots),
        kept_loadings=kept_loadings(kept, depot),
    )


def kept_loadings(kept: list[RouteRow], depot: Depot) -> tuple[KeptLoading, ...]:
    """The docks the kept routes take at the depot, as ``domain/depots.loadings`` counts a loading (the depot's
    ``loading_s`` ending at the departure of each start and reload stop), read from their stored stops: a kept
    route's vehicle and orders are not in the re-plan's problem, so it cannot be read back as a domain Route. None
    at a depot whose docks set no limit, or whose loading takes no time."""
    if depot.docks is None or depot.loading_s <= 0:
        return ()
    load = timedelta(seconds=depot.loading_s)
    out = []
    for r in kept:
        if r.data.get("start_depot_id", depot.id) != depot.id:
            continue
        for s in r.data["stops"][:-1]:
            if s.get("type") in ("start", "reload") and s.get("departure"):
                end = datetime.fromisoformat(s["departure"])
                dock = s.get("dock") if isinstance(s.get("dock"), int) and s["dock"] >= 1 else None
                out.append(KeptLoading(depot_id=depot.id, start=end - load, end=end, dock=dock, route_id=r.id))
    return tuple(sorted(out, key=lambda k: (k.start, k.route_id)))


def kept_parcels(uow: UnitOfWork, kept: list[RouteRow], depots: dict[str, Any]) -> int:
    """Parcels the kept routes take out of (or bring back to) the depot, counted as the planner counts them
    (domain/depots.py: the ``parcels`` size, else the items, else one; store-to-door legs not)."""
    ids = [s["order_id"] for r in kept for s in r.data["stops"]
           if s.get("order_id") and s.get("type") in ("delivery", "pickup")]  # fmt: skip
    rows = uow.orders.get_many(ids)
    return sum(parcels_of(order_of(rows[i], depots)) for i in ids if i in rows)


def access_zones(uow: UnitOfWork) -> tuple[AccessZone, ...]:
    """The organization's access zones (stored checked; their hours in the depot's time zone unless given)."""
    issues: list[Issue] = []
    rows = uow.access_zones.all()
    zones = zones_from_list([_zone_doc(r) for r in rows], issues)
    return zones if not issues else tuple(z for z in zones if z.polygons)


def _zone_doc(row: AccessZoneRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "geometry": row.geometry, "vehicle_types": row.vehicle_types,
            "hours": row.hours, "timezone": row.timezone}  # fmt: skip


def _handovers(uow: UnitOfWork, point_ids: set[str]) -> dict[str, Handover]:
    """The current handover time of each pickup point the day's orders go to (paid once per visit: the planner
    shares it, ``optimize/pickup_stops``)."""
    rows = uow.pickup_points.all(PickupPointRow.id.in_(sorted(point_ids))) if point_ids else []
    return {r.id: Handover(r.handover_s, r.per_parcel_s) for r in rows}
