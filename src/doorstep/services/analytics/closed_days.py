"""The nightly rollup of closed days (docs/analytics.md, "Closed days are rolled up"): once a day each
organization's newly closed days — and any closed day of the last ``LOOKBACK_DAYS`` whose rollup a late event
dropped — are rolled up by the named job ``analytics.rollup_closed``, so no KPI request pays for it. The rollup
itself is ``daily_cache.fill`` (the same one a request makes when it finds a day missing)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.domain.analytics import GroupBy, KpiRequest
from doorstep.services.analytics import daily_cache
from doorstep.services.analytics.scope import Scope
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import KpiDayRow, PlanRow

log = logging.getLogger("doorstep.analytics")
LOOKBACK_DAYS = 7  # closed days looked at each night: the newest, and any a late event dropped since


def window(today: date, days: int = LOOKBACK_DAYS) -> tuple[date, date]:
    """The closed days the night looks at: the ``days`` days up to the newest closed one."""
    last = daily_cache.last_closed(today)
    return last - timedelta(days=days - 1), last


def rollup_closed(p: Platform, org_id: str, first: date, last: date) -> int:
    """Roll up the organization's days ``first``..``last`` not rolled up yet; the number of days rolled up now
    (never a day that is not closed: ``last`` is capped at the newest closed day)."""
    last = min(last, daily_cache.last_closed(p.clock().date()))
    if last < first:
        return 0
    with p.uow(org_id) as uow:
        before = _rolled(uow.session, org_id, first, last)
        sc = Scope(org_id, KpiRequest(first, last, GroupBy.DAY), uow.session.get_bind().dialect.name)
        daily_cache.fill(uow.session, sc, first, last)
        return _rolled(uow.session, org_id, first, last) - before


@job("analytics.rollup_closed")
def rollup_closed_job(p: Platform, org_id: str, first: str, last: str) -> None:
    """The named job: roll up one organization's closed days (idempotent: a day rolled up is skipped)."""
    n = rollup_closed(p, org_id, date.fromisoformat(first), date.fromisoformat(last))
    log.info("rolled up %d closed days of org %s (%s..%s)", n, org_id, first, last)


def _rolled(s: Session, org_id: str, first: date, last: date) -> int:
    """How many of the days first..last are rolled up."""
    q = select(func.count()).select_from(KpiDayRow).where(
        KpiDayRow.org_id == org_id, KpiDayRow.day >= first, KpiDayRow.day <= last
    )
    return int(s.scalar(q) or 0)


def rollup_due(p: Platform, days: int = LOOKBACK_DAYS) -> list[str]:
    """Submit ``analytics.rollup_closed`` for each organization with a plan among the closed days of the window
    (``window``) that are not all rolled up: the nightly rollup's ticker (a day closes once a day, so each
    organization is submitted about once a day). Returns the organizations submitted."""
    first, last = window(p.clock().date(), days)
    with p.sessions() as s:
        planned = s.execute(
            select(PlanRow.org_id, func.count(func.distinct(PlanRow.day)))
            .where(PlanRow.day >= first, PlanRow.day <= last)
            .group_by(PlanRow.org_id)
        ).all()
        rolled = dict(
            s.execute(
                select(KpiDayRow.org_id, func.count())
                .where(KpiDayRow.day >= first, KpiDayRow.day <= last)
                .group_by(KpiDayRow.org_id)
            ).all()
        )
    due = sorted(org for org, _ in planned if rolled.get(org, 0) < (last - first).days + 1)
    for org_id in due:
        p.submit("analytics.rollup_closed", org_id=org_id, first=first.isoformat(), last=last.isoformat())
    return due
