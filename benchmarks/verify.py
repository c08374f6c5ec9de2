"""An independent feasibility check of routes against an Instance, on the integer matrix the solvers used.

It is deliberately separate from Doorstep's own checker: every solver's answer (Doorstep, VROOM, OR-Tools) is
re-evaluated here from node sequences only, so a cost is never taken on a solver's word.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from instances import Instance


@dataclass(slots=True)
class Verdict:
    """What the routes cost (matrix units) and every rule they break."""

    cost: int
    vehicles: int
    issues: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """No rule broken."""
        return not self.issues


def _coverage(inst: Instance, routes: list[list[int]]) -> list[str]:
    counts = Counter(node for route in routes for node in route)
    issues = [f"node {n} visited {c} times" for n, c in sorted(counts.items()) if c > 1]
    missing = sorted(set(range(1, inst.num_customers + 1)) - set(counts))
    if missing:
        issues.append(f"{len(missing)} customer(s) not served, e.g. {missing[:5]}")
    unknown = sorted(n for n in counts if not 1 <= n <= inst.num_customers)
    if unknown:
        issues.append(f"unknown node(s) {unknown[:5]}")
    return issues


def _route_issues(inst: Instance, k: int, route: list[int]) -> list[str]:
    """Load and schedule of one route: leave the depot at its opening, wait when early, never start late."""
    issues: list[str] = []
    load = sum(inst.demands[n] for n in route)
    if load > inst.capacity:
        issues.append(f"route {k}: load {load} > capacity {inst.capacity}")
    t, prev = inst.horizon[0], 0
    for node in route:
        t += int(inst.matrix[prev, node])
        start, end = inst.time_windows[node]
        t = max(t, start)
        if t > end:
            issues.append(f"route {k}: node {node} starts at {t} > window end {end}")
        t += inst.service[node]
        prev = node
    t += int(inst.matrix[prev, 0])
    if t > inst.horizon[1]:
        issues.append(f"route {k}: back at the depot at {t} > {inst.horizon[1]}")
    return issues


def route_cost(inst: Instance, route: list[int]) -> int:
    """Depot -> route -> depot in matrix units."""
    path = [0, *route, 0]
    return sum(int(inst.matrix[a, b]) for a, b in itertools.pairwise(path))


def verify(inst: Instance, routes: list[list[int]]) -> Verdict:
    """Check coverage, fleet size, capacity and time windows; cost is recomputed from the matrix."""
    used = [r for r in routes if r]
    issues = _coverage(inst, used)
    if len(used) > inst.fleet_size:
        issues.append(f"{len(used)} routes > fleet of {inst.fleet_size}")
    for k, route in enumerate(used):
        issues.extend(_route_issues(inst, k, route))
    return Verdict(cost=sum(route_cost(inst, r) for r in used), vehicles=len(used), issues=issues)
