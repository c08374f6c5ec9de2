"""Break classes: vehicles whose breaks are alike share their break clients, so identical vans stay pooled.

A *class* is one break specification (window, duration) and how many times a vehicle already has it before
(two identical breaks on one vehicle are two classes). Every class gets one load dimension ``__brk<k>`` and a
pool of optional solver clients, each delivering one unit of that dimension. A vehicle's capacity there is 1 when
it holds the class and 0 otherwise, so a route takes at most one break of each of its own classes and none of
anybody else's — without a routing profile per vehicle (which used to copy the matrices once per vehicle and
split every pool of identical vans).

The pool's clients sit at *real* places (``spots``: order addresses spread like the orders are). The solver
then drives i -> spot -> j around a break, never less than the direct i -> j (triangle inequality), so the exact
schedule — which takes the break where the driver is, or at the next stop when early (``schedule.py``) — is
never later than the solver believed. A break at a virtual place reached for free was a teleport the search
learnt to exploit: exact timing then found routes late and orders had to be taken off.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from doorstep.domain.orders import OrderKind
from doorstep.domain.problem import Problem

BreakKey = tuple[int, int, int, int]  # (window start, window end as POSIX seconds, duration s, occurrence)


@dataclass(frozen=True, slots=True)
class BreakClasses:
    """The problem's break classes: each vehicle break's class, and each class's vehicles in fleet order."""

    of: dict[tuple[int, int], int] = field(default_factory=dict)  # (vehicle, break) -> class
    members: list[list[tuple[int, int]]] = field(default_factory=list)  # class -> [(vehicle, break), ...]

    def __len__(self) -> int:
        return len(self.members)

    def held_by(self, vi: int) -> set[int]:
        """The classes of vehicle ``vi``'s breaks."""
        return {k for (v, _), k in self.of.items() if v == vi}


def break_classes(problem: Problem) -> BreakClasses:
    """Group every vehicle break by its specification (see the module docstring)."""
    index: dict[BreakKey, int] = {}
    out = BreakClasses()
    for vi, v in enumerate(problem.vehicles):
        seen: dict[tuple[int, int, int], int] = {}
        for bi, b in enumerate(v.breaks):
            spec = (int(b.start.timestamp()), int(b.end.timestamp()), b.duration_s)
            seen[spec] = seen.get(spec, -1) + 1
            key = (*spec, seen[spec])
            if key not in index:
                index[key] = len(out.members)
                out.members.append([])
            out.of[(vi, bi)] = index[key]
            out.members[index[key]].append((vi, bi))
    return out


SPOTS_PER_VEHICLE = 3  # break places offered per vehicle of a class: choice enough near every route


def spots(problem: Problem, order_locs: list[list[int]], excluded: set[int], count: int, salt: int) -> list[int]:
    """``count`` locations for a class's break clients, sampled (deterministically) from the addresses of orders
    any vehicle may visit, so they lie where the routes go; repeated when there are fewer such orders."""
    free = [
        order_locs[oi][0]
        for oi, o in enumerate(problem.orders)
        if oi not in excluded and not o.skills and o.depot_id is None and o.kind is not OrderKind.PAIRED
    ]
    pool = sorted(set(free)) or sorted({locs[0] for locs in order_locs})
    if not pool:
        return []
    rng = random.Random(salt)
    picks = rng.sample(pool, min(count, len(pool)))
    return (picks * math.ceil(count / len(picks)))[:count]
