"""Where the search starts when the problem says (``Problem.start_routes``): each hinted route's orders, in their
order, on its vehicle. A hint, never a constraint: ids the problem does not hold, a vehicle named twice and an
order named twice are skipped, and the search itself makes the start feasible (it inserts what the hint leaves
out: breaks, shipments, orders no route named). An order with alternatives (several windows or places) starts at
its first.

Used by a large day (``decompose.py``): its parts are planned once briefly, so that a complete plan of the day
exists early, then again from those routes for the rest of the time.
"""

from __future__ import annotations

from doorstep.domain.plan import Route
from doorstep.domain.problem import Problem, StartRoute
from doorstep.optimize.build import order_clients
from doorstep.optimize.construct import CLIENT
from doorstep.optimize.model import SolverModel


def start_routes_of(routes: list[Route]) -> tuple[StartRoute, ...]:
    """A plan's routes as start routes: each vehicle with its orders in visit order."""
    return tuple(StartRoute(r.vehicle_id, tuple(r.order_ids)) for r in routes)


def hinted_routes(model: SolverModel, problem: Problem) -> list[tuple[int, list[tuple[int, int]]]] | None:
    """Route specs (vehicle type, [(activity type, client), ...]) of the problem's start routes on ``model``, or
    None when it has none that name anything of this model."""
    if not problem.start_routes:
        return None
    type_of = {vi: vti for vti, vt in enumerate(model.vehicle_types) for vi in vt.vehicles}
    vehicle_index = {v.id: vi for vi, v in enumerate(problem.vehicles)}
    order_index = {o.id: oi for oi, o in enumerate(problem.orders)}
    clients = order_clients(model)
    seen_vehicles: set[int] = set()
    seen_orders: set[int] = set()
    specs: list[tuple[int, list[tuple[int, int]]]] = []
    for hint in problem.start_routes:
        vi = vehicle_index.get(hint.vehicle_id)
        if vi is None or vi in seen_vehicles or vi not in type_of:
            continue
        seen_vehicles.add(vi)
        acts: list[tuple[int, int]] = []
        for oid in hint.order_ids:
            oi = order_index.get(oid)
            if oi is None or oi in seen_orders or not clients.get(oi):  # unknown, twice, or a shipment
                continue
            seen_orders.add(oi)
            acts.append((CLIENT, clients[oi][0]))
        if acts:
            specs.append((type_of[vi], acts))
    return specs or None


__all__ = ["hinted_routes", "start_routes_of"]
