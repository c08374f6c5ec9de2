"""Doorstep: orders in, optimized delivery routes out.

The Python API for notebooks and scripts is the one the CLI uses::

    import doorstep
    loaded = doorstep.load("orders.csv", "fleet.json")
    plan = doorstep.plan(loaded.problem, time_limit_s=10)
    doorstep.check(loaded.problem, plan)  # [] when every promise is kept

or, building the domain objects directly, ``doorstep.plan(orders, fleet)``. The domain classes (``Order``,
``Vehicle``, ``Depot``, ``TimeWindow``, ...) are importable from ``doorstep``; the planner is imported on
first use, so ``import doorstep`` stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from os import PathLike
from typing import TYPE_CHECKING

from doorstep.domain import (
    Break,
    Contact,
    Depot,
    DoorstepError,
    Driver,
    Fleet,
    Issue,
    LatLng,
    Order,
    OrderKind,
    PairedPickup,
    Place,
    Plan,
    Priority,
    Problem,
    Route,
    ScheduledStop,
    SpeedProfile,
    StopType,
    TimeWindow,
    Unassigned,
    UnassignedReason,
    Vehicle,
    VehicleType,
    Violation,
)

if TYPE_CHECKING:
    from doorstep.formats.load import LoadResult
    from doorstep.optimize.options import SolveOptions
    from doorstep.optimize.progress import ProgressCallback
    from doorstep.routing.provider import TravelTimeProvider

__version__ = "0.1.0"


def plan(
    orders: Problem | Sequence[Order],
    fleet: Fleet | None = None,
    *,
    time_limit_s: float = 30.0,
    seed: int = 0,
    options: SolveOptions | None = None,
    provider: TravelTimeProvider | None = None,
    on_progress: ProgressCallback | None = None,
) -> Plan:
    """Optimized routes for a day: a Problem, or orders plus a Fleet. Raises DoorstepError on bad input.

    ``options`` (a ``doorstep.optimize.options.SolveOptions``) overrides ``time_limit_s`` and ``seed``;
    ``provider`` picks the travel model (straight line, or the problem's own matrices, by default).
    """
    from doorstep.optimize.options import SolveOptions
    from doorstep.services.planning.planning import plan as plan_problem

    problem = _problem(orders, fleet)
    opts = options or SolveOptions(time_limit_s=time_limit_s, seed=seed)
    return plan_problem(problem, provider=provider, options=opts, on_progress=on_progress)


def check(problem: Problem, plan_: Plan, provider: TravelTimeProvider | None = None) -> list[Violation]:
    """Every violated promise of a plan (possibly edited by hand) against its problem; [] when it is sound."""
    from doorstep.services.planning.planning import check as check_plan

    return check_plan(problem, plan_, provider)


def load(
    orders_path: str | PathLike[str],
    fleet_path: str | PathLike[str] | None = None,
    *,
    skip_invalid: bool = False,
    plan_date: date | None = None,
) -> LoadResult:
    """Read orders (CSV, XLSX, Doorstep JSON, VROOM JSON) and a fleet file into a validated Problem."""
    from pathlib import Path

    from doorstep.formats.load import load_problem

    fleet = Path(fleet_path) if fleet_path is not None else None
    return load_problem(Path(orders_path), fleet, skip_invalid=skip_invalid, plan_date=plan_date)


def _problem(orders: Problem | Sequence[Order], fleet: Fleet | None) -> Problem:
    if isinstance(orders, Problem):
        if fleet is not None:
            return Problem.of(orders.orders, fleet, name=orders.name)
        return orders
    if fleet is None:
        raise DoorstepError([Issue("E1117", "orders were given without a fleet", ("fleet",))])
    return Problem.of(tuple(orders), fleet)


__all__ = [
    "Break",
    "Contact",
    "Depot",
    "DoorstepError",
    "Driver",
    "Fleet",
    "Issue",
    "LatLng",
    "Order",
    "OrderKind",
    "PairedPickup",
    "Place",
    "Plan",
    "Priority",
    "Problem",
    "Route",
    "ScheduledStop",
    "SpeedProfile",
    "StopType",
    "TimeWindow",
    "Unassigned",
    "UnassignedReason",
    "Vehicle",
    "VehicleType",
    "Violation",
    "__version__",
    "check",
    "load",
    "plan",
]
