"""The plan comparison as a pure function: totals, per-vehicle changes, and when a new plan is worse."""

from __future__ import annotations

from typing import Any

from doorstep.services.planning.plan_compare import RouteSide, compare, route_side


def side(vid: str, orders: list[str], km: int = 10, cost: int = 1_000, driver: str | None = None) -> RouteSide:
    """A route of vehicle ``vid`` serving ``orders`` (ids; the reference is the id in upper case)."""
    return RouteSide(vid, f"Van {vid}", driver, {o: o.upper() for o in orders}, km * 1000, cost)


def test_totals_and_per_vehicle_changes() -> None:
    old = [side("a", ["o1", "o2", "o3"], 20, 3_000, "drv1"), side("b", ["o4"], 5, 1_000)]
    new = [side("a", ["o1", "o4"], 12, 2_000), side("b", ["o2", "o3", "o5"], 9, 1_500, "drv2")]
    out = compare(new, old)
    assert (out.cost_cents.new, out.cost_cents.old, out.cost_cents.change) == (3_500, 4_000, -500)
    assert (out.distance_m.new, out.distance_m.old, out.distance_m.change) == (21_000, 25_000, -4_000)
    assert (out.vans.change, out.orders_served.new, out.orders_served.old) == (0, 5, 4)
    a, b = out.vehicles
    assert (a.vehicle_name, a.added, a.removed, a.stops_new, a.stops_old) == ("Van a", ["O4"], ["O2", "O3"], 2, 3)
    assert a.driver_id == "drv1"  # the new route has no driver yet: the one of the old route is named
    assert (b.added, b.removed, b.driver_id) == (["O2", "O3", "O5"], ["O4"], "drv2")
    assert out.worse is False


def test_worse_when_fewer_orders_or_same_orders_for_more() -> None:
    old = [side("a", ["o1", "o2"], cost=2_000)]
    assert compare([side("a", ["o1"], cost=500)], old).worse is True  # cheaper, but one order dropped
    assert compare([side("a", ["o2", "o1"], cost=2_001)], old).worse is True  # same orders, one cent more
    assert compare([side("a", ["o2", "o1"], cost=2_000)], old).worse is False
    assert compare([side("a", ["o1", "o2", "o3"], cost=9_000)], old).worse is False  # serves more


def test_empty_routes_are_not_vans_and_unchanged_vehicles_show_no_change() -> None:
    old = [side("a", ["o1"]), side("b", [], km=3, cost=700)]
    new = [side("a", ["o1"]), side("b", []), side("c", ["o2"])]
    out = compare(new, old)
    assert (out.vans.new, out.vans.old, out.cost_cents.old) == (2, 1, 1_000)
    assert [(v.vehicle_id, v.added, v.removed) for v in out.vehicles] == [("a", [], []), ("c", ["O2"], [])]


def test_route_side_reads_order_stops_only() -> None:
    data: dict[str, Any] = {
        "vehicle_id": "veh1", "vehicle_name": "Van 1", "distance_m": 1234, "cost_cents": 56,
        "stops": [
            {"type": "start", "order_id": None}, {"type": "delivery", "order_id": "o1", "external_ref": "R-1"},
            {"type": "break", "order_id": None}, {"type": "pickup", "order_id": "o2", "external_ref": None},
            {"type": "paired_pickup", "order_id": "o3", "external_ref": "P-3"}, {"type": "reload", "order_id": None},
            {"type": "paired_delivery", "order_id": "o3", "external_ref": "P-3"},
            {"type": "end", "order_id": None},
        ],
    }  # fmt: skip
    s = route_side(data, "drv")
    assert s.orders == {"o1": "R-1", "o2": "o2", "o3": "P-3"}  # a paired order once (pickup and drop-off)
    assert (s.distance_m, s.cost_cents, s.driver_id) == (1234, 56, "drv")
