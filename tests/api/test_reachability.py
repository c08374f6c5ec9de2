"""Reachability through the API (docs/learning.md, "Reachability"): the attempts a worked day yields, counted by
hand (absent reasons count, others are left out); the grid of /v1/analytics/learned/reach; slot offers carrying
``reach``/``suggested`` only with learned times on, and the ``likely_home`` ranking; a next-day re-attempt after
an absence moving to the band its address is reached in. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.cells import address_of, neighbourhood_of
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import LearnedTimes
from doorstep.domain.reach import (
    K_ADDRESS,
    K_BAND,
    K_NEIGHBOURHOOD,
    K_ORG,
    MIN_ATTEMPTS,
    ReachEstimate,
    ReachObservation,
    best_window,
    learn_reach,
    slot_of,
)
from doorstep.domain.returns import FailurePolicy
from doorstep.services.kernel.learned_times import save_learned
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.tracking import LivePolicy
from doorstep.services.returns import returns
from doorstep.services.slots.slot_offers import suggested
from tests.api import live_day
from tests.api.conftest import Tenant, platform_of
from tests.api.kpi_day import act, make_kpi_day
from tests.api.slot_day import NEAR, eve, offers, policy, put_policy
from tests.api.test_analytics_learning import NEXT_MORNING, clock_at, learned_times
from tests.api.test_live_returns import fail_stop, orders_by_ref
from tests.api.test_plans import wait

__all__ = ["eve", "make_day"]
make_day = live_day.make_day  # the fixture
TUE, WED = 1, 2


def _save(p: Platform, org_id: str, attempts: list[ReachObservation]) -> LearnedTimes:
    """Store a learned model with only these attempts."""
    model = LearnedTimes(learned_at=NEXT_MORNING, days=1, reach=learn_reach(attempts))
    with p.uow(org_id) as uow:
        save_learned(uow, model)
        uow.commit()
    return model


def _habit(where: LatLng, day: int, home: int, away: int) -> list[ReachObservation]:
    """10 attempts reached at ``home`` o'clock and 10 not reached at ``away`` o'clock on ``day``."""
    return [ReachObservation(where, day, home, True)] * 10 + [ReachObservation(where, day, away, False)] * 10


def test_a_worked_day_counts_the_attempts_that_say_whether_the_customer_was_there(client: TestClient) -> None:
    """Van 0: completed (arrived 09:05), failed not_home 09:43, failed refused 10:30 (left out: the customer was
    there). Van 1: failed no_access 11:10, completed 12:20, failed address_not_found (left out). Four attempts,
    two reached; below the minimum, so no estimate (rate null) but every count is shown."""
    day = make_kpi_day(client)
    p = platform_of(client)
    a, b, c = day.stops[0]
    d, e, f = day.stops[1]
    for stop, status, hhmm, reason in ((a, "arrived", "09:05", None), (a, "completed", "09:10", None),
                                       (b, "failed", "09:43", "not_home"), (c, "failed", "10:30", "refused"),
                                       (d, "failed", "11:10", "no_access"), (e, "completed", "12:20", None),
                                       (f, "failed", "12:50", "address_not_found")):  # fmt: skip
        act(client, stop, status, hhmm, **({"reason": reason} if reason else {}))
    h = day.t.h()
    with clock_at(p, NEXT_MORNING):
        assert client.post("/v1/analytics/learned/run", params={"days": 3}, headers=h).status_code == 202
        wait(client)
    learned = client.get("/v1/analytics/learned", headers=h).json()
    assert (learned["reach_observations"], learned["reach_rate_organization"], learned["reach_fallback"]) == (
        4, 0.5, True)  # fmt: skip
    grid = client.get("/v1/analytics/learned/reach", headers=h).json()
    assert (grid["scope"], grid["successes"], grid["attempts"], grid["fallback"]) == ("organization", 2, 4, True)
    assert grid["min_observations"] == MIN_ATTEMPTS and len(grid["cells"]) == 84
    seen = {(x["weekday"], x["start_hour"]): (x["successes"], x["attempts"]) for x in grid["cells"] if x["attempts"]}
    assert seen == {(TUE, 8): (1, 2), (TUE, 10): (0, 1), (TUE, 12): (1, 1)}  # 09:05 + 09:43, 11:10, 12:20
    assert all(x["rate"] is None for x in grid["cells"])
    where = address_of(LatLng(b["location"]["lat"], b["location"]["lng"]))
    mine = client.get("/v1/analytics/learned/reach", params={"where": where}, headers=h).json()
    assert (mine["scope"], mine["key"], mine["successes"], mine["attempts"]) == ("address", where, 0, 1)
    bad = client.get("/v1/analytics/learned/reach", params={"where": "x1:2"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"][-1] == "where"


def test_the_grid_shows_the_shrunk_estimates_computed_by_hand(client: TestClient, tenant: Tenant) -> None:
    """20 attempts at one address (10 reached Tuesdays 14h, 10 not Tuesdays 10h): the organization's, the
    neighbourhood's and the address's Tuesday 14-16 band, each level by hand."""
    p = platform_of(client)
    home = LatLng(NEAR["lat"], NEAR["lng"])
    _save(p, tenant.org_id, _habit(home, TUE, 14, 10))
    org = (10 + K_ORG * 0.5) / (10 + K_ORG)
    hood = (10 + K_NEIGHBOURHOOD * org) / (10 + K_NEIGHBOURHOOD)
    addr = (10 + K_BAND * (10 + K_ADDRESS * hood) / (20 + K_ADDRESS)) / (10 + K_BAND)
    h = tenant.h("read")
    for where, expected, level in ((None, org, "organization"), (neighbourhood_of(home), hood, "neighbourhood"),
                                   (address_of(home), addr, "address")):  # fmt: skip
        params = {"where": where} if where else {}
        grid = client.get("/v1/analytics/learned/reach", params=params, headers=h).json()
        cell = grid["cells"][slot_of(TUE, 14)]
        assert (cell["rate"], cell["successes"], cell["attempts"], cell["level"]) == (round(expected, 3), 10, 10, level)
        assert grid["fallback"] is False and (grid["successes"], grid["attempts"]) == (10, 20)
    summary = client.get("/v1/analytics/learned", headers=h).json()
    assert [(x["key"], x["value"], x["observations"]) for x in summary["reach_addresses"]] == [
        (address_of(home), 0.5, 20)]  # fmt: skip
    assert [(x["key"], x["observations"]) for x in summary["reach_neighbourhoods"]] == [(neighbourhood_of(home), 20)]


def _rate(model: LearnedTimes, offer: dict[str, Any]) -> ReachEstimate | None:
    where = LatLng(NEAR["lat"], NEAR["lng"])
    return model.reach.window(where, datetime.fromisoformat(offer["start"]), datetime.fromisoformat(offer["end"]))


def test_offers_carry_reach_and_suggested_only_with_learned_times_on(
    client: TestClient, tenant: Tenant, eve: datetime
) -> None:
    """Off: reach and suggested are null. On: each window's reach (the address's band estimate, 20 attempts,
    level address) and only the 14:00-16:00 window suggested (reached there 10 of 10); ``likely_home`` ranks it
    first, then by cost."""
    p = platform_of(client)
    doc = policy(tenant)
    put_policy(client, tenant, doc)
    model = _save(p, tenant.org_id, _habit(LatLng(NEAR["lat"], NEAR["lng"]), TUE, 14, 10))
    off = offers(client, tenant)["offers"]
    assert off and all(o["reach"] is None and o["suggested"] is None for o in off)
    with learned_times(p, True):
        on = offers(client, tenant)["offers"]
    assert on and {o["start"] for o in on} == {o["start"] for o in off}
    for o in on:
        est = _rate(model, o)
        assert est is not None and est.level == "address" and est.observations == 20
        assert o["reach"] == {"rate": round(est.rate, 3), "observations": 20, "level": "address"}
    picked = sorted((o["service_level"], o["start"][11:16]) for o in on if o["suggested"])
    assert picked == [("standard", "14:00")]
    assert {o["id"] for o in on if o["suggested"]} == suggested({o["id"]: _rate(model, o) for o in on})  # type: ignore[misc]
    put_policy(client, tenant, {**doc, "ranking": "likely_home"}, version=1)
    with learned_times(p, True):
        ranked = offers(client, tenant)
    assert ranked["ranking"] == "likely_home"
    keys = [(-o["reach"]["rate"], o["cost_cents"], o["start"]) for o in ranked["offers"]]
    assert keys == sorted(keys) and ranked["offers"][0]["start"][11:16] == "14:00"
    assert [o["start"] for o in offers(client, tenant)["offers"]] == [  # learned off: as cheapest
        o["start"] for o in sorted(off, key=lambda o: (o["cost_cents"], o["start"], o["service_level"]))]  # fmt: skip


def test_a_next_day_reattempt_after_an_absence_moves_to_when_the_address_is_reached(make_day: Any) -> None:
    """The address is reached on Wednesdays 16-18 and not 08-12: a delivery failed "not home" on Tuesday is
    re-attempted on Wednesday 16:00-19:00 (its 3-hour window moved) with learned times on, and the event says
    from where to where and why; learned off, or a reason that is no absence (refused), keeps 09:00-12:00."""
    day = make_day(parcels=3)  # three orders a van
    route = day.plan["routes"][0]
    stops = route["data"]["stops"]
    assert all(stops[k].get("order_id") for k in (1, 2, 3))
    where = LatLng(stops[1]["location"]["lat"], stops[1]["location"]["lng"])
    habit = _habit(where, WED, 16, 8)[:15] + [ReachObservation(where, WED, 10, False)] * 5
    model = _save(day.p, day.t.org_id, habit)
    policy = LivePolicy(FailurePolicy(same_day=False, max_attempts=3))
    with learned_times(day.p, True):
        moved = fail_stop(day, route, 1, policy)
    kept = fail_stop(day, route, 2, policy)  # learned off

    def again(oid: str) -> dict[str, Any]:
        ref = day.client.get(f"/v1/orders/{oid}", headers=day.t.h()).json()["external_ref"]
        return orders_by_ref(day)[f"{ref}#2"]

    windows = again(moved)["data"]["time_windows"]
    assert [(w["start"], w["end"]) for w in windows] == [("2025-06-18T16:00:00+01:00", "2025-06-18T19:00:00+01:00")]
    assert [(w["start"], w["end"]) for w in again(kept)["data"]["time_windows"]] == [
        ("2025-06-18T09:00:00+01:00", "2025-06-18T12:00:00+01:00")]  # fmt: skip
    timeline = day.client.get(f"/v1/orders/{moved}/timeline", headers=day.t.h()).json()
    why = next(e for e in timeline if e["type"] == "delivery.failed")["data"]["reattempt_window"]
    start = datetime.fromisoformat("2025-06-18T09:00:00+01:00")
    before = model.reach.window(where, start, start + timedelta(hours=3))
    after = model.reach.window(where, start.replace(hour=16), start.replace(hour=19))
    assert before is not None and after is not None and after.rate > before.rate + 0.05
    assert why["from"]["reach"] == round(before.rate, 3) and why["to"]["reach"] == round(after.rate, 3)
    assert (why["observations"], why["level"]) == (20, "address")
    with learned_times(day.p, True):  # out of time: says nothing about the customer, so the window stays
        late = fail_stop_for(day, route, 3, policy, "out_of_time")
    assert [(w["start"], w["end"]) for w in again(late)["data"]["time_windows"]] == [
        ("2025-06-18T09:00:00+01:00", "2025-06-18T12:00:00+01:00")]  # fmt: skip


def fail_stop_for(day: live_day.Day, route: dict[str, Any], k: int, policy: LivePolicy, reason: str) -> str:
    """The driver fails stop ``k`` of the route for ``reason`` (as ``fail_stop`` does for not home)."""
    stop = route["data"]["stops"][k]
    returns.on_stop(day.p, day.t.org_id, {
        "type": "stop", "route_id": route["id"], "order_id": stop["order_id"], "status": "failed",
        "reason": reason, "at": live_day.DAY_9_30.isoformat(), "driver_id": "drv_test",
    }, policy.failure, policy.auto_approve)  # fmt: skip
    return str(stop["order_id"])


def test_a_moved_reattempt_stays_within_the_hours_the_vans_work(make_day: Any) -> None:
    """The same habit (reached Wednesdays 16-18), but every van works Wednesday 08:00-18:00: 16:00-19:00 would end
    after the last shift, so the re-attempt moves to the best 3-hour window that ends by 18:00 instead."""
    day = make_day(parcels=3)
    route = day.plan["routes"][0]
    stop = route["data"]["stops"][1]
    where = LatLng(stop["location"]["lat"], stop["location"]["lng"])
    model = _save(day.p, day.t.org_id, _habit(where, WED, 16, 8)[:15] + [ReachObservation(where, WED, 10, False)] * 5)
    for v in day.client.get("/v1/vehicles", headers=day.t.h()).json()["items"]:
        shift = {"vehicle_id": v["id"], "day": "2025-06-18", "start": "2025-06-18T08:00:00+01:00",
                 "end": "2025-06-18T18:00:00+01:00"}  # fmt: skip
        assert day.client.post("/v1/shifts", json=shift, headers=day.t.h()).status_code == 201
    with learned_times(day.p, True):
        moved = fail_stop(day, route, 1, LivePolicy(FailurePolicy(same_day=False, max_attempts=3)))
    ref = day.client.get(f"/v1/orders/{moved}", headers=day.t.h()).json()["external_ref"]
    (w,) = orders_by_ref(day)[f"{ref}#2"]["data"]["time_windows"]
    start, end = datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"])
    morning = datetime.fromisoformat("2025-06-18T09:00:00+01:00")
    assert end <= morning.replace(hour=18) and (start, end) != (morning, morning.replace(hour=12))
    assert (start, end) == best_window(model.reach, where, morning, morning.replace(hour=12),
                                       (morning.replace(hour=8), morning.replace(hour=18)))  # fmt: skip
