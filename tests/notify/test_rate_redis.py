"""The provider rate limit shared through Redis (a real server): two sender processes on one key never send
faster than the rate together, a provider's ``Retry-After`` held by one shuts the channel for the other, and a
slot past the sender's deadline is not taken."""

from __future__ import annotations

import multiprocessing
import time
import uuid

from redis import Redis

from doorstep.notify.rate_redis import RedisBucket
from tests.live.conftest import REDIS_URL, require_redis

RATE = 20.0


def _sender(key: str, n: int, start_at: float, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """A separate process: wait for the common start, take ``n`` slots, report the wall times it got them."""
    bucket = RedisBucket(Redis.from_url(REDIS_URL), key, RATE)
    time.sleep(max(0.0, start_at - time.time()))
    got = []
    for _ in range(n):
        assert bucket.acquire()
        got.append(time.time())
    out.put(got)


def test_two_processes_share_one_rate() -> None:
    """Two processes take 15 slots each at 20 a second on one key: the 30 sends span at least 29 intervals
    (1.45 s; each process alone would have taken 0.7 s), and no one-second window holds more than 21."""
    require_redis()
    key = f"doorstep:test:rate:{uuid.uuid4().hex}"
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 2.0  # both processes are up by then
    procs = [ctx.Process(target=_sender, args=(key, 15, start_at, out)) for _ in range(2)]
    for p in procs:
        p.start()
    times = sorted(out.get(timeout=60) + out.get(timeout=60))
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len(times) == 30
    assert times[-1] - times[0] >= 29 / RATE - 0.05, times[-1] - times[0]
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= RATE + 1
    Redis.from_url(REDIS_URL).delete(key)


def test_a_hold_shuts_the_channel_for_every_process_and_a_late_slot_is_not_taken() -> None:
    require_redis()
    key = f"doorstep:test:rate:{uuid.uuid4().hex}"
    one, other = (RedisBucket(Redis.from_url(REDIS_URL), key, RATE) for _ in range(2))
    one.hold(0.6)  # the provider answered 429 with Retry-After to the first process
    assert other.acquire(deadline=time.monotonic() + 0.2) is False  # past its lease: nothing taken, no wait
    t0 = time.monotonic()
    assert other.acquire() is True
    assert time.monotonic() - t0 >= 0.45
    Redis.from_url(REDIS_URL).delete(key)
