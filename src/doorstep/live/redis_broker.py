"""The scaled shape's broker: Redis Streams, so every API process sees what any process publishes, and a
subscriber can resume after the id of the last event it saw.

Each channel is a stream (``XADD`` with an approximate ``MAXLEN``: its last ``history`` events are kept). One
reader task per process follows every channel this process listens to with one blocking ``XREAD`` and hands
each entry to the local subscribers (the same bounded queues, with gap events, as the in-memory broker), so 500
browsers watching one organization cost one read, not 500 connections. A subscriber resuming after an id reads
the kept entries after it (``XRANGE``) before the live ones. When Redis goes away the reader retries with a
short back-off and, once the server is back, continues after the last id it delivered: nothing kept by the
server is skipped (run Redis with ``appendonly yes`` so a restart keeps the streams).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from doorstep.live.broker import BUFFER, HISTORY, ZERO, Item, LocalFanout, Scope, Subscription, encode, stream_key

PREFIX = "doorstep:"
FIELD = "d"  # the entry field holding the event's JSON
BLOCK_MS = 250  # a newly listened channel joins the reader's XREAD within this long (no event is lost meanwhile)
RETRY_MAX_S = 2.0

log = logging.getLogger(__name__)


def stream_name(channel: str) -> str:
    """The Redis key of a channel's stream."""
    return PREFIX + channel


def add_args(history: int) -> dict[str, Any]:
    """The ``XADD`` keyword arguments that bound a stream to about ``history`` entries."""
    return {"maxlen": history, "approximate": True}


class RedisBroker:
    """Publish and subscribe through a Redis server (``DOORSTEP_REDIS_URL``)."""

    def __init__(self, url: str, buffer: int = BUFFER, history: int = HISTORY) -> None:
        self.redis: Redis = Redis.from_url(url, decode_responses=True)
        self.fanout = LocalFanout(buffer)
        self.history = history
        self._read_from: dict[str, str] = {}  # channel -> id of the last entry handed to the local subscribers
        self._reader: asyncio.Task[None] | None = None
        self.reconnects = 0  # times the reader got through again after Redis failed (tests, metrics)

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Append the event to the channel's stream (every process's subscribers read it)."""
        await self.redis.xadd(stream_name(channel), {FIELD: encode(event)}, **add_args(self.history))

    def subscribe(self, channel: str, after: str | None = None) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe for the duration of an ``async with`` block (live on entry; after ``after`` when given)."""
        return Scope(self.fanout, channel, after, self._start, self._listen, self._unlisten)

    async def _top(self, channel: str) -> tuple[str, str]:
        """The id of the stream's last entry, and the oldest id a subscriber may resume after without missing an
        entry (0-0 while nothing was ever trimmed: a missing stream, a short one)."""
        try:
            info = await self.redis.xinfo_stream(stream_name(channel))
        except RedisError as exc:
            if "no such key" in str(exc).lower():
                return ZERO, ZERO
            raise
        top = str(info["last-generated-id"])
        if int(info.get("entries-added", 0)) <= int(info["length"]) or not info.get("first-entry"):
            return top, ZERO
        return top, str(info["first-entry"][0])  # trimmed: whoever saw the first kept entry missed none

    async def _listen(self, channel: str) -> None:
        self._read_from[channel] = (await self._top(channel))[0]
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())

    async def _unlisten(self, channel: str) -> None:
        self._read_from.pop(channel, None)

    async def _start(self, channel: str, after: str | None) -> tuple[str, list[Item], bool]:
        top, trimmed = await self._top(channel)
        if after is None or stream_key(after) < stream_key(trimmed):
            return top, [], False
        entries: Any = await self.redis.xrange(stream_name(channel), min=f"({after}", max="+")
        return after, [(str(i), str(fields[FIELD])) for i, fields in entries], True

    async def _read(self) -> None:
        """Hand every new entry of the listened channels to their local subscribers until closed."""
        delay = 0.05
        failing = False
        while True:
            streams = {stream_name(ch): last for ch, last in list(self._read_from.items())}
            if not streams:
                await asyncio.sleep(0.05)
                continue
            try:
                answer: Any = await self.redis.xread(streams, count=1_000, block=BLOCK_MS)  # type: ignore[arg-type]
            except (RedisError, OSError) as exc:
                if not failing:
                    log.warning("live stream reader: redis unavailable (%s); retrying", exc)
                failing = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            if failing:
                log.info("live stream reader: redis is back")
                self.reconnects += 1
                failing, delay = False, 0.05
            for key, entries in answer or []:
                channel = str(key).removeprefix(PREFIX)
                for entry_id, fields in entries:
                    if channel in self._read_from:
                        self._read_from[channel] = str(entry_id)
                    self.fanout.deliver(channel, str(entry_id), str(fields[FIELD]))

    async def ping(self) -> bool:
        """Whether the server answers (readiness checks)."""
        return bool(await self.redis.ping())

    async def close(self) -> None:
        """Stop the reader and close the connections."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.redis.aclose()
        self.fanout.clear()
