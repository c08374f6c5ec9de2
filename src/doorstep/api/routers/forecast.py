"""/v1/analytics/forecast and /v1/analytics/staffing: orders per day (and zone) for the next days with the
backtest, and the staffing job that plans those days with the real fleet (docs/analytics.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from doorstep.api.deps import ActorDep, PlatformDep
from doorstep.api.schemas_common import ERRORS, ErrorDetail
from doorstep.api.schemas_forecast import ForecastOut, StaffingIn, StaffingOut
from doorstep.services.analytics import forecast as fc
from doorstep.services.analytics import staffing

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], responses=ERRORS)

METHOD = (
    "seasonal baseline: the mean of the last 6 same weekdays, grown by the weekly trend of the orders when it is "
    "significant; 80 % band; compared with the seasonal naive (the same weekday a week before)"
)


def _r(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def _series(s: fc.SeriesForecast) -> dict[str, object]:
    bt = s.backtest
    return {
        "key": s.key, "label": s.label,
        "history": [{"date": d, "orders": n} for d, n in s.history],
        "points": [{"date": d, "forecast": round(p.mean, 1), "low": round(p.low, 1), "high": round(p.high, 1),
                    "booked": b} for (d, p), b in zip(s.points, s.booked, strict=True)],
        "backtest": {"origins": bt.origins, "points": bt.points, "scale": _r(bt.scale, 2),
                     "baseline": {"mae": _r(bt.mae, 2), "mase": _r(bt.mase, 3)},
                     "naive": {"mae": _r(bt.naive_mae, 2), "mase": _r(bt.naive_mase, 3)},
                     "mae_ratio": _r(bt.mae_ratio, 3), "coverage": _r(bt.coverage, 3)},
    }  # fmt: skip


@router.get("/forecast", response_model=ForecastOut, response_model_by_alias=True, summary="Demand forecast")
def demand_forecast(
    p: PlatformDep,
    actor: ActorDep,
    days: Annotated[str | None, Query(description="days ahead from today, 1-28 (default 14)")] = None,
    group_by: Annotated[str | None, Query(description="day (every order) or zone")] = None,
) -> ForecastOut:
    """Orders per local delivery day (and zone) with an 80 % band and each series' backtest; E1490 for days,
    E1491 for the grouping (both at once); W1490 in ``warnings`` when the history is under two weeks."""
    f = fc.forecast(p, actor, fc.parse_request(days, group_by))
    seen = f.history_days > 0
    body = {"from": f.first, "to": f.last, "days": (f.last - f.first).days + 1, "group_by": f.group_by,
            "method": METHOD, "history_from": f.history_first if seen else None,
            "history_to": f.history_last if seen else None, "history_days": f.history_days,
            "series": [_series(s) for s in f.series],
            "warnings": [ErrorDetail.model_validate(w.to_dict()) for w in f.warnings]}  # fmt: skip
    return ForecastOut.model_validate(body)


@router.post("/staffing", response_model=StaffingOut, status_code=202, summary="Start a staffing run")
def start_staffing(body: StaffingIn, p: PlatformDep, actor: ActorDep) -> StaffingOut:
    """Queue the job that plans each forecast day with the real fleet; E1492 for bad values (all at once)."""
    req = staffing.StaffingRequest(body.days, body.time_limit_s, body.seed, body.max_iterations)
    row = staffing.start_staffing(p, actor, req)
    return StaffingOut.model_validate(staffing.get_staffing(p, actor, row.id))


@router.get("/staffing/{run_id}", response_model=StaffingOut, summary="A staffing run: status, progress, result")
def get_staffing(run_id: str, p: PlatformDep, actor: ActorDep) -> StaffingOut:
    """Status and the days planned so far while running; the table per day and its totals once done."""
    return StaffingOut.model_validate(staffing.get_staffing(p, actor, run_id))
