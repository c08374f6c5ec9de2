"""A first solution for large days: the orders swept around their depot into vehicle-sized clusters, each
sequenced in time order.

PyVRP's search starts a model with optional clients (breaks) from no route at all, so its first local search
inserts every order where it is cheapest and ignores capacity and windows until the penalties bite: on a
2,000-order day with two-hour windows that start carried 26 hours of lateness and 70 parcels too many, and
6 s of search did not make it feasible. This construction respects what is easy to respect up front — each
vehicle's capacity in every dimension, a rough estimate of its shift, its skills — and orders each cluster by a
time-oriented nearest neighbour (Solomon's TONN: travel, waiting and urgency), so the search starts close to
feasible. Shipments, breaks and whatever does not fit are left for the search to insert.

Pure numpy and the numeric model: no solver types (``pyvrp_search.from_specs`` turns the answer into a
solution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from doorstep.optimize.model import IntMatrix, SolverModel, Visit

MIN_CLIENTS = 300  # below this the search's own start is as good (and the construction not worth its set-up)
SHIFT_SHARE = 0.85  # of a vehicle's shift a cluster's estimated work may fill (the break and detours need room)
URGENCY_WEIGHT = 0.3  # Solomon's delta-3: how much a closing window pulls a stop forward
URGENCY_CAP_S = 4 * 3600  # an open window is no more urgent than one closing in four hours

CLIENT = 1  # PyVRP's ActivityType.CLIENT (route specs carry plain ints across the solver boundary)


@dataclass(slots=True)
class _Unit:
    """One order to place: its solver clients (alternatives of a group: one is chosen) at one location."""

    clients: list[int]
    loc: int
    delivery: np.ndarray
    pickup: np.ndarray
    service: int
    angle: float = 0.0


def _units(model: SolverModel) -> list[_Unit]:
    """The orders of the model as units (breaks and shipments are left to the search)."""
    groups: dict[int, list[int]] = {}
    singles: list[list[int]] = []
    for ci, c in enumerate(model.clients):
        if c.kind is not Visit.ORDER:
            continue
        if c.group is None:
            singles.append([ci])
        else:
            groups.setdefault(c.group, []).append(ci)
    out = []
    for members in [*singles, *groups.values()]:
        c = model.clients[members[0]]
        out.append(_Unit(members, c.loc, np.asarray(c.delivery), np.asarray(c.pickup), c.service))
    return out


def _angles(model: SolverModel, units: list[_Unit], depot_loc: int) -> None:
    """Each unit's bearing from the depot (radians), on an equirectangular projection."""
    centre = model.points[depot_loc]
    for u in units:
        p = model.points[u.loc]
        if centre is None or p is None:
            u.angle = 0.0
            continue
        dx = (p.lng - centre.lng) * math.cos(math.radians(centre.lat))
        u.angle = math.atan2(p.lat - centre.lat, dx)


def _sweep_order(units: list[_Unit]) -> list[_Unit]:
    """Units by bearing, starting after the widest empty sector (so no cluster straddles the busiest one)."""
    ordered = sorted(units, key=lambda u: u.angle)
    if len(ordered) < 2:
        return ordered
    gaps = [(ordered[(i + 1) % len(ordered)].angle - ordered[i].angle) % (2 * math.pi) for i in range(len(ordered))]
    start = (int(np.argmax(gaps)) + 1) % len(ordered)
    return ordered[start:] + ordered[:start]


def _real(model: SolverModel, speed: str) -> IntMatrix:
    return model.real_durations[speed]


def _may(model: SolverModel, vt_index: int, loc: int) -> bool:
    """Whether the vehicle type's profile allows visiting ``loc`` (skills and depots forbid columns there)."""
    vt = model.vehicle_types[vt_index]
    dep = model.depots[vt.start_depot].loc
    return bool(model.profiles[vt.profile].durations[dep, loc] <= _real(model, vt.speed)[dep, loc])


