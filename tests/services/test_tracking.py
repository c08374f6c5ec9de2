"""The ETA worker's queue: positions re-time a route at most once per interval (with the newest fix), stop events
are never dropped or delayed, routes are independent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from doorstep.live.publish import RecordingPublisher
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations import tracking
from doorstep.services.operations.tracking import TrackingPublisher


class Jobs:
    """A runner that keeps jobs until the test runs them (the worker thread, made explicit)."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], None]] = []

    def submit(self, name: str, fn: Callable[[], None]) -> None:
        """Keep the job."""
        self.queued.append(fn)

    def run(self) -> None:
        """Run every queued job."""
        jobs, self.queued = self.queued, []
        for job in jobs:
            job()


class Timers:
    """Scheduled calls the test fires by hand, with a clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.pending: list[tuple[float, Callable[[], None], list[bool]]] = []

    def schedule(self, delay_s: float, fn: Callable[[], None]) -> Any:
        """Remember the call; cancelling marks it."""
        cancelled = [False]
        self.pending.append((delay_s, fn, cancelled))

        class Handle:
            def cancel(self) -> None:
                cancelled[0] = True

        return Handle()

    def fire(self) -> None:
        """Run every scheduled call (a cancelled one too: a timer may fire while it is being called off)."""
        pending, self.pending = self.pending, []
        for _, fn, _ in pending:
            fn()


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The events the ETA worker handles, in order (instead of re-timing stored routes)."""
    seen: list[dict[str, Any]] = []

    def on_event(_p: Platform, _org: str, event: dict[str, Any], _policy: object = None) -> list[dict[str, Any]]:
        seen.append(event)
        return []

    monkeypatch.setattr(tracking, "on_event", on_event)
    return seen


def _publisher(jobs: Jobs, timers: Timers) -> TrackingPublisher:
    platform = cast(Platform, object())  # only handed to on_event, which the tests replace
    return TrackingPublisher(
        RecordingPublisher(), platform, jobs, min_interval_s=10.0, clock=lambda: timers.now, schedule=timers.schedule
    )


def pos(route: str, k: int) -> dict[str, Any]:
    """The k-th position event of a route."""
    return {"type": "position", "route_id": route, "lat": 38.7 + k / 1000, "lng": -9.1, "at": f"t{k}"}


def stop(route: str, k: int) -> dict[str, Any]:
    """A stop event of a route."""
    return {"type": "stop", "route_id": route, "stop_id": f"stp_{k}", "status": "completed", "at": f"s{k}"}


def test_positions_retime_a_route_once_per_interval_with_the_newest_fix(handled: list[dict[str, Any]]) -> None:
    """The first position runs at once; later ones within 10 s wait out the rest of the interval and only the
    newest is used; once the interval has passed a position runs at once again."""
    jobs, timers = Jobs(), Timers()
    pub = _publisher(jobs, timers)
    pub.publish("org", pos("r1", 1))
    jobs.run()
    assert handled == [pos("r1", 1)] and timers.pending == []
    timers.now += 4
    for k in (2, 3, 4):
        pub.publish("org", pos("r1", k))
    jobs.run()
    assert handled == [pos("r1", 1)] and [d for d, _, _ in timers.pending] == [6.0]
    timers.now += 6
    timers.fire()
    jobs.run()
    assert handled == [pos("r1", 1), pos("r1", 4)]
    timers.now += 10
    pub.publish("org", pos("r1", 5))
    jobs.run()
    assert handled[-1] == pos("r1", 5) and timers.pending == []


def test_stop_events_are_never_dropped_nor_delayed(handled: list[dict[str, Any]]) -> None:
    """A stop runs its route's update at once (calling off a waiting position update), and stops queued behind a
    running update are all handled, in order, with the newest position after them."""
    jobs, timers = Jobs(), Timers()
    pub = _publisher(jobs, timers)
    pub.publish("org", pos("r1", 1))
    jobs.run()
    pub.publish("org", pos("r1", 2))
    assert len(timers.pending) == 1 and jobs.queued == []
    pub.publish("org", stop("r1", 1))
    assert len(jobs.queued) == 1 and timers.pending[0][2] == [True]
    timers.fire()  # the called-off timer firing late submits nothing more
    assert len(jobs.queued) == 1
    jobs.run()
    assert handled == [pos("r1", 1), stop("r1", 1)]
    for event in (stop("r1", 2), pos("r1", 3), stop("r1", 3), pos("r1", 4)):
        pub.publish("org", event)
    jobs.run()
    assert handled[2:] == [stop("r1", 2), stop("r1", 3), pos("r1", 4)] and timers.pending == []


def test_routes_are_throttled_independently(handled: list[dict[str, Any]]) -> None:
    """A busy route does not hold back the first position of another route."""
    jobs, timers = Jobs(), Timers()
    pub = _publisher(jobs, timers)
    pub.publish("org", pos("r1", 1))
    pub.publish("org", pos("r2", 1))
    jobs.run()
    pub.publish("org", pos("r1", 2))
    pub.publish("org", pos("r3", 1))
    jobs.run()
    assert handled == [pos("r1", 1), pos("r2", 1), pos("r3", 1)] and len(timers.pending) == 1
