"""ETA accuracy (GET /v1/analytics/eta-accuracy): the ETAs a route's stops were given 60, 30 and 10 minutes ahead
are kept as the route is re-timed, and their error against the real arrival is computed here by hand from a fixed
day (the ETA worker replaced by direct, timed re-timings), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.domain.geo import LatLng
from doorstep.domain.status import StopStatus
from doorstep.live.publish import RecordingPublisher
from doorstep.services.driver.stop_actions import StopAction, record_action
from doorstep.services.kernel.access import Actor, Permission, Role
from doorstep.services.operations.eta_horizons import horizon_of
from doorstep.services.operations.tracking import on_event
from doorstep.store.models import StopRow
from tests.api.conftest import platform_of
from tests.api.kpi_day import at, make_kpi_day

DEPOT = {"lat": 38.7372, "lng": -9.1034}
BANDS = {60: (30, 60), 30: (10, 30), 10: (0, 10)}  # minutes ahead: (exclusive low, inclusive high)


def test_horizon_bands() -> None:
    """A prediction 30-60 min ahead is the 60-minute ETA, 10-30 the 30-minute one, 0-10 the 10-minute one."""
    cases = {61: None, 60: 60, 45: 60, 30.5: 60, 30: 30, 10.5: 30, 10: 10, 0.5: 10, 0: None, -5: None}
    assert {m: horizon_of(timedelta(minutes=m)) for m in cases} == cases


def _retime_all_morning(
    p: Any, org_id: str, route_id: str, first: dict[str, Any]
) -> list[tuple[datetime, dict[str, datetime]]]:
    """Re-time the route every 5 minutes from 07:00 to 10:00 with the van at the depot, then once at 10:05 with
    it 300 m north of the first stop: (time, order -> ETA) of every re-timing."""
    out = []
    start = datetime.fromisoformat(at("07:00"))
    near = {"lat": first["location"]["lat"] + 300 / 111_195, "lng": first["location"]["lng"]}
    for k in range(38):
        now = start + timedelta(minutes=5 * k)
        where = DEPOT if k < 37 else near
        events = on_event(p, org_id, {"type": "position", "route_id": route_id, **where, "at": now.isoformat()})
        etas = {s["order_id"]: datetime.fromisoformat(s["eta"]) for s in events[0]["stops"]}
        out.append((now, etas))
    return out


def _expected(predictions: list[tuple[datetime, dict[str, datetime]]], order_id: str, h: int) -> datetime | None:
    """By hand: the first prediction made while the stop's predicted arrival was in the horizon's band."""
    lo, hi = BANDS[h]
    for now, etas in predictions:
        if order_id in etas and lo < (etas[order_id] - now).total_seconds() / 60 <= hi:
            return etas[order_id]
    return None


def _pct(values: list[float], q: float) -> int:
    ordered = sorted(values)
    return round(ordered[int(q * (len(ordered) - 1))])


def test_eta_accuracy_per_horizon_matches_the_hand_count(client: TestClient) -> None:
    """Van 0's three stops, re-timed every 5 minutes in the morning, then reached at 09:05 (arrived; completed
    09:30), 10:00 (failed) and 12:30 (completed): per horizon, p50/p90 of |arrival - ETA| and the mean error.
    (The actions are dated earlier than the last re-timings: only the stored ETAs and arrivals matter here.)"""
    day = make_kpi_day(client)
    p = replace(platform_of(client), live=RecordingPublisher())  # no ETA worker: every re-timing is ours
    route_id, stops = day.routes[0]["id"], day.stops[0]
    with p.uow(day.t.org_id) as uow:  # the set-up's route events re-timed it on today's clock: no ETA of that day
        kept = uow.session.execute(select(StopRow.eta_60, StopRow.eta_30, StopRow.eta_10).where(
            StopRow.route_id == route_id)).all()  # fmt: skip
    assert {tuple(r) for r in kept} == {(None, None, None)}
    predictions = _retime_all_morning(p, day.t.org_id, route_id, stops[0])
    driver = Actor(day.t.org_id, day.drivers[0], frozenset({Permission.OWN_ROUTES}), Role.DRIVER)
    reached: dict[str, datetime] = {}
    actions = [(stops[0], StopStatus.ARRIVED, "09:05"), (stops[0], StopStatus.COMPLETED, "09:30"),
               (stops[1], StopStatus.FAILED, "10:00"), (stops[2], StopStatus.COMPLETED, "12:30")]  # fmt: skip
    for k, (stop, status, hhmm) in enumerate(actions):
        when = datetime.fromisoformat(at(hhmm))
        reason = "not_home" if status is StopStatus.FAILED else None
        record_action(p, driver, StopAction(f"eta-test-{k:04d}", stop["id"], status, when, LatLng(38.72, -9.14),
                                            reason=reason))  # fmt: skip
        reached.setdefault(stop["order_id"], when)  # the first action on a stop is its arrival
    with p.uow(day.t.org_id) as uow:
        rows = {r.order_id: r for r in uow.session.scalars(select(StopRow).where(StopRow.route_id == route_id))}
    body = client.get("/v1/analytics/eta-accuracy?from=2025-06-17&to=2025-06-17", headers=day.t.h("read"))
    assert body.status_code == 200, body.text
    answer = {h["minutes"]: h for h in body.json()["horizons"]}
    assert list(answer) == [60, 30, 10]
    for h in (60, 30, 10):
        said = {s["order_id"]: _expected(predictions, s["order_id"], h) for s in stops}
        assert {o: getattr(rows[o], f"eta_{h}") for o in said} == said  # stored as predicted
        errors = [(reached[o] - eta).total_seconds() for o, eta in said.items() if eta is not None]
        expected = {"minutes": h, "stops": len(errors), "p50_abs_error_s": None, "p90_abs_error_s": None,
                    "mean_error_s": None}  # fmt: skip
        if errors:
            expected |= {"p50_abs_error_s": _pct([abs(e) for e in errors], 0.5),
                         "p90_abs_error_s": _pct([abs(e) for e in errors], 0.9),
                         "mean_error_s": round(sum(errors) / len(errors))}  # fmt: skip
        assert answer[h] == expected
    assert [answer[h]["stops"] > 0 for h in (60, 30, 10)] == [True, True, True]  # every band has a prediction


def test_eta_accuracy_refuses_a_bad_range(client: TestClient) -> None:
    """The same date checks as the KPIs (E1480, E1481); a range with no stop gives null figures."""
    day = make_kpi_day(client)
    bad = client.get("/v1/analytics/eta-accuracy?from=2025-06-18&to=2025-06-17", headers=day.t.h("read"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "E1480"
    empty = client.get("/v1/analytics/eta-accuracy?from=2024-01-01&to=2024-01-31", headers=day.t.h("read")).json()
    assert [(h["minutes"], h["stops"], h["p50_abs_error_s"]) for h in empty["horizons"]] == [
        (60, 0, None), (30, 0, None), (10, 0, None)]  # fmt: skip
