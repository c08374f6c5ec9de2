"""Ejection chains of route tails: a move PyVRP's local search does not make, tried on the search's best plan.

A *cut* splits a route into its head (kept, with its vehicle) and its tail (its last stops, at most ``MAX_TAIL``
of them). A chain hands the tails on: route 1's tail goes to the end of route 2's head, route 2's tail to route
3's head, and so on; the last route either hands its tail back to route 1 (a cycle) or has an empty tail (its cut
at its end: a path, route 1 then keeps its head only). PyVRP's operators exchange tails between two routes at a
time (``SwapTails``), so a better plan that needs four routes to move at once stays out of reach when every pair
of them on its own would make the plan worse. On Gehring–Homberger C1_10_1 the searches end on either the best
known solution or one 2.5 units (0.006 %) above it; the two differ by one such chain through four routes (and a
tail swap of equal cost).

Candidates: a tail may follow a head when its first stop is among the neighbours PyVRP's search uses for the
head's last stop, or among the ``HOMEWARD`` stops that lie most nearly on the head's way back to its depot (the
least detour from the head's last stop to the depot through them). The second kind is what C1_10_1 needs: a
route's last stop handed to a route passing by on its way home, 82.2 units from that route's last stop, whose 50
granular neighbours (chosen by distance and time windows) lie within 77.4. Every new route is costed by PyVRP
itself (``Route``: windows, loads, shift, breaks, profiles), and a chain is only applied when the whole plan is
feasible, complete and cheaper. Tails holding a reload at the depot stay where they are, and no cut separates a
shipment's pickup from its delivery. The work is bounded by a count of costed routes, not by time, so a run
bounded by iterations stays deterministic; a deadline stops it sooner.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from pyvrp import Activity, ActivityType, ProblemData, Route, Solution

from doorstep.optimize.pyvrp_search import from_specs, plain_cost, route_specs

MAX_ROUTES = 5  # routes in one chain
MAX_TAIL = 3  # stops in a tail handed on: route ends, so every step of a chain stays comparable
BRANCH = 8  # the cheapest this many continuations of a chain are followed at each step
HOMEWARD = 10  # per head end, the tail starts with the least detour on its way home
MAX_COSTED = 100_000  # routes costed in one call (a 1,000-client plan needs about 50,000 for one pass)

Act = tuple[int, int]  # (activity type value, index): the shape of ``pyvrp_search.RouteSpec``'s steps
Node = tuple[int, int]  # (route, cut): the head is the route's steps before the cut, the tail the rest
_DEPOT = int(ActivityType.DEPOT.value)
_CLIENT = int(ActivityType.CLIENT.value)
_PICKUP = int(ActivityType.PICKUP.value)
_DELIVERY = int(ActivityType.DELIVERY.value)


@dataclass
class _Plan:
    """The routes being improved, and what has been costed on them (kept between passes: a route's cost depends
    only on its vehicle type and its steps)."""

    data: ProblemData
    specs: list[tuple[int, list[Act]]]
    neighbours: dict[Act, list[Act]]  # granular neighbourhood, activity to its neighbours
    homeward: dict[Act, list[Act]] = field(default_factory=dict)  # see ``_homeward``
    costs: dict[tuple[int, tuple[Act, ...]], int | None] = field(default_factory=dict)
    costed: int = 0

    def cost(self, vt: int, acts: tuple[Act, ...]) -> int | None:
        """A route's distance and duration cost, or None when it breaks a rule (late, overloaded, too long)."""
        key = (vt, acts)
        if key not in self.costs:
            self.costed += 1
            route = Route(self.data, [Activity(ActivityType(t), i) for t, i in acts], vt)
            feasible = route.is_feasible()
            self.costs[key] = route.distance_cost() + route.duration_cost() if feasible else None
        return self.costs[key]


def _cuts(acts: list[Act]) -> list[int]:
    """Where this route may be cut: after at least one step and before at most ``MAX_TAIL``, not between a
    shipment's pickup and its delivery, and not before a reload (a tail holding a depot visit stays)."""
    out, open_ = [], 0
    last_depot = max((k for k, (t, _) in enumerate(acts) if t == _DEPOT), default=-1)
    for k, (t, _) in enumerate(acts, start=1):
        open_ += (t == _PICKUP) - (t == _DELIVERY)
        if open_ == 0 and k > last_depot and k >= len(acts) - MAX_TAIL:
            out.append(k)
    return out


