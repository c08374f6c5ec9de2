"""Progress reports emitted while a plan is made (CLI bars, API job progress)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """One report: which phase, seconds since the start, and the best plan so far (when feasible).

    ``best_value`` is in the objective's own unit (``unit``: "cents", "s" or "m"); ``best_cost_cents`` is set only
    when that unit is money, so a consumer that shows money never shows seconds as cents.
    """

    phase: str  # "matrix" | "build" | "solve" | "finish"
    elapsed_s: float
    time_limit_s: float
    best_cost_cents: int | None = None
    feasible: bool = False
    assigned: int = 0
    iterations: int = 0
    best_value: int | None = None
    unit: str = "cents"


ProgressCallback = Callable[[Progress], None]
