"""A plan written in VROOM's solution shape, with VROOM's own ids, so VROOM users can drop Doorstep in.

Ids come from the VroomContext the VROOM reader built (order -> job id, paired order -> pickup/delivery ids,
breaks -> break ids); for other inputs ``context_for`` numbers everything from 1.
Step ``duration``/``distance`` are cumulated travel, as in VROOM; route ``duration`` is travel time only.
Cost follows VROOM's model: fixed + per_hour × travel hours + per_km × km, from the vehicle type's cost
fields, rounded to an integer.
``priority`` is 0: Doorstep's priorities are classes, not VROOM's 0-100 numbers. Reload stops have no VROOM
equivalent and are not written (VROOM input never produces them).
"""

from __future__ import annotations

from typing import Any

from doorstep.domain.fleet import Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.orders import Order, OrderKind
from doorstep.domain.plan import Plan, Route, ScheduledStop, StopType
from doorstep.domain.problem import Problem
from doorstep.formats.vroom_common import VroomContext

_STEP_TYPES = {
    StopType.START: "start",
    StopType.END: "end",
    StopType.DELIVERY: "job",
    StopType.PICKUP: "job",
    StopType.PAIRED_PICKUP: "pickup",
    StopType.PAIRED_DELIVERY: "delivery",
    StopType.BREAK: "break",
}


def context_for(problem: Problem) -> VroomContext:
    """A VROOM id mapping for a problem that did not come from VROOM: jobs, shipments and vehicles from 1."""
    ctx = VroomContext(dimensions=problem.dimensions())
    next_id = 1
    for o in problem.orders:
        if o.kind is OrderKind.PAIRED:
            ctx.shipment_ids[o.id] = (next_id, next_id + 1)
            next_id += 2
        else:
            ctx.job_ids[o.id] = next_id
            next_id += 1
    break_id = 1
    for k, v in enumerate(problem.vehicles, start=1):
        ctx.vehicle_ids[v.id] = k
        ctx.break_ids[v.id] = list(range(break_id, break_id + len(v.breaks)))
        break_id += len(v.breaks)
    return ctx


def _amounts(order: Order, dims: list[str]) -> tuple[list[int], list[int]]:
    """(delivery, pickup) amounts of one order, as VROOM counts them (a shipment counts in both)."""
    size = [order.size.get(d, 0) for d in dims]
    collect = [order.collect.get(d, 0) for d in dims]
    if order.kind is OrderKind.PAIRED:
        return size, size
    if order.is_pickup_like:
        return [0] * len(dims), [a + b for a, b in zip(size, collect, strict=True)]
    return size, collect


