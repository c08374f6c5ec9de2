"""What counts against a depot's daily capacity, where, and when loadings overlap."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain.depots import parcels_by_depot, parcels_of, peak
from doorstep.domain.orders import Item
from doorstep.domain.plan import Route, ScheduledStop, StopType
from tests.factories import ORIGIN, OrderKind, PairedPickup, depot, km, order, problem, t, vehicle


def test_an_order_counts_its_parcels_size_else_its_items_else_one() -> None:
    """``parcels`` size first (the load sheet's count), then the items' quantities, then 1."""
    items = (Item("shoes", 2), Item("socks", 3))
    assert parcels_of(order("a", ORIGIN, size={"parcels": 4}, items=items)) == 4
    assert parcels_of(order("b", ORIGIN, size={"weight_g": 900}, items=items)) == 5
    assert parcels_of(order("c", ORIGIN, size={})) == 1


def _stop(kind: StopType, oid: str | None = None) -> ScheduledStop:
    return ScheduledStop(type=kind, location=ORIGIN, arrival=t(8), start=t(8), departure=t(8), order_id=oid)


def test_deliveries_count_where_loaded_returns_where_brought_back_paired_nowhere() -> None:
    """A van from A ending at B: its delivery counts at A, a return before a reload at A, a return after the last
    reload at B; a store-to-door order at neither."""
    orders = [
        order("d", km(1, 0)),
        order("r1", km(2, 0), kind=OrderKind.RETURN),
        order("r2", km(3, 0), kind=OrderKind.RETURN, size={"parcels": 2}),
        order("p", km(4, 0), kind=OrderKind.PAIRED, pickup=PairedPickup(km(5, 0))),
    ]
    van = vehicle(end_depot_id="dep_b", reloads=True)
    p = problem(orders, [van], [depot(), depot("dep_b", km(10, 0))])
    stops = [_stop(StopType.START), _stop(StopType.DELIVERY, "ord_d"), _stop(StopType.PICKUP, "ord_r1"),
             _stop(StopType.RELOAD), _stop(StopType.PICKUP, "ord_r2"), _stop(StopType.PAIRED_PICKUP, "ord_p"),
             _stop(StopType.PAIRED_DELIVERY, "ord_p"), _stop(StopType.END)]  # fmt: skip
    route = Route(id="rte_1", vehicle_id=van.id, vehicle_name="", start_depot_id="dep_a", stops=stops)
    assert parcels_by_depot(p, [route]) == {"dep_a": 2, "dep_b": 2}


def test_touching_loadings_do_not_overlap() -> None:
    """[8:00, 8:15) and [8:15, 8:30) never overlap; a third from 8:10 makes two at once from 8:10."""
    q = timedelta(minutes=15)
    assert peak([(t(8), t(8) + q), (t(8, 15), t(8, 15) + q)]) == (1, t(8))
    assert peak([(t(8), t(8) + q), (t(8, 15), t(8, 15) + q), (t(8, 10), t(8, 10) + q)]) == (2, t(8, 10))
