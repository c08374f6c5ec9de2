"""VROOM problem JSON -> Doorstep Problem plus the VroomContext that maps ids and clock back.

Approximations (each documented in the mapping table): ``setup`` is added to ``service``; priority 0 is NORMAL
and 1..100 HIGH; a break uses its first time window; ``max_travel_time`` bounds the whole route duration;
VROOM cost units are taken as cents. Fields Doorstep cannot honour are reported as W1206, never dropped
silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from doorstep.domain.errors import Issue, Severity, raise_if_errors
from doorstep.domain.fleet import Depot, Vehicle
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import derived_id
from doorstep.domain.orders import Order, OrderKind, PairedPickup, Priority
from doorstep.domain.problem import ExplicitMatrices, Problem
from doorstep.formats.json_common import json_path
from doorstep.formats.vroom_common import VroomContext
from doorstep.formats.vroom_fleet import DepotIndex, read_vehicle
from doorstep.formats.vroom_matrices import read_matrices
from doorstep.formats.vroom_parse import VroomReader, Where, is_int, prescan_coords, prescan_dims


@dataclass(slots=True)
class VroomInput:
    """What a VROOM problem becomes: the Problem, the id/clock context, and the W1206 warnings."""

    problem: Problem
    context: VroomContext
    warnings: list[Issue] = field(default_factory=list)


def _dims(values: list[int] | None) -> dict[str, int]:
    return {f"amount_{k}": v for k, v in enumerate(values or [])}


def _ident(rd: VroomReader, obj: Any, path: Where, label: str, seen: dict[int, Where]) -> str | None:
    """The object's ``<label> <id>`` name, or None (E1007/E1110 recorded) when it lacks a usable id."""
    if not isinstance(obj, dict):
        rd.bad("E1007", path, f"{label} at {json_path(path)}", f"must be an object, not {type(obj).__name__}")
        return None
    oid = obj.get("id")
    if not is_int(oid):
        rd.bad("E1007", (*path, "id"), f"{label} at {json_path(path)}", f"must be an integer id, not {oid!r}")
        return None
    who = f"{label} {oid}"
    if oid in seen:
        rd.bad("E1110", (*path, "id"), who, f"repeats the id of {json_path(seen[oid])}")
        return None
    seen[oid] = path
    return who


def _errors_since(rd: VroomReader, mark: int) -> bool:
    return any(i.severity is Severity.ERROR for i in rd.issues[mark:])


def _place(rd: VroomReader, obj: Mapping[str, Any], path: Where, who: str) -> LatLng | None:
    if obj.get("location") is None and obj.get("location_index") is None:
        rd.bad("E1007", path, who, "needs a location ([lon, lat]) or a location_index")
        return None
    return rd.location(obj, "location", path, who)


def _service(rd: VroomReader, obj: Mapping[str, Any], path: Where, who: str) -> int:
    return (rd.int_(obj, "setup", path, who, 0) or 0) + (rd.int_(obj, "service", path, who, 0) or 0)


def _priority(rd: VroomReader, obj: Mapping[str, Any], path: Where, who: str) -> Priority:
    value = rd.int_(obj, "priority", path, who, 0) or 0
    if value > 100:
        rd.bad("E1007", (*path, "priority"), who, f"must be within 0..100, not {value}")
    return Priority.HIGH if value > 0 else Priority.NORMAL


def read_job(rd: VroomReader, job: Any, i: int, seen: dict[int, Where], ctx: VroomContext) -> Order | None:
    """One VROOM job: a DELIVERY (pickup amounts go to ``collect``), or a PICKUP when it only picks up."""
    mark, path = len(rd.issues), ("jobs", i)
    who = _ident(rd, job, path, "job", seen)
    if who is None:
        return None
    location = _place(rd, job, path, who)
    delivery = rd.amounts(job, "delivery", path, who)
    if delivery is None and "delivery" not in job:
        delivery = rd.amounts(job, "amount", path, who)  # legacy name for delivery
    pickup = rd.amounts(job, "pickup", path, who)
    only_pickup = not any(delivery or []) and any(pickup or [])
    order_kw = _task_fields(rd, job, path, who)
    if location is None or _errors_since(rd, mark):
        return None
    ref = f"job-{job['id']}"
    order = Order(
        id=derived_id("ord", ref),
        external_ref=ref,
        kind=OrderKind.PICKUP if only_pickup else OrderKind.DELIVERY,
        location=location,
        address=str(job.get("description", "")),
        time_windows=tuple(rd.windows(job, "time_windows", path, who)),
        service_s=_service(rd, job, path, who),
        size=_dims(pickup if only_pickup else delivery),
        collect={} if only_pickup else _dims(pickup),
        **order_kw,
    )
    ctx.job_ids[order.id] = job["id"]
    return order


