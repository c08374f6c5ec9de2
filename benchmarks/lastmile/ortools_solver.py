"""The VROOM problem as an OR-Tools routing model, solved with GUIDED_LOCAL_SEARCH; routes in VROOM's shape.

Modelled: several depots, time windows (a second window removes the gap with ``CumulVar.RemoveInterval``),
service times, capacities on every dimension with deliveries on board from the depot and pickups carried
back (the start load equals the route's deliveries, the load stays within [0, capacity] everywhere),
store-to-door shipments (pickup and delivery on the same vehicle, pickup first, both or neither), skills
(the node's ``VehicleVar`` restricted to the vehicles holding them, and -1 so it may still be dropped:
``SetAllowedVehiclesForIndex`` rejects every Python list in OR-Tools 9.15's wrapper with "argument 2 of
type 'absl::Span< int const >'"), lunch breaks (``SetBreakIntervalsOfVehicle``, start window and
duration), VROOM's costs (fixed per vehicle used, per hour of driving, per km; waiting and service free).
Not modelled exactly: VROOM's priorities are a lexicographic first goal; here an order may be dropped at a
penalty, 100x higher for urgent ones. First solution: PARALLEL_CHEAPEST_INSERTION (PATH_CHEAPEST_ARC
dropped every order of a 100-order day and GLS did not recover them in 5 s).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

COST_SCALE = 100  # solver cost units per cent
DROP_PENALTY = 10**7  # cost units (100,000 cents): far above the cost of serving any one order
URGENT_FACTOR = 100
FIRST_SOLUTION = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION


class Model:
    """Nodes: the depots (vehicles' start points) first, then one node per job and per shipment leg."""

    def __init__(self, problem: dict[str, Any]) -> None:
        self.p = problem
        self.vehicles = problem["vehicles"]
        depots = sorted({v["start_index"] for v in self.vehicles} | {v["end_index"] for v in self.vehicles})
        self.depot_node = {loc: k for k, loc in enumerate(depots)}
        self.loc = list(depots)
        self.stops: list[dict[str, Any]] = [{}] * len(depots)  # node -> {type, id, task dict, order info}
        dims = len(self.vehicles[0]["capacity"])
        self.change: list[list[int]] = [[0] * dims for _ in depots]  # load change at each node
        for j in problem.get("jobs", []):
            self._add("job", j, j, [p - d for p, d in zip(j.get("pickup", [0] * dims), j.get("delivery", [0] * dims),
                                                          strict=True)])  # fmt: skip
        for s in problem.get("shipments", []):
            self._add("pickup", s["pickup"], s, list(s["amount"]))
            self._add("delivery", s["delivery"], s, [-a for a in s["amount"]])
        self.n = len(self.loc)

    def _add(self, kind: str, task: dict[str, Any], order: dict[str, Any], change: list[int]) -> None:
        self.loc.append(task["location_index"])
        self.stops.append({"type": kind, "id": task["id"], "task": task, "order": order})
        self.change.append(change)

    def service(self) -> np.ndarray:
        """Service seconds per node."""
        return np.array([s.get("task", {}).get("service", 0) for s in self.stops], dtype=np.int64)

    def sub(self, name: str) -> np.ndarray:
        """The matrix ``name`` restricted to the nodes' locations."""
        m = np.asarray(self.p["matrices"]["car"][name], dtype=np.int64)
        return m[np.ix_(self.loc, self.loc)]


def _costs(model: Model, routing: pywrapcp.RoutingModel, dur: np.ndarray, dist: np.ndarray) -> None:
    """One arc-cost matrix per distinct (per_hour, per_km); a fixed cost per vehicle."""
    cached: dict[tuple[int, int], int] = {}
    for v, veh in enumerate(model.vehicles):
        c = veh.get("costs", {})
        key = (c.get("per_hour", 3600), c.get("per_km", 0))
        if key not in cached:
            arc = np.rint(COST_SCALE * (key[0] * dur / 3600 + key[1] * dist / 1000)).astype(np.int64)
            cached[key] = routing.RegisterTransitMatrix(arc.tolist())
        routing.SetArcCostEvaluatorOfVehicle(cached[key], v)
        routing.SetFixedCostOfVehicle(COST_SCALE * c.get("fixed", 0), v)


def _time(model: Model, manager: Any, routing: pywrapcp.RoutingModel, dur: np.ndarray) -> Any:
    service = model.service()
    transit = routing.RegisterTransitMatrix((dur + service[:, None]).tolist())
    horizon = max(v["time_window"][1] for v in model.vehicles)
    routing.AddDimension(transit, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for node in range(len(model.depot_node), model.n):
        windows = sorted(model.stops[node]["task"].get("time_windows", []))
        if not windows:
            continue
        cumul = time_dim.CumulVar(manager.NodeToIndex(node))
        cumul.SetRange(windows[0][0], windows[-1][1])
        for (_, end), (start, _) in itertools.pairwise(windows):
            if start > end + 1:
                cumul.RemoveInterval(end + 1, start - 1)
    visit = [int(service[manager.IndexToNode(i)]) for i in range(routing.Size())]
    solver = routing.solver()
    for v, veh in enumerate(model.vehicles):
        a, b = veh["time_window"]
        time_dim.CumulVar(routing.Start(v)).SetRange(a, b)
        time_dim.CumulVar(routing.End(v)).SetRange(a, b)
        breaks = [
            solver.FixedDurationIntervalVar(
                brk["time_windows"][0][0], brk["time_windows"][0][1], brk["service"], False, f"break {v} {brk['id']}"
            )
            for brk in veh.get("breaks", [])
        ]
        if breaks:
            time_dim.SetBreakIntervalsOfVehicle(breaks, v, visit)
    return time_dim


def _loads(model: Model, routing: pywrapcp.RoutingModel) -> None:
    """Per dimension: the load, and the deliveries summed along the route, whose total is the load at the start.

    Without that link a free start load lets a route leave with less than it delivers when returns refill it.
    """
    solver = routing.solver()
    n_dep = len(model.depot_node)
    for d in range(len(model.vehicles[0]["capacity"])):
        caps = [v["capacity"][d] for v in model.vehicles]
        load_cb = routing.RegisterUnaryTransitVector([c[d] for c in model.change])
        routing.AddDimensionWithVehicleCapacity(load_cb, 0, caps, False, f"load{d}")
        sent = [0] * n_dep + [
            s["task"].get("delivery", [0] * len(caps))[d] if s["type"] == "job" else 0 for s in model.stops[n_dep:]
        ]
        sent_cb = routing.RegisterUnaryTransitVector(sent)
        routing.AddDimensionWithVehicleCapacity(sent_cb, 0, caps, True, f"sent{d}")
        load, sent_dim = routing.GetDimensionOrDie(f"load{d}"), routing.GetDimensionOrDie(f"sent{d}")
        for v in range(len(model.vehicles)):
            solver.Add(load.CumulVar(routing.Start(v)) == sent_dim.CumulVar(routing.End(v)))


def _orders(model: Model, manager: Any, routing: pywrapcp.RoutingModel, time_dim: Any) -> None:
    """Skills, drop penalties and the pickup-delivery pairs."""
    solver = routing.solver()
    pickups: dict[int, int] = {}
    for node in range(len(model.depot_node), model.n):
        stop, index = model.stops[node], manager.NodeToIndex(node)
        order = stop["order"]
        need = set(order.get("skills", []))
        if need:
            allowed = [v for v, veh in enumerate(model.vehicles) if need <= set(veh.get("skills", []))]
            routing.VehicleVar(index).SetValues([-1, *allowed])  # -1: the order may be dropped
        penalty = DROP_PENALTY * (URGENT_FACTOR if order.get("priority", 0) > 0 else 1)
        if stop["type"] == "job":
            routing.AddDisjunction([index], penalty)
            continue
        routing.AddDisjunction([index], penalty // 2)
        if stop["type"] == "pickup":
            pickups[stop["id"]] = index
            continue
        p = pickups[stop["id"]]
        routing.AddPickupAndDelivery(p, index)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(index))
        solver.Add(routing.ActiveVar(p) == routing.ActiveVar(index))
        solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(index))


def _routes(model: Model, manager: Any, routing: Any, sol: Any, time_dim: Any) -> list[dict[str, Any]]:
    """Routes in VROOM's shape; each break is put in the gap between the visits around its start."""
    starts: dict[int, list[tuple[int, int]]] = {}
    box = sol.IntervalVarContainer()
    for k in range(box.Size()):
        el = box.Element(k)
        if el.Var().Name().startswith("break "):
            _, v, bid = el.Var().Name().split()
            starts.setdefault(int(v), []).append((el.StartValue(), int(bid)))
    out = []
    for v, veh in enumerate(model.vehicles):
        index = sol.Value(routing.NextVar(routing.Start(v)))
        visits = []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            visits.append((node, sol.Value(time_dim.CumulVar(index))))
            index = sol.Value(routing.NextVar(index))
        if not visits:
            continue
        steps: list[dict[str, Any]] = [{"type": "start"}]
        pending = sorted(starts.get(v, []))
        for node, at in visits:
            while pending and pending[0][0] < at:
                steps.append({"type": "break", "id": pending.pop(0)[1]})
            steps.append({"type": model.stops[node]["type"], "id": model.stops[node]["id"], "arrival": at})
        steps += [{"type": "break", "id": bid} for _, bid in pending] + [{"type": "end"}]
        out.append({"vehicle": veh["id"], "steps": steps})
    return out


def solve_ortools(problem: dict[str, Any], time_limit: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build, solve for ``time_limit`` seconds of search, and return (solution in VROOM's shape, stats)."""
    t0 = time.perf_counter()
    model = Model(problem)
    depot = model.depot_node
    starts = [depot[v["start_index"]] for v in model.vehicles]
    ends = [depot[v["end_index"]] for v in model.vehicles]
    manager = pywrapcp.RoutingIndexManager(model.n, len(model.vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    dur, dist = model.sub("durations"), model.sub("distances")
    _costs(model, routing, dur, dist)
    time_dim = _time(model, manager, routing, dur)
    _loads(model, routing)
    _orders(model, manager, routing, time_dim)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    solve_s = time.perf_counter() - t1
    stats: dict[str, Any] = {"build_s": round(build_s, 3), "solve_s": round(solve_s, 3), "status": routing.status()}
    if sol is None:
        return {"routes": [], "unassigned": []}, {**stats, "found": False}
    routes = _routes(model, manager, routing, sol, time_dim)
    stats.update(found=True, objective=sol.ObjectiveValue())
    return {"routes": routes}, stats
