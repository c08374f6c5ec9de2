"""Solver tuning as a validated dataclass that a JSON file can reproduce."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue

MAX_WORKERS = 8
# Large days (optimize/decompose.py): a day of more than SPLIT_ABOVE_ORDERS orders is planned in parts of about
# PART_ORDERS orders, each on its own matrices, in parallel processes. Measured on the scaling day with breaks and
# two hubs (docs/benchmarks.md, "Large days in parts"); days up to 2,000 orders plan in one model as before.
SPLIT_ABOVE_ORDERS = 2_500
PART_ORDERS = 1_000


class Objective(StrEnum):
    """What the solver minimises."""

    COST = "cost"  # vehicle costs (fixed + per km + per hour); types without costs fall back to duration
    DURATION = "duration"  # total route duration (VROOM's default objective)
    DISTANCE = "distance"  # total distance (benchmarks)
    TRAVEL_COST = "travel_cost"  # VROOM's meaning: fixed + per km + per hour of *driving* (waiting/service free)

    @property
    def in_cents(self) -> bool:
        """Whether the objective is money (solver units of 1/36000 cent) rather than seconds or metres."""
        return self in (Objective.COST, Objective.TRAVEL_COST)


@dataclass(frozen=True, slots=True, kw_only=True)
class SolveOptions:
    """How long and how to search. ``time_limit_s`` always bounds the run; ``no_improvement_s`` may end it sooner."""

    time_limit_s: float = 30.0
    seed: int = 0
    no_improvement_s: float | None = None  # stop after this long without a better plan
    max_iterations: int | None = None  # bound the search by iterations: identical plans on any machine
    objective: Objective = Objective.COST
    balance_max_stops: int | None = None  # workload balancing: cap on stops per route (every vehicle)
    balance_max_duration_s: int | None = None  # cap on each route's duration
    balance_duration_cost_per_hour_cents: int = 0  # extra cost per route hour, spreads work across vehicles
    fallback_duration_objective: bool = True  # types with no costs minimise duration
    workers: int = 1  # searches at once (processes); 2 uses the second core, the better plan is kept
    co2_cost_cents_per_kg: int = 0  # a price per kg CO2e added to each vehicle type's km (money objectives)
    split_above_orders: int = SPLIT_ABOVE_ORDERS  # a larger day is planned in parts (optimize/decompose.py)
    part_orders: int = PART_ORDERS  # about this many orders per part
    part_workers: int | None = None  # processes for the parts (None: --workers when above 1, else the cores)
    memory_limit_mib: int | None = None  # refuse a day whose estimated peak is above (None: from the machine)

    def validate(self) -> None:
        """Raise E1119 listing every bad option."""
        issues: list[Issue] = []
        if not (math.isfinite(self.time_limit_s) and 0 < self.time_limit_s <= 86_400):
            issues.append(Issue("E1119", f"time_limit_s={self.time_limit_s} must be in (0, 86400]", ("time_limit_s",)))
        if self.no_improvement_s is not None and not self.no_improvement_s > 0:
            msg = f"no_improvement_s={self.no_improvement_s} must be positive"
            issues.append(Issue("E1119", msg, ("no_improvement_s",)))
        if self.max_iterations is not None and self.max_iterations <= 0:
            issues.append(Issue("E1119", f"max_iterations={self.max_iterations} must be positive", ("max_iterations",)))
        if self.seed < 0:
            issues.append(Issue("E1119", f"seed={self.seed} must be >= 0", ("seed",)))
        for name in ("balance_max_stops", "balance_max_duration_s"):
            val = getattr(self, name)
            if val is not None and val <= 0:
                issues.append(Issue("E1119", f"{name}={val} must be positive", (name,)))
        if not 1 <= self.workers <= MAX_WORKERS:
            issues.append(Issue("E1119", f"workers={self.workers} must be in [1, {MAX_WORKERS}]", ("workers",)))
        if not 0 <= self.co2_cost_cents_per_kg <= 1_000_000:
            msg = f"co2_cost_cents_per_kg={self.co2_cost_cents_per_kg} must be in [0, 1000000]"
            issues.append(Issue("E1119", msg, ("co2_cost_cents_per_kg",)))
        issues.extend(self._split_issues())
        if self.balance_duration_cost_per_hour_cents < 0:
            msg = "balance_duration_cost_per_hour_cents must be >= 0"
            issues.append(Issue("E1119", msg, ("balance_duration_cost_per_hour_cents",)))
        if issues:
            raise DoorstepError(issues)

    def _split_issues(self) -> list[Issue]:
        """The decomposition options: sizes of at least 10 orders, 1..MAX_WORKERS processes, a limit of 1 MiB up."""
        issues = []
        for name in ("split_above_orders", "part_orders"):
            if getattr(self, name) < 10:
                issues.append(Issue("E1119", f"{name}={getattr(self, name)} must be at least 10", (name,)))
        if self.part_workers is not None and not 1 <= self.part_workers <= MAX_WORKERS:
            msg = f"part_workers={self.part_workers} must be in [1, {MAX_WORKERS}]"
            issues.append(Issue("E1119", msg, ("part_workers",)))
        if self.memory_limit_mib is not None and self.memory_limit_mib < 1:
            msg = f"memory_limit_mib={self.memory_limit_mib} must be at least 1"
            issues.append(Issue("E1119", msg, ("memory_limit_mib",)))
        return issues

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored in plan.json so a run can be reproduced)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolveOptions:
        """Build and validate from a dict (unknown keys are an E1119 error)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DoorstepError([Issue("E1119", f"unknown solver option(s): {', '.join(unknown)}", ("options",))])
        kwargs = dict(data)
        if "objective" in kwargs:
            try:
                kwargs["objective"] = Objective(kwargs["objective"])
            except ValueError:
                msg = f"objective={kwargs['objective']!r}; allowed: {', '.join(o.value for o in Objective)}"
                raise DoorstepError([Issue("E1119", msg, ("objective",))]) from None
        opts = cls(**kwargs)
        opts.validate()
        return opts
