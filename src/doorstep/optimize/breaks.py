"""Break classes: vehicles whose breaks are alike share their break clients, so identical vans stay pooled.

A *class* is one break specification (window, duration) and how many times a vehicle already has it before
(two identical breaks on one vehicle are two classes). Every class gets one load dimension ``__brk<k>`` and a
pool of optional solver clients, each delivering one unit of that dimension. A vehicle's capacity there is 1 when
it holds the class and 0 otherwise, so a route takes at most one break of each of its own classes and none of
anybody else's — without a routing profile per vehicle (which used to copy the matrices once per vehicle and
split every pool of identical vans).

The pool's clients sit at *real* places (copies of order addresses spread like the orders are, with location
indices of their own). The solver then drives i -> spot -> j around a break, never less than the direct i -> j
(triangle inequality), so the exact schedule — which takes the break where the driver is, or at the next stop
when early (``schedule.py``) — is never later than the solver believed. A break at a virtual place reached for
free was a teleport the search learnt to exploit: exact timing then found routes late and orders taken off.

A break is worth a normal order's prize, so the search keeps every used vehicle's break instead of trading it
for time; and every vehicle holding a class pays that prize back in its fixed cost, so a break is never a reason
to use one more vehicle (a prize alone, up to the order's, made each extra van profitable: 4 vans where 3 do on a
100-order day). A depot may lead straight to a break place, so a route can shrink to its break alone and then
close (dropping the break saves its fixed cost): when that arc was forbidden, moving a route's last order away
left a break-only route that was infeasible, so no route with a break could ever be closed and the search kept
every van it had opened (6 vans where VROOM used 5 on a 200-order day, 62 where it used 50 on 2,000 orders).
A break-only route never costs less than no route (its fixed cost holds the break's prize), and the result
mapping drops any route that serves no order (``result.route_sequence``).
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


# One break is this many units of its dimension, so a second break on a route is an excess that the penalty
# manager's load penalty makes far dearer than the break's prize (a single unit cost less than the prize at the
# starting penalties and routes hoarded breaks).
BREAK_UNITS = 1000
SPOTS_PER_VEHICLE = 3  # break places offered per vehicle of a class: choice enough near every route


def spot_sources(problem: Problem, classes: BreakClasses) -> dict[int, list[int]]:
    """Per class, ``SPOTS_PER_VEHICLE`` orders per vehicle whose addresses become its break places, sampled
    (deterministically) from the orders any vehicle may visit, so they lie where the routes go; repeated when
    there are fewer such orders."""
    free = [
        oi
        for oi, o in enumerate(problem.orders)
        if not o.skills and o.depot_id is None and o.kind is not OrderKind.PAIRED
    ]
    pool = free or list(range(len(problem.orders)))
    out: dict[int, list[int]] = {}
    for k, members in enumerate(classes.members):
        count = SPOTS_PER_VEHICLE * len(members)
        if not pool:
            out[k] = []
            continue
        picks = random.Random(k).sample(pool, min(count, len(pool)))
        out[k] = (picks * math.ceil(count / len(picks)))[:count]
    return out
