"""The scaled shape's broker: Redis pub/sub, so every API process sees what any worker publishes.

One Redis connection per process carries every channel this process listens to: a reader task hands each
message to the local subscribers (the same bounded queues, with gap events, as the in-memory broker), so 500
browsers watching one route cost one Redis subscription, not 500 connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from doorstep.live.broker import BUFFER, LocalFanout, Scope, Subscription, encode

PREFIX = "doorstep:"


class RedisBroker:
    """Publish and subscribe through a Redis server (``DOORSTEP_REDIS_URL``)."""

    def __init__(self, url: str, buffer: int = BUFFER) -> None:
        self.redis: Redis = Redis.from_url(url, decode_responses=True)
        self.fanout = LocalFanout(buffer)
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Send the event to every subscriber in every process."""
        await self.redis.publish(PREFIX + channel, encode(event))

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe for the duration of an ``async with`` block (the subscription is live on entry)."""
        return Scope(self.fanout, channel, self._listen, self._unlisten)

    async def _listen(self, channel: str) -> None:
        if self._pubsub is None:
            self._pubsub = self.redis.pubsub()
        await self._pubsub.subscribe(PREFIX + channel)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(self._pubsub))

    async def _unlisten(self, channel: str) -> None:
        if self._pubsub is not None:
            await self._pubsub.unsubscribe(PREFIX + channel)

    async def _read(self, pubsub: PubSub) -> None:
        """Hand every message to the local subscribers of its channel until closed."""
        while True:
            if not pubsub.subscribed:
                await asyncio.sleep(0.05)
                continue
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None and message.get("type") == "message":
                self.fanout.deliver(str(message["channel"]).removeprefix(PREFIX), str(message["data"]))

    async def ping(self) -> bool:
        """Whether the server answers (readiness checks)."""
        return bool(await self.redis.ping())

    async def close(self) -> None:
        """Stop the reader and close the connections."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self.redis.aclose()
        self.fanout.clear()
