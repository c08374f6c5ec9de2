"""plan.json: a plan together with the problem and options that made it, so `doorstep check` can re-verify it.

Times are ISO-8601 with the offset of the route's depot time zone; locations are ``{"lat", "lng"}`` objects.
Reading accepts hand-edited files: times, locations and most numbers may be missing (the checker recomputes
them); anything malformed is an E1120 issue naming its path, all reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any, Protocol

from doorstep.domain import emissions
from doorstep.domain.carrier_types import CarrierOffer
from doorstep.domain.depots import DepotLoad, depot_loads
from doorstep.domain.errors import Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan, PlanStats, Route, ScheduledStop, Unassigned
from doorstep.domain.problem import Problem
from doorstep.formats.doorstep_json import problem_to_dict
from doorstep.formats.plan_common import depot_zone, iso_local, route_zone
from doorstep.formats.plan_reader import plan_from_dict

PLAN_FORMAT = "plan/1"

__all__ = ["PLAN_FORMAT", "SupportsToDict", "plan_from_dict", "plan_to_dict"]


class SupportsToDict(Protocol):
    """Solver options (``SolveOptions``) as formats sees them: formats may not import the optimizer."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        ...


def latlng_dict(p: LatLng) -> dict[str, float]:
    """A position as ``{"lat", "lng"}`` (never a bare pair, whose order is ambiguous)."""
    return {"lat": p.lat, "lng": p.lng}


def stop_to_dict(stop: ScheduledStop, tz: tzinfo) -> dict[str, Any]:
    """One scheduled stop with local ISO times."""
    return {
        "type": stop.type.value,
        "order_id": stop.order_id,
        "external_ref": stop.external_ref,
        "address": stop.address,
        "place_label": stop.place_label,
        "location": latlng_dict(stop.location),
        "arrival": iso_local(stop.arrival, tz),
        "start": iso_local(stop.start, tz),
        "departure": iso_local(stop.departure, tz),
        "window_start": iso_local(stop.window_start, tz),
        "window_end": iso_local(stop.window_end, tz),
        "waiting_s": stop.waiting_s,
        "service_s": stop.service_s,
        "load_after": dict(stop.load_after),
        "travel_s": stop.travel_s,
        "travel_m": stop.travel_m,
        "distance_so_far_m": stop.distance_so_far_m,
        "duration_so_far_s": stop.duration_so_far_s,
        "depot_id": stop.depot_id,
        **({"dock": stop.dock} if stop.dock is not None else {}),  # a start or reload at a depot with docks
    }


def route_to_dict(route: Route, tz: tzinfo) -> dict[str, Any]:
    """One route: its totals, then its stops in order."""
    return {
        "id": route.id,
        "vehicle_id": route.vehicle_id,
        "vehicle_name": route.vehicle_name,
        "start_depot_id": route.start_depot_id,
        "distance_m": route.distance_m,
        "duration_s": route.duration_s,
        "driving_s": route.driving_s,
        "waiting_s": route.waiting_s,
        "service_s": route.service_s,
        "cost_cents": route.cost_cents,
        "trips": route.trips,
        "co2_kg": emissions.g_to_kg(route.co2_g),
        "stops": [stop_to_dict(s, tz) for s in route.stops],
    }


def unassigned_to_dict(u: Unassigned) -> dict[str, Any]:
    """An unassigned order with its reason code and suggested action."""
    return {
        "order_id": u.order_id,
        "external_ref": u.external_ref,
        "reason": u.reason.value,
        "message": u.message,
        "action": u.action,
    }


def depot_load_to_dict(x: DepotLoad) -> dict[str, Any]:
    """What a plan asks of a depot: parcels out and back in against its capacity, vans loading at once against its
    docks (None: no limit)."""
    return {"depot_id": x.depot_id, "parcels": x.parcels, "capacity_parcels_per_day": x.capacity,
            "loading_peak": x.loading_peak, "docks": x.docks}  # fmt: skip


def carrier_offer_to_dict(offer: CarrierOffer, currency: str) -> dict[str, Any]:
    """A plan's offer of an order to a partner carrier (``status`` open until a dispatcher or the policy confirms
    it: booking, then booked or not_booked)."""
    return {
        "order_id": offer.order_id, "external_ref": offer.external_ref, "carrier_id": offer.carrier_id,
        "carrier_name": offer.carrier_name, "price_cents": offer.price_cents, "saving_cents": offer.saving_cents,
        "route_cost_cents": offer.route_cost_cents, "currency": currency, "reason": offer.reason,
        "route_id": offer.route_id, "together": [o for o in offer.together if o != offer.order_id],
        "status": "open", "booking_id": None, "error": None,
    }  # fmt: skip


def stats_to_dict(stats: PlanStats) -> dict[str, Any]:
    """Plan totals and how the plan was made (CO2 in kg, ``co2_kg``)."""
    out = {name: getattr(stats, name) for name in PlanStats.__dataclass_fields__}
    out["co2_kg"] = emissions.g_to_kg(out.pop("co2_g"))
    return out


def _options_dict(options: SupportsToDict | Mapping[str, Any] | None) -> dict[str, Any]:
    if options is None:
        return {}
    if isinstance(options, Mapping):
        return dict(options)
    return options.to_dict()


def plan_body(plan: Plan, problem: Problem) -> dict[str, Any]:
    """The ``plan`` object of plan.json (also used for the CLI's ``--json`` output); ``depots`` when a depot has a
    daily capacity or docks."""
    loads = depot_loads(problem, plan)
    return {
        "id": plan.id,
        "created_at": iso_local(plan.created_at, depot_zone(problem)),
        "stats": stats_to_dict(plan.stats),
        "routes": [route_to_dict(r, route_zone(problem, r)) for r in plan.routes],
        "unassigned": [unassigned_to_dict(u) for u in plan.unassigned],
        "warnings": [_issue_dict(w) for w in plan.warnings],
        "progress": [[round(t, 3), obj] for t, obj in plan.progress],
        **({"depots": [depot_load_to_dict(x) for x in loads]} if loads else {}),
    }


def _issue_dict(issue: Issue) -> dict[str, Any]:
    out = issue.to_dict()
    out.setdefault("id", None)
    return out


def plan_to_dict(
    plan: Plan, problem: Problem, options: SupportsToDict | Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The whole plan.json document: plan, the problem it answers and the options that produced it."""
    return {
        "doorstep": PLAN_FORMAT,
        "plan": plan_body(plan, problem),
        "problem": problem_to_dict(problem),
        "options": _options_dict(options),
    }
