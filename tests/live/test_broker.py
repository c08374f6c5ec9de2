"""The broker contract, held by both implementations: in memory and a real Redis server."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable

import pytest

from doorstep.live.broker import Broker, InMemoryBroker, stream_key, valid_id
from doorstep.live.redis_broker import RedisBroker
from tests.live.conftest import REDIS_URL, require_redis

Scenario = Callable[[Broker, str], Awaitable[None]]


def run(kind: str, scenario: Scenario, history: int | None = None) -> None:
    """Run an async scenario against a fresh broker of ``kind`` on a unique channel (keeping ``history`` events
    per channel when given, else the broker's default)."""
    kept = {} if history is None else {"history": history}

    async def main() -> None:
        broker: Broker = InMemoryBroker(**kept) if kind == "memory" else RedisBroker(REDIS_URL, **kept)
        try:
            await scenario(broker, f"test-{uuid.uuid4().hex}")
        finally:
            await broker.close()

    if kind == "redis":
        require_redis()
    asyncio.run(main())


KINDS = ["memory", "redis"]


@pytest.mark.parametrize("kind", KINDS)
def test_subscriber_gets_events_in_order(kind: str) -> None:
    """Events published after subscribing arrive once each, in publish order."""

    async def scenario(broker: Broker, ch: str) -> None:
        async with broker.subscribe(ch) as sub:
            for i in range(50):
                await broker.publish(ch, {"type": "position", "seq": i})
            got = [await sub.get(timeout=2) for _ in range(50)]
            assert [e["seq"] for e in got if e] == list(range(50))
            assert await sub.get(timeout=0.2) is None

    run(kind, scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_every_subscriber_gets_every_event_and_channels_are_separate(kind: str) -> None:
    """Two subscribers of one channel both receive its events; another channel's events reach neither."""

    async def scenario(broker: Broker, ch: str) -> None:
        async with broker.subscribe(ch) as a, broker.subscribe(ch) as b, broker.subscribe(ch + "-other") as c:
            await broker.publish(ch, {"type": "eta", "stop": "stp_1"})
            assert await a.get(timeout=2) == {"type": "eta", "stop": "stp_1"}
            assert await b.get(timeout=2) == {"type": "eta", "stop": "stp_1"}
            assert await c.get(timeout=0.2) is None

    run(kind, scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_events_that_json_cannot_carry_are_refused(kind: str) -> None:
    """An event with a non-JSON value fails at publish, in memory as it would with Redis."""

    async def scenario(broker: Broker, ch: str) -> None:
        with pytest.raises(TypeError):
            await broker.publish(ch, {"type": "bad", "value": object()})

    run(kind, scenario)


def test_slow_subscriber_is_told_about_the_gap() -> None:
    """A subscriber more than its buffer behind loses the oldest events and gets one gap event saying how many."""

    async def scenario() -> None:
        broker = InMemoryBroker(buffer=10)
        async with broker.subscribe("ch") as sub:
            for i in range(25):
                await broker.publish("ch", {"seq": i})
            first = await sub.get(timeout=1)
            rest = [await sub.get(timeout=1) for _ in range(10)]
        assert first == {"type": "gap", "dropped": 15}
        assert [e["seq"] for e in rest if e] == list(range(15, 25))
        assert broker.subscribers("ch") == 0

    asyncio.run(scenario())


def test_worker_threads_can_publish() -> None:
    """A planning job in a worker thread publishes; the subscriber on the event loop receives it."""

    async def scenario() -> None:
        broker = InMemoryBroker()
        async with broker.subscribe("jobs") as sub:
            worker = threading.Thread(target=broker.publish_threadsafe, args=("jobs", {"type": "progress", "pct": 50}))
            worker.start()
            worker.join()
            assert await sub.get(timeout=2) == {"type": "progress", "pct": 50}

    asyncio.run(scenario())


@pytest.mark.parametrize("kind", KINDS)
def test_async_for_reads_the_stream(kind: str) -> None:
    """``async for`` over a subscription yields the events as they come."""

    async def scenario(broker: Broker, ch: str) -> None:
        async with broker.subscribe(ch) as sub:
            for i in range(3):
                await broker.publish(ch, {"seq": i})
            seen = []
            async for event in sub:
                seen.append(event["seq"])
                if len(seen) == 3:
                    break
            assert seen == [0, 1, 2]

    run(kind, scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_a_subscriber_resumes_after_the_last_id_it_saw(kind: str) -> None:
    """Events carry increasing ids; subscribing after one of them replays exactly the events after it, then
    the live ones, none twice."""

    async def scenario(broker: Broker, ch: str) -> None:
        async with broker.subscribe(ch) as sub:
            assert not sub.resumed
            for i in range(5):
                await broker.publish(ch, {"seq": i})
            ids = []
            for _ in range(5):
                assert await sub.get(timeout=2) is not None
                ids.append(sub.position)
        assert ids == sorted(ids, key=stream_key) and len(set(ids)) == 5
        async with broker.subscribe(ch, after=ids[1]) as again:
            assert again.resumed
            await broker.publish(ch, {"seq": 5})
            got = [await again.get(timeout=2) for _ in range(4)]
            assert [e["seq"] for e in got if e] == [2, 3, 4, 5]
            assert await again.get(timeout=0.3) is None

    run(kind, scenario)


@pytest.mark.parametrize("kind", KINDS)
def test_resuming_from_an_id_the_channel_no_longer_keeps_is_not_a_resume(kind: str) -> None:
    """Past the kept history (or from before the broker knew the channel) the subscriber is told it did not
    resume, so the stream sends its first events (the snapshot) again instead of silently missing some."""

    async def scenario(broker: Broker, ch: str) -> None:
        for i in range(1000):  # Redis trims whole nodes of 100 entries (MAXLEN ~): well past them
            await broker.publish(ch, {"seq": i})
        async with broker.subscribe(ch, after="1-0") as sub:
            assert not sub.resumed
            await broker.publish(ch, {"seq": 1000})
            assert await sub.get(timeout=2) == {"seq": 1000}

    run(kind, scenario, history=100)


def test_event_ids_are_checked_before_use() -> None:
    """Only ids of the form <ms>-<n> are taken from a client's Last-Event-ID."""
    assert valid_id("1733241234567-3") == "1733241234567-3"
    assert valid_id("12") is None and valid_id("abc-1") is None and valid_id(None) is None
