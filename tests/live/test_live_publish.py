"""The app factory's broker and the LivePublisher services use: in memory by default, Redis when configured."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from doorstep.api.app import make_broker
from doorstep.config import Settings
from doorstep.live.broker import InMemoryBroker
from doorstep.live.redis_broker import RedisBroker
from doorstep.services.live_publish import MemoryPublisher, RedisPublisher, org_channel

REDIS_URL = "redis://127.0.0.1:6379/0"


def _roundtrip(settings: Settings) -> dict[str, object] | None:
    broker, publisher = make_broker(settings)
    org = f"org_{uuid.uuid4().hex[:8]}"

    async def run() -> dict[str, object] | None:
        async with broker.subscribe(org_channel(org)) as sub:
            await asyncio.to_thread(publisher.publish, org, {"type": "position", "lat": 1.5})
            got = await sub.get(timeout=3)
        await broker.close()
        return got

    return asyncio.run(run())


def test_default_broker_is_in_memory_and_publisher_reaches_subscribers() -> None:
    """Without DOORSTEP_REDIS_URL the app uses the in-memory broker; a publish from a thread arrives."""
    broker, publisher = make_broker(Settings(redis_url=None))
    assert isinstance(broker, InMemoryBroker) and isinstance(publisher, MemoryPublisher)
    assert _roundtrip(Settings(redis_url=None)) == {"type": "position", "lat": 1.5}


def test_redis_url_selects_redis_broker() -> None:
    """With DOORSTEP_REDIS_URL set, events published synchronously reach a RedisBroker subscriber."""
    settings = Settings(redis_url=REDIS_URL)
    broker, publisher = make_broker(settings)
    assert isinstance(broker, RedisBroker) and isinstance(publisher, RedisPublisher)
    try:
        publisher.redis.ping()
    except Exception:
        pytest.skip("needs Redis at 127.0.0.1:6379")
    asyncio.run(broker.close())
    assert _roundtrip(settings) == {"type": "position", "lat": 1.5}


def test_stop_lifecycle_table() -> None:
    """Stops go pending -> arrived -> completed|failed (arriving may be skipped); finished stops are final."""
    from doorstep.domain.errors import DoorstepError
    from doorstep.domain.status import StopStatus, can_transition, transition

    assert transition(StopStatus.PENDING, StopStatus.ARRIVED, subject="stp_1") is StopStatus.ARRIVED
    assert can_transition(StopStatus.PENDING, StopStatus.COMPLETED)
    assert can_transition(StopStatus.ARRIVED, StopStatus.FAILED)
    for done in (StopStatus.COMPLETED, StopStatus.FAILED):
        assert not any(can_transition(done, s) for s in StopStatus)
    with pytest.raises(DoorstepError):
        transition(StopStatus.ARRIVED, StopStatus.ARRIVED, subject="stp_1")
