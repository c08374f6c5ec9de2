"""The nightly rollup of closed days (services/analytics/closed_days.py, the job analytics.rollup_closed): the
ticker submits each organization whose closed days of the window are not all rolled up, the job rolls them up,
and a KPI request over those days then reads the rollup without computing anything from the record; the next
night has nothing to do until a day closes or a late event drops one. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.services.analytics import closed_days, daily_cache, rollups
from doorstep.store.models import KpiDayRow
from tests.api.conftest import platform_of
from tests.api.kpi_day import DAY, act, make_kpi_day, work_the_day
from tests.api.test_analytics_learning import clock_at
from tests.api.test_plans import wait

THREE_DAYS_ON = datetime.fromisoformat(f"{DAY}T12:00:00+00:00") + timedelta(days=3)  # DAY closed (UTC date - 2)
RANGE = {"from": DAY, "to": DAY}


def _rolled(client: TestClient, org_id: str) -> list[date]:
    with platform_of(client).sessions() as s:
        return sorted(s.scalars(select(KpiDayRow.day).where(KpiDayRow.org_id == org_id)))


def _no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rollup over the record (KPI sums and heatmap counts) fails the test if it runs."""

    def boom(*_: Any, **__: Any) -> None:
        raise AssertionError("computed from the record")

    for name in ("attempts", "routes", "capacity", "out_of_turn", "messages", "ratings"):
        monkeypatch.setattr(rollups, name, boom)
    monkeypatch.setattr(daily_cache, "heat", boom)


def test_the_night_rolls_up_closed_days_so_a_request_reads_them_without_computing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three days after DAY: the window is the 7 closed days up to DAY + 1; the ticker submits the organization,
    the job marks all 7 rolled up, and the KPIs and heatmap of DAY equal what the record gave while DAY was
    open, read with every record rollup disabled. The next tick submits nothing for it."""
    p = platform_of(client)
    day = make_kpi_day(client)
    work_the_day(client, day)
    h = day.t.h("read")
    with clock_at(p, datetime.fromisoformat(f"{DAY}T20:00:00+00:00")):  # DAY still open: from the record
        live = client.get("/v1/analytics/kpis", params={**RANGE, "group_by": "driver"}, headers=h).json()
        live_heat = client.get("/v1/analytics/heatmap", params=RANGE, headers=h).json()
    assert _rolled(client, day.t.org_id) == []
    first, last = closed_days.window(THREE_DAYS_ON.date())
    assert (first, last) == (date.fromisoformat(DAY) - timedelta(days=5), date.fromisoformat(DAY) + timedelta(days=1))
    with clock_at(p, THREE_DAYS_ON):
        assert day.t.org_id in closed_days.rollup_due(p)
        wait(client)
        assert _rolled(client, day.t.org_id) == [first + timedelta(days=k) for k in range(7)]
        assert day.t.org_id not in closed_days.rollup_due(p)  # nothing new closed: not submitted again
        with monkeypatch.context() as m:
            _no_computing(m)
            rolled = client.get("/v1/analytics/kpis", params={**RANGE, "group_by": "driver"}, headers=h).json()
            rolled_heat = client.get("/v1/analytics/heatmap", params=RANGE, headers=h).json()
    assert rolled == live and rolled["total"]["attempts"] == 6
    assert rolled_heat == live_heat


def test_a_day_dropped_by_a_late_event_is_rolled_up_again_the_next_night(client: TestClient) -> None:
    """A stop worked late drops DAY's rollup (analytics.rollup); the next tick submits the organization again and
    the job rolls DAY up with the late attempt in it. The job never rolls up a day that is not closed."""
    p = platform_of(client)
    day = make_kpi_day(client)
    act(client, day.stops[0][0], "completed", "09:30")
    with clock_at(p, THREE_DAYS_ON):
        closed_days.rollup_due(p)
        wait(client)
        act(client, day.stops[0][1], "failed", "10:00", reason="not_home")  # the late phone
        wait(client)
        assert date.fromisoformat(DAY) not in _rolled(client, day.t.org_id)
        assert day.t.org_id in closed_days.rollup_due(p)
        wait(client)
        assert date.fromisoformat(DAY) in _rolled(client, day.t.org_id)
        total = client.get("/v1/analytics/kpis", params=RANGE, headers=day.t.h("read")).json()["total"]
        assert (total["attempts"], total["failed_by_reason"]) == (2, {"not_home": 1})
        today = THREE_DAYS_ON.date()
        assert closed_days.rollup_closed(p, day.t.org_id, today - timedelta(days=1), today) == 0
    assert max(_rolled(client, day.t.org_id)) == date.fromisoformat(DAY) + timedelta(days=1)
