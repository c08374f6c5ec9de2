"""/v1/analytics/learned: what was learned from the driven days, and re-learning on demand (docs/learning.md)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_learned import LearnedOut, LearnedValueOut, LearnStartedOut
from doorstep.domain.learned import MIN_OBSERVATIONS, LearnedTimes, cell_centre
from doorstep.services.analytics import learning

router = APIRouter(prefix="/v1/analytics/learned", tags=["analytics"], responses=ERRORS)
TOP = 50  # addresses listed (the most observed first)


def _cells(table: dict[str, tuple[float, int]]) -> list[LearnedValueOut]:
    out = []
    for key, (log, n) in sorted(table.items(), key=lambda kv: -kv[1][1]):
        c = cell_centre(key)
        out.append(LearnedValueOut(key=key, value=round(math.exp(log), 3), observations=n, lat=c.lat, lng=c.lng))
    return out


def _out(model: LearnedTimes | None, in_use: bool) -> LearnedOut:
    m = model or LearnedTimes()
    addresses = sorted(m.addresses.items(), key=lambda kv: -kv[1][1])[:TOP]
    return LearnedOut(
        learned_at=m.learned_at, days=m.days, in_use=in_use and (m.has_service or m.has_travel),
        min_observations=MIN_OBSERVATIONS, service_observations=m.service_n, leg_observations=m.leg_n,
        service_fallback=not m.has_service, travel_fallback=not m.has_travel,
        service_s_organization=round(math.exp(m.service_log), 1) if m.service_n else None,
        neighbourhood_service_s=[
            LearnedValueOut(key=v.key, value=round(v.value), observations=v.observations, lat=v.lat, lng=v.lng)
            for v in _cells(m.cells)
        ],
        address_service_s=[
            LearnedValueOut(key=k, value=round(math.exp(log)), observations=n,
                            lat=float(k[1:].split(":")[0]), lng=float(k[1:].split(":")[1]))
            for k, (log, n) in addresses
        ],
        driver_factors=[
            LearnedValueOut(key=k, value=round(math.exp(log), 3), observations=n)
            for k, (log, n) in sorted(m.drivers.items())
        ],
        travel_factor_organization=round(math.exp(m.travel_log), 3) if m.leg_n else None,
        hour_of_week_factors=[
            LearnedValueOut(key=str(h), value=round(math.exp(m.travel_log + log), 3), observations=n)
            for h, (log, n) in sorted(m.hours.items())
        ],
        neighbourhood_factors=_cells(m.zones),
    )  # fmt: skip


@router.get("", response_model=LearnedOut, summary="What was learned from the driven days")
def learned(p: PlatformDep, actor: ActorDep) -> LearnedOut:
    """Service times per neighbourhood and address, driver factors and travel factors, with their observations."""
    return _out(learning.learned_summary(p, actor), p.travel.learned)


@router.post("/run", response_model=LearnStartedOut, status_code=202, summary="Re-learn now")
def run(
    p: PlatformDep, actor: ActorDep,
    days: Annotated[int, Query(ge=1, le=366, description="days of history to learn from")] = learning.DEFAULT_DAYS,
) -> LearnStartedOut:  # fmt: skip
    """Hand the job ``analytics.learn`` to the runner (the nightly run does the same)."""
    learning.start_learning(p, actor, days)
    return LearnStartedOut(job="analytics.learn", days=days)