def _homeward(data: ProblemData, specs: list[tuple[int, list[Act]]]) -> dict[Act, list[Act]]:
    """For each client ending a possible head, the ``HOMEWARD`` client stops with the least detour between it and
    its route's end depot on the distance matrix of its route's profile."""
    out: dict[Act, list[Act]] = {}
    clients = [a for _, acts in specs for a in acts if a[0] == _CLIENT]
    if len(clients) < 2:
        return out
    cand = np.array([data.client(i).location for _, i in clients])
    k = min(HOMEWARD, len(clients) - 1)
    groups: dict[tuple[int, int], list[Act]] = {}
    for vt, acts in specs:
        v = data.vehicle_type(vt)
        groups.setdefault((v.profile, data.depot(v.end_depot).location), []).extend(a for a in acts if a[0] == _CLIENT)
    for (profile, home), heads in groups.items():
        if not heads:  # a vehicle type none of whose acts is a client (only depots or reloads): nothing to end
            continue
        dist = np.asarray(data.distance_matrix(profile))
        at = np.array([data.client(i).location for _, i in heads])
        detour = dist[at[:, None], cand[None, :]] + dist[cand, home][None, :] - dist[at, home][:, None]
        detour[at[:, None] == cand[None, :]] = np.iinfo(np.int64).max  # not itself
        best = np.argpartition(detour, k - 1, axis=1)[:, :k]
        for h, row in zip(heads, best, strict=True):
            out[h] = [clients[c] for c in row]
    return out


class _Search:
    """One pass: the out-edges of every node, then a depth-first search for an improving chain."""

    def __init__(self, plan: _Plan, deadline: float, max_costed: int, refused: set[tuple[Node, ...]]) -> None:
        self.plan, self.deadline, self.max_costed, self.refused = plan, deadline, max_costed, refused
        self.acts = [acts for _, acts in plan.specs]
        self.vts = [vt for vt, _ in plan.specs]
        self.base: list[int] = []
        for vt, acts in plan.specs:
            c = plan.cost(vt, tuple(acts))
            self.base.append(c if c is not None else 0)
        self.cuts = [_cuts(acts) for acts in self.acts]
        self.valid = {(r, j) for r, cuts in enumerate(self.cuts) for j in cuts}
        self.where = {a: (r, k) for r, acts in enumerate(self.acts) for k, a in enumerate(acts)}
        self.heads_after: dict[Act, list[Act]] = {}  # tail start -> the head ends it may follow
        for source in (plan.neighbours, plan.homeward):
            for a, near in source.items():
                for b in near:
                    self.heads_after.setdefault(b, []).append(a)
        self.edges: dict[Node, list[tuple[int, Node]]] = {}

    def out(self, node: Node) -> list[tuple[int, Node]]:
        """Where ``node``'s tail may go, the cheapest ``BRANCH`` first: (cost change of the receiving route, the
        receiving node)."""
        if node in self.edges:
            return self.edges[node]
        r, i = node
        tail = self.acts[r][i:]
        found: list[tuple[int, Node]] = []
        for end in self.heads_after.get(tail[0], []) if tail else []:
            s, k = self.where.get(end, (-1, -1))
            if s < 0 or s == r or (s, k + 1) not in self.valid:
                continue
            c = self.plan.cost(self.vts[s], tuple(self.acts[s][: k + 1] + tail))
            if c is not None:
                found.append((c - self.base[s], (s, k + 1)))
        found.sort()
        self.edges[node] = found[:BRANCH]
        return self.edges[node]

    def receive(self, head: Node, tail: Node) -> int | None:
        """The cost change of ``head``'s route when it gets ``tail``'s tail (None: not allowed)."""
        s, j = head
        r, i = tail
        acts = self.acts[r][i:]
        if acts and self.acts[s][j - 1] not in self.heads_after.get(acts[0], []):
            return None
        c = self.plan.cost(self.vts[s], tuple(self.acts[s][:j] + acts))
        return None if c is None else c - self.base[s]

    def find(self) -> list[Node] | None:
        """An improving chain (its nodes in order; the first receives the last's tail), or None."""
        for r, cuts in enumerate(self.cuts):
            for i in cuts:
                if i == len(self.acts[r]):
                    continue  # an empty tail ends a chain, it does not start one
                kept = self.plan.cost(self.vts[r], tuple(self.acts[r][:i]))
                if kept is None:
                    continue
                chain = self._extend([(r, i)], {r}, 0, kept - self.base[r])
                if chain is not None:
                    return chain
                if self.plan.costed > self.max_costed or time.perf_counter() > self.deadline:
                    return None
        return None

    def _extend(self, chain: list[Node], used: set[int], spent: int, keep: int) -> list[Node] | None:
        """Depth-first: ``spent`` is the cost change of the routes after the first, ``keep`` the first route's
        change when it keeps only its head (the chain closing as a path)."""
        for change, nxt in self.out(chain[-1]):
            s, j = nxt
            if s in used:
                continue
            total = spent + change
            if total + keep >= 0 and total >= 0:
                continue  # no gain left to build on
            if j == len(self.acts[s]):  # an empty tail: the chain ends here as a path
                if total + keep < 0 and (path := (*chain, nxt)) not in self.refused:
                    return list(path)
                continue
            back = self.receive(chain[0], nxt)
            if back is not None and total + back < 0 and (cycle := (*chain, nxt, chain[0])) not in self.refused:
                return list(cycle)  # a cycle: the first route gets this tail
            if len(chain) + 1 < MAX_ROUTES:
                found = self._extend([*chain, nxt], used | {s}, total, keep)
                if found is not None:
                    return found
        return None


