"""Screening GPS positions: nothing implausible is stored, nothing acknowledged is stored twice."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain.geo import LatLng
from doorstep.live.positions import Outcome, Position, metres, screen
from tests.factories import km, t

NOW = t(10)


def fix(cid: str, minutes: float, east_km: float, **kw: object) -> Position:
    """A position ``east_km`` east of the origin, ``minutes`` after 10:00."""
    return Position(cid, NOW + timedelta(minutes=minutes), km(east_km, 0), **kw)  # type: ignore[arg-type]


def test_plausible_track_is_stored() -> None:
    """A van moving 500 m a minute is stored fix by fix."""
    batch = [fix(f"p{i}", -5 + i, i * 0.5) for i in range(5)]
    assert [v.outcome for v in screen(batch, NOW)] == [Outcome.STORE] * 5


def test_future_old_and_out_of_range_fixes_are_refused_with_codes() -> None:
    """From the future (beyond 2 min of clock skew), older than 24 h, impossible coordinates: each refused."""
    batch = [
        fix("future", 10, 0),
        fix("skew-ok", 1, 0.1),
        fix("old", -25 * 60, 0),
        Position("nowhere", NOW, LatLng(123.0, 0.0)),
    ]
    codes = {v.client_id: [i.code for i in v.issues] for v in screen(batch, NOW)}
    assert codes == {"future": ["E1401"], "skew-ok": [], "old": ["E1402"], "nowhere": ["E1105"]}


def test_impossible_jump_is_refused_but_the_track_continues() -> None:
    """A fix 30 km away one minute later is refused; the next plausible fix is judged against the last good one."""
    batch = [fix("a", 0, 0), fix("teleport", 1, 30), fix("b", 2, 0.8)]
    verdicts = screen(batch, NOW + timedelta(minutes=3))
    assert [v.outcome for v in verdicts] == [Outcome.STORE, Outcome.REFUSED, Outcome.STORE]
    assert verdicts[1].issues[0].code == "E1403" and "km/h" in verdicts[1].issues[0].message


def test_replayed_batch_is_acknowledged_not_stored_twice() -> None:
    """Fixes already stored, or repeated inside a batch, are duplicates."""
    batch = [fix("a", 0, 0), fix("b", 1, 0.4), fix("b", 1, 0.4)]
    verdicts = screen(batch, NOW + timedelta(minutes=2), seen={"a"})
    assert [v.outcome for v in verdicts] == [Outcome.DUPLICATE, Outcome.STORE, Outcome.DUPLICATE]


def test_out_of_order_batch_is_judged_in_time_order() -> None:
    """A batch sent newest first is judged oldest first, so a normal drive is not mistaken for jumps."""
    batch = [fix(f"p{i}", -i, 2 - i * 0.5) for i in range(4)]  # newest first
    previous = fix("last", -10, 0)
    assert all(v.outcome is Outcome.STORE for v in screen(batch, NOW, last=previous))


def test_poor_accuracy_is_kept_with_a_warning() -> None:
    """A 500 m accuracy fix is stored and flagged W1401."""
    [v] = screen([fix("fuzzy", 0, 0, accuracy_m=500.0)], NOW)
    assert v.outcome is Outcome.STORE and [i.code for i in v.issues] == ["W1401"]


def test_metres_matches_a_known_distance() -> None:
    """One degree of latitude is about 111.2 km."""
    assert abs(metres(LatLng(0, 0), LatLng(1, 0)) - 111_195) < 50
