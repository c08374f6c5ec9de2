"""How services announce live events (positions, stop updates, ETAs) without knowing the broker behind them.

The app factory builds one broker per process and hands services a ``LivePublisher``. Events go to the
channel ``org:{org_id}``; publishing is synchronous and thread-safe, so request handlers running in worker
threads and background jobs can both call it. Publishing never fails a request: a broker that is down loses
the live update (the stored state stays the truth; SSE clients re-read it after a gap).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol

from redis import Redis

from doorstep.live.broker import HISTORY, InMemoryBroker, encode
from doorstep.live.redis_broker import FIELD, add_args, stream_name

log = logging.getLogger(__name__)

SEND_AT_ONCE = 1_000  # entries sent in one round trip (a backlog after Redis comes back goes in a few)


def org_channel(org_id: str) -> str:
    """The broker channel of an organization's live events."""
    return f"org:{org_id}"


class LivePublisher(Protocol):
    """Publish one JSON event (a dict with ``type``) to an organization's live channel, from any thread."""

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Send the event; never raises for a broker problem."""
        ...


class NullPublisher:
    """Publishes nothing (the CLI, tests that do not watch events)."""

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Drop the event."""


class RecordingPublisher:
    """Keeps every event in a list (tests)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Remember the event."""
        self.events.append((org_id, dict(event)))


class MemoryPublisher:
    """Publishes through the in-process broker (the embedded shape)."""

    def __init__(self, broker: InMemoryBroker) -> None:
        self.broker = broker

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Hand the event to this process's subscribers."""
        self.broker.publish_threadsafe(org_channel(org_id), event)


class RedisPublisher:
    """Appends to the channel's Redis stream with a synchronous client (thread-safe pool), for ``RedisBroker``
    subscribers in every process. While Redis is unreachable, events wait in order in this process (at most
    ``backlog``; beyond that the oldest are dropped and logged) and a background thread sends them once it is
    back, so a Redis restart delays live events instead of losing them."""

    def __init__(self, url: str, history: int = HISTORY, backlog: int = 100_000, retry_s: float = 0.5) -> None:
        self.redis: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.history, self.retry_s = history, retry_s
        self._waiting: deque[tuple[str, str, int]] = deque(maxlen=backlog)
        self._lock = threading.Lock()
        self._retrying: threading.Thread | None = None
        self._closed = False

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Send to every process's subscribers; a Redis error keeps the event for a retry, never raises."""
        self.append(stream_name(org_channel(org_id)), encode(event), self.history)

    def entry(self, org_id: str, event: dict[str, Any]) -> tuple[str, str, int]:
        """The live stream entry ``publish`` appends: (stream key, payload, bound), for ``append_all``."""
        return stream_name(org_channel(org_id)), encode(event), self.history

    def append(self, key: str, payload: str, maxlen: int) -> None:
        """Append one entry to a stream bounded to about ``maxlen`` entries, after those still waiting."""
        self.append_all([(key, payload, maxlen)])

    def append_all(self, items: list[tuple[str, str, int]]) -> None:
        """Append entries (stream key, payload, bound) in order, after those still waiting: one round trip to
        Redis for all of them."""
        with self._lock:
            for item in items:
                if len(self._waiting) == self._waiting.maxlen:
                    log.warning("live event dropped: the backlog waiting for redis is full")
                self._waiting.append(item)
            if self._retrying is not None:
                return  # redis is known to be down: the retry thread sends it, in order
            if self._send_waiting():
                return
            log.warning("live events waiting: redis unavailable (%d queued)", len(self._waiting))
            self._retrying = threading.Thread(target=self._retry, name="live-publish-retry", daemon=True)
            self._retrying.start()

    def waiting(self) -> int:
        """Events not yet accepted by Redis."""
        with self._lock:
            return len(self._waiting)

    def _send_waiting(self) -> bool:
        """Send the waiting events in order (caller holds the lock), up to ``SEND_AT_ONCE`` in one round trip
        (a pipeline: one ``XADD`` answer each, in order); whether all went. Entries of a round trip that failed
        stay waiting, so an entry Redis took before the connection broke may be sent again (at least once, as
        for a single ``XADD`` whose answer was lost)."""
        try:
            while self._waiting:
                if len(self._waiting) == 1:
                    key, payload, maxlen = self._waiting[0]
                    self.redis.xadd(key, {FIELD: payload}, **add_args(maxlen))
                    self._waiting.popleft()
                    continue
                batch = list(itertools.islice(self._waiting, SEND_AT_ONCE))
                pipe = self.redis.pipeline(transaction=False)
                for key, payload, maxlen in batch:
                    pipe.xadd(key, {FIELD: payload}, **add_args(maxlen))
                pipe.execute()
                for _ in batch:
                    self._waiting.popleft()
        except Exception:  # the live view is best effort; the store holds the truth
            return False
        return True

    def _retry(self) -> None:
        while not self._closed:
            time.sleep(self.retry_s)
            try:
                self.redis.ping()  # outside the lock: publishers only append while redis is away
            except Exception:
                continue
            with self._lock:
                if self._send_waiting():
                    self._retrying = None
                    log.info("live events sent again: redis is back")
                    return

    def close(self) -> None:
        """Release the connection pool."""
        self._closed = True
        self.redis.close()


def publish_all(publisher: LivePublisher, org_id: str, events: list[Mapping[str, Any]]) -> None:
    """Publish several events in order."""
    for event in events:
        publisher.publish(org_id, dict(event))
