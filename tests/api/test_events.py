"""The event core: a failed stop reaches the failure policy through its recorded event (no ETA worker), a
raising handler neither rolls back the change nor blocks the other handlers, is listed as stuck and succeeds on
retry; handlers run once per event and are retried with back-off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from doorstep.domain.geo import LatLng
from doorstep.domain.returns import FailurePolicy
from doorstep.domain.status import StopStatus
from doorstep.jobs.handlers import ANALYTICS_ROLLUP, FAILURE_POLICY, register_handlers
from doorstep.live.publish import RecordingPublisher
from doorstep.services.driver.stop_actions import StopAction, record_action
from doorstep.services.kernel.access import Actor, Permission, Role
from doorstep.services.kernel.event_bus import EventBus, EventRecord
from doorstep.services.kernel.event_dispatch import dispatch_due
from doorstep.services.kernel.platform import InlineRunner, Platform
from doorstep.services.operations.tracking import LivePolicy
from doorstep.store.engine import make_session_factory
from doorstep.store.models import EventHandlingRow, EventRow
from tests.api import driver_day
from tests.api.conftest import Tenant, platform_of


def _driver(t_org: str, driver_id: str) -> Actor:
    return Actor(t_org, driver_id, frozenset({Permission.OWN_ROUTES}), Role.DRIVER)


def test_a_failed_stop_runs_the_failure_policy_from_its_event_with_no_eta_worker(
    client: TestClient, db_engine: Engine
) -> None:
    """A platform with only the event handlers (inline runner, no tracking publisher, no ETA thread): the
    driver fails a stop, the ``stop.failed`` event's handler fails the order and creates the next-day attempt,
    once; after the last allowed attempt the parcel returns to sender."""
    day = driver_day.make_day(client)
    live = RecordingPublisher()
    policy = LivePolicy(FailurePolicy(same_day=False, max_attempts=3))
    p = Platform(sessions=make_session_factory(db_engine), runner=InlineRunner(), live=live,
                 bus=register_handlers(EventBus(), policy))  # fmt: skip
    stop = day.stops(client, 0)[0]
    at = datetime.fromisoformat("2025-06-17T10:05:00+01:00")
    action = StopAction("c-fail-1", stop["id"], StopStatus.FAILED, at, LatLng(38.72, -9.14), reason="not_home")
    result = record_action(p, _driver(day.t.org_id, day.drivers[0]), action)
    assert result["status"] == "failed" and result["replayed"] is False
    assert [e["type"] for _, e in live.events] == ["stop"]  # no ETA worker: no eta was published

    order = client.get(f"/v1/orders/{stop['order_id']}", headers=day.t.h()).json()
    assert order["status"] == "failed"
    items = client.get("/v1/orders", params={"limit": 200}, headers=day.t.h()).json()["items"]
    again = [o for o in items if o["external_ref"] == f"{order['external_ref']}#2"]
    assert len(again) == 1 and again[0]["date"] == "2025-06-18" and again[0]["status"] == "new"
    timeline = client.get(f"/v1/orders/{stop['order_id']}/timeline", headers=day.t.h()).json()
    failed = [e for e in timeline if e["type"] == "delivery.failed"]
    assert len(failed) == 1
    assert failed[0]["actor"] == day.drivers[0] and failed[0]["data"]["lat"] == 38.72
    assert failed[0]["data"]["next"] == "reattempt_next_day"

    with p.sessions() as s:
        q = select(EventRow).where(EventRow.subject_id == stop["id"], EventRow.type == "stop.failed")
        event = s.scalars(q).one()
        rows = list(s.scalars(select(EventHandlingRow).where(EventHandlingRow.event_id == event.id)))
    # a handling row per handler, in no particular order (PostgreSQL returns them as it likes)
    assert sorted((r.handler, r.status, r.attempts) for r in rows) == sorted(
        [(FAILURE_POLICY, "done", 0), (ANALYTICS_ROLLUP, "done", 0)]
    )
    # the same action sent again (offline replay) is a replay: no second event, no second attempt
    assert record_action(p, _driver(day.t.org_id, day.drivers[0]), action)["replayed"] is True
    items = client.get("/v1/orders", params={"limit": 200}, headers=day.t.h()).json()["items"]
    assert len([o for o in items if o["external_ref"].startswith(order["external_ref"] + "#")]) == 1


def test_the_failure_policy_returns_the_parcel_after_the_last_attempt(client: TestClient, db_engine: Engine) -> None:
    """With one attempt allowed, the failed stop's event sends the parcel back to its sender (return in
    transit), with no ETA worker."""
    day = driver_day.make_day(client)
    policy = LivePolicy(FailurePolicy(same_day=False, max_attempts=1))
    p = Platform(sessions=make_session_factory(db_engine), bus=register_handlers(EventBus(), policy))
    stop = day.stops(client, 1)[0]
    at = datetime.fromisoformat("2025-06-17T10:05:00+01:00")
    action = StopAction("c-fail-rts", stop["id"], StopStatus.FAILED, at, None, reason="not_home")
    record_action(p, _driver(day.t.org_id, day.drivers[1]), action)
    returns = client.get("/v1/returns", headers=day.t.h()).json()
    mine = [r for r in returns if r["order_id"] == stop["order_id"]]
    assert len(mine) == 1 and mine[0]["status"] == "in_transit" and mine[0]["reason"] == "return_to_sender"


class Flaky:
    """A handler that raises while ``failing`` is set, and counts its runs per event."""

    def __init__(self, org_id: str) -> None:
        self.org_id, self.failing, self.runs = org_id, True, list[str]()

    def __call__(self, p: Platform, event: EventRecord) -> None:
        if event.org_id != self.org_id:
            return
        self.runs.append(event.id)
        if self.failing:
            raise RuntimeError("receiver down")


@pytest.fixture
def flaky(client: TestClient, tenant: Tenant) -> Iterator[tuple[Flaky, list[str]]]:
    """A raising handler registered first and a counting one after it, on ``order.created``, for this tenant."""
    bus = platform_of(client).bus
    handler, seen = Flaky(tenant.org_id), list[str]()
    attempts = bus.max_attempts
    bus.max_attempts = 2
    bus.on("test.flaky", ["order.created"], handler)
    bus.on("test.after", ["order.*"], lambda p, e: seen.append(e.id) if e.org_id == tenant.org_id else None)
    try:
        yield handler, seen
    finally:
        bus.off("test.flaky")
        bus.off("test.after")
        bus.max_attempts = attempts


def test_a_raising_handler_does_not_roll_back_is_listed_as_stuck_and_succeeds_on_retry(
    client: TestClient, tenant: Tenant, flaky: tuple[Flaky, list[str]]
) -> None:
    """The order is created although a handler of its event raises; the next handler still ran; the failure is
    retried after back-off, then marked stuck and listed (admins only); a retry after the fix runs it once more
    and marks it done; a second retry has nothing to do (E2160); an unknown event is 404."""
    handler, seen = flaky
    r = client.post("/v1/orders", json=tenant.order("FLAKY-1"), headers=tenant.h("write"))
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    assert client.get(f"/v1/orders/{order_id}", headers=tenant.h()).json()["external_ref"] == "FLAKY-1"
    p = platform_of(client)
    with p.sessions() as s:
        event = s.scalars(select(EventRow).where(EventRow.subject_id == order_id)).one()
        mine = (EventHandlingRow.event_id == event.id) & (EventHandlingRow.handler == "test.flaky")
        row = s.scalars(select(EventHandlingRow).where(mine)).one()
    assert seen == [event.id] and handler.runs == [event.id]
    assert (row.status, row.attempts) == ("pending", 1) and row.next_attempt_at is not None
    assert (row.next_attempt_at - p.clock()).total_seconds() == pytest.approx(p.bus.backoff_s, abs=1.5)

    listed = client.get("/v1/events/stuck", headers=tenant.h()).json()
    assert [(x["event"]["id"], [h["handler"] for h in x["handlings"]]) for x in listed] == [(event.id, ["test.flaky"])]
    assert client.get("/v1/events/stuck", params={"retrying": "false"}, headers=tenant.h()).json() == []

    tz = row.next_attempt_at.tzinfo
    later = replace(p, clock=lambda: datetime.now(tz) + timedelta(seconds=10))
    dispatch_due(later)  # the back-off has passed: the second (last allowed) attempt fails too
    assert handler.runs == [event.id, event.id] and seen == [event.id]
    stuck = client.get("/v1/events/stuck", params={"retrying": "false"}, headers=tenant.h()).json()
    assert len(stuck) == 1 and stuck[0]["event"]["type"] == "order.created"
    (h,) = stuck[0]["handlings"]
    assert (h["handler"], h["status"], h["attempts"]) == ("test.flaky", "stuck", 2)
    assert h["last_error"] == "RuntimeError: receiver down"
    dispatch_due(later)  # a stuck handling is not run by the sweep
    assert handler.runs == [event.id, event.id]

    refused = client.get("/v1/events/stuck", headers=tenant.h("write"))
    assert refused.status_code == 403 and refused.json()["error"]["code"].startswith("E4")

    handler.failing = False
    retried = client.post(f"/v1/events/{event.id}/retry", headers=tenant.h())
    assert retried.status_code == 200, retried.text
    states = {x["handler"]: (x["status"], x["attempts"]) for x in retried.json()["handlings"]}
    assert states["test.flaky"] == ("done", 2) and states["test.after"] == ("done", 0)
    assert handler.runs == [event.id] * 3 and seen == [event.id]
    assert client.get("/v1/events/stuck", headers=tenant.h()).json() == []

    again = client.post(f"/v1/events/{event.id}/retry", headers=tenant.h())
    assert again.status_code == 409 and again.json()["error"]["code"] == "E2160"
    missing = client.post("/v1/events/evt_nope/retry", headers=tenant.h())
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "E1302"


def test_a_handler_runs_once_per_event_even_when_dispatched_twice(
    client: TestClient, tenant: Tenant, flaky: tuple[Flaky, list[str]]
) -> None:
    """Dispatching the same events again (a redelivered dispatch job, a sweep) runs no done handler again."""
    handler, seen = flaky
    handler.failing = False
    order_id = client.post("/v1/orders", json=tenant.order(), headers=tenant.h()).json()["id"]
    p = platform_of(client)
    with p.sessions() as s:
        event_id = s.scalars(select(EventRow.id).where(EventRow.subject_id == order_id)).one()
    p.submit("events.dispatch", org_id=tenant.org_id, event_ids=[event_id])
    dispatch_due(p)
    assert handler.runs == [event_id] and seen == [event_id]


def test_unknown_event_types_are_refused_when_recorded() -> None:
    """Every recorded type is one of EventType: a typo is a bug, not a new event."""
    from doorstep.domain.events import EventType, matches

    assert EventType("stop.failed") is EventType.STOP_FAILED
    with pytest.raises(ValueError):
        EventType("stop.faild")
    assert matches("route.*", "route.updated") and not matches("route.*", "router.x") and matches("*", "plan.queued")


def test_a_failure_policy_that_stopped_midway_resumes_on_retry(
    client: TestClient, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same-day policy: the first run records the failure and the re-attempt order, then the proposal raises;
    the handling is retried and the retry proposes the insertion (it does not stop at 'already handled'), once;
    a done handling never runs again."""
    from doorstep.services.operations.replanning import propose
    from doorstep.services.returns import returns

    day = driver_day.make_day(client)
    real, calls = propose, list[str]()

    def flaky_propose(*args: object, **kw: object) -> object:
        calls.append("propose")
        if len(calls) == 1:
            raise RuntimeError("solver hiccup")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(returns, "propose", flaky_propose)
    at = datetime.fromisoformat("2025-06-17T10:05:00+01:00")
    policy = LivePolicy(FailurePolicy(same_day=True, max_attempts=3), auto_approve=True)
    p = Platform(sessions=make_session_factory(db_engine), clock=lambda: at,
                 bus=register_handlers(EventBus(backoff_s=0.0), policy))  # fmt: skip
    stop = day.stops(client, 0)[0]
    action = StopAction("c-fail-resume", stop["id"], StopStatus.FAILED, at, None, reason="not_home")
    record_action(p, _driver(day.t.org_id, day.drivers[0]), action)
    order = client.get(f"/v1/orders/{stop['order_id']}", headers=day.t.h()).json()
    items = client.get("/v1/orders", params={"limit": 200}, headers=day.t.h()).json()["items"]
    (again,) = [o for o in items if o["external_ref"] == f"{order['external_ref']}#2"]
    assert again["status"] == "new" and calls == ["propose"]
    with p.sessions() as s:
        (row,) = s.scalars(select(EventHandlingRow).where(EventHandlingRow.handler == FAILURE_POLICY,
                                                          EventHandlingRow.org_id == day.t.org_id))  # fmt: skip
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "RuntimeError: solver hiccup")

    assert dispatch_due(p) >= 1
    assert calls == ["propose", "propose"]
    proposals = client.get("/v1/live/proposals", params={"plan_id": day.plan["id"]}, headers=day.t.h()).json()
    mine = [x for x in proposals if x["subject_id"] == again["id"]]
    assert len(mine) == 1 and mine[0]["kind"] == "insert"
    dispatch_due(p)  # done: nothing runs again
    assert calls == ["propose", "propose"]
