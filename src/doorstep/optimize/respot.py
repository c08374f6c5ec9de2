"""Breaks re-spotted where the driver takes them, for a last stretch of search on a truer model.

During the search a break is a client at a sampled break place (``breaks.py``): the solver drives i -> place -> j
around it, while the exact schedule takes the break where the driver is (``schedule.py``). That keeps the
solver's view never later than the real one, but it also makes the solver pay, and steer around, a detour that
nobody drives: on the small last-mile days the plans drove 0.976 of VROOM's travel with lunch breaks and 0.951
without them (docs/benchmarks.md, "What the lunch breaks cost").

Once the search has settled, each used break client is moved to the address of the stop it follows (its
*host*), so the detour it costs is the true one: none where it is. The model is otherwise the same (same clients,
same indices), so the search continues from its best routes. The search then sees every route's real travel and
its total can only fall: respotting the best routes costs exactly their detour-free travel, and whatever the
search finds from there is never dearer once respotted again (a break at any address costs at least as much as
at its host, by the triangle inequality). A host pulled away by a later move leaves its break behind, anchoring
it there (moving it costs the detour back), which is why the search is re-spotted in a few short rounds.

Where these rounds run, the search before them runs without the breaks and the rounds start from its routes
with the breaks fitted in (``break_fit.py``).

The fleet is capped at the vans the routes already use: re-spotting trades only travel, never a van (an earlier
try that re-spotted between phases opened one more van on 3 of 20 days).
"""

from __future__ import annotations

from dataclasses import replace

from doorstep.optimize.model import SolverModel, Visit
from doorstep.optimize.pyvrp_adapter import SolvedActivity, SolvedRoute


def _is_break(model: SolverModel, a: SolvedActivity) -> bool:
    return a.kind == "client" and model.clients[a.idx].kind is Visit.BREAK


def _loc(model: SolverModel, a: SolvedActivity) -> int | None:
    """Where an order's activity is (None for depots and breaks)."""
    if a.kind == "client":
        c = model.clients[a.idx]
        return None if c.kind is Visit.BREAK else c.loc
    if a.kind == "pickup":
        return model.shipments[a.idx].p_loc
    if a.kind == "delivery":
        return model.shipments[a.idx].d_loc
    return None


def hosts(model: SolverModel, routes: list[SolvedRoute]) -> dict[int, int]:
    """Break client -> the location where its route takes it: the stop before it, else the stop after it.
    A route with no order (its break alone) keeps its break where it is."""
    out: dict[int, int] = {}
    for r in routes:
        acts = r.activities
        for pos, a in enumerate(acts):
            if not _is_break(model, a):
                continue
            before = next((loc for b in reversed(acts[:pos]) if (loc := _loc(model, b)) is not None), None)
            after = next((loc for b in acts[pos + 1 :] if (loc := _loc(model, b)) is not None), None)
            host = before if before is not None else after
            if host is not None:
                out[a.idx] = host
    return out


def respotted(model: SolverModel, routes: list[SolvedRoute]) -> SolverModel:
    """``model`` with the routes' breaks at their hosts and each vehicle type capped at the routes using it.

    PyVRP needs at least one vehicle per type: a type no route uses keeps one, with a shift of zero seconds, so
    no route of it is ever feasible."""
    at = hosts(model, routes)
    clients = [replace(c, loc=at[i]) if i in at else c for i, c in enumerate(model.clients)]
    used = [0] * len(model.vehicle_types)
    for r in routes:
        used[r.vehicle_type] += 1
    types = [
        replace(vt, vehicles=vt.vehicles[: used[t]])
        if used[t] > 0
        else replace(vt, vehicles=vt.vehicles[:1], shift_duration=0)
        for t, vt in enumerate(model.vehicle_types)
    ]
    return replace(model, clients=clients, vehicle_types=types)
