"""Learning from driven days (GET /v1/analytics/learned, POST /v1/analytics/learned/run, the job analytics.learn):
what a worked day yields, computed by hand; the fallback when too little is known; plans and ETAs that use the
learned times only when DOORSTEP_LEARNED_TIMES is on. On SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import (
    MIN_OBSERVATIONS,
    LearnedTimes,
    LegObservation,
    ServiceObservation,
    learn_service,
    learn_travel,
)
from doorstep.live.publish import RecordingPublisher
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.services.analytics import learning
from doorstep.services.kernel import learned_times as learned_times_module
from doorstep.services.kernel.learned_times import load_learned, save_learned
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.tracking import on_event
from doorstep.store.models import LearnedModelRow
from tests.api.conftest import make_tenant, platform_of
from tests.api.kpi_day import act, at, make_kpi_day
from tests.api.test_plans import plan_now, wait

NEXT_MORNING = datetime.fromisoformat(at("23:00")) + timedelta(hours=9)


@contextmanager
def learned_times(p: Platform, on: bool) -> Iterator[None]:
    """DOORSTEP_LEARNED_TIMES on (or off) for the block."""
    before, p.travel.learned = p.travel.learned, on
    try:
        yield
    finally:
        p.travel.learned = before


@contextmanager
def clock_at(p: Platform, when: datetime) -> Iterator[None]:
    """The platform's clock pinned for the block."""
    before, p.clock = p.clock, lambda: when
    try:
        yield
    finally:
        p.clock = before


def _loc(stop: dict[str, object]) -> LatLng:
    where = stop["location"]
    assert isinstance(where, dict)
    return LatLng(where["lat"], where["lng"])


def test_a_worked_day_gives_the_visits_and_legs_counted_by_hand(client: TestClient) -> None:
    """Van 0 arrives at its stops 09:10, 09:40, 10:20 and completes them 09:16, 09:43 (failed: no visit), 10:30:
    service times are completion − arrival (the 09:00-12:00 window was open); legs are arrival − the previous
    stop's completion against the straight-line model (no traffic configured). Van 1 is not worked."""
    day = make_kpi_day(client)
    p = platform_of(client)
    a, b, c = day.stops[0]
    for stop, status, hhmm in ((a, "arrived", "09:10"), (a, "completed", "09:16"), (b, "arrived", "09:40"),
                               (b, "failed", "09:43"), (c, "arrived", "10:20"), (c, "completed", "10:30")):
        act(client, stop, status, hhmm, **({"reason": "not_home"} if status == "failed" else {}))
    with p.uow(day.t.org_id) as uow:
        visits, legs, days = learning.observations(p, uow, NEXT_MORNING - timedelta(days=2), NEXT_MORNING)
    assert days == 1
    assert {(v.location, v.seconds) for v in visits} == {(_loc(a), 360.0), (_loc(c), 600.0)} and len(visits) == 2
    assert {v.driver_id for v in visits} == {day.drivers[0]}
    model = StraightLineProvider().matrix([_loc(a), _loc(b), _loc(c)], SpeedProfile.VAN)
    expected = [(_loc(b), float(model.durations[0, 1]), 24 * 60.0), (_loc(c), float(model.durations[1, 2]), 37 * 60.0)]
    # a leg shorter than MIN_LEG_S in the model, or 4x off it, says more about a stop in between: left out
    kept = [e for e in expected if e[1] >= learning.MIN_LEG_S and abs(math.log(e[2] / e[1])) <= math.log(4)]
    assert [(x.destination, x.predicted_s, x.actual_s) for x in legs] == kept
    assert [x.hour_of_week for x in legs] == [1 * 24 + 9] * len(kept)  # left on Tuesday between 09:00 and 10:00


def test_learning_through_the_api_reports_what_it_learned_and_falls_back_when_thin(client: TestClient) -> None:
    """Before any run: nothing learned, both parts on their defaults. After the run (the job) on a day
    of two visits: 2 observations, still below the minimum, so the defaults stand and the answer says so."""
    day = make_kpi_day(client)
    p = platform_of(client)
    a, _, c = day.stops[0]
    for stop, status, hhmm in ((a, "arrived", "09:10"), (a, "completed", "09:16"), (c, "arrived", "10:20"),
                               (c, "completed", "10:30")):  # fmt: skip
        act(client, stop, status, hhmm)
    h = day.t.h()
    before = client.get("/v1/analytics/learned", headers=h).json()
    assert (before["learned_at"], before["service_fallback"], before["travel_fallback"]) == (None, True, True)
    with clock_at(p, NEXT_MORNING):
        r = client.post("/v1/analytics/learned/run", params={"days": 3}, headers=h)
        wait(client)  # the job runs on the app's background runner, on the same clock
    assert r.status_code == 202 and r.json() == {"job": "analytics.learn", "days": 3}
    after = client.get("/v1/analytics/learned", headers=h).json()
    assert after["learned_at"] is not None and after["days"] == 1
    assert (after["service_observations"], after["service_fallback"], after["in_use"]) == (2, True, False)
    assert after["min_observations"] == MIN_OBSERVATIONS
    assert after["service_s_organization"] == round(math.exp((math.log(360) + math.log(600)) / 2), 1)
    assert sorted(x["observations"] for x in after["address_service_s"]) == [1, 1]
    assert client.get("/v1/analytics/learned", headers=day.t.h("read")).status_code == 200
    assert client.post("/v1/analytics/learned/run", headers=day.t.h("read")).status_code == 403


