"""Demand forecast: orders per local delivery day (and delivery zone) for the next days, with an 80 % band and
the backtest of the seasonal baseline against the seasonal naive forecast on the organization's own history
(``GET /v1/analytics/forecast``; docs/analytics.md, "Forecast and staffing")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.services.analytics.backtest import MIN_HISTORY, Backtest, backtest
from doorstep.services.analytics.forecast_history import History, local_today, read_history
from doorstep.services.analytics.forecast_model import DEFAULT_PARAMS, Point, baseline, weekly_growth
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform

MAX_DAYS = 28
LOOKBACK_DAYS = 26 * 7  # half a year of history: the backtest's origins and the trend's 12 weeks
CHART_DAYS = 8 * 7  # the history shown beside the forecast
GROUPINGS = ("day", "zone")
ALL = "all"  # the key of the one series of group_by=day


@dataclass(frozen=True, slots=True)
class ForecastRequest:
    """How many days ahead, and whether per zone."""

    days: int = 14
    group_by: str = "day"


@dataclass(frozen=True, slots=True)
class SeriesForecast:
    """One series (every order, or one zone): its recent history, its forecast and its backtest."""

    key: str | None  # "all", a zone id, or None (orders in no zone)
    label: str
    history: list[tuple[date, int]]
    points: list[tuple[date, Point]]
    booked: list[int]  # orders already stored for each forecast day
    backtest: Backtest


@dataclass(frozen=True, slots=True)
class Forecast:
    """The answer: the forecast days, the history used, every series and the warnings."""

    first: date
    last: date
    group_by: str
    history_first: date
    history_last: date
    history_days: int
    series: list[SeriesForecast]
    warnings: list[Issue]


def parse_request(days: str | None, group_by: str | None) -> ForecastRequest:
    """The checked request, or every problem at once: E1490 for days, E1491 for the grouping."""
    issues = []
    try:
        n = int(days) if days is not None else 14
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_DAYS:
        issues.append(Issue("E1490", f"days={days!r}; give a whole number from 1 to {MAX_DAYS}", ("query", "days")))
    if (group_by or "day") not in GROUPINGS:
        msg = f"group_by={group_by!r}; allowed: {', '.join(GROUPINGS)}"
        issues.append(Issue("E1491", msg, ("query", "group_by")))
    if issues:
        raise DoorstepError(issues)
    return ForecastRequest(n, group_by or "day")


def too_little(h: History) -> Issue | None:
    """W1490 when the history is shorter than the baseline needs (two weeks)."""
    if h.days >= MIN_HISTORY:
        return None
    since = f"since {h.first.isoformat()}" if h.days else "none yet"
    msg = (
        f"{h.days} days of order history ({since}); the seasonal baseline needs {MIN_HISTORY}: the forecast is the "
        "last same weekday (the mean of the days seen for a weekday not seen yet; 0 without history) and is not "
        "backtested"
    )
    return Issue("W1490", msg, ("history",))


def series_forecast(h: History, key: str | None, label: str, values: list[int], days: int,
                    growth: float | None, trend_of: list[int] | None) -> SeriesForecast:  # fmt: skip
    """Forecast and backtest one series of the history."""
    start = max(0, len(values) - CHART_DAYS)
    history = [(h.day(i), values[i]) for i in range(start, len(values))]
    points = [(h.day(len(values) + i), p) for i, p in enumerate(baseline(values, days, DEFAULT_PARAMS, growth))]
    booked = [sum(v for k, v in h.booked.get(d, {}).items() if key in (ALL, k)) for d, _ in points]
    points = [(d, at_least(p, b)) for (d, p), b in zip(points, booked, strict=True)]
    bt = backtest(values, days, DEFAULT_PARAMS, trend_of=trend_of)
    return SeriesForecast(key, label, history, points, booked, bt)


def at_least(point: Point, booked: int) -> Point:
    """A day's forecast and band are at least the orders already booked for it: they will be there (a day of 300
    orders booked was forecast 0 on a new organization, and staffing planned it empty)."""
    return Point(max(point.mean, booked), max(point.low, booked), max(point.high, booked))


def forecast(p: Platform, actor: Actor, req: ForecastRequest) -> Forecast:
    """Orders per day (and zone) for ``req.days`` days from today (the organization's local day), with the
    backtest of each series; a short history forecasts anyway and says so (W1490)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        today = local_today(uow, p.clock())
        h = read_history(uow, today, LOOKBACK_DAYS, req.days)
    total = h.total
    if req.group_by == "day":
        series = [series_forecast(h, ALL, "All orders", total, req.days, None, None)]
    else:
        growth = weekly_growth(total, DEFAULT_PARAMS)  # a zone grows with the business (far less noisy)
        series = [series_forecast(h, k, name, h.counts[k], req.days, growth, total) for k, name in h.zones.items()]
    warning = too_little(h)
    return Forecast(today, today + timedelta(days=req.days - 1), req.group_by, h.first, h.last, h.days, series,
                    [warning] if warning else [])  # fmt: skip
