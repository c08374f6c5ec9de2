"""The app factory's broker and the LivePublisher services use: in memory by default, Redis when configured."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from pathlib import Path
from typing import cast

import pytest
import redis
from redis.client import Pipeline

from doorstep.api.app import make_broker
from doorstep.config import Settings
from doorstep.live.broker import InMemoryBroker
from doorstep.live.publish import MemoryPublisher, RedisPublisher, org_channel
from doorstep.live.redis_broker import RedisBroker
from tests.cli.scaled_shape import RedisServer, until

REDIS_URL = "redis://127.0.0.1:6379/0"
Entries = list[tuple[str, dict[str, str]]]  # what XRANGE answers a client that decodes responses


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


def test_events_published_while_redis_is_down_wait_and_go_in_order_once_it_is_back(tmp_path: Path) -> None:
    """A publisher whose Redis is unreachable never raises: it keeps the events in order and sends them when
    the server answers again, without waiting for another publish."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    publisher = RedisPublisher(server.url, retry_s=0.1)
    try:
        for i in range(5):
            publisher.publish("org_down", {"type": "position", "seq": i})
        assert publisher.waiting() == 5
        server.start()
        until(lambda: publisher.waiting() == 0, 30, "the waiting events to be sent")
        r = redis.Redis.from_url(server.url, decode_responses=True)
        entries = cast(Entries, r.xrange(f"doorstep:{org_channel('org_down')}"))
        assert [json.loads(fields["d"])["seq"] for _, fields in entries] == [0, 1, 2, 3, 4]
        publisher.publish("org_down", {"type": "position", "seq": 5})
        assert publisher.waiting() == 0 and r.xlen(f"doorstep:{org_channel('org_down')}") == 6
        r.close()
    finally:
        publisher.close()
        server.stop()


def test_entries_appended_together_go_in_one_round_trip_in_order(tmp_path: Path) -> None:
    """``append_all`` sends its entries (two streams here) as one pipeline, in order; the ETA feed appends a
    route's position to the live stream and to the ETA stream that way."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    from doorstep.services.operations.eta_stream import STREAM, EtaFeedPublisher

    server = RedisServer(tmp_path)
    server.start()
    publisher = RedisPublisher(server.url)
    pipelines: list[object] = []
    pipeline = publisher.redis.pipeline

    def counted(*args: object, **kwargs: object) -> Pipeline:
        pipelines.append(args)
        return pipeline(*args, **kwargs)

    publisher.redis.pipeline = counted  # type: ignore[method-assign]
    try:
        entries = [("doorstep:a", '{"k":1}', 100), ("doorstep:b", '{"k":2}', 100), ("doorstep:a", '{"k":3}', 100)]
        publisher.append_all(entries)
        assert len(pipelines) == 1 and publisher.waiting() == 0
        r = redis.Redis.from_url(server.url, decode_responses=True)
        assert [f["d"] for _, f in cast(Entries, r.xrange("doorstep:a"))] == ['{"k":1}', '{"k":3}']
        assert [f["d"] for _, f in cast(Entries, r.xrange("doorstep:b"))] == ['{"k":2}']
        EtaFeedPublisher(publisher).publish("org_1", {"type": "position", "route_id": "rte_1", "lat": 1.0})
        assert len(pipelines) == 2
        assert r.xlen(f"doorstep:{org_channel('org_1')}") == 1 and r.xlen(STREAM) == 1
        publisher.publish("org_1", {"type": "eta", "route_id": "rte_1"})  # one entry: a plain XADD
        assert len(pipelines) == 2 and r.xlen(f"doorstep:{org_channel('org_1')}") == 2
        r.close()
    finally:
        publisher.close()
        server.stop()
