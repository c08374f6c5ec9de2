"""All unit scaling between Doorstep (cents, seconds, metres, datetimes) and the solver's integers lives here."""

from __future__ import annotations

from datetime import datetime, timedelta

# One solver cost unit is 1/36000 of a cent, so that cents/km per metre (×36) and cents/hour per second (×10)
# are both integers: no rounding in the objective.
COST_UNITS_PER_CENT = 36_000
PER_METRE_PER_CENT_PER_KM = 36
PER_SECOND_PER_CENT_PER_HOUR = 10
# When a vehicle type has no costs, it minimises duration as if a route hour cost this many cents.
FALLBACK_CENTS_PER_HOUR = 3_600
# Matrix value that forbids an arc (skills, depot restrictions): far above any real trip, far below PyVRP's limit.
# 1e7 s is 116 days and 1e7 m is 10,000 km: no real arc comes close, and a route using one is infeasible (its
# time warp exceeds any shift), yet penalties times violations stay far inside int64 (see pyvrp_adapter).
# Unreachable pairs from a provider are clipped to it too.
FORBIDDEN = 10**7
# "No limit" for times, capacities and distances.
UNBOUNDED = 2**62


def seconds_since(t0: datetime, when: datetime) -> int:
    """Whole seconds from the plan origin (never negative)."""
    return max(0, int((when - t0).total_seconds()))


def at(t0: datetime, seconds: int) -> datetime:
    """The datetime ``seconds`` after the plan origin."""
    return t0 + timedelta(seconds=int(seconds))


def units_to_cents(units: int) -> int:
    """Solver cost units back to cents (rounded)."""
    return round(units / COST_UNITS_PER_CENT)