def _apply(specs: list[tuple[int, list[Act]]], chain: list[Node]) -> list[tuple[int, list[Act]]]:
    """The routes after the chain: each node after the first gets the tail of the one before; a cycle (the
    first node repeated at the end) gives the first node the last tail, a path leaves it its head."""
    out = [(vt, list(acts)) for vt, acts in specs]
    cycle = len(chain) > 2 and chain[-1] == chain[0]
    nodes = chain[:-1] if cycle else chain
    tails = [specs[r][1][i:] for r, i in nodes]
    heads = [specs[r][1][:i] for r, i in nodes]
    for k in range(1, len(nodes)):
        out[nodes[k][0]] = (specs[nodes[k][0]][0], heads[k] + tails[k - 1])
    out[nodes[0][0]] = (specs[nodes[0][0]][0], heads[0] + (tails[-1] if cycle else []))
    return out


def improve(
    data: ProblemData,
    solution: Solution,
    neighbours: dict[Activity, list[Activity]],
    deadline: float,
    max_costed: int = MAX_COSTED,
) -> tuple[Solution, int]:
    """``solution`` with improving tail chains applied while any is found (each checked on the whole plan:
    feasible, complete, cheaper), within ``max_costed`` costed routes and ``deadline`` (``time.perf_counter``).
    Returns the plan and the number of chains applied. An infeasible or incomplete plan is returned as it is."""
    if not solution.is_feasible() or not solution.is_complete() or solution.num_routes() < 2:
        return solution, 0
    near = {(int(a.type.value), a.idx): [(int(b.type.value), b.idx) for b in bs] for a, bs in neighbours.items()}
    specs = route_specs(solution)
    plan = _Plan(data, specs, near, _homeward(data, specs))
    best, best_cost, applied = solution, plain_cost(solution), 0
    refused: set[tuple[Node, ...]] = set()
    while plan.costed < max_costed and time.perf_counter() < deadline:
        chain = _Search(plan, deadline, max_costed, refused).find()
        if chain is None:
            break
        specs = _apply(plan.specs, chain)
        candidate = from_specs(data, [(vt, acts) for vt, acts in specs if acts])
        cost = plain_cost(candidate) if candidate.is_feasible() and candidate.is_complete() else None
        if cost is None or cost >= best_cost:
            refused.add(tuple(chain))  # costed per route but not better on the whole plan: not again
            continue
        best, best_cost, applied = candidate, cost, applied + 1
        plan.specs = [(vt, acts) for vt, acts in specs if acts]
        plan.homeward = _homeward(data, plan.specs)
    return best, applied
