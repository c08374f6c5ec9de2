"""The arrival window promised to a customer stays inside the order's own window."""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.eta_window import eta_window
from doorstep.domain.orders import TimeWindow


def _t(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2025-06-17T{hhmm}:00+01:00")


W = (TimeWindow(_t("11:00"), _t("13:00")),)


def test_an_eta_in_the_middle_of_the_window_gets_half_an_hour_each_side() -> None:
    """ETA 12:00 in 11:00-13:00: 11:30-12:30."""
    assert eta_window(_t("12:00"), W) == (_t("11:30"), _t("12:30"))


def test_the_window_is_clipped_to_the_order_window() -> None:
    """ETA 11:10: never earlier than 11:00 (a customer booked 11-13 is not told 10:40)."""
    assert eta_window(_t("11:10"), W) == (_t("11:00"), _t("11:40"))
    assert eta_window(_t("12:50"), W) == (_t("12:20"), _t("13:00"))


def test_an_eta_outside_every_window_falls_back_to_the_nearest_window() -> None:
    """ETA 08:32 with a 11:00-13:00 window (waiting before service): the promise is the booked window."""
    assert eta_window(_t("08:32"), W) == (_t("11:00"), _t("13:00"))


def test_without_windows_the_eta_is_given_with_its_margin() -> None:
    """No booked window: ETA ± margin (here 15 minutes)."""
    assert eta_window(_t("10:00"), (), margin_s=900) == (_t("09:45"), _t("10:15"))