def _task_fields(rd: VroomReader, obj: Mapping[str, Any], path: Where, who: str) -> dict[str, Any]:
    skills = rd.ints(obj, "skills", path, who) or []
    return {"skills": frozenset(str(s) for s in skills), "priority": _priority(rd, obj, path, who)}


def read_shipment(
    rd: VroomReader, shp: Any, i: int, seen: tuple[dict[int, Where], dict[int, Where]], ctx: VroomContext
) -> Order | None:
    """One VROOM shipment as a PAIRED order: ``location`` is the delivery, ``pickup`` the collection."""
    mark, path = len(rd.issues), ("shipments", i)
    if not isinstance(shp, dict):
        rd.bad("E1007", path, f"shipment at {json_path(path)}", "must be an object with pickup and delivery")
        return None
    legs: list[tuple[str, Any]] = []
    for leg, ids in (("pickup", seen[0]), ("delivery", seen[1])):
        obj = shp.get(leg)
        who = _ident(rd, obj, (*path, leg), f"shipment {leg}", ids)
        legs.append((who or "", obj))
    (p_who, p_obj), (d_who, d_obj) = legs
    if not p_who or not d_who:
        return None
    p_loc, d_loc = _place(rd, p_obj, (*path, "pickup"), p_who), _place(rd, d_obj, (*path, "delivery"), d_who)
    amount = rd.amounts(shp, "amount", path, d_who)
    kw = _task_fields(rd, shp, path, d_who)
    if p_loc is None or d_loc is None or _errors_since(rd, mark):
        return None
    ref = f"shipment-{p_obj['id']}-{d_obj['id']}"
    pickup = PairedPickup(
        location=p_loc,
        address=str(p_obj.get("description", "")),
        time_windows=tuple(rd.windows(p_obj, "time_windows", (*path, "pickup"), p_who)),
        service_s=_service(rd, p_obj, (*path, "pickup"), p_who),
    )
    order = Order(
        id=derived_id("ord", ref),
        external_ref=ref,
        kind=OrderKind.PAIRED,
        location=d_loc,
        address=str(d_obj.get("description", "")),
        time_windows=tuple(rd.windows(d_obj, "time_windows", (*path, "delivery"), d_who)),
        service_s=_service(rd, d_obj, (*path, "delivery"), d_who),
        size=_dims(amount),
        pickup=pickup,
        **kw,
    )
    ctx.shipment_ids[order.id] = (p_obj["id"], d_obj["id"])
    return order


def _array(rd: VroomReader, data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        rd.bad("E1007", (key,), "problem", f"must be an array, not {type(value).__name__}")
        return []
    return value


def read_vroom(data: Any) -> VroomInput:
    """A VROOM problem as a Doorstep Problem; raises DoorstepError listing every malformed value at once."""
    if not isinstance(data, dict):
        raise_if_errors([Issue("E1007", "a VROOM problem must be a JSON object", ())])
    rd, ctx = VroomReader(coords=prescan_coords(data), dims=prescan_dims(data)), VroomContext()
    depots = DepotIndex()
    seen_v: dict[int, Where] = {}
    vehicles = [read_vehicle(rd, v, i, seen_v, depots, ctx) for i, v in enumerate(_array(rd, data, "vehicles"))]
    seen_j: dict[int, Where] = {}
    orders = [read_job(rd, j, i, seen_j, ctx) for i, j in enumerate(_array(rd, data, "jobs"))]
    seen_s: tuple[dict[int, Where], dict[int, Where]] = ({}, {})
    orders += [read_shipment(rd, s, i, seen_s, ctx) for i, s in enumerate(_array(rd, data, "shipments"))]
    matrices = read_matrices(rd, data, [v for v in vehicles if v is not None])
    ctx.dimensions = [f"amount_{k}" for k in range(rd.dims or 0)]
    ctx.location_index = bool(rd.used_index)
    warnings = raise_if_errors(rd.issues)
    problem = _problem(depots.depots, vehicles, orders, matrices)
    return VroomInput(problem, ctx, warnings)


def _problem(
    depots: list[Depot],
    vehicles: list[Vehicle | None],
    orders: list[Order | None],
    m: ExplicitMatrices | None,
) -> Problem:
    return Problem(
        depots=tuple(depots),
        vehicles=tuple(v for v in vehicles if v is not None),
        orders=tuple(o for o in orders if o is not None),
        matrices=m,
        name="VROOM problem",
    )


def problem_from_vroom(data: Any) -> tuple[Problem, VroomContext]:
    """The Problem and VroomContext of a VROOM problem (warnings dropped: use ``read_vroom`` to get them)."""
    result = read_vroom(data)
    return result.problem, result.context
