"""Loading a van (domain): the loading order per trip, a code shared by several parcels, the load check, and the
wave release times and their grouping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.loading import check_load, expected_items, match_code
from doorstep.domain.waves import LoadingTimes, Release, group_waves, route_releases
from tests.formats.load_day import LISBON, TIMES, at, plan


def test_trips_load_in_reverse_stop_order_and_collections_stay_apart() -> None:
    """Trip 1 (start) loads stops 6, 3, 1; trip 2 (the reload) stop 7; the return and the paired order are
    collected, in stop order; a trip's box count uses the orders' parcels size."""
    lp = plan()
    assert [[p.stop_no for p in t.parcels] for t in lp.trips] == [[6, 3, 1], [7]]
    assert [(p.stop_no, p.kind) for p in lp.collected] == [(2, "return"), (4, "paired")]
    assert [t.parcel_count for t in lp.trips] == [4, 1]
    assert lp.totals() == {"parcels": 5, "weight_g": 5700, "volume_cm3": 9000}
    assert lp.departure == at(15)


def test_a_code_on_two_parcels_needs_two_scans_and_a_third_is_a_repeat() -> None:
    """EAN-1 is on R-1 (trip 1) and R-6 (trip 2): the first scan loads the first in loading order, the second
    the other, a third matches nothing; the check counts each scan once."""
    expected = expected_items(plan())
    assert [(e.code, e.parcel.external_ref) for e in expected] == [
        ("BK-2", "R-2"), ("EAN-1", "R-1"), ("BAG-1", "R-1"), ("EAN-1", "R-6"),
    ]  # fmt: skip
    first = match_code("EAN-1", expected, [])
    second = match_code("EAN-1", expected, ["EAN-1"])
    assert first is not None and first.parcel.external_ref == "R-1"
    assert second is not None and second.parcel.external_ref == "R-6"
    assert match_code("EAN-1", expected, ["EAN-1", "EAN-1"]) is None
    check = check_load(expected, ["EAN-1", "BK-2"])
    assert [(e.code, e.parcel.external_ref) for e in check.missing] == [("BAG-1", "R-1"), ("EAN-1", "R-6")]


def test_releases_and_waves() -> None:
    """Each trip releases at its departure minus boxes x per-parcel time minus the dock time; releases in one
    interval of the local day form a wave due at the earliest; a wave boundary splits them."""
    lp = plan()
    rel = route_releases(lp, TIMES)
    assert [(r.trip, r.parcels, r.release_at) for r in rel] == [
        (1, 4, at(15) - timedelta(seconds=4 * 60 + 600)), (2, 1, at(210) - timedelta(seconds=60 + 600)),
    ]  # fmt: skip
    other = Release(route_id="rte_2", vehicle="B", trip=1, departure=at(20), parcels=2, release_at=at(5))
    waves = group_waves([*rel, other], 1800, LISBON)  # 08:00-08:30 and 11:00-11:30 local
    assert [(w.release_at, [r.route_id for r in w.releases], w.parcels) for w in waves] == [
        (rel[0].release_at, ["rte_1", "rte_2"], 6), (rel[1].release_at, ["rte_1"], 1),
    ]  # fmt: skip
    assert [len(w.releases) for w in group_waves([*rel, other], 60, LISBON)] == [1, 1, 1]


def test_loading_times_are_validated_all_at_once() -> None:
    """Negative or out-of-range seconds are E1603, one issue per field."""
    with pytest.raises(DoorstepError) as err:
        LoadingTimes(per_parcel_s=-1, dock_s=90_000, wave_s=0).validate()
    assert [(i.code, i.loc) for i in err.value.issues] == [
        ("E1603", ("per_parcel_s",)), ("E1603", ("dock_s",)), ("E1603", ("wave_s",)),
    ]  # fmt: skip
    LoadingTimes().validate()
