"""Docks already taken by routes a problem does not plan: a re-plan keeps some routes (dispatched ones, and
published ones a dispatcher locked), and their vans load at the same docks as the routes it plans.

A kept loading is ``[start, end)`` at one depot: the depot's ``loading_s`` ending at a kept van's departure, at the
start of its route and at every reload (what ``domain/depots.py`` counts as a loading), on the dock its route was
booked at when it names one. The planner books the new loadings around them (``optimize/docks.py``), the checker
counts them with the plan's own (``optimize/check_depots.py``). They carry no parcels: the depot's daily capacity
is lowered by what the kept routes take instead (``services/planning/plan_problem.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.errors import Issue
from doorstep.domain.fleet import Depot

MAX_LOADING = timedelta(days=1)
Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class KeptLoading:
    """A van of a kept route at a dock of ``depot_id`` over ``[start, end)`` (aware times); ``dock``: the dock it
    was booked at (None: any); ``route_id``: the kept route, for people."""

    depot_id: str
    start: datetime
    end: datetime
    dock: int | None = None
    route_id: str = ""


def _one(k: KeptLoading, where: Loc, depots: dict[str, Depot]) -> Iterator[Issue]:
    name = k.route_id or k.depot_id
    if k.depot_id not in depots:
        yield Issue("E1713", f"kept loading of {name}: unknown depot {k.depot_id!r}", (*where, "depot_id"), k.route_id)
    if k.start.tzinfo is None or k.end.tzinfo is None:
        yield Issue("E1714", f"kept loading of {name}: its times have no time zone", (*where, "start"), k.route_id)
    elif not timedelta(0) < k.end - k.start <= MAX_LOADING:
        msg = f"kept loading of {name}: ends at {k.end.isoformat()}, not within a day after {k.start.isoformat()}"
        yield Issue("E1714", msg, (*where, "end"), k.route_id)
    if k.dock is not None and k.dock < 1:
        msg = f"kept loading of {name}: dock {k.dock} (docks count from 1)"
        yield Issue("E1714", msg, (*where, "dock"), k.route_id)


def kept_loading_issues(
    kept: Iterable[KeptLoading], depots: Iterable[Depot], root: str = "kept_loadings"
) -> list[Issue]:
    """Every bad kept loading at once: an unknown depot (E1713); times without a zone, an end not after its start
    or more than a day after it, a dock below 1 (E1714). A dock beyond the depot's docks is no error (the depot
    may have fewer docks now than when the route was booked): the planner treats it as any dock."""
    by_id = {d.id: d for d in depots}
    return [issue for i, k in enumerate(kept) for issue in _one(k, (root, i), by_id)]
