"""Re-timing a route: waits for windows, carries distance on, never leaves before it may."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.plan import ScheduledStop, StopType
from doorstep.domain.timing import Leg, lateness_s, retime
from tests.factories import ORIGIN, t


def _stop(kind: StopType, at_min: int, service: int = 0, window: tuple[int, int] | None = None) -> ScheduledStop:
    when = t(8) + timedelta(minutes=at_min)
    return ScheduledStop(
        type=kind,
        location=ORIGIN,
        arrival=when,
        start=when,
        departure=when + timedelta(seconds=service),
        service_s=service,
        window_start=t(window[0]) if window else None,
        window_end=t(window[1]) if window else None,
    )


def test_waits_for_the_window_and_serves() -> None:
    """A stop reached before its window opens waits; the next stop leaves after its service."""
    stops = [_stop(StopType.START, 0), _stop(StopType.DELIVERY, 10, 300, (9, 10)), _stop(StopType.END, 30)]
    out = retime(stops, 1, [Leg(600, 5000), Leg(900, 7000)])
    assert out[0] is stops[0]
    assert out[1].arrival == t(8, 10) and out[1].start == t(9) and out[1].waiting_s == 3000
    assert out[2].arrival == t(9, 20) and out[2].distance_so_far_m == 12_000
    assert out[2].duration_so_far_s == 80 * 60
    assert lateness_s(out[1]) == 0


def test_departure_waits_for_now_and_lateness_is_measured() -> None:
    """``depart_at`` later than the planned departure pushes every later stop; a stop past its window is late."""
    stops = [_stop(StopType.START, 0), _stop(StopType.DELIVERY, 10, 60, (8, 9)), _stop(StopType.END, 30)]
    out = retime(stops, 1, [Leg(600, 1), Leg(600, 1)], depart_at=t(9))
    assert out[1].arrival == t(9, 10)
    assert lateness_s(out[1]) == 600


def test_rejects_a_leg_count_that_does_not_match() -> None:
    """One leg per re-timed stop, or a clear error."""
    stops = [_stop(StopType.START, 0), _stop(StopType.END, 30)]
    with pytest.raises(ValueError, match="one leg per"):
        retime(stops, 1, [])
