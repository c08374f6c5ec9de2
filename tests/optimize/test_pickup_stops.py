"""Merging a pickup point's orders into one solver client and sharing its handover time."""

from __future__ import annotations

from datetime import timedelta

from doorstep.optimize.pickup_stops import Handover, merge_point_orders, share_handover, with_handovers
from tests.factories import km, order, problem, t


def test_handover_is_shared_and_the_group_merged_with_shortened_windows() -> None:
    """Three orders to a point: the first by id carries the base time, each its parcels; the merged order sums
    load and service and its window ends early enough for the last order to start inside its own window."""
    at = km(2, 1)
    orders = [
        order(f"P{k}", at, windows=((10, 13),), pickup_point_id="pup_1", size={"parcels": k + 1}) for k in range(3)
    ]
    alone = with_handovers(problem([*orders, order("N", km(1, 1))]), {"pup_1": Handover(300, 10)})
    assert [(o.service_s, o.handover_s) for o in alone.orders] == [(310, 300), (320, 300), (330, 300), (120, 0)]
    shared = share_handover(alone)
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


def test_orders_own_handover_is_shared_once_and_sharing_again_changes_nothing() -> None:
    """Each order's own handover_s is taken off every member but the first by id (which keeps it); sharing the
    shared problem again changes nothing; the point's current times reset every member as if served alone."""
    at = km(2, 1)
    orders = [order(f"P{k}", at, windows=((10, 13),), pickup_point_id="pup_1", size={"parcels": k + 1},
                    service_s=300 + 10 * (k + 1), handover_s=300) for k in range(3)]  # fmt: skip
    shared = share_handover(problem(orders))
    assert [(o.service_s, o.handover_s) for o in shared.orders] == [(310, 300), (20, 0), (30, 0)]
    assert share_handover(shared) == shared
    again = with_handovers(shared, {"pup_1": Handover(200, 5)})
    assert [(o.service_s, o.handover_s) for o in again.orders] == [(205, 200), (210, 200), (215, 200)]


def test_orders_planned_apart_each_keep_their_handover() -> None:
    """Orders to one point without a common window are separate visits: each keeps the point's handover."""
    at = km(2, 1)
    a = order("A", at, windows=((10, 11),), pickup_point_id="pup_1", service_s=310, handover_s=300)
    b = order("B", at, windows=((14, 15),), pickup_point_id="pup_1", service_s=310, handover_s=300)
    shared = share_handover(problem([a, b]))
    assert [(o.service_s, o.handover_s) for o in shared.orders] == [(310, 300), (310, 300)]
