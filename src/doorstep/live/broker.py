"""Pub/sub for live updates (positions, ETAs, alerts): one protocol, in memory (embedded) or Redis (scaled).

Events are JSON objects. Both brokers encode them on publish, so an event that would not survive Redis fails
in memory too. Every published event gets a stream id (``"<ms>-<n>"``, increasing, Redis Streams' form) and a
channel keeps its last ``history`` events, so a subscriber can resume after the id of the last event it saw
(Server-Sent Events' ``Last-Event-ID``) without losing any in between. A subscriber that falls behind the live
fan-out by more than its buffer loses the oldest events and receives one ``{"type": "gap", "dropped": n}`` event
instead, so it knows to re-read the state (Server-Sent Events clients reload the snapshot) rather than silently
miss updates.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Event = dict[str, Any]
BUFFER = 1_000  # events a subscriber may fall behind before the oldest are dropped
HISTORY = 10_000  # events a channel keeps for subscribers resuming after an id
ZERO = "0-0"  # the position of a channel before its first event
_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


def stream_key(stream_id: str) -> tuple[int, int]:
    """An event id as a sortable pair (milliseconds, sequence)."""
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def valid_id(raw: str | None) -> str | None:
    """A client's ``Last-Event-ID`` when it has the form of an event id, else None (start afresh)."""
    return raw if raw is not None and _ID.match(raw.strip()) else None


class Subscription(Protocol):
    """Events of one channel, in publish order."""

    position: str  # the id of the last event returned (on entry: of the channel's last event, or the resumed id)
    resumed: bool  # subscribed after an id and no event since it was lost (False: read the state afresh)

    async def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or None after ``timeout`` seconds without one."""
        ...

    def __aiter__(self) -> AsyncIterator[Event]:
        """Iterate events until the subscription is closed."""
        ...


class Broker(Protocol):
    """Publish events to channels; subscribe to a channel's events from now on (or from after an id)."""

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Send ``event`` to every current subscriber of ``channel``."""
        ...

    def subscribe(self, channel: str, after: str | None = None) -> AbstractAsyncContextManager[Subscription]:
        """A subscription that lasts for the ``async with`` block; with ``after``, the channel's kept events
        published after that id come first."""
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


Item = tuple[str, str]  # (event id, payload)


class _Queue:
    """A bounded queue owned by one subscriber's event loop; publishers may call from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop, self.size = loop, size
        self.items: asyncio.Queue[Item] = asyncio.Queue()
        self.dropped = 0

    def offer(self, item: Item) -> None:
        """Enqueue on the owner's loop; when full, drop the oldest and count it."""
        if self.items.qsize() >= self.size:
            self.items.get_nowait()
            self.dropped += 1
        self.items.put_nowait(item)


class _StreamSubscription:
    """Replayed events first (a resumed subscription), then the live queue; an event at or before the position
    already reached is skipped, so the seam between the two neither repeats nor loses one."""

    def __init__(self, queue: _Queue, position: str, replay: list[Item], resumed: bool) -> None:
        self.queue, self.position, self.resumed = queue, position, resumed
        self.replay = deque(replay)

    async def get(self, timeout: float | None = None) -> Event | None:
        if self.replay:
            return self._take(*self.replay.popleft())
        if self.queue.dropped:
            dropped, self.queue.dropped = self.queue.dropped, 0
            return {"type": "gap", "dropped": dropped}
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                event_id, payload = await asyncio.wait_for(self.queue.items.get(), left)
            except TimeoutError:
                return None
            if stream_key(event_id) > stream_key(self.position):
                return self._take(event_id, payload)

    def _take(self, event_id: str, payload: str) -> Event:
        self.position = event_id
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

    def deliver(self, channel: str, event_id: str, payload: str) -> None:
        """Hand an event to every subscriber of the channel, each on its own loop (callable from any thread)."""
        with self._lock:
            queues = list(self._subs.get(channel, ()))
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for q in queues:
            if q.loop is running:
                q.offer((event_id, payload))
            elif not q.loop.is_closed():
                q.loop.call_soon_threadsafe(q.offer, (event_id, payload))

    def count(self, channel: str) -> int:
        """Subscribers of a channel now."""
        with self._lock:
            return len(self._subs.get(channel, ()))

    def clear(self) -> None:
        """Forget every subscriber."""
        with self._lock:
            self._subs.clear()


