"""Staffing: the vans and driver hours each forecast day needs. A named job (``analytics.staffing``, so it runs on
the job runner like ``planning.run``) forecasts the next days, builds for each a synthetic day of the forecast
size with the real fleet (``staffing_day``) and plans it with the real planner (``services/planning/planning``),
a short time limit per depot and day; the days done so far are stored as the job's progress, the whole table as
its result (docs/analytics.md, "Forecast and staffing")."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from doorstep.domain.errors import CODES, DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.optimize.options import SolveOptions
from doorstep.services.analytics.forecast import MAX_DAYS, ForecastRequest, forecast
from doorstep.services.analytics.forecast_history import local_today
from doorstep.services.analytics.staffing_day import synthetic_days
from doorstep.services.kernel.access import Actor, Permission, system_actor
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform
from doorstep.services.planning.planning import plan as make_plan
from doorstep.store.locking import get_for_update
from doorstep.store.models import DepotRow, StaffingRunRow
from doorstep.store.repositories import Repository
from doorstep.store.uow import UnitOfWork

log = logging.getLogger("doorstep.staffing")
MAX_TIME_LIMIT_S = 60.0


@dataclass(frozen=True, slots=True)
class StaffingRequest:
    """How many forecast days to staff, the solver's time per depot and day, its seed and (to make runs
    repeatable on any machine) an optional bound on its iterations."""

    days: int = 14
    time_limit_s: float | None = None  # None: the deployment's DOORSTEP_STAFFING_TIME_LIMIT_S
    seed: int = 0
    max_iterations: int | None = None


def runs(uow: UnitOfWork) -> Repository[StaffingRunRow]:
    """The staffing run repository of the unit's organization."""
    return Repository(uow.session, StaffingRunRow, uow.org_id, "staffing run")


def check(req: StaffingRequest) -> None:
    """E1492 listing every bad value at once."""
    issues = []
    if not 1 <= req.days <= MAX_DAYS:
        issues.append(Issue("E1492", f"days={req.days}; give 1 to {MAX_DAYS}", ("days",)))
    if req.time_limit_s is not None and not 1 <= req.time_limit_s <= MAX_TIME_LIMIT_S:
        msg = f"time_limit_s={req.time_limit_s}; give 1 to {MAX_TIME_LIMIT_S:g} seconds"
        issues.append(Issue("E1492", msg, ("time_limit_s",)))
    if req.seed < 0:
        issues.append(Issue("E1492", f"seed={req.seed}; give 0 or more", ("seed",)))
    if req.max_iterations is not None and req.max_iterations < 1:
        issues.append(Issue("E1492", f"max_iterations={req.max_iterations}; give 1 or more", ("max_iterations",)))
    if issues:
        raise DoorstepError(issues)


def start_staffing(p: Platform, actor: Actor, req: StaffingRequest) -> StaffingRunRow:
    """Queue a staffing run and hand it to the runner."""
    actor.require(Permission.WRITE)
    check(req)
    options = {"days": req.days, "time_limit_s": req.time_limit_s or p.staffing_time_limit_s, "seed": req.seed,
               "max_iterations": req.max_iterations}  # fmt: skip
    with p.uow(actor) as uow:
        row = StaffingRunRow(id=new_id("stf"), status="queued", options=options, progress={"days_done": 0,
                             "days_total": req.days}, result=None, error=None)  # fmt: skip
        runs(uow).add(row)
        uow.commit()
    p.submit("analytics.staffing", org_id=actor.org_id, run_id=row.id)
    return row


def get_staffing(p: Platform, actor: Actor, run_id: str) -> StaffingRunRow:
    """A staffing run: status, progress (with the days done so far) and, once done, its result."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row = runs(uow).require(run_id, ("run_id",))
        if row.status == "running" and _stale(uow, row, p.clock()):  # its process died: say so, do not spin
            row.status, row.error, row.finished_at = "failed", INTERRUPTED, p.clock()
            uow.commit()
        return row


INTERRUPTED = {
    "error": {
        "code": "E5001",
        "message": "the staffing run was interrupted (its process stopped while it ran)",
        "action": "Start the run again.",
        "details": [],
    }
}
STALE_AFTER_S = 300  # silent this long beyond what planning its next day may take: the process died


def _stale(uow: UnitOfWork, row: StaffingRunRow, now: datetime) -> bool:
    """A running run whose process died: no day finished (``progress["beat"]``, else its start) for longer than
    one day's plans may take (the time limit per depot) plus ``STALE_AFTER_S``."""
    beat = row.progress.get("beat")
    last = datetime.fromisoformat(beat) if beat else row.started_at
    if last is None:
        return False
    depots = uow.session.scalar(select(func.count()).select_from(DepotRow).where(DepotRow.org_id == row.org_id))
    allowance = float(row.options.get("time_limit_s", MAX_TIME_LIMIT_S)) * max(1, depots or 0) + STALE_AFTER_S
    return (now - last).total_seconds() > allowance


