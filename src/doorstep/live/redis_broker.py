"""The scaled shape's broker: Redis pub/sub, so every API process sees what any worker publishes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from doorstep.live.broker import Event, Subscription, encode, events

PREFIX = "doorstep:"


class _RedisSubscription:
    def __init__(self, pubsub: PubSub) -> None:
        self.pubsub = pubsub

    async def get(self, timeout: float | None = None) -> Event | None:
        # get_message returns None for an ignored (un)subscribe confirmation as well as on timeout, so keep
        # reading until a data message arrives or the deadline passes.
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = 3600.0 if deadline is None else deadline - loop.time()
            if left <= 0:
                return None
            message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message.get("type") == "message":
                event: Event = json.loads(message["data"])
                return event

    def __aiter__(self) -> AsyncIterator[Event]:
        return events(self)


class _RedisScope:
    def __init__(self, redis: Redis, channel: str) -> None:
        self.redis, self.channel = redis, PREFIX + channel
        self.pubsub: PubSub | None = None

    async def __aenter__(self) -> Subscription:
        self.pubsub = self.redis.pubsub()
        await self.pubsub.subscribe(self.channel)
        return _RedisSubscription(self.pubsub)

    async def __aexit__(self, *exc: object) -> None:
        if self.pubsub is not None:
            await self.pubsub.unsubscribe(self.channel)
            await self.pubsub.aclose()  # type: ignore[no-untyped-call]


class RedisBroker:
    """Publish and subscribe through a Redis server (``DOORSTEP_REDIS_URL``)."""

    def __init__(self, url: str) -> None:
        self.redis: Redis = Redis.from_url(url, decode_responses=True)

    async def publish(self, channel: str, event: Mapping[str, Any]) -> None:
        """Send the event to every subscriber in every process."""
        await self.redis.publish(PREFIX + channel, encode(event))

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe for the duration of an ``async with`` block (the subscription is live on entry)."""
        return _RedisScope(self.redis, channel)

    async def ping(self) -> bool:
        """Whether the server answers (readiness checks)."""
        return bool(await self.redis.ping())

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()
