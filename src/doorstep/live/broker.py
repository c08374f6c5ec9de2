"""Pub/sub for live updates (positions, ETAs, alerts): one protocol, in memory (embedded) or Redis (scaled).

Events are JSON objects. Both brokers encode them on publish, so an event that would not survive Redis fails
in memory too. A subscriber that falls behind the in-memory broker by more than its buffer loses the oldest
events and receives one ``{"type": "gap", "dropped": n}`` event instead, so it knows to re-read the state
(Server-Sent Events clients reload the snapshot) rather than silently miss updates.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Event = dict[str, Any]
BUFFER = 1_000  # events a subscriber may fall behind before the oldest are dropped


class Subscription(Protocol):
    """Events of one channel, in publish order."""

    async def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or None after ``timeout`` seconds without one."""
        ...

    def __aiter__(self) -> AsyncIterator[Event]:
        """Iterate events until the subscription is closed."""
        ...


class Broker(Protocol):
    """Publish events to channels; subscribe to a channel's events from now on."""

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Send ``event`` to every current subscriber of ``channel``."""
        ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """A subscription that lasts for the ``async with`` block."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def encode(event: Mapping[str, Any]) -> str:
    """The wire form of an event (compact JSON); raises TypeError for values JSON cannot carry."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True)


async def events(sub: Subscription) -> AsyncIterator[Event]:
    """A subscription's events as an endless async iterator (both brokers iterate this way)."""
    while True:
        event = await sub.get()
        if event is not None:
            yield event


class _Queue:
    """A bounded queue owned by one subscriber's event loop; publishers may call from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop, self.size = loop, size
        self.items: asyncio.Queue[str] = asyncio.Queue()
        self.dropped = 0

    def offer(self, payload: str) -> None:
        """Enqueue on the owner's loop; when full, drop the oldest and count it."""
        if self.items.qsize() >= self.size:
            self.items.get_nowait()
            self.dropped += 1
        self.items.put_nowait(payload)


class _MemorySubscription:
    def __init__(self, queue: _Queue) -> None:
        self.queue = queue

    async def get(self, timeout: float | None = None) -> Event | None:
        if self.queue.dropped:
            dropped, self.queue.dropped = self.queue.dropped, 0
            return {"type": "gap", "dropped": dropped}
        try:
            payload = await asyncio.wait_for(self.queue.items.get(), timeout)
        except TimeoutError:
            return None
        event: Event = json.loads(payload)
        return event

    def __aiter__(self) -> AsyncIterator[Event]:
        return events(self)


class LocalFanout:
    """The subscribers of this process, per channel: both brokers deliver through it (Redis from one reader)."""

    def __init__(self, buffer: int = BUFFER) -> None:
        self.buffer = buffer
        self._subs: dict[str, set[_Queue]] = {}
        self._lock = threading.Lock()

    def add(self, channel: str) -> tuple[_Queue, bool]:
        """A new subscriber queue on the caller's loop, and whether it is the channel's first."""
        queue = _Queue(asyncio.get_running_loop(), self.buffer)
        with self._lock:
            subs = self._subs.setdefault(channel, set())
            subs.add(queue)
            return queue, len(subs) == 1

    def remove(self, channel: str, queue: _Queue) -> bool:
        """Drop a subscriber; whether the channel has none left."""
        with self._lock:
            subs = self._subs.get(channel, set())
            subs.discard(queue)
            if subs:
                return False
            self._subs.pop(channel, None)
            return True

    def deliver(self, channel: str, payload: str) -> None:
        """Hand a payload to every subscriber of the channel, each on its own loop (callable from any thread)."""
        with self._lock:
            queues = list(self._subs.get(channel, ()))
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for q in queues:
            if q.loop is running:
                q.offer(payload)
            elif not q.loop.is_closed():
                q.loop.call_soon_threadsafe(q.offer, payload)

    def count(self, channel: str) -> int:
        """Subscribers of a channel now."""
        with self._lock:
            return len(self._subs.get(channel, ()))

    def clear(self) -> None:
        """Forget every subscriber."""
        with self._lock:
            self._subs.clear()


Hook = Callable[[str], Awaitable[None]]


class Scope:
    """``async with broker.subscribe(ch)``: registers a local subscriber; hooks run for a channel's first and
    last subscriber (the Redis broker subscribes and unsubscribes its one connection there)."""

    def __init__(self, fanout: LocalFanout, channel: str, first: Hook | None = None, last: Hook | None = None) -> None:
        self.fanout, self.channel, self.first, self.last = fanout, channel, first, last
        self.queue: _Queue | None = None

    async def __aenter__(self) -> Subscription:
        self.queue, is_first = self.fanout.add(self.channel)
        if is_first and self.first is not None:
            await self.first(self.channel)
        return _MemorySubscription(self.queue)

    async def __aexit__(self, *exc: object) -> None:
        if self.queue is not None and self.fanout.remove(self.channel, self.queue) and self.last is not None:
            await self.last(self.channel)


class InMemoryBroker:
    """The embedded shape's broker: subscribers in this process, publishers from any thread of it."""

    def __init__(self, buffer: int = BUFFER) -> None:
        self.fanout = LocalFanout(buffer)

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Deliver to every subscriber."""
        self.fanout.deliver(channel, encode(event))

    def publish_threadsafe(self, channel: str, event: Mapping[str, Any]) -> None:
        """Publish from a worker thread (planning jobs, the simulator) without an event loop of its own."""
        self.fanout.deliver(channel, encode(event))

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe for the duration of an ``async with`` block."""
        return Scope(self.fanout, channel)

    def subscribers(self, channel: str) -> int:
        """How many subscribers a channel has now (for metrics and tests)."""
        return self.fanout.count(channel)

    async def close(self) -> None:
        """Nothing to release in memory."""
        self.fanout.clear()
