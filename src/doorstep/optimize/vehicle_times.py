"""A vehicle's usable time window in plan seconds: its shift intersected with its depots' opening hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.fleet import Vehicle
from doorstep.domain.problem import Problem
from doorstep.optimize.scaling import UNBOUNDED, seconds_since


@dataclass(frozen=True, slots=True)
class VehicleWindow:
    """When the route may leave, by when it must be back, and its longest duration (plan seconds)."""

    early: int
    late: int
    max_duration: int
    loading: int


def vehicle_window(problem: Problem, v: Vehicle, t0: datetime, extra_max_duration: int | None = None) -> VehicleWindow:
    """Shift ∩ start depot opening ∩ end depot closing; max duration from the vehicle and balancing options."""
    start_depot = problem.depot(v.start_depot_id)
    opens, _ = start_depot.hours_on(start_depot.local_day(v.shift_start))
    early = v.shift_start if opens is None else max(v.shift_start, opens)
    late = v.shift_end
    if not v.open_end:
        end_depot = problem.depot(v.end_depot)
        _, closes = end_depot.hours_on(end_depot.local_day(v.shift_start))
        if closes is not None:
            late = min(late, closes)
    limits = [x for x in (v.max_shift_s, extra_max_duration) if x is not None]
    max_duration = min(limits) if limits else UNBOUNDED
    return VehicleWindow(seconds_since(t0, early), seconds_since(t0, late), max_duration, start_depot.loading_s)