def _clusters(model: SolverModel, units: list[_Unit], vehicles: list[int]) -> tuple[list[list[_Unit]], list[_Unit]]:
    """Fill the vehicles (type indices, one entry per vehicle) in sweep order; return the clusters and the units
    no vehicle took."""
    dims = len(model.dims)
    real_dims = [d for d in range(dims) if d not in model.break_dims and d != model.stops_dim]
    pending = list(units)
    clusters: list[list[_Unit]] = []
    for vti in vehicles:
        if not pending:
            break
        vt = model.vehicle_types[vti]
        cap = np.asarray(vt.capacity)[real_dims]
        dur = _real(model, vt.speed)
        dep = model.depots[vt.start_depot].loc
        shift = min(vt.tw_late - vt.tw_early, vt.shift_duration) * SHIFT_SHARE
        load_d, load_p, work = np.zeros(len(real_dims)), np.zeros(len(real_dims)), 0.0
        taken: list[_Unit] = []
        rest: list[_Unit] = []
        last = dep
        for i, u in enumerate(pending):
            if not _may(model, vti, u.loc):  # a skill it lacks: the unit waits for the next vehicle
                rest.append(u)
                continue
            d, p = u.delivery[real_dims], u.pickup[real_dims]
            step = float(dur[last, u.loc]) + u.service
            back = float(dur[u.loc, dep])
            fits = np.all(load_d + d <= cap) and np.all(load_p + p <= cap) and work + step + back <= shift
            if taken and not fits:  # full: the rest of the sweep goes on with the next vehicle
                rest.extend(pending[i:])
                break
            taken.append(u)
            load_d, load_p, work, last = load_d + d, load_p + p, work + step, u.loc
        clusters.append(taken)
        pending = rest
    return clusters, pending


def _sequence(model: SolverModel, vti: int, cluster: list[_Unit]) -> list[int]:
    """Solomon's time-oriented nearest neighbour over the cluster: the next stop minimises travel plus waiting
    plus a share of the time left in its window; a stop no longer reachable in its window goes last."""
    vt = model.vehicle_types[vti]
    dur = _real(model, vt.speed)
    here, t = model.depots[vt.start_depot].loc, float(vt.tw_early)
    left = list(cluster)
    out: list[int] = []
    while left:
        best: tuple[float, int, int] | None = None  # (score, unit position, client)
        for pos, u in enumerate(left):
            for ci in u.clients:
                c = model.clients[ci]
                arrive = t + float(dur[here, c.loc])
                if arrive > c.tw_late:
                    continue
                start = max(arrive, float(c.tw_early))
                score = (start - t) + URGENCY_WEIGHT * min(c.tw_late - start, URGENCY_CAP_S)
                if best is None or score < best[0]:
                    best = (score, pos, ci)
        if best is None:  # every remaining stop is late already: the earliest deadline first
            pos = min(range(len(left)), key=lambda i: min(model.clients[ci].tw_late for ci in left[i].clients))
            ci = min(left[pos].clients, key=lambda k: model.clients[k].tw_late)
            best = (0.0, pos, ci)
        _, pos, ci = best
        c = model.clients[ci]
        t = max(t + float(dur[here, c.loc]), float(c.tw_early)) + c.service
        here = c.loc
        out.append(ci)
        left.pop(pos)
    return out


def _optional(model: SolverModel) -> bool:
    """Whether the search may leave a client out (breaks, prizes): only then does PyVRP start from no route."""
    return any(not c.required for c in model.clients) or any(not s.required for s in model.shipments)


def sweep_routes(model: SolverModel) -> list[tuple[int, list[tuple[int, int]]]] | None:
    """Route specs (vehicle type, [(activity type, client), ...]) for a first solution, or None when the model
    is small (the search's own start is as good there) or has nothing optional: there the search starts from
    PyVRP's own random start, so that on the models PyVRP is tuned on (Gehring–Homberger) it is PyVRP's."""
    units = _units(model)
    if len(units) < MIN_CLIENTS or not model.vehicle_types or not _optional(model):
        return None
    by_depot: dict[int, list[int]] = {}
    for vti, vt in enumerate(model.vehicle_types):
        by_depot.setdefault(vt.start_depot, []).extend([vti] * len(vt.vehicles))
    depot_locs = {d: model.depots[d].loc for d in by_depot}
    speed = model.vehicle_types[0].speed
    dur = _real(model, speed)
    share: dict[int, list[_Unit]] = {d: [] for d in by_depot}
    for u in units:  # each order to the depot nearest it (there and back)
        d = min(depot_locs, key=lambda k: int(dur[depot_locs[k], u.loc]) + int(dur[u.loc, depot_locs[k]]))
        share[d].append(u)
    specs: list[tuple[int, list[tuple[int, int]]]] = []
    for d, vehicles in by_depot.items():
        _angles(model, share[d], depot_locs[d])
        clusters, _ = _clusters(model, _sweep_order(share[d]), vehicles)
        for vti, cluster in zip(vehicles, clusters, strict=False):
            if cluster:
                specs.append((vti, [(CLIENT, ci) for ci in _sequence(model, vti, cluster)]))
    return specs
