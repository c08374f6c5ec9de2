"""Demand forecast and staffing answers (definitions in docs/analytics.md, "Forecast and staffing")."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from doorstep.api.schemas_common import ErrorBody, ErrorDetail, Out, Strict


class ForecastPointOut(Out):
    """One forecast day: expected orders, the 80 % band and the orders already booked for it."""

    date: dt.date
    forecast: float
    low: float
    high: float
    booked: int


class HistoryPointOut(Out):
    """Orders of one past local delivery day (cancelled ones left out; a day without orders is 0)."""

    date: dt.date
    orders: int


class MethodScoreOut(Out):
    """A method's backtest errors: mean absolute error (orders a day) and MASE (MAE over the history's
    one-week seasonal-naive MAE; below 1: better than "same as last week")."""

    mae: float | None
    mase: float | None


class BacktestOut(Out):
    """The rolling-origin backtest of one series: both methods over the same targets."""

    origins: int
    points: int
    scale: float | None = Field(description="in-sample MAE of the one-week seasonal naive (MASE's denominator)")
    baseline: MethodScoreOut
    naive: MethodScoreOut
    mae_ratio: float | None = Field(description="baseline MAE / naive MAE on the same targets")
    coverage: float | None = Field(description="share of backtest days inside the baseline's 80 % band")


class ForecastSeriesOut(Out):
    """One series: every order (key "all"), a zone (its id) or the orders in no zone (key null)."""

    key: str | None
    label: str
    history: list[HistoryPointOut]
    points: list[ForecastPointOut]
    backtest: BacktestOut


class ForecastOut(Out):
    """The forecast days, the history they learn from, each series and the warnings (W1490: short history)."""

    from_: dt.date = Field(alias="from", serialization_alias="from")
    to: dt.date
    days: int
    group_by: str
    method: str
    history_from: dt.date | None
    history_to: dt.date | None
    history_days: int
    series: list[ForecastSeriesOut]
    warnings: list[ErrorDetail]


class StaffingIn(Strict):
    """Staff the next ``days`` forecast days; the solver's time per depot and day (default
    DOORSTEP_STAFFING_TIME_LIMIT_S), its seed, and optionally a bound on its iterations (repeatable runs)."""

    days: int = 14
    time_limit_s: float | None = None
    seed: int = 0
    max_iterations: int | None = None


class StaffingOptionsOut(Out):
    """The run's options as stored: days, the solver's seconds per depot and day, its seed, its iteration bound."""

    days: int
    time_limit_s: float
    seed: int
    max_iterations: int | None = None


class StaffingRouteOut(Out):
    """One van's route in a planned forecast day."""

    vehicle_id: str
    orders: int
    duration_s: int
    distance_m: int


class StaffingDayOut(Out):
    """One forecast day planned with the real fleet: what it needs."""

    date: dt.date
    forecast: float
    orders: int
    vehicles_available: int
    vans: int
    driver_s: int
    driver_hours: float
    distance_m: int
    unassigned: int
    unassigned_by_reason: dict[str, int]
    routes: list[StaffingRouteOut]


class StaffingProgressOut(Out):
    """The days planned so far (all of them once the run is done)."""

    days_done: int
    days_total: int | None = None
    days: list[StaffingDayOut] = Field(default_factory=list)


class StaffingTotalsOut(Out):
    """The run's totals over its days."""

    orders: int
    driver_s: int
    distance_m: int
    unassigned: int
    driver_hours: float
    max_vans: int


class StaffingResultOut(Out):
    """The table of a finished run, its totals and the forecast's warnings (too little history: W1490)."""

    days: list[StaffingDayOut]
    totals: StaffingTotalsOut
    warnings: list[ErrorDetail]


class StaffingErrorOut(BaseModel):
    """The error envelope a failed run stored."""

    error: ErrorBody


class StaffingOut(Out):
    """A staffing run: status (queued, running, succeeded, failed), progress with the days planned so far, then
    the result (a row per day: forecast, orders planned, vans, driver hours, km, unassigned) or the error."""

    id: str
    status: str
    options: StaffingOptionsOut
    progress: StaffingProgressOut
    result: StaffingResultOut | None
    error: StaffingErrorOut | None
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