def _model_for(where: LatLng, seconds: float, factor: float) -> LearnedTimes:
    m = LearnedTimes(learned_at=datetime.fromisoformat(at("06:00")), days=1)
    learn_service(m, [ServiceObservation(where, None, seconds)] * MIN_OBSERVATIONS)
    learn_travel(m, [LegObservation(where, 9, 100.0, 100.0 * factor)] * MIN_OBSERVATIONS)
    return m


def test_plans_use_learned_service_times_only_when_switched_on(client: TestClient) -> None:
    """Every stop's service time is the learned one (600 s here, all orders at one address learned from 20
    visits) with learned times on, and the order's own 120 s with them off."""
    t = make_tenant(client)
    p = platform_of(client)
    orders = [t.order(f"L-{k}") for k in range(3)]  # all at the tenant's default address, 38.72 -9.14
    assert client.post("/v1/orders/bulk", json={"orders": orders}, headers=t.h()).status_code == 201
    with p.uow(t.org_id) as uow:
        save_learned(uow, _model_for(LatLng(38.72, -9.14), 600.0, 1.0))
        uow.commit()
    for on, expected in ((False, 120), (True, 600)):
        with learned_times(p, on):
            plan = plan_now(client, t)
        served = [s["service_s"] for r in plan["routes"] for s in r["data"]["stops"] if s.get("order_id")]
        assert served == [expected] * 3, (on, served)


def test_etas_use_learned_travel_factors_only_when_switched_on(client: TestClient) -> None:
    """A learned factor of 2 into the stops' neighbourhood doubles the drive in the ETA of the first stop."""
    day = make_kpi_day(client)
    p = replace(platform_of(client), live=RecordingPublisher())
    first = day.stops[0][0]
    with p.uow(day.t.org_id) as uow:
        save_learned(uow, _model_for(_loc(first), 120.0, 2.0))
        uow.commit()
    depot = {"lat": 38.7372, "lng": -9.1034}
    ev = {"type": "position", "route_id": day.routes[0]["id"], **depot, "at": at("08:30")}
    drives = []
    for on in (False, True):
        with learned_times(p, on):
            eta = on_event(p, day.t.org_id, ev)[0]["stops"][0]
        drives.append((datetime.fromisoformat(eta["eta"]) - datetime.fromisoformat(at("08:30"))).total_seconds())
    model = StraightLineProvider().matrix([LatLng(**depot), _loc(first)], SpeedProfile.VAN)
    assert drives[0] == model.durations[0, 1]
    factor = _model_for(_loc(first), 120.0, 2.0).travel_factor(_loc(first), 1 * 24 + 8)
    assert drives[1] == round(model.durations[0, 1] * factor) and factor > 1.5


def test_the_learned_model_is_looked_up_at_most_every_recheck_interval(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every live ETA asks for the model: within RECHECK_S of the last look the cached model answers without a
    query (a model written behind the process's back is not seen yet); a model saved in this process is seen at
    once, and one written elsewhere at the next look after RECHECK_S."""
    t = make_tenant(client)
    p = platform_of(client)
    here = LatLng(38.72, -9.14)
    with p.uow(t.org_id) as uow:
        assert load_learned(uow) is None
        save_learned(uow, _model_for(here, 600.0, 1.0))
        uow.commit()
    with p.uow(t.org_id) as uow:
        first = load_learned(uow)
    assert first is not None and first.learned_at == datetime.fromisoformat(at("06:00"))
    queries: list[str] = []

    def seen_sql(conn: object, cursor: object, statement: str, *rest: object) -> None:
        queries.append(statement)

    engine = p.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen_sql)
    try:
        with p.uow(t.org_id) as uow:
            assert load_learned(uow) is first
        assert not [q for q in queries if "learned_models" in q]
        newer = _model_for(here, 300.0, 1.0)
        newer.learned_at = datetime.fromisoformat(at("07:00"))
        with p.sessions() as s:  # another process's learning run: written without this process's save
            s.execute(update(LearnedModelRow).where(LearnedModelRow.org_id == t.org_id).values(
                learned_at=newer.learned_at, data=newer.to_dict()))  # fmt: skip
            s.commit()
        with p.uow(t.org_id) as uow:
            assert load_learned(uow) is first  # within RECHECK_S
        monkeypatch.setattr(learned_times_module, "RECHECK_S", 0.0)
        with p.uow(t.org_id) as uow:
            seen = load_learned(uow)
        assert seen is not None and seen.learned_at == newer.learned_at
    finally:
        event.remove(engine, "before_cursor_execute", seen_sql)
