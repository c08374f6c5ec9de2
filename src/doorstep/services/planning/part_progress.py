"""A large day's progress per part, as the planning job stores it (``plans.part_progress``) and its answer shows it:
the whole day's phase and share of the time, and for each part its orders, its phase, the time it used of its
share, whether it has a feasible plan yet, the orders that plan serves and its best cost.

The planner reports a large day as a stream of ``Progress`` (``optimize/decompose.py``): part 0 is the whole day
("split", "solve", "recovery", "merge", "done"), parts 1..n their own ("queued" right after the split, then
"matrix", "build", "solve", "finish", "done"). ``PartBoard`` folds that stream into one JSON-ready summary; a day
planned in one model sends no report with parts and has none (``summary()`` is None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from doorstep.optimize.progress import Progress

DAY_PHASES = ("split", "first_pass", "solve", "boundary", "recovery", "merge", "done")
PART_PHASES = ("queued", "matrix", "build", "solve", "finish", "done")


def _share(elapsed_s: float, limit_s: float | None, done: bool) -> float:
    """The share of its time a run has used, in [0, 1]; 1 once it is done (it may finish early)."""
    if done:
        return 1.0
    if not limit_s or limit_s <= 0:
        return 0.0
    return round(min(1.0, max(0.0, elapsed_s / limit_s)), 3)


@dataclass(slots=True)
class PartState:
    """The latest state of one part, from its own reports."""

    part: int
    orders: int
    phase: str = "queued"
    elapsed_s: float = 0.0
    time_limit_s: float | None = None  # its share of the day's time, known once it starts
    feasible: bool = False
    assigned: int = 0
    best_cost_cents: int | None = None

    def take(self, pr: Progress) -> None:
        """One report of this part. A part started again after its process failed starts over from "matrix"; its
        best so far is kept through the reports that carry none ("finish")."""
        if pr.phase == "matrix":
            self.feasible, self.assigned, self.best_cost_cents = False, 0, None
        self.phase = pr.phase
        self.orders = pr.orders or self.orders
        if pr.phase != "queued":
            self.elapsed_s, self.time_limit_s = pr.elapsed_s, pr.time_limit_s
        if pr.feasible:
            self.feasible, self.assigned = True, pr.assigned
            if pr.best_cost_cents is not None:
                self.best_cost_cents = pr.best_cost_cents
        elif not self.feasible and pr.phase == "solve":
            self.assigned = pr.assigned  # what the search's best (not yet feasible) plan serves

    def to_dict(self) -> dict[str, Any]:
        """The part as stored and answered."""
        return {
            "part": self.part,
            "orders": self.orders,
            "phase": self.phase,
            "elapsed_s": round(self.elapsed_s, 2),
            "time_limit_s": None if self.time_limit_s is None else round(self.time_limit_s, 2),
            "fraction": _share(self.elapsed_s, self.time_limit_s, self.phase == "done"),
            "feasible": self.feasible,
            "assigned": self.assigned,
            "best_cost_cents": self.best_cost_cents,
        }


class PartBoard:
    """Folds a planning job's progress reports into its per-part summary (see the module's docstring)."""

    def __init__(self) -> None:
        self.parts: dict[int, PartState] = {}
        self.count = 0
        self.phase: str | None = None
        self.elapsed_s = 0.0
        self.time_limit_s = 0.0
        self.orders = 0
        self.assigned: int | None = None  # set by the whole day's "done" (the recovery part's orders included)
        self.best_cost_cents: int | None = None
        self.recovery_orders: int | None = None

    def take(self, pr: Progress) -> bool:
        """One report; True when it is worth storing at once (a few times per part, not on every report): the whole
        day moved to another phase, every part is known now (the last of the "queued" reports that follow the
        split), or a part started or ended."""
        if not pr.parts:
            return False  # a day planned in one model
        self.count = pr.parts
        if pr.part:
            known = len(self.parts)
            state = self.parts.setdefault(pr.part, PartState(pr.part, pr.orders))
            before = state.phase
            state.take(pr)
            started = before == "queued" and state.phase != "queued"
            ended = before != "done" and state.phase == "done"
            return known < len(self.parts) == self.count or started or ended
        moved = pr.phase != self.phase
        self.phase, self.elapsed_s, self.time_limit_s = pr.phase, pr.elapsed_s, pr.time_limit_s
        if pr.phase == "recovery":
            self.recovery_orders = pr.orders  # the orders the parts left out, planned again together
        elif pr.orders:
            self.orders = pr.orders
        if pr.feasible and pr.best_cost_cents is not None:
            self.best_cost_cents = pr.best_cost_cents
        if pr.phase == "done":
            self.assigned = pr.assigned
        return moved

    def summary(self) -> dict[str, Any] | None:
        """The JSON-ready summary; None until every part is known (so the parts' orders always add up to the
        day's), and for a day planned in one model."""
        if not self.count or len(self.parts) < self.count:
            return None
        parts = [self.parts[i].to_dict() for i in sorted(self.parts)]
        assigned = self.assigned if self.assigned is not None else sum(p["assigned"] for p in parts)
        return {
            "phase": self.phase or "split",
            "fraction": _share(self.elapsed_s, self.time_limit_s, self.phase == "done"),
            "elapsed_s": round(self.elapsed_s, 2),
            "time_limit_s": round(self.time_limit_s, 2),
            "orders": self.orders,
            "assigned": assigned,
            "best_cost_cents": self.best_cost_cents,
            "parts_count": self.count,
            "recovery_orders": self.recovery_orders,
            "parts": parts,
        }
