"""The ETA worker in its own process (the scaled shape): API processes append every ``position`` and ``stop``
event to one Redis stream; ``doorstep eta-worker`` reads it through a consumer group and re-times the routes,
so the re-timing never competes with requests for an API process's interpreter.

An entry is acknowledged (``XACK``) once the ETA update covering it has run. Entries of a worker that died are
taken over by the next one (``XAUTOCLAIM`` after ``claim_idle_s``) and a restarted worker reads its own
unacknowledged entries first, so a position or stop event reaches the ETA worker at least once; re-timing a
route again is harmless.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from functools import partial
from typing import Any

from redis import Redis
from redis.exceptions import RedisError, ResponseError

from doorstep.live.broker import encode
from doorstep.live.publish import RedisPublisher
from doorstep.live.redis_broker import FIELD
from doorstep.services.operations.tracking import TrackingPublisher

STREAM = "doorstep:eta-input"
GROUP = "eta"
MAXLEN = 100_000  # entries kept while no ETA worker reads (the oldest positions are superseded anyway)
FED = ("position", "stop")

log = logging.getLogger("doorstep.eta_worker")


class EtaFeedPublisher:
    """The API processes' live publisher when the ETA worker runs apart: publishes every event, and appends the
    ones that move a route's ETAs to the ETA worker's stream (both wait in order while Redis is away)."""

    def __init__(self, inner: RedisPublisher) -> None:
        self.inner = inner

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Publish; feed ``position`` and ``stop`` events of a route to the ETA worker (both entries in one round
        trip to Redis, in this order)."""
        live = self.inner.entry(org_id, event)
        if event.get("type") in FED and isinstance(event.get("route_id"), str):
            self.inner.append_all([live, (STREAM, encode({"org_id": org_id, "event": event}), MAXLEN)])
        else:
            self.inner.append_all([live])


def ensure_group(redis: Redis) -> None:
    """Create the stream and its consumer group if missing (from the stream's start: nothing appended before
    the first worker ran is skipped)."""
    try:
        redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


class EtaStreamConsumer:
    """Reads the ETA worker's stream as consumer ``name`` of the group and feeds the tracker."""

    def __init__(
        self, url: str, tracker: TrackingPublisher, name: str, *, claim_idle_s: float = 60.0, block_ms: int = 1000
    ) -> None:
        self.redis: Redis = Redis.from_url(url, decode_responses=True, socket_connect_timeout=2)
        self.tracker, self.name = tracker, name
        self.claim_idle_ms, self.block_ms = int(claim_idle_s * 1000), block_ms
        self.fed = 0  # entries handed to the tracker (metrics, tests)

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; Redis failures are retried with a back-off, never fatal."""
        delay, claimed_at, own_read = 0.1, 0.0, False
        while not stop.is_set():
            try:
                ensure_group(self.redis)
                if not own_read:  # entries this consumer read before a restart and never acknowledged
                    self._feed(self.redis.xreadgroup(GROUP, self.name, {STREAM: "0"}, count=10_000))
                    own_read = True
                if time.monotonic() - claimed_at > self.claim_idle_ms / 1000:
                    self._claim()
                    claimed_at = time.monotonic()
                answer = self.redis.xreadgroup(GROUP, self.name, {STREAM: ">"}, count=1_000, block=self.block_ms)
                self._feed(answer)
                delay = 0.1
            except (RedisError, OSError) as exc:
                log.warning("ETA stream: redis unavailable (%s); retrying in %.1f s", exc, delay)
                stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _claim(self) -> None:
        """Take over the entries a dead consumer read and never acknowledged."""
        start = "0-0"
        while True:
            answer = self.redis.xautoclaim(STREAM, GROUP, self.name, self.claim_idle_ms, start_id=start, count=500)
            nxt, entries = str(answer[0]), answer[1]
            self._entries([e for e in entries if e and e[1]])
            if nxt == "0-0" or not entries:
                return
            start = nxt

    def _feed(self, answer: Any) -> None:
        for _, entries in answer or []:
            self._entries(entries)

    def _entries(self, entries: list[Any]) -> None:
        for entry_id, fields in entries:
            if not fields:  # trimmed away while pending: nothing to do but acknowledge it
                self._ack(str(entry_id))
                continue
            item = json.loads(fields[FIELD])
            self.fed += 1
            self.tracker.feed(item["org_id"], item["event"], partial(self._ack, str(entry_id)))

    def _ack(self, entry_id: str) -> None:
        self.redis.xack(STREAM, GROUP, entry_id)

    def close(self) -> None:
        """Release the connections."""
        self.redis.close()