class _Writer:
    """Holds the lookups needed for every step."""

    def __init__(self, plan: Plan, problem: Problem, ctx: VroomContext) -> None:
        self.plan, self.problem, self.ctx = plan, problem, ctx
        self.orders = {o.id: o for o in problem.orders}
        self.points: dict[LatLng, int] = {}
        if problem.matrices is not None:
            for i, p in enumerate(problem.matrices.points):
                self.points.setdefault(p, i)

    def where(self, p: LatLng) -> dict[str, Any]:
        if self.ctx.location_index and p in self.points:
            return {"location_index": self.points[p]}
        return {"location": p.to_lnglat()}

    def step_id(self, stop: ScheduledStop, vehicle: Vehicle | None, breaks_seen: int) -> int | None:
        oid = stop.order_id or ""
        if stop.type in (StopType.DELIVERY, StopType.PICKUP):
            return self.ctx.job_ids.get(oid)
        if stop.type in (StopType.PAIRED_PICKUP, StopType.PAIRED_DELIVERY):
            pair = self.ctx.shipment_ids.get(oid)
            return None if pair is None else pair[0 if stop.type is StopType.PAIRED_PICKUP else 1]
        if stop.type is StopType.BREAK and vehicle is not None:
            ids = self.ctx.break_ids.get(vehicle.id, [])
            for k, b in enumerate(vehicle.breaks):
                if b.start <= stop.start <= b.end and k < len(ids):
                    return ids[k]
            return ids[breaks_seen] if breaks_seen < len(ids) else None
        return None

    def vehicle(self, route: Route) -> Vehicle | None:
        try:
            return self.problem.vehicle(route.vehicle_id)
        except KeyError:
            return None

    def route(self, route: Route, number: int) -> dict[str, Any]:
        dims, vehicle = self.ctx.dimensions, self.vehicle(route)
        steps: list[dict[str, Any]] = []
        travel = dist = waiting = service = breaks = 0
        delivery, pickup = [0] * len(dims), [0] * len(dims)
        for stop in route.stops:
            kind = _STEP_TYPES.get(stop.type)
            if kind is None:
                continue
            travel, dist = travel + stop.travel_s, dist + stop.travel_m
            waiting, service = waiting + stop.waiting_s, service + stop.service_s
            step: dict[str, Any] = {"type": kind, **self.where(stop.location)}
            sid = self.step_id(stop, vehicle, breaks)
            breaks += stop.type is StopType.BREAK
            if sid is not None:
                step["id"] = sid
            order = self.orders.get(stop.order_id or "")
            if order is not None and stop.type is not StopType.PAIRED_PICKUP:
                d, p = _amounts(order, dims)
                delivery = [a + b for a, b in zip(delivery, d, strict=True)]
                pickup = [a + b for a, b in zip(pickup, p, strict=True)]
            step.update({
                "setup": 0, "service": stop.service_s, "waiting_time": stop.waiting_s,
                "load": [stop.load_after.get(x, 0) for x in dims],
                "arrival": self.ctx.seconds(stop.arrival), "duration": travel, "distance": dist,
                "violations": [],
            })  # fmt: skip
            steps.append(step)
        return {
            "vehicle": self.ctx.vehicle_ids.get(route.vehicle_id, number),
            "cost": vroom_cost(vehicle, travel, dist),
            "delivery": delivery, "pickup": pickup, "setup": 0, "service": service,
            "duration": travel, "waiting_time": waiting, "priority": 0, "distance": dist,
            "steps": steps, "violations": [],
        }  # fmt: skip


def vroom_cost(vehicle: Vehicle | None, duration_s: int, distance_m: int) -> int:
    """VROOM's route cost: fixed + per_hour × travel hours + per_km × km (integer)."""
    if vehicle is None:
        return duration_s
    t = vehicle.type
    return round(
        t.fixed_cost_cents + t.cost_per_hour_cents * duration_s / 3600 + t.cost_per_km_cents * distance_m / 1000
    )


def _unassigned(w: _Writer) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for u in w.plan.unassigned:
        order = w.orders.get(u.order_id)
        if order is None:
            continue
        pair = w.ctx.shipment_ids.get(order.id)
        if pair is not None and order.pickup is not None:
            out.append({"id": pair[0], "type": "pickup", **w.where(order.pickup.location)})
            out.append({"id": pair[1], "type": "delivery", **w.where(order.location)})
        elif order.id in w.ctx.job_ids:
            out.append({"id": w.ctx.job_ids[order.id], "type": "job", **w.where(order.location)})
    return out


def _summed(routes: list[dict[str, Any]], key: str, width: int) -> list[int]:
    total = [0] * width
    for r in routes:
        total = [a + b for a, b in zip(total, r[key], strict=True)]
    return total


def vroom_solution(plan: Plan, problem: Problem, ctx: VroomContext) -> dict[str, Any]:
    """The plan as a VROOM solution object (``code`` 0, ``summary``, ``unassigned``, ``routes``)."""
    w = _Writer(plan, problem, ctx)
    routes = [w.route(r, k) for k, r in enumerate(plan.routes, start=1) if r.stops]
    unassigned = _unassigned(w)
    width = len(ctx.dimensions)
    solving = round(plan.stats.solver_s * 1000)
    summary = {
        "cost": sum(r["cost"] for r in routes),
        "routes": len(routes),
        "unassigned": len(unassigned),
        "delivery": _summed(routes, "delivery", width),
        "pickup": _summed(routes, "pickup", width),
        **{
            k: sum(r[k] for r in routes)
            for k in ("setup", "service", "duration", "waiting_time", "priority", "distance")
        },
        "violations": [],
        "computing_times": {
            "loading": max(0, round(plan.stats.runtime_s * 1000) - solving),
            "solving": solving,
            "routing": 0,
        },
    }
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}
