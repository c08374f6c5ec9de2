"""The arrival window shown to a customer narrows with the stops left, opens no earlier than the booked window
and shows a delay."""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.eta_window import narrowing_margin_s, tracking_window
from doorstep.domain.orders import TimeWindow


def _t(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2025-06-17T{hhmm}:00+01:00")


W = (TimeWindow(_t("11:00"), _t("13:00")),)


def test_the_tracking_margin_narrows_with_the_stops_left_before_this_one() -> None:
    """±45 min before the route starts or with 10+ stops before, then ±30, ±20, ±15 and ±10 when next."""
    margins = [narrowing_margin_s(n) // 60 for n in (None, 12, 10, 9, 5, 4, 2, 1, 0)]
    assert margins == [45, 45, 45, 30, 30, 20, 20, 15, 10]


def test_the_tracking_window_sits_on_five_minute_marks_around_the_eta() -> None:
    """ETA 12:02, next stop: 11:50-12:15 (floor and ceiling of ±10 min)."""
    assert tracking_window(_t("12:02"), W, 0) == (_t("11:50"), _t("12:15"))


def test_the_tracking_window_never_opens_before_the_booked_window() -> None:
    """ETA 11:05 with ±45: from 11:00, not 10:20; an ETA before the window counts from its opening (the driver
    waits): ETA 08:32 reads 11:00-11:45, never 08:32."""
    assert tracking_window(_t("11:05"), W, None) == (_t("11:00"), _t("11:50"))
    assert tracking_window(_t("08:32"), W, None) == (_t("11:00"), _t("11:45"))


def test_the_tracking_window_ends_with_the_booked_window_unless_the_driver_is_late() -> None:
    """ETA 12:50 (±20): ends at 13:00 with the booked window; ETA 13:20 (late): 13:00-13:40, the delay shown."""
    assert tracking_window(_t("12:50"), W, 2) == (_t("12:30"), _t("13:00"))
    assert tracking_window(_t("13:20"), W, 2) == (_t("13:00"), _t("13:40"))


def test_the_tracking_window_never_starts_in_the_past() -> None:
    """At 11:42 with ETA 11:50 (±10): 11:40-12:00 (the floor of now), not 11:40 from the margin alone; at 12:07
    with ETA 12:10: 12:05-12:20."""
    assert tracking_window(_t("11:50"), W, 0, _t("11:42")) == (_t("11:40"), _t("12:00"))
    assert tracking_window(_t("12:10"), W, 0, _t("12:07")) == (_t("12:05"), _t("12:20"))


def test_the_tracking_window_without_a_booked_window_is_the_eta_give_or_take_the_margin() -> None:
    """No promised window: ETA 14:00 ±15 is 13:45-14:15."""
    assert tracking_window(_t("14:00"), (), 1) == (_t("13:45"), _t("14:15"))
