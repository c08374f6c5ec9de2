"""Provider rate limits shared by every sender process (API threads, ``doorstep worker`` processes) through
Redis: the channel's next free slot is one Redis key, taken and moved on atomically by a Lua script on the
server's own clock, so two processes on two hosts never send faster than the rate together. Same contract as
``rate.TokenBucket`` (burst of one, ``hold`` for a provider's ``Retry-After``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from redis import Redis

# KEYS[1]: the channel's next free slot (seconds on the Redis clock). ARGV: interval, how far ahead a slot may be
# taken (-1: any), a hold in seconds (0: none). Answers the seconds to wait for the slot taken, or -1 (none taken).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval, ahead, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if hold > 0 then
  nxt = math.max(nxt, now + hold)
  redis.call('SET', KEYS[1], string.format('%.6f', nxt), 'EX', math.ceil(hold) + 60)
  return '0'
end
local at = math.max(now, nxt)
if ahead >= 0 and at - now > ahead then return '-1' end
redis.call('SET', KEYS[1], string.format('%.6f', at + interval), 'EX', math.ceil(at - now + interval) + 60)
return string.format('%.6f', at - now)
"""


class RedisBucket:
    """Up to ``rate_per_s`` acquisitions a second across every process using the same Redis key (0: no limit)."""

    def __init__(
        self,
        redis: Redis,
        key: str,
        rate_per_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.redis, self.key = redis, key
        self.interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self._clock, self._sleep = clock, sleep
        self._take = redis.register_script(_TAKE)

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for the next slot and take it; False (nothing taken, no wait) when it comes after ``deadline``
        (a monotonic time of this process)."""
        ahead = -1.0 if deadline is None else max(0.0, deadline - self._clock())
        wait = float(self._take(keys=[self.key], args=[self.interval, ahead, 0]))
        if wait < 0:
            return False
        if wait > 0:
            self._sleep(wait)
        return True

    def hold(self, seconds: float) -> None:
        """No slot for anybody before ``seconds`` from now; a longer hold already set stays."""
        if seconds > 0:
            self._take(keys=[self.key], args=[self.interval, -1, seconds])
