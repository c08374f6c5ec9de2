"""/v1/analytics/learned: what was learned from the driven days, and re-learning on demand (docs/learning.md)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_learned import LearnedOut, LearnedValueOut, LearnStartedOut, ReachCellOut, ReachGridOut
from doorstep.domain.cells import address_point
from doorstep.domain.learned import MIN_OBSERVATIONS, LearnedTimes, cell_centre
from doorstep.domain.reach import BAND_H, MIN_ATTEMPTS, Reach, grid
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
        neighbourhood_factors=_cells(m.zones), **_reach(m.reach),
    )  # fmt: skip


def _share(counts: tuple[int, int]) -> float:
    return round(counts[0] / counts[1], 3) if counts[1] else 0.0


def _reach(r: Reach) -> dict[str, object]:
    """The reachability part of the summary: attempts, the organization's share, neighbourhoods and addresses."""
    cells: dict[str, list[int]] = {}
    for key, (s, n) in r.cells.items():
        sums = cells.setdefault(key.split("|")[0], [0, 0])
        sums[0], sums[1] = sums[0] + s, sums[1] + n
    hoods = []
    for key, (s, n) in sorted(cells.items(), key=lambda kv: (-kv[1][1], kv[0])):
        centre = cell_centre(key)
        hoods.append(LearnedValueOut(key=key, value=_share((s, n)), observations=n, lat=centre.lat, lng=centre.lng))
    addrs = []
    for key, counts in sorted(r.addresses.items(), key=lambda kv: (-kv[1][1], kv[0]))[:TOP]:
        pt = address_point(key)
        addrs.append(LearnedValueOut(key=key, value=_share(counts), observations=counts[1], lat=pt.lat, lng=pt.lng))
    return {"reach_observations": r.attempts, "reach_fallback": not r.usable,
            "reach_rate_organization": _share((r.successes, r.attempts)) if r.attempts else None,
            "reach_neighbourhoods": hoods, "reach_addresses": addrs}  # fmt: skip


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


WHERE = r"^(n-?\d+:-?\d+|a-?\d{1,3}\.\d{5}:-?\d{1,3}\.\d{5})$"


@router.get("/reach", response_model=ReachGridOut, summary="When customers are reached, by weekday and band")
def reach(
    p: PlatformDep, actor: ActorDep,
    where: Annotated[str | None, Query(max_length=40, pattern=WHERE,
                                       description="a neighbourhood (n…) or address (a…) key; none: all")] = None,
) -> ReachGridOut:  # fmt: skip
    """Per weekday and two-hour band: the estimated chance an attempt reaches the customer (shrunk as in
    docs/learning.md) and the attempts of the organization, neighbourhood or address in that band."""
    r = (learning.learned_summary(p, actor) or LearnedTimes()).reach
    scope, (successes, attempts), cells = grid(r, where)
    at = None if where is None else cell_centre(where) if scope == "neighbourhood" else address_point(where)
    return ReachGridOut(
        scope=scope, key=where, lat=at.lat if at else None, lng=at.lng if at else None, successes=successes,
        attempts=attempts, min_observations=MIN_ATTEMPTS, fallback=not r.usable,
        cells=[ReachCellOut(weekday=c.weekday, start_hour=c.band * BAND_H, end_hour=(c.band + 1) * BAND_H,
                            rate=None if c.rate is None else round(c.rate, 3), successes=c.successes,
                            attempts=c.attempts, level=c.level) for c in cells],
    )  # fmt: skip
