"""Electric vans: charging between trips and the distance one charge allows (range less reserve).

A vehicle type with a range may return to its start depot between trips to charge (and load while there). The
return is one of PyVRP's reloads, at a *charging copy* of the depot whose service time is the depot's loading time
plus the type's charging time (``charge_s``), so the search and the exact schedule both count the charge.

PyVRP 0.14 checks ``max_distance`` over the whole route, not per trip (measured: a route 0-1-0-2-0 of two 20 m
trips under a 25 m limit has 15 m excess distance). So the per-trip limit is enforced after the search: each trip
longer than the limit gets a charge stop where the part driven so far still fits (``add_charge_stops``), the route
is re-timed exactly with the charging time, and the independent checker verifies every trip (``RANGE``); a route
that then cannot keep its windows loses orders in the repair like any other. When the vehicle's reloads are
bounded (``max_reloads``), the whole route is bounded too (trips x limit), which PyVRP does check exactly.
"""

from __future__ import annotations

from doorstep.domain.fleet import Vehicle
from doorstep.domain.problem import Problem
from doorstep.optimize.model import MDepot, SolverModel
from doorstep.optimize.schedule import Element, _loc


def charging_depots(problem: Problem, model: SolverModel) -> dict[tuple[str, int], int]:
    """Append a charging copy of each start depot an electric type with a charging time leaves from; returns
    (depot id, charge seconds) -> where such a van reloads: the copy's index in ``model.depots`` (the depot itself
    without a charging time)."""
    out: dict[tuple[str, int], int] = {}
    index = {d.depot_id: i for i, d in enumerate(model.depots) if not d.charge_s}
    for v in problem.vehicles:
        key = (v.start_depot_id, v.type.charge_s)
        if v.type.range_m is None or key in out:
            continue
        if v.type.charge_s <= 0:
            out[key] = index[v.start_depot_id]
            continue
        base = model.depots[index[v.start_depot_id]]
        out[key] = len(model.depots)
        model.depots.append(
            MDepot(
                base.depot_id, base.loc, base.tw_early, base.tw_late, base.service + v.type.charge_s, v.type.charge_s
            )
        )
    return out


def route_limit(v: Vehicle) -> int | None:
    """The route's distance bound PyVRP checks: the vehicle's ``max_distance_m`` and, for an electric van with
    bounded reloads, (reloads + 1) trips of range less reserve; None when unbounded."""
    limits = [v.max_distance_m] if v.max_distance_m is not None else []
    if v.type.trip_limit_m is not None and v.max_reloads is not None:
        limits.append(v.type.trip_limit_m * (1 + v.max_reloads))
    return min(limits) if limits else None


def add_charge_stops(model: SolverModel, vt: int, seq: list[Element], max_reloads: int | None = None) -> list[Element]:
    """``seq`` with a charge stop inserted wherever a trip would drive further than the vehicle type's trip limit:
    each trip is driven as far as it can while still getting back to the depot within the limit, then charges.
    Unchanged without a limit; a stop that alone is out of reach stays (the checker reports it, the repair takes
    it off). At most ``max_reloads`` returns in all."""
    mvt = model.vehicle_types[vt]
    if mvt.trip_limit is None or mvt.charge_depot is None:
        return seq
    limit, charger = mvt.trip_limit, mvt.charge_depot
    home = model.depots[charger].loc
    returns = sum(1 for k, _ in seq[1:-1] if k == "depot")
    out: list[Element] = [seq[0]]
    driven, here, carried = 0, home, 0  # metres on this trip, last real location, stops on it
    dist = model.real_distances[mvt.speed]
    for el in seq[1:]:
        loc = _loc(model, el)
        if el[0] == "depot":
            out.append(el)
            driven, here, carried = 0, home, 0
            continue
        if loc is None:  # a break, taken where the driver is
            out.append(el)
            continue
        nxt_back = int(dist[loc, home])
        step = int(dist[here, loc])
        over = driven + step + nxt_back > limit
        allowed = max_reloads is None or returns < max_reloads
        if over and carried and allowed:
            out.append(("depot", charger))
            returns += 1
            driven, here, carried = 0, home, 0
            step = int(dist[here, loc])
        out.append(el)
        driven += step
        here = loc
        carried += 1
    return out
