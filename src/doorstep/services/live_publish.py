"""How services announce live events (positions, stop updates, ETAs) without knowing the broker behind them.

The app factory builds one broker per process and hands services a ``LivePublisher``. Events go to the
channel ``org:{org_id}``; publishing is synchronous and thread-safe, so request handlers running in worker
threads and background jobs can both call it. Publishing never fails a request: a broker that is down loses
the live update (the stored state stays the truth; SSE clients re-read it after a gap).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from redis import Redis

from doorstep.live.broker import InMemoryBroker, encode
from doorstep.live.redis_broker import PREFIX

log = logging.getLogger(__name__)


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
    """Publishes to Redis with a synchronous client (thread-safe pool), for ``RedisBroker`` subscribers."""

    def __init__(self, url: str) -> None:
        self.redis: Redis = Redis.from_url(url)

    def publish(self, org_id: str, event: dict[str, Any]) -> None:
        """Send to every process's subscribers; a Redis error is logged, not raised."""
        payload = encode(event)
        try:
            self.redis.publish(PREFIX + org_channel(org_id), payload)
        except Exception:  # the live view is best effort; the store holds the truth
            log.warning("live event not published (redis unavailable)", exc_info=True)

    def close(self) -> None:
        """Release the connection pool."""
        self.redis.close()


def publish_all(publisher: LivePublisher, org_id: str, events: list[Mapping[str, Any]]) -> None:
    """Publish several events in order."""
    for event in events:
        publisher.publish(org_id, dict(event))
