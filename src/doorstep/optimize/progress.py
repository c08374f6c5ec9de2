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

    # "matrix" | "build" | "solve" | "finish" | "done"; a day in parts also "split", "first_pass", "boundary",
    # "recovery", "merge" (the whole day's, part 0) and "queued" (a part not started yet: reported once per part right
    # after the split)
    phase: str
    elapsed_s: float
    time_limit_s: float
    best_cost_cents: int | None = None
    feasible: bool = False
    assigned: int = 0
    iterations: int = 0
    best_value: int | None = None
    unit: str = "cents"
    # A large day planned in parts (optimize/decompose.py): ``part`` is 1..``parts`` for a part's own report, 0 for
    # the whole day (then ``best_value`` sums the parts' bests once every part has one); ``orders`` in the report's
    # scope. ``parts`` is 0 on a day planned in one model.
    part: int = 0
    parts: int = 0
    orders: int = 0


ProgressCallback = Callable[[Progress], None]
