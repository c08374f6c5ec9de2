"""The ETA worker's stream on a Redis server of the test's own: API processes feed it, a consumer of the group
hands entries to the tracker and acknowledges each once its update ran; entries a dead consumer left
unacknowledged are taken over, and a restarted consumer reads its own first."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from doorstep.live.publish import RedisPublisher
from doorstep.services.operations.eta_stream import GROUP, STREAM, EtaFeedPublisher, EtaStreamConsumer, ensure_group
from tests.cli.scaled_shape import RedisServer, until


class Tracker:
    """Records what it is fed; runs the update (calls ``done``) only when told to."""

    def __init__(self) -> None:
        self.fed: list[tuple[str, dict[str, Any]]] = []
        self.done: list[Callable[[], None]] = []
        self.lock = threading.Lock()

    def feed(self, org_id: str, event: dict[str, Any], done: Callable[[], None] | None = None) -> None:
        with self.lock:
            self.fed.append((org_id, event))
            if done is not None:
                self.done.append(done)

    def run_all(self) -> None:
        with self.lock:
            calls, self.done = self.done, []
        for call in calls:
            call()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    s = RedisServer(tmp_path)
    s.start()
    yield s
    s.stop()


def _consume(server: RedisServer, tracker: Tracker, name: str, claim_idle_s: float = 60.0) -> tuple[
    EtaStreamConsumer, threading.Event, threading.Thread
]:  # fmt: skip
    consumer = EtaStreamConsumer(server.url, tracker, name, claim_idle_s=claim_idle_s, block_ms=100)  # type: ignore[arg-type]
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    return consumer, stop, thread


def test_the_feed_appends_route_events_only_and_the_consumer_acknowledges_after_the_update(
    server: RedisServer,
) -> None:
    """Position and stop events of a route reach the stream (eta events and route-less positions do not);
    the consumer feeds them in order and an entry stays pending until its update ran."""
    inner = RedisPublisher(server.url)
    feed = EtaFeedPublisher(inner)
    feed.publish("org_1", {"type": "position", "route_id": "rte_1", "lat": 1.0})
    feed.publish("org_1", {"type": "eta", "route_id": "rte_1", "stops": []})
    feed.publish("org_1", {"type": "position", "route_id": None, "lat": 2.0})
    feed.publish("org_1", {"type": "stop", "route_id": "rte_1", "status": "completed"})
    r = redis.Redis.from_url(server.url, decode_responses=True)
    assert r.xlen(STREAM) == 2 and r.xlen("doorstep:org:org_1") == 4
    tracker = Tracker()
    consumer, stop, thread = _consume(server, tracker, "w1")
    try:
        until(lambda: len(tracker.fed) == 2, 20, "two entries fed")
        assert [e["type"] for _, e in tracker.fed] == ["position", "stop"] and tracker.fed[0][0] == "org_1"
        assert r.xpending(STREAM, GROUP)["pending"] == 2  # not acknowledged before the update ran
        tracker.run_all()
        assert r.xpending(STREAM, GROUP)["pending"] == 0
    finally:
        stop.set()
        thread.join(10)
        consumer.close()
        inner.close()
        r.close()


def test_entries_of_a_dead_consumer_are_taken_over_and_a_restarted_one_reads_its_own_first(
    server: RedisServer,
) -> None:
    """Consumer "dead" read two entries and never acknowledged them: another consumer takes them over once
    they were idle past ``claim_idle_s``; a consumer started again under its name reads them itself."""
    r = redis.Redis.from_url(server.url, decode_responses=True)
    ensure_group(r)
    for k in range(2):
        r.xadd(STREAM, {"d": json.dumps({"org_id": "org_2", "event": {"type": "position", "route_id": f"rte_{k}"}})})
    read = r.xreadgroup(GROUP, "dead", {STREAM: ">"})
    assert isinstance(read, list) and len(read[0][1]) == 2
    again = Tracker()
    consumer, stop, thread = _consume(server, again, "dead")
    try:
        until(lambda: len(again.fed) == 2, 20, "its own entries read again")
    finally:
        stop.set()
        thread.join(10)
        consumer.close()
    other = Tracker()
    consumer, stop, thread = _consume(server, other, "other", claim_idle_s=1.0)
    try:
        until(lambda: len(other.fed) == 2, 30, "the dead consumer's entries taken over")
        other.run_all()
        assert r.xpending(STREAM, GROUP)["pending"] == 0
        assert sorted(e["route_id"] for _, e in other.fed) == ["rte_0", "rte_1"]
    finally:
        stop.set()
        thread.join(10)
        consumer.close()
        r.close()
