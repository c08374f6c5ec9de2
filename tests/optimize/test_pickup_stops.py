"""Merging a pickup point's orders into one solver client and sharing its handover time."""

from __future__ import annotations

from datetime import timedelta

from doorstep.optimize.pickup_stops import Handover, merge_point_orders, share_handover
from tests.factories import km, order, problem, t


def test_handover_is_shared_and_the_group_merged_with_shortened_windows() -> None:
    """Three orders to a point: the first by id carries the base time, each its parcels; the merged order sums
    load and service and its window ends early enough for the last order to start inside its own window."""
    at = km(2, 1)
    orders = [
        order(f"P{k}", at, windows=((10, 13),), pickup_point_id="pup_1", size={"parcels": k + 1}) for k in range(3)
    ]
    shared = share_handover(problem([*orders, order("N", km(1, 1))]), {"pup_1": Handover(300, 10)})
    assert [o.service_s for o in shared.orders] == [310, 20, 30, 120]
    merged, groups = merge_point_orders(shared)
    assert [o.id for o in merged.orders] == ["ord_P0", "ord_N"] and [o.id for o in groups["ord_P0"]] == [
        "ord_P0",
        "ord_P1",
        "ord_P2",
    ]
    one = merged.orders[0]
    assert one.size == {"parcels": 6} and one.service_s == 360
    assert one.time_windows[0].start == t(10) and one.time_windows[0].end == t(13) - timedelta(seconds=50)


def test_orders_without_common_time_are_planned_apart() -> None:
    """Orders to one point whose windows do not overlap stay separate clients."""
    at = km(2, 1)
    a = order("A", at, windows=((10, 11),), pickup_point_id="pup_1")
    b = order("B", at, windows=((14, 15),), pickup_point_id="pup_1")
    merged, groups = merge_point_orders(problem([a, b]))
    assert groups == {} and [o.id for o in merged.orders] == ["ord_A", "ord_B"]
