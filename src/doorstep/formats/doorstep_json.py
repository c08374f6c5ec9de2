"""Doorstep problem JSON (``{"doorstep": "problem/1", ...}``): fleet plus orders and optional matrices.

Validated against ``schema/doorstep-problem.schema.json`` (E1006 per violation, located by JSON path).
``problem_to_dict`` and ``problem_from_dict`` round-trip exactly: times are written ISO-8601 with offset.
Order times written ``HH:MM`` are local to the order's depot (else the first depot) on the plan date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from doorstep.domain.errors import raise_if_errors
from doorstep.domain.ids import derived_id
from doorstep.domain.kept_loadings import KeptLoading
from doorstep.domain.orders import (
    Contact,
    Geocoded,
    Item,
    Order,
    OrderKind,
    PairedPickup,
    Place,
    Priority,
    TimeWindow,
)
from doorstep.domain.problem import ExplicitMatrices, Fleet, Problem
from doorstep.domain.transfers import Transfer
from doorstep.domain.validate import unknown_zone_types
from doorstep.formats.fleet_json import (
    JsonReader,
    Loc,
    fleet_fields,
    fleet_parts,
    latlng,
    latlng_dict,
    plan_date_of,
)
from doorstep.formats.json_common import schema_issues
from doorstep.formats.zones_json import zone_to_dict, zones_from_list

PROBLEM_VERSION = "problem/1"


def _windows(rd: JsonReader, items: Any, tz: tzinfo, loc: Loc, oid: str) -> tuple[TimeWindow, ...]:
    return tuple(
        TimeWindow(rd.when(w["start"], tz, (*loc, k, "start"), oid), rd.when(w["end"], tz, (*loc, k, "end"), oid))
        for k, w in enumerate(items or ())
    )


def _pickup(rd: JsonReader, d: Mapping[str, Any] | None, tz: tzinfo, loc: Loc, oid: str) -> PairedPickup | None:
    if d is None:
        return None
    return PairedPickup(
        location=latlng(d["location"]),
        address=d.get("address", ""),
        time_windows=_windows(rd, d.get("time_windows"), tz, (*loc, "time_windows"), oid),
        service_s=d.get("service_s", 0),
    )


def items_from_list(items: Any) -> tuple[Item, ...]:
    """An order's ``items`` (already type-checked); the values are checked by ``domain.items.item_problems``."""
    return tuple(
        Item(
            description=d.get("description", ""),
            quantity=d.get("quantity", 1),
            sku=d.get("sku") or "",
            barcode=d.get("barcode") or "",
        )
        for d in items or ()
    )


def items_to_list(items: tuple[Item, ...]) -> list[dict[str, Any]]:
    """An order's items as their document objects (``sku``/``barcode`` ``""`` when absent)."""
    return [{"sku": i.sku, "description": i.description, "quantity": i.quantity, "barcode": i.barcode} for i in items]


def order_from_dict(d: Mapping[str, Any], i: int, rd: JsonReader) -> Order:
    """One order of a problem document (already schema-checked); bad times collect in ``rd``."""
    ref = d.get("external_ref", "")
    oid = d.get("id") or derived_id("ord", ref)
    depot_id = rd.resolve(d["depot_id"], rd.depots) if d.get("depot_id") else None
    tz, loc = rd.tz(depot_id), ("orders", i)
    alternatives = tuple(
        Place(
            latlng(p["location"]),
            p.get("address", ""),
            p.get("label", ""),
            _windows(rd, p.get("time_windows"), tz, (*loc, "alternatives", k, "time_windows"), oid),
        )
        for k, p in enumerate(d.get("alternatives", ()))
    )
    contact = d.get("contact", {})
    return Order(
        id=oid,
        external_ref=ref,
        kind=OrderKind(d.get("kind", OrderKind.DELIVERY.value)),
        location=latlng(d["location"]),
        address=d.get("address", ""),
        contact=Contact(
            contact.get("name", ""), contact.get("phone", ""), contact.get("email", ""), contact.get("language", "")
        ),
        time_windows=_windows(rd, d.get("time_windows"), tz, (*loc, "time_windows"), oid),
        service_s=d.get("service_s", 0),
        size=dict(d.get("size", {})),
        collect=dict(d.get("collect", {})),
        skills=frozenset(d.get("skills", ())),
        priority=Priority(d.get("priority", Priority.NORMAL.value)),
        value_cents=d.get("value_cents", 0),
        alternatives=alternatives,
        instructions=d.get("instructions", ""),
        release_at=rd.maybe_when(d.get("release_at"), tz, (*loc, "release_at"), oid),
        depot_id=depot_id,
        pickup=_pickup(rd, d.get("pickup"), tz, (*loc, "pickup"), oid),
        tags=tuple(d.get("tags", ())),
        items=items_from_list(d.get("items")),
        pickup_point_id=d.get("pickup_point_id") or None,
        handover_s=d.get("handover_s", 0),
        geocoded=Geocoded(d["geocoded"]["precision"], d["geocoded"].get("label", "")) if d.get("geocoded") else None,
    )


