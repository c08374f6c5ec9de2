"""Reachability (domain/reach.py): the Beta/binomial shrinkage address band -> address -> neighbourhood band ->
organization band -> organization, by hand on a small fixed record; windows over two bands; the fallback below
the minimum; the suggested windows; where a re-attempt's window moves; the stored document round trip."""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.cells import address_of, neighbourhood_of
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import LearnedTimes
from doorstep.domain.reach import (
    K_ADDRESS,
    K_BAND,
    K_NEIGHBOURHOOD,
    K_ORG,
    MIN_ATTEMPTS,
    ReachEstimate,
    ReachObservation,
    best_window,
    grid,
    learn_reach,
    slot_of,
    window_slots,
)

HOME = LatLng(41.15000, -8.61000)
NEXT_DOOR = LatLng(41.15005, -8.61000)  # same neighbourhood, another address
FAR = LatLng(41.17000, -8.65000)  # another neighbourhood
TZ = ZoneInfo("Europe/Lisbon")
TUE, WED = 1, 2


def _record() -> list[ReachObservation]:
    """24 attempts: HOME Tue 09h 0 of 2 and Tue 19h 2 of 2; NEXT_DOOR Tue 09h 3 of 4; FAR Tue 09h 12 of 12 and
    Wed 15h 2 of 4."""
    def at(where: LatLng, day: int, hour: int, reached: int, n: int) -> list[ReachObservation]:
        return [ReachObservation(where, day, hour, k < reached) for k in range(n)]

    return (at(HOME, TUE, 9, 0, 2) + at(HOME, TUE, 19, 2, 2) + at(NEXT_DOOR, TUE, 9, 3, 4) + at(FAR, TUE, 9, 12, 12)
            + at(FAR, WED, 15, 2, 4))  # fmt: skip


def test_bands_of_the_week_and_a_window_split_over_them() -> None:
    """Two-hour bands: Tuesday 09:xx is band 16 of the week; 09:30-11:00 spends 30 minutes in it and 60 in 17."""
    assert slot_of(TUE, 9) == 16 and slot_of(0, 0) == 0 and slot_of(6, 23) == 83
    start = datetime(2025, 6, 17, 9, 30, tzinfo=TZ)  # a Tuesday
    assert window_slots(start, start.replace(hour=11, minute=0)) == {16: 30.0, 17: 60.0}


def test_counts_and_each_level_of_shrinkage_by_hand() -> None:
    """Each level is (successes + k × parent) / (attempts + k), from the organization up to the address band."""
    r = learn_reach(_record())
    assert (r.successes, r.attempts, r.usable) == (19, 24, True)
    morning = slot_of(TUE, 9)
    assert r.slots[morning] == (15, 18) and r.slots[slot_of(TUE, 19)] == (2, 2)
    org = (15 + K_ORG * 19 / 24) / (18 + K_ORG)
    hood = (3 + K_NEIGHBOURHOOD * org) / (6 + K_NEIGHBOURHOOD)
    home_all = (2 + K_ADDRESS * hood) / (4 + K_ADDRESS)
    home = (0 + K_BAND * home_all) / (2 + K_BAND)
    assert r.organization(morning) == pytest.approx(org)
    assert r.address(HOME, morning) == pytest.approx(home)
    start = datetime(2025, 6, 17, 8, 0, tzinfo=TZ)
    at_home = r.window(HOME, start, start.replace(hour=10))
    assert isinstance(at_home, ReachEstimate) and astuple(at_home) == pytest.approx((home, 4, "address"))
    unseen = LatLng(41.15001, -8.61001)  # HOME's neighbourhood, never attempted
    at_unseen = r.window(unseen, start, start.replace(hour=10))
    assert isinstance(at_unseen, ReachEstimate) and astuple(at_unseen) == pytest.approx((hood, 6, "neighbourhood"))
    nowhere = LatLng(40.0, -8.0)
    at_nowhere = r.window(nowhere, start, start.replace(hour=10))
    assert isinstance(at_nowhere, ReachEstimate) and astuple(at_nowhere) == pytest.approx((org, 18, "organization"))
    # a band the organization never tried: its overall rate, 0 attempts behind it
    night = r.window(nowhere, start.replace(hour=2), start.replace(hour=4))
    assert isinstance(night, ReachEstimate) and astuple(night) == pytest.approx((19 / 24, 0, "organization"))
    # the evening at HOME: 2 of 2 there, shrunk towards HOME overall (its neighbourhood's evening: the org's)
    evening = slot_of(TUE, 19)
    org_ev = (2 + K_ORG * 19 / 24) / (2 + K_ORG)
    hood_ev = (2 + K_NEIGHBOURHOOD * org_ev) / (2 + K_NEIGHBOURHOOD)
    home_ev = (2 + K_BAND * (2 + K_ADDRESS * hood_ev) / (4 + K_ADDRESS)) / (2 + K_BAND)
    assert r.address(HOME, evening) == pytest.approx(home_ev)
    # a window over two bands: the minutes-weighted mean of both
    both = r.window(HOME, start.replace(hour=9), start.replace(hour=11))
    assert both is not None and both.rate == pytest.approx((home + r.address(HOME, morning + 1)) / 2)