def day_row(day: date, mean: float, plans: list[tuple[Problem, Plan | None]]) -> dict[str, Any]:
    """One day of the table: the forecast, the orders planned and what the plans of its depots needed."""
    routes = [r for _, pl in plans if pl is not None for r in pl.routes if r.order_ids]
    reasons: Counter[str] = Counter()
    for problem, pl in plans:
        if pl is None:  # a depot without any vehicle that day: nothing could be planned
            reasons["NO_VEHICLE"] += len(problem.orders)
        else:
            reasons.update(u.reason.value for u in pl.unassigned)
    duration = sum(r.duration_s for r in routes)
    return {
        "date": day.isoformat(), "forecast": round(mean, 1), "orders": sum(len(pr.orders) for pr, _ in plans),
        "vehicles_available": sum(len(pr.vehicles) for pr, _ in plans), "vans": len(routes),
        "driver_s": duration, "driver_hours": round(duration / 3600, 2),
        "distance_m": sum(r.distance_m for r in routes), "unassigned": sum(reasons.values()),
        "unassigned_by_reason": dict(sorted(reasons.items())),
        "routes": [{"vehicle_id": r.vehicle_id, "orders": len(r.order_ids), "duration_s": r.duration_s,
                    "distance_m": r.distance_m} for r in routes],
    }  # fmt: skip


def _claim(p: Platform, org_id: str, run_id: str) -> dict[str, Any] | None:
    """Queued -> running under a row lock (None otherwise: a duplicate delivery does nothing). A run left
    running by a process that died (silent past ``_stale``) is claimed again: a broker redelivers the job of a
    worker that crashed, and the run starts over instead of staying "running" for ever."""
    with p.uow(org_id) as uow:
        row = get_for_update(uow.session, StaffingRunRow, run_id)
        if row is None or row.org_id != org_id:
            return None
        now = p.clock()
        if row.status != "queued" and not (row.status == "running" and _stale(uow, row, now)):
            return None
        row.status, row.started_at, row.attempts = "running", now, row.attempts + 1
        row.progress = {"days_done": 0, "days_total": row.progress.get("days_total"), "beat": now.isoformat()}
        uow.commit()
        return dict(row.options)


def _store(p: Platform, org_id: str, run_id: str, **values: Any) -> None:
    with p.uow(org_id) as uow:
        row = runs(uow).require(run_id)
        for k, v in values.items():
            setattr(row, k, v)
        uow.commit()


def plan_day(p: Platform, org_id: str, day: date, today: date, count: int, opts: SolveOptions) -> list[
        tuple[Problem, Plan | None]]:  # fmt: skip
    """Plan the synthetic day of ``count`` orders, depot by depot (None: a depot without vehicles that day)."""
    with p.uow(org_id) as uow:
        problems = synthetic_days(uow, day, today, count, opts.seed)
    return [(pr, make_plan(pr, provider=p.provider(pr), options=opts) if pr.vehicles else None) for pr in problems]


@job("analytics.staffing")
def run_staffing(p: Platform, org_id: str, run_id: str) -> None:
    """The job body: forecast, then plan each day in turn, storing each finished day as progress; ends
    succeeded with the table, or failed with the error envelope."""
    options = _claim(p, org_id, run_id)
    if options is None:
        return
    try:
        fc = forecast(p, system_actor(org_id), ForecastRequest(int(options["days"]), "day"))
        with p.uow(org_id) as uow:
            today = local_today(uow, p.clock())
        opts = SolveOptions(time_limit_s=float(options["time_limit_s"]), seed=int(options["seed"]),
                            max_iterations=options.get("max_iterations"))  # fmt: skip
        rows: list[dict[str, Any]] = []
        for i, (day, point) in enumerate(fc.series[0].points):
            plans = plan_day(p, org_id, day, today, round(point.mean), opts)
            rows.append(day_row(day, point.mean, plans))
            _store(p, org_id, run_id, progress={"days_done": i + 1, "days_total": len(fc.series[0].points),
                                                "days": list(rows), "beat": p.clock().isoformat()})  # fmt: skip
        totals = {k: sum(r[k] for r in rows) for k in ("orders", "driver_s", "distance_m", "unassigned")}
        result = {"days": rows, "totals": {**totals, "driver_hours": round(totals["driver_s"] / 3600, 2),
                                           "max_vans": max((r["vans"] for r in rows), default=0)},
                  "warnings": [w.to_dict() for w in fc.warnings]}  # fmt: skip
        _store(p, org_id, run_id, status="succeeded", result=result, finished_at=p.clock())
    except DoorstepError as exc:
        _store(p, org_id, run_id, status="failed", error=exc.envelope(), finished_at=p.clock())
    except Exception:
        log.exception("staffing run %s crashed", run_id)
        envelope = {"error": {"code": "E5001", "message": CODES["E5001"][0], "action": CODES["E5001"][1],
                              "details": []}}  # fmt: skip
        _store(p, org_id, run_id, status="failed", error=envelope, finished_at=p.clock())

