"""Peak memory of a plan, estimated before anything is built, and the refusal of a day the machine cannot hold
(E1740) instead of a process killed by the system halfway.

The estimate is dominated by the travel matrices: a day in one model holds, per location pair, the geometry's
duration and distance per speed profile (with the provider's float temporaries while it computes them) and the
solver's copies per routing profile (``profiles.py``, and PyVRP's own). A day in parts holds that per part, for
as many parts at once as there are processes, plus the planning process's copy of the running parts' matrices.

When the search ends with rounds on re-spotted breaks (``planner._polish``: a model with breaks whose orders the
budget lets settle, at most ``POLISH_ORDERS_PER_S`` per second), each round builds its model while the last one's
data is still held: one more solver copy.

Calibration: ``benchmarks/scaling.py --breaks --hubs 2`` (a lunch break per van, two hubs, straight line, one
speed and one routing profile), 2026-12-06, on this machine (2 cores, load 1.8-2.4 while these ran; memory does not
depend on the load). One model: the planning process's peak RSS before the benchmark's own check; in parts: the
summed proportional set size of the process tree, sampled every 0.2 s (``scaling-large-*.json``)::

    day            limit   how                  locations   measured    this formula
    1,000 orders   20 s    one model, polish     1,071       165 MiB     160 MiB
    2,000 orders   20 s    one model             2,140       320 MiB     318 MiB
    3,000 orders   60 s    one model, polish     3,203       924 MiB     950 MiB
    5,000 orders   60 s    one model             5,338     1,606 MiB   1,663 MiB
    3,000 orders   60 s    4 parts, 2 at once      956       304 MiB     327 MiB
    5,000 orders   60 s    6 parts, 2 at once    1,015       374 MiB     350 MiB
    3,000 orders   60 s    2 parts, 2 at once    1,910       700 MiB     683 MiB
    5,000 orders   60 s    4 parts, 2 at once    1,519       650 MiB     611 MiB
    5,000 orders   60 s    6 parts, 6 at once    1,015       711 MiB     795 MiB

(59 bytes per location pair without the rounds, 91 with them, and 60 MiB for the interpreter, numpy and PyVRP:
within 7 % of each run but the last, 12 % above; 10,000 orders in 12 parts: 320 MiB, in one model 6.3 GiB.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.problem import Problem
from doorstep.optimize.breaks import SPOTS_PER_VEHICLE
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.travel_keys import travel_key

BASE_MIB = 60.0  # the interpreter, numpy and PyVRP loaded, the problem's objects
POLISH_ORDERS_PER_S = 60  # planner.POLISH_ORDERS_PER_S (a test keeps the two equal)
GEO_BYTES = 27.0  # per location pair and speed profile: the geometry's int64 pair and the provider's temporaries
SOLVER_BYTES = 32.0  # per location pair and routing profile: the model's matrices and PyVRP's copy
CHILD_MIB = 40.0  # a part's process beyond what it shares with its parent
AVAILABLE_SHARE = 0.8  # of the memory available when the plan starts, the default limit
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    """The estimated peak and how it was reached (``parts`` 0: the day in one model)."""

    peak_mib: int
    parts: int = 0
    processes: int = 1
    largest_locations: int = 0


def locations(problem: Problem) -> int:
    """Solver locations of a problem: depots, each order's places and pickup, break places, the open end."""
    n = len(problem.depots) + (1 if any(v.open_end for v in problem.vehicles) else 0)
    n += sum(1 + len(o.alternatives) + (1 if o.pickup is not None else 0) for o in problem.orders)
    return n + SPOTS_PER_VEHICLE * sum(len(v.breaks) for v in problem.vehicles)


def profiles(problem: Problem) -> tuple[int, int]:
    """(travel matrices, routing profiles at most): a matrix per speed profile and set of access zones avoided;
    skills and pinned depots split routing profiles."""
    skills = any(o.skills for o in problem.orders)
    pinned = any(o.depot_id is not None for o in problem.orders)
    speeds = {travel_key(problem, v) for v in problem.vehicles}
    keys = {
        (travel_key(problem, v), v.all_skills if skills else None, v.start_depot_id if pinned else None)
        for v in problem.vehicles
    }
    return max(1, len(speeds)), max(1, len(keys))


def polishes(problem: Problem, limit_s: float) -> bool:
    """Whether the search ends with rounds on re-spotted breaks (``planner._search``): breaks, and orders the
    budget lets settle."""
    return any(v.breaks for v in problem.vehicles) and len(problem.orders) <= POLISH_ORDERS_PER_S * limit_s


def one_model_mib(problem: Problem, limit_s: float = float("inf")) -> float:
    """A problem planned in one model within ``limit_s``, its interpreter excluded."""
    speeds, routing = profiles(problem)
    copies = 2 if polishes(problem, limit_s) else 1
    return locations(problem) ** 2 * (GEO_BYTES * speeds + SOLVER_BYTES * routing * copies) / MIB


def estimate(
    problem: Problem,
    parts: list[Problem] | None = None,
    processes: int = 1,
    spawn: bool = False,
    limit_s: float = float("inf"),
) -> MemoryEstimate:
    """The peak of planning ``problem`` within ``limit_s`` in one model, or in ``parts`` on ``processes``
    processes at once (each a whole interpreter of its own when ``spawn``ed, sharing the planning process's pages
    when forked; each part with its share of the time)."""
    if not parts:
        peak = BASE_MIB + one_model_mib(problem, limit_s)
        return MemoryEstimate(round(peak), largest_locations=locations(problem))
    biggest = sorted(parts, key=locations, reverse=True)[: max(1, processes)]
    share = limit_s * min(processes, len(parts)) / len(parts)
    held = sum(locations(p) ** 2 * 16 * profiles(p)[0] for p in biggest) / MIB  # the parent's copy of theirs
    child = BASE_MIB if spawn else CHILD_MIB
    children = sum(child + one_model_mib(p, share) for p in biggest)
    peak = BASE_MIB + held + children
    return MemoryEstimate(round(peak), len(parts), min(processes, len(parts)), locations(biggest[0]))


def available_mib() -> int | None:
    """Memory the system can give without swapping (Linux ``MemAvailable``), None where it is not known."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // MIB
    except (ValueError, OSError, AttributeError):
        return None


def limit_mib(options: SolveOptions) -> int | None:
    """The options' limit, else ``AVAILABLE_SHARE`` of what is available now (None: unknown, no limit)."""
    if options.memory_limit_mib is not None:
        return options.memory_limit_mib
    free = available_mib()
    return None if free is None else int(free * AVAILABLE_SHARE)


def refuse_if_too_big(found: MemoryEstimate, options: SolveOptions) -> None:
    """Raise E1740 with the estimate and the limit when the plan would not fit."""
    limit = limit_mib(options)
    if limit is None or found.peak_mib <= limit:
        return
    how = (
        f"in {found.parts} parts, {found.processes} at once, the largest with {found.largest_locations} locations"
        if found.parts
        else f"in one model of {found.largest_locations} locations"
    )
    msg = f"planning this day needs about {found.peak_mib} MiB at its peak ({how}); the limit is {limit} MiB"
    raise DoorstepError([Issue("E1740", msg, ("orders",))])