Hook = Callable[[str], Awaitable[None]]
Start = Callable[[str, str | None], Awaitable[tuple[str, list[Item], bool]]]  # (position, replay, resumed)


class Scope:
    """``async with broker.subscribe(ch, after)``: registers a local subscriber, then asks the broker where the
    channel stands (and for the events after ``after``); hooks run for a channel's first and last subscriber
    (the Redis broker starts and stops reading the channel there)."""

    def __init__(
        self, fanout: LocalFanout, channel: str, after: str | None, start: Start,
        first: Hook | None = None, last: Hook | None = None,
    ) -> None:  # fmt: skip
        self.fanout, self.channel, self.after, self.start = fanout, channel, after, start
        self.first, self.last = first, last
        self.queue: _Queue | None = None

    async def __aenter__(self) -> Subscription:
        self.queue, is_first = self.fanout.add(self.channel)
        try:
            if is_first and self.first is not None:
                await self.first(self.channel)
            position, replay, resumed = await self.start(self.channel, self.after)
        except BaseException:
            await self.__aexit__()
            raise
        return _StreamSubscription(self.queue, position, replay, resumed)

    async def __aexit__(self, *exc: object) -> None:
        if self.queue is not None and self.fanout.remove(self.channel, self.queue) and self.last is not None:
            await self.last(self.channel)
        self.queue = None


class _Ids:
    """Increasing event ids of the Redis Streams form, from the wall clock (so they keep increasing across a
    restart of the process)."""

    def __init__(self) -> None:
        self.last = (0, 0)

    def next(self) -> str:
        ms = int(time.time() * 1000)
        self.last = (ms, 0) if ms > self.last[0] else (self.last[0], self.last[1] + 1)
        return f"{self.last[0]}-{self.last[1]}"


class _History:
    """A channel's last events and the id of the newest one it had to forget."""

    def __init__(self, size: int, floor: str) -> None:
        self.items: deque[Item] = deque()
        self.size, self.forgotten = size, floor

    def add(self, item: Item) -> None:
        self.items.append(item)
        while len(self.items) > self.size:
            self.forgotten = self.items.popleft()[0]


class InMemoryBroker:
    """The embedded shape's broker: subscribers in this process, publishers from any thread of it. A channel
    keeps its last ``history`` events for resuming subscribers (events of a previous process are gone: a
    subscriber resuming from before this broker started reads the state afresh)."""

    def __init__(self, buffer: int = BUFFER, history: int = HISTORY) -> None:
        self.fanout = LocalFanout(buffer)
        self.history_size = history
        self._ids = _Ids()
        self.floor = self._ids.next()  # nothing before this id is known here
        self._history: dict[str, _History] = {}
        self._lock = threading.Lock()

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Deliver to every subscriber."""
        self.publish_threadsafe(channel, event)

    def publish_threadsafe(self, channel: str, event: Mapping[str, Any]) -> None:
        """Publish from a worker thread (planning jobs, the simulator) without an event loop of its own."""
        payload = encode(event)
        with self._lock:  # ids, history and delivery in one order
            event_id = self._ids.next()
            self._history.setdefault(channel, _History(self.history_size, self.floor)).add((event_id, payload))
            self.fanout.deliver(channel, event_id, payload)

    def subscribe(self, channel: str, after: str | None = None) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe for the duration of an ``async with`` block (after ``after`` when given)."""
        return Scope(self.fanout, channel, after, self._start)

    async def _start(self, channel: str, after: str | None) -> tuple[str, list[Item], bool]:
        with self._lock:
            kept = self._history.get(channel)
            items = list(kept.items) if kept else []
            forgotten = kept.forgotten if kept else self.floor
        top = items[-1][0] if items else forgotten
        if after is None:
            return top, [], False
        if stream_key(after) < stream_key(forgotten):
            return top, [], False  # events after it were forgotten (or are from before this process)
        replay = [it for it in items if stream_key(it[0]) > stream_key(after)]
        return after, replay, True

    def subscribers(self, channel: str) -> int:
        """How many subscribers a channel has now (for metrics and tests)."""
        return self.fanout.count(channel)

    async def close(self) -> None:
        """Nothing to release in memory."""
        self.fanout.clear()
