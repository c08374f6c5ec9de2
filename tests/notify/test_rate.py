"""The per-channel token bucket and the Retry-After header of a 429."""

from __future__ import annotations

from datetime import UTC, datetime

from doorstep.notify.rate import RateLimits, TokenBucket
from doorstep.notify.twilio import retry_after


class FakeTime:
    """A clock that sleeping moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def test_slots_are_spaced_by_the_rate_and_a_hold_shuts_the_channel() -> None:
    """At 2 a second, four acquisitions take 1.5 s (burst of one); a hold of 3 s delays the next slot by 3 s;
    a slot past the deadline is refused without waiting or being taken."""
    t = FakeTime()
    bucket = TokenBucket(2.0, t.clock, t.sleep)
    times = []
    for _ in range(4):
        assert bucket.acquire()
        times.append(t.now)
    assert times == [100.0, 100.5, 101.0, 101.5]
    bucket.hold(3.0)
    assert not bucket.acquire(deadline=t.now + 2.9) and t.now == 101.5
    assert bucket.acquire() and t.now == 104.5


def test_an_unlimited_channel_never_waits_until_a_provider_asks() -> None:
    """No rate: acquisitions are immediate; a hold still makes the channel wait."""
    limits = RateLimits.of({"email": 0.0, "sms": 1.0})
    assert set(limits.buckets) == {"sms"} and limits.acquire("email")
    limits.hold("email", 0.0)
    assert limits.acquire("email")


def test_retry_after_reads_seconds_and_http_dates() -> None:
    """Delay-seconds, an HTTP date (relative to now), capped at a day; garbage is None."""
    now = datetime(2025, 6, 17, 10, 0, tzinfo=UTC)
    assert retry_after("7") == 7.0 and retry_after("999999") == 86_400.0
    assert retry_after("Tue, 17 Jun 2025 10:00:30 GMT", now) == 30.0
    assert retry_after("") is None and retry_after("soon") is None
