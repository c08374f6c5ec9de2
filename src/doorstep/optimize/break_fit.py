"""The first search without the breaks, then the breaks fitted into its routes where the driver can take them.

On a day with lunch breaks the search used to start on breaks at sampled break places (``breaks.py``): a
detour to a place nobody drives to, which the search steers around, and a structure the later rounds on
re-spotted breaks (``respot.py``) only partly undo. Planned without the breaks, the same small days drove some 3 %
less (docs/benchmarks.md, "What the lunch breaks cost"), and most such routes have room for a lunch break.

So, where the rounds on re-spotted breaks run (``planner.POLISH_SHARE``), the first search runs on
``breakless(model)``: the same clients (so its routes start the next search as they are), the breaks worth
nothing (the search leaves them out: each would cost a detour and earn nothing), the break prizes out of the
vehicles' fixed costs, and every shift shorter by the vehicle's breaks (the time the break will take). Then
``fitted`` puts each route's breaks where the exact schedule is on time, else least late, then shortest
(``schedule.place_breaks``); the rounds on re-spotted breaks start from those routes and repair any lateness
the breaks cause.
"""

from __future__ import annotations

from dataclasses import replace

from doorstep.optimize.model import SolverModel, Visit
from doorstep.optimize.pyvrp_adapter import SolvedActivity, SolvedRoute
from doorstep.optimize.scaling import UNBOUNDED
from doorstep.optimize.schedule import Element, place_breaks, time_route


def _class_durations(model: SolverModel) -> dict[int, int]:
    out: dict[int, int] = {}
    for c in model.clients:
        if c.kind is Visit.BREAK:
            out.setdefault(c.brk_class, c.service)
    return out


def breakless(model: SolverModel) -> SolverModel:
    """``model`` with its breaks worth nothing, no break prizes in the fixed costs, and each vehicle type's shift
    (its duration and its latest return) shorter by the breaks it holds. The search's objective is otherwise the
    model's; only what the progress reports add back per route differs (``break_fixed``)."""
    clients = [replace(c, prize=0) if c.kind is Visit.BREAK else c for c in model.clients]
    durations = _class_durations(model)
    types = []
    for vt in model.vehicle_types:
        held = sum(durations.get(k, 0) for k, d in enumerate(model.break_dims) if vt.capacity[d] > 0)
        shift = vt.shift_duration if vt.shift_duration >= UNBOUNDED else max(0, vt.shift_duration - held)
        late = vt.tw_late if vt.tw_late >= UNBOUNDED else max(vt.tw_early, vt.tw_late - held)
        # break_fixed, read only by the progress reports: negative here, the time of the breaks its routes will
        # pay once they take them, so the best cost shown does not jump up when the breaks are fitted in
        unpaid = -vt.unit_duration_cost * held
        fixed = vt.fixed_cost - vt.break_fixed
        types.append(replace(vt, fixed_cost=fixed, break_fixed=unpaid, shift_duration=shift, tw_late=late))
    return replace(model, clients=clients, vehicle_types=types)


def fitted(model: SolverModel, routes: list[SolvedRoute]) -> tuple[list[SolvedRoute], int]:
    """``routes`` (without breaks) with each route's breaks — one client of every break class its vehicle type
    holds — at the place ``schedule.place_breaks`` finds; and the routes' total lateness on the exact schedule
    (0: every route is on time with its breaks)."""
    pool: dict[int, list[int]] = {}
    used = {a.idx for r in routes for a in r.activities if a.kind == "client"}
    for i, c in enumerate(model.clients):
        if c.kind is Visit.BREAK and i not in used:
            pool.setdefault(c.brk_class, []).append(i)
    out: list[SolvedRoute] = []
    late = 0
    for r in routes:
        seq: list[Element] = [
            (a.kind, a.idx)
            for a in r.activities
            if not (a.kind == "client" and model.clients[a.idx].kind is Visit.BREAK)
        ]
        vt = model.vehicle_types[r.vehicle_type]
        for k, d in enumerate(model.break_dims):
            if vt.capacity[d] > 0 and pool.get(k):
                seq.insert(1, ("client", pool[k].pop()))
        seq = place_breaks(model, r.vehicle_type, seq)
        late += time_route(model, r.vehicle_type, seq).late
        out.append(SolvedRoute(r.vehicle_type, r.start, [SolvedActivity(kind, idx, 0) for kind, idx in seq]))
    return out, late