def test_too_few_attempts_estimate_nothing() -> None:
    """Below MIN_ATTEMPTS no window has a reach (offers carry none) and no re-attempt moves."""
    r = learn_reach(_record()[: MIN_ATTEMPTS - 1])
    start = datetime(2025, 6, 17, 8, 0, tzinfo=TZ)
    assert r.usable is False and r.window(HOME, start, start.replace(hour=10)) is None
    assert best_window(r, HOME, start, start.replace(hour=10)) is None
    assert all(c.rate is None for c in grid(r, None)[2])


def test_a_reattempt_moves_to_the_band_the_address_is_reached_in() -> None:
    """HOME is not reached on Tuesday mornings and reached in the evening: a 2-hour window 08-10 moves to 18-20
    (the last band a window may start in within 08-20); a window already there stays."""
    r = learn_reach(_record())
    start = datetime(2025, 6, 17, 8, 0, tzinfo=TZ)
    rates = {h: r.address(HOME, slot_of(TUE, h)) for h in range(8, 20, 2)}
    assert max(rates, key=lambda h: rates[h]) == 18
    assert best_window(r, HOME, start, start.replace(hour=10)) == (start.replace(hour=18), start.replace(hour=20))
    assert best_window(r, HOME, start.replace(hour=18), start.replace(hour=20)) is None
    # FAR is reached on Tuesday mornings (12 of 12): its morning window stays
    assert best_window(r, FAR, start, start.replace(hour=10)) is None


def test_a_reattempt_moves_only_within_the_hours_the_vans_work() -> None:
    """The vans work 08:00-18:00: HOME's best band (18-20) is out of reach, so the window moves to the best one
    inside (10-12, the nearest of the equal ones); a window that would end after the last shift is not tried."""
    r = learn_reach(_record())
    start = datetime(2025, 6, 17, 8, 0, tzinfo=TZ)
    work = (start, start.replace(hour=18))
    assert best_window(r, HOME, start, start.replace(hour=10), work) == (start.replace(hour=10), start.replace(hour=12))
    assert best_window(r, HOME, start, start.replace(hour=10), (start, start.replace(hour=19))) == (
        start.replace(hour=10), start.replace(hour=12))  # fmt: skip
    assert best_window(r, HOME, start, start.replace(hour=10), (start, start.replace(hour=10))) is None


def test_grid_of_a_neighbourhood_and_an_address() -> None:
    """The page's grid: 84 bands, each with the scope's own attempts and the shrunk estimate."""
    r = learn_reach(_record())
    scope, total, cells = grid(r, neighbourhood_of(HOME))
    assert (scope, total, len(cells)) == ("neighbourhood", (5, 8), 84)
    morning = cells[slot_of(TUE, 9)]
    assert (morning.weekday, morning.band, morning.successes, morning.attempts, morning.level) == (
        TUE, 4, 3, 6, "neighbourhood")  # fmt: skip
    assert morning.rate == pytest.approx(r.neighbourhood(neighbourhood_of(HOME), slot_of(TUE, 9)))
    scope, total, cells = grid(r, address_of(HOME))
    assert (scope, total) == ("address", (2, 4))
    assert cells[slot_of(TUE, 19)].attempts == 2 and cells[slot_of(TUE, 19)].level == "address"


def test_the_stored_document_round_trips_with_reach_and_old_documents_read_empty() -> None:
    """to_dict / from_dict keep the counts; a document stored before reachability reads as nothing observed."""
    m = LearnedTimes(learned_at=datetime(2026, 12, 1, 2, tzinfo=UTC), days=3, reach=learn_reach(_record()))
    assert LearnedTimes.from_dict(m.to_dict()) == m
    old = {k: v for k, v in m.to_dict().items() if k != "reach"}
    assert LearnedTimes.from_dict(old).reach.attempts == 0