def matrices_from_dict(d: Mapping[str, Any] | None) -> ExplicitMatrices | None:
    """Explicit matrices: ``points`` (row i's location) and matrices keyed by profile (``"*"``: any)."""
    if d is None:
        return None
    return ExplicitMatrices(
        points=tuple(latlng(p) for p in d["points"]),
        durations={k: [list(r) for r in m] for k, m in d["durations"].items()},
        distances={k: [list(r) for r in m] for k, m in d.get("distances", {}).items()},
        synthetic_points=d.get("synthetic_points", False),
    )


def transfer_from_dict(d: Mapping[str, Any], i: int, rd: JsonReader) -> Transfer:
    """One inbound transfer (a trunk run): ``arrival`` ISO-8601 with offset or ``HH:MM`` local to its depot."""
    depot_id = rd.resolve(d["depot_id"], rd.depots)
    tid = d.get("id") or derived_id("trf", f"{depot_id} {d.get('reference', '')} {d['arrival']} {i}")
    return Transfer(
        id=tid,
        depot_id=depot_id,
        arrival=rd.when(d["arrival"], rd.tz(depot_id), ("transfers", i, "arrival"), tid),
        sorting_s=d.get("sorting_s", 0),
        orders=tuple(d.get("orders", ())),
        origin=d.get("origin", ""),
        reference=d.get("reference", ""),
    )


def transfer_to_dict(t: Transfer) -> dict[str, Any]:
    """An inbound transfer as its document object."""
    return {"id": t.id, "depot_id": t.depot_id, "arrival": t.arrival.isoformat(), "sorting_s": t.sorting_s,
            "orders": list(t.orders), "origin": t.origin, "reference": t.reference}  # fmt: skip


def kept_loading_from_dict(d: Mapping[str, Any], i: int, rd: JsonReader) -> KeptLoading:
    """One dock a kept route already takes: ``start`` and ``end`` ISO-8601 with offset or ``HH:MM`` local to its
    depot (domain/kept_loadings.py)."""
    depot_id = rd.resolve(d["depot_id"], rd.depots)
    rid = d.get("route_id", "")
    tz = rd.tz(depot_id)
    return KeptLoading(
        depot_id=depot_id,
        start=rd.when(d["start"], tz, ("kept_loadings", i, "start"), rid or None),
        end=rd.when(d["end"], tz, ("kept_loadings", i, "end"), rid or None),
        dock=d.get("dock"),
        route_id=rid,
    )


def kept_loading_to_dict(k: KeptLoading) -> dict[str, Any]:
    """A kept loading as its document object (``dock`` only when it names one)."""
    return {"depot_id": k.depot_id, "start": k.start.isoformat(), "end": k.end.isoformat(), "route_id": k.route_id,
            **({"dock": k.dock} if k.dock is not None else {})}  # fmt: skip


def parse_problem(
    data: Any, *, plan_date: date | None = None, fleet: Fleet | None = None, trusted: bool = False
) -> Problem:
    """A Problem from a problem document; ``fleet`` (a separate fleet file) replaces the document's own.

    Raises DoorstepError listing every schema violation (E1006), or else every bad value. ``trusted`` skips the
    JSON Schema pass for documents Doorstep wrote itself (stored plans): values are still checked.
    """
    if not trusted:
        raise_if_errors(schema_issues(data, "doorstep-problem.schema.json"))
    day = plan_date_of(data, plan_date, data.get("depots", ()))
    rd = JsonReader(day)
    own = fleet_parts(data, rd)
    if fleet is not None:
        rd.depots = {d.id: d for d in fleet.depots}
    orders = [order_from_dict(o, i, rd) for i, o in enumerate(data["orders"])]
    use = fleet or own
    types = _types(data, use)
    zones = zones_from_list(data.get("zones"), rd.issues, lambda ref: types.get(ref, ref))
    rd.issues.extend(unknown_zone_types(zones, set(types.values())))
    transfers = tuple(transfer_from_dict(t, i, rd) for i, t in enumerate(data.get("transfers", ())))
    kept = tuple(kept_loading_from_dict(k, i, rd) for i, k in enumerate(data.get("kept_loadings", ())))
    raise_if_errors(rd.issues)
    return Problem(
        depots=use.depots,
        vehicles=use.vehicles,
        drivers=use.drivers,
        orders=tuple(orders),
        matrices=matrices_from_dict(data.get("matrices")),
        name=data.get("name", ""),
        zones=zones,
        transfers=transfers,
        kept_loadings=kept,
    )


