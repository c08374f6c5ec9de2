"""Pool identical vehicles into solver vehicle types (one type per distinct set of limits and profile)."""

from __future__ import annotations

from doorstep.domain.problem import Problem
from doorstep.optimize.breaks import BREAK_UNITS
from doorstep.optimize.charging import route_limit
from doorstep.optimize.costs import Coefficients
from doorstep.optimize.geometry import Geometry
from doorstep.optimize.model import MVehicleType, SolverModel
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.scaling import UNBOUNDED
from doorstep.optimize.travel_keys import travel_key
from doorstep.optimize.vehicle_times import vehicle_window

CAPACITY_UNBOUNDED = 2**40


def _capacity(problem: Problem, vi: int, model: SolverModel, options: SolveOptions) -> list[int]:
    v = problem.vehicles[vi]
    cap = [v.type.capacity.get(d, CAPACITY_UNBOUNDED) for d in model.dims[: len(problem.dimensions())]]
    if model.stops_dim is not None:
        limits = [x for x in (v.max_stops, options.balance_max_stops) if x is not None]
        cap.append(min(limits) if limits else CAPACITY_UNBOUNDED)
    held = {k for (v, _), k in model.break_class_of.items() if v == vi}
    cap.extend(BREAK_UNITS if k in held else 0 for k in range(len(model.break_dims)))
    return cap


def build_vehicle_types(
    problem: Problem,
    geo: Geometry,
    options: SolveOptions,
    model: SolverModel,
    coeffs: list[Coefficients],
    profile_of: list[int],
    chargers: dict[tuple[str, int], int] | None = None,
) -> list[MVehicleType]:
    """Vehicles with identical solver attributes share one type with ``num_available`` > 1. An electric van
    (a type with a range) may always return to charge, at ``chargers[(depot, charge_s)]`` (optimize/charging.py)."""
    depot_index = {d.depot_id: i for i, d in enumerate(model.depots) if not d.charge_s}
    chargers = chargers or {}
    pooled: dict[tuple[object, ...], MVehicleType] = {}
    for vi, v in enumerate(problem.vehicles):
        w = vehicle_window(problem, v, geo.t0, options.balance_max_duration_s)
        start = depot_index[v.start_depot_id]
        charger = chargers.get((v.start_depot_id, v.type.charge_s)) if v.type.range_m is not None else None
        limit = route_limit(v)
        mt = MVehicleType(
            vehicles=[vi],
            capacity=_capacity(problem, vi, model, options),
            start_depot=start,
            end_depot=depot_index[None] if v.open_end else depot_index[v.end_depot],
            tw_early=w.early,
            tw_late=w.late,
            shift_duration=w.max_duration,
            max_distance=limit if limit is not None else UNBOUNDED,
            fixed_cost=coeffs[vi].fixed,
            unit_distance_cost=coeffs[vi].per_distance,
            unit_duration_cost=coeffs[vi].per_duration,
            profile=profile_of[vi],
            speed=travel_key(problem, v),
            reload_depots=[charger] if charger is not None else [start] if v.reloads else [],
            max_reloads=v.max_reloads,
            trip_limit=v.type.trip_limit_m,
            charge_depot=charger,
        )
        key = (
            tuple(mt.capacity),
            mt.start_depot,
            mt.end_depot,
            mt.tw_early,
            mt.tw_late,
            mt.shift_duration,
            mt.max_distance,
            mt.fixed_cost,
            mt.unit_distance_cost,
            mt.unit_duration_cost,
            mt.profile,
            tuple(mt.reload_depots),
            mt.max_reloads,
            mt.trip_limit,
        )
        if key in pooled:
            pooled[key].vehicles.append(vi)
        else:
            pooled[key] = mt
    return list(pooled.values())
