"""Domain Problem -> numeric SolverModel: clients, groups, shipments, depots, pooled vehicle types, profiles."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from doorstep.domain.orders import OrderKind, Priority
from doorstep.domain.problem import Problem
from doorstep.optimize import eligibility
from doorstep.optimize.breaks import BREAK_UNITS
from doorstep.optimize.charging import charging_depots
from doorstep.optimize.costs import Prizes, coefficients, prizes
from doorstep.optimize.geometry import Geometry
from doorstep.optimize.model import MClient, MDepot, MGroup, MShipment, SolverModel, Visit
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.optimize.places import order_places, windows_in_seconds
from doorstep.optimize.profiles import build_profiles
from doorstep.optimize.scaling import UNBOUNDED, seconds_since
from doorstep.optimize.vehicle_types import build_vehicle_types

_SERVE_ALL = (Priority.NORMAL, Priority.HIGH)


def _depots(problem: Problem, geo: Geometry) -> list[MDepot]:
    out = []
    for d in problem.depots:
        opens, closes = d.hours_on(d.local_day(min(v.shift_start for v in problem.vehicles)))
        early = seconds_since(geo.t0, opens) if opens else 0
        late = seconds_since(geo.t0, closes) if closes else UNBOUNDED
        out.append(MDepot(d.id, geo.depot_loc[d.id], early, late, d.loading_s))
    if geo.end_loc is not None:
        out.append(MDepot(None, geo.end_loc, 0, UNBOUNDED, 0))  # virtual end of open routes
    return out


def _amounts(dims: list[str], amounts: dict[str, int]) -> list[int]:
    return [amounts.get(d, 0) for d in dims]


def _order_clients(
    problem: Problem,
    geo: Geometry,
    oi: int,
    dims: list[str],
    prizes: tuple[int, int],
    required: bool,
    model: SolverModel,
) -> None:
    """One client per (place, window); several become a mutually exclusive group."""
    o = problem.orders[oi]
    delivery = _amounts(dims, o.size) if o.kind is OrderKind.DELIVERY else [0] * len(dims)
    pickup = _amounts(dims, o.size) if o.is_pickup_like else [0] * len(dims)
    pickup = [a + b for a, b in zip(pickup, _amounts(dims, o.collect), strict=True)]
    if model.stops_dim is not None:
        delivery[model.stops_dim] = 1
    release = seconds_since(geo.t0, o.release_at) if o.release_at and o.kind is OrderKind.DELIVERY else 0
    # A window that closes before the goods are ready can never be used (and PyVRP rejects it).
    options = [(p, w) for p in order_places(o, oi, geo) for w in range(len(p.windows)) if p.windows[w][1] >= release]
    group = None
    if len(options) > 1:
        group = len(model.groups)
        model.groups.append(MGroup([], required=required))
    for place, w in options:
        early, late = place.windows[w]
        if group is not None:
            model.groups[group].clients.append(len(model.clients))
        model.clients.append(
            MClient(
                Visit.ORDER,
                place.loc,
                delivery,
                pickup,
                o.service_s,
                early,
                late,
                release,
                prize=prizes[0],
                required=required and group is None,
                group=group,
                order=oi,
                place=place.place,
                window=w if (place.place or o.time_windows) else -1,
                alt_prize=prizes[1],
            )
        )


def _shipment(
    problem: Problem,
    geo: Geometry,
    oi: int,
    dims: list[str],
    prizes: tuple[int, int],
    required: bool,
    model: SolverModel,
) -> None:
    o = problem.orders[oi]
    assert o.pickup is not None
    p_tw, d_tw = _window_pair(problem, geo, oi)
    model.shipments.append(
        MShipment(
            oi,
            geo.pickup_loc[oi],
            geo.order_locs[oi][0],
            p_tw,
            d_tw,
            o.pickup.service_s,
            o.service_s,
            _amounts(dims, o.size),
            prizes[0],
            required=required,
            alt_prize=prizes[1],
        )
    )


def _window_pair(problem: Problem, geo: Geometry, oi: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """A PyVRP shipment has one window per end: the earliest pickup/delivery pair that can be chained
    (delivery can still start after the pickup's earliest start, service and the fastest drive)."""
    o = problem.orders[oi]
    assert o.pickup is not None
    p_loc, d_loc = geo.pickup_loc[oi], geo.order_locs[oi][0]
    drive = min(int(m[p_loc, d_loc]) for m in geo.durations.values())
    pickups = windows_in_seconds(geo.t0, o.pickup.time_windows)
    drops = windows_in_seconds(geo.t0, o.time_windows)
    for pw in pickups:
        for dw in drops:
            if dw[1] >= pw[0] + o.pickup.service_s + drive:
                return pw, dw
    return pickups[0], max(drops, key=lambda w: w[1])


def _break_clients(
    problem: Problem,
    geo: Geometry,
    model: SolverModel,
    tiers: Prizes,
) -> None:
    """A pool of optional clients per break class at its break places; each delivers one unit of the class's
    dimension, so a route takes at most one, and is worth a normal order, which every vehicle holding the class
    pays back in its fixed cost: kept on every used vehicle, never a reason to use one (optimize/breaks.py)."""
    for k, members in enumerate(geo.breaks.members):
        vi, bi = members[0]
        b = problem.vehicles[vi].breaks[bi]
        early, late = seconds_since(geo.t0, b.start), seconds_since(geo.t0, b.end)
        amount = [0] * len(model.dims)
        amount[model.break_dims[k]] = BREAK_UNITS
        for n, loc in enumerate(geo.break_spots[k]):
            v, vb = members[n % len(members)]
            model.clients.append(
                MClient(
                    Visit.BREAK,
                    loc,
                    amount,
                    [0] * len(model.dims),
                    b.duration_s,
                    early,
                    late,
                    prize=tiers.brk,
                    required=False,
                    vehicle=v,
                    brk=vb,
                    brk_class=k,
                )
            )


def build_model(
    problem: Problem,
    geo: Geometry,
    options: SolveOptions,
    excluded: set[int],
    *,
    must_required: bool = True,
    serve_all: bool = False,
) -> SolverModel:
    """The numeric model for the solver; ``excluded`` orders (impossible alone) are left out.

    Orders with a prize may be left out by the solver; required ones (prize 0) may not. Must-serve orders are
    required unless ``must_required`` is off; with ``serve_all`` normal and high-priority orders are required
    too — PyVRP searches several times faster when it need not weigh leaving clients out, so the planner tries
    that model first on days that look servable (see planner.py)."""
    dims = problem.dimensions()
    use_stops = options.balance_max_stops is not None or any(v.max_stops is not None for v in problem.vehicles)
    first_break_dim = len(dims) + (1 if use_stops else 0)
    model = SolverModel(
        t0=geo.t0,
        points=geo.points,
        dims=dims + (["__stops"] if use_stops else []) + [f"__brk{k}" for k in range(len(geo.breaks))],
        depots=_depots(problem, geo),
        clients=[],
        groups=[],
        shipments=[],
        vehicle_types=[],
        profiles=[],
        real_durations=geo.durations,
        real_distances=geo.distances,
        stops_dim=len(dims) if use_stops else None,
        break_dims=[first_break_dim + k for k in range(len(geo.breaks))],
        break_class_of=dict(geo.breaks.of),
    )
    coeffs = [coefficients(v, options) for v in problem.vehicles]
    obj_dist = geo.durations if options.objective is Objective.DURATION else geo.distances
    horizon = max(
        1,
        max(seconds_since(geo.t0, v.shift_end) - seconds_since(geo.t0, v.shift_start) for v in problem.vehicles),
    )
    most_breaks = max((len(v.breaks) for v in problem.vehicles), default=0)
    tiers = prizes(
        coeffs, list(obj_dist.values()), list(geo.durations.values()), horizon, len(problem.orders), most_breaks
    )
    model.prize_normal = tiers.normal
    for oi, o in enumerate(problem.orders):
        if oi in excluded:
            continue
        required = (o.priority is Priority.MUST_SERVE and must_required) or (serve_all and o.priority in _SERVE_ALL)
        alt = tiers.for_order(o, options)
        pz = (0 if required else alt, alt)
        if o.kind is OrderKind.PAIRED:
            _shipment(problem, geo, oi, model.dims, pz, required, model)
        else:
            _order_clients(problem, geo, oi, model.dims, pz, required, model)
    _break_clients(problem, geo, model, tiers)
    profile_of = build_profiles(problem, geo, options, model, coeffs)
    chargers = charging_depots(problem, model)
    model.vehicle_types = build_vehicle_types(problem, geo, options, model, coeffs, profile_of, chargers)
    for vt in model.vehicle_types:  # a used vehicle pays its breaks' prizes back: see optimize/breaks.py
        vt.break_fixed = tiers.brk * sum(1 for d in model.break_dims if vt.capacity[d] > 0)
        vt.fixed_cost += vt.break_fixed
    return model


def order_clients(model: SolverModel) -> dict[int, list[int]]:
    """Order index -> its solver clients."""
    out: dict[int, list[int]] = defaultdict(list)
    for ci, c in enumerate(model.clients):
        if c.kind is Visit.ORDER:
            out[c.order].append(ci)
    return out


def allowed_orders(problem: Problem, vi: int) -> np.ndarray:
    """Mask over orders this vehicle may visit (skills and depot)."""
    v = problem.vehicles[vi]
    return np.array([eligibility.may_serve(v, o) for o in problem.orders], dtype=bool)


def with_prizes(model: SolverModel, problem: Problem, *, must_required: bool = True) -> SolverModel:
    """The prize model of a serve-all model: the same clients, vehicles and profiles (shared, not copied), with
    normal and high orders at their prize tier and must-serve orders required unless ``must_required`` is off.
    Building it this way costs nothing next to a second ``build_model`` (1.5 s on a 2,000-order day)."""

    def required(oi: int) -> bool:
        return must_required and problem.orders[oi].priority is Priority.MUST_SERVE

    clients = [
        replace(c, required=required(c.order) and c.group is None, prize=0 if required(c.order) else c.alt_prize)
        if c.kind is Visit.ORDER
        else c
        for c in model.clients
    ]
    groups = [replace(g, required=required(model.clients[g.clients[0]].order)) for g in model.groups]
    shipments = [
        replace(s, required=required(s.order), prize=0 if required(s.order) else s.alt_prize) for s in model.shipments
    ]
    return replace(model, clients=clients, groups=groups, shipments=shipments)