def _types(data: Mapping[str, Any], fleet: Fleet) -> dict[str, str]:
    """Every vehicle type the document or fleet knows, by id and by name -> its id (zones name them)."""
    out = {v.type.id: v.type.id for v in fleet.vehicles} | {v.type.name: v.type.id for v in fleet.vehicles}
    for t in data.get("vehicle_types", ()):
        tid = t.get("id") or derived_id("vty", t["name"])
        out.setdefault(tid, tid)
        out.setdefault(t["name"], tid)
    return out


def problem_from_dict(data: Any, *, plan_date: date | None = None, trusted: bool = False) -> Problem:
    """A Problem from a problem document (see ``parse_problem``); semantics: ``validate_problem``."""
    return parse_problem(data, plan_date=plan_date, trusted=trusted)


def _when(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _windows_list(windows: tuple[TimeWindow, ...]) -> list[dict[str, str]]:
    return [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in windows]


def _contact_dict(c: Contact) -> dict[str, str]:
    out = {"name": c.name, "phone": c.phone, "email": c.email}
    return out | {"language": c.language} if c.language else out  # written when set: older documents stay the same


def order_to_dict(o: Order) -> dict[str, Any]:
    """An order as its document object."""
    pickup = o.pickup
    return {
        "id": o.id,
        "external_ref": o.external_ref,
        "kind": o.kind.value,
        "location": latlng_dict(o.location),
        "address": o.address,
        "contact": _contact_dict(o.contact),
        "time_windows": _windows_list(o.time_windows),
        "service_s": o.service_s,
        "size": dict(o.size),
        "collect": dict(o.collect),
        "skills": sorted(o.skills),
        "priority": o.priority.value,
        "value_cents": o.value_cents,
        "alternatives": [
            {
                "location": latlng_dict(p.location),
                "address": p.address,
                "label": p.label,
                "time_windows": _windows_list(p.time_windows),
            }
            for p in o.alternatives
        ],
        "instructions": o.instructions,
        "release_at": _when(o.release_at),
        "depot_id": o.depot_id,
        "pickup": None
        if pickup is None
        else {
            "location": latlng_dict(pickup.location),
            "address": pickup.address,
            "time_windows": _windows_list(pickup.time_windows),
            "service_s": pickup.service_s,
        },
        "tags": list(o.tags),
        "items": items_to_list(o.items),
        **({"pickup_point_id": o.pickup_point_id} if o.pickup_point_id else {}),
        **({"handover_s": o.handover_s} if o.handover_s else {}),
        **({"geocoded": {"precision": o.geocoded.precision, "label": o.geocoded.label}} if o.geocoded else {}),
    }


def matrices_to_dict(m: ExplicitMatrices | None) -> dict[str, Any] | None:
    """Explicit matrices as their document object."""
    if m is None:
        return None
    return {
        "points": [latlng_dict(p) for p in m.points],
        "durations": {k: [list(r) for r in v] for k, v in m.durations.items()},
        "distances": {k: [list(r) for r in v] for k, v in m.distances.items()},
        "synthetic_points": m.synthetic_points,
    }


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """A problem document that ``problem_from_dict`` reads back to an equal Problem."""
    fleet = Fleet(depots=problem.depots, vehicles=problem.vehicles, drivers=problem.drivers)
    return {
        "doorstep": PROBLEM_VERSION,
        "name": problem.name,
        **fleet_fields(fleet),
        "orders": [order_to_dict(o) for o in problem.orders],
        "matrices": matrices_to_dict(problem.matrices),
        **({"zones": [zone_to_dict(z) for z in problem.zones]} if problem.zones else {}),
        **({"transfers": [transfer_to_dict(t) for t in problem.transfers]} if problem.transfers else {}),
        **({"kept_loadings": [kept_loading_to_dict(k) for k in kept]} if (kept := problem.kept_loadings) else {}),
    }
