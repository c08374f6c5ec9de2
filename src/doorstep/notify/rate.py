"""Provider rate limits: one bucket per channel, shared by every sender of this process (threads of the job
runner, the periodic send) or, with Redis (``rate_redis.RedisBucket``), by every process. A bucket lets
``rate`` sends a second with a burst of one, and can be held shut until a moment the provider named (a 429's
``Retry-After``): the whole channel waits, not just the message that was refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class TokenBucket:
    """Up to ``rate_per_s`` acquisitions a second (0: no limit), spaced evenly (burst of one), thread-safe."""

    def __init__(
        self,
        rate_per_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0  # the monotonic time of the next free slot
        self._lock = threading.Lock()

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for the next slot and take it; False (nothing taken, no wait) when it comes after ``deadline``
        (a monotonic time: the sender's lease would run out while waiting)."""
        with self._lock:
            now = self._clock()
            at = max(now, self._next)
            if deadline is not None and at > deadline:
                return False
            self._next = at + self.interval
        if at > now:
            self._sleep(at - now)
        return True

    def hold(self, seconds: float) -> None:
        """No slot before ``seconds`` from now (the provider asked to wait); a longer hold already set stays."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


class Bucket(Protocol):
    """What a sender needs of a channel's limit."""

    def acquire(self, deadline: float | None = None) -> bool: ...

    def hold(self, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The bucket of each channel (a channel without one is not limited); ``make`` builds a bucket of a rate for
    a channel (this process's token bucket unless told otherwise)."""

    buckets: dict[str, Bucket] = field(default_factory=dict)
    make: Callable[[str, float], Bucket] = field(default=lambda _channel, rate: TokenBucket(rate))

    @classmethod
    def of(cls, rates: dict[str, float], make: Callable[[str, float], Bucket] | None = None) -> RateLimits:
        """Buckets for the channels with a positive rate (sends a second), made by ``make`` when given."""
        build: Callable[[str, float], Bucket] = make or (lambda _channel, rate: TokenBucket(rate))
        return cls({name: build(name, rate) for name, rate in rates.items() if rate > 0}, build)

    def acquire(self, channel: str, deadline: float | None = None) -> bool:
        """Take the channel's next slot, waiting for it (True at once for an unlimited channel)."""
        bucket = self.buckets.get(channel)
        return True if bucket is None else bucket.acquire(deadline)

    def hold(self, channel: str, seconds: float) -> None:
        """Shut the channel for ``seconds`` (unlimited channels get a bucket of no rate just for the hold)."""
        bucket = self.buckets.get(channel)
        if bucket is None:
            bucket = self.buckets.setdefault(channel, self.make(channel, 0))
        bucket.hold(seconds)
