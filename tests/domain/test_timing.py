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


def test_drive_turns_free_flow_legs_into_the_hours_times() -> None:
    """With ``drive``, each leg takes what ``drive`` says for its real departure (here: twice as long from 09:00);
    a zero leg stays zero and distances do not change."""
    stops = [
        _stop(StopType.START, 0),
        _stop(StopType.DELIVERY, 10, 3000),
        _stop(StopType.DELIVERY, 50, 0),
        _stop(StopType.END, 60),
    ]
    seen: list[tuple[object, int]] = []

    def rush(depart: object, free_s: int) -> int:
        seen.append((depart, free_s))
        return free_s * 2 if depart >= t(9) else free_s  # type: ignore[operator]

    out = retime(stops, 1, [Leg(600, 5000), Leg(1200, 8000), Leg(0, 0)], drive=rush)
    assert out[1].arrival == t(8, 10) and out[1].travel_s == 600  # left 08:00: free flow
    assert out[2].arrival == t(9, 40) and out[2].travel_s == 2400  # left at 09:00 after 50 min of service: doubled
    assert out[3].arrival == out[2].departure and out[3].travel_s == 0
    assert out[3].distance_so_far_m == 13_000
    assert seen == [(t(8), 600), (t(9), 1200)]
