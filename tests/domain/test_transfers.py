"""Inbound transfers: every problem of a trunk run reported at once, and the release times they set."""

from __future__ import annotations

from datetime import time

from doorstep.domain import Depot, Order
from doorstep.domain.releases import with_transfers
from doorstep.domain.transfers import Transfer, transfer_issues
from doorstep.domain.validate import validate_problem
from tests.factories import OrderKind, depot, km, order, problem, replace, t, vehicle


def _orders() -> list[Order]:
    return [
        order("A1", km(1, 1), windows=((9, 12),)),
        order("A2", km(2, 1)),
        order("PIN", km(0, 2), depot_id="dep_b"),
        order("RET", km(1, -1), kind=OrderKind.RETURN),
        order("EARLY", km(-1, 1), windows=((8, 9),)),
    ]


def _depots() -> list[Depot]:
    return [depot("dep_a", opens=time(7), closes=time(20)), depot("dep_b", km(10, 0))]


def test_a_good_transfer_has_no_issue() -> None:
    """Known depot and orders (by id or external ref), arrival within the hours: nothing to report."""
    trunk = Transfer(id="trk_1", depot_id="dep_a", arrival=t(6), sorting_s=900, orders=("ord_A1", "A2"))
    assert transfer_issues([trunk], _orders(), _depots()) == []


def test_every_problem_of_the_transfers_is_reported_at_once() -> None:
    """Unknown depot (E1703), unknown order (E1704), an order on two transfers and one listed twice (E1705), an
    order pinned to another depot (E1706), arrival after closing (E1707), a negative sorting time (E1708), a
    return on a trunk (E1709), a duplicate id (E1710), and W1700 for goods ready after the order's window (not for a
    transfer whose own times are wrong)."""
    transfers = [
        Transfer(id="trk_1", depot_id="dep_a", arrival=t(21), sorting_s=-5, orders=("A1", "nope", "A1")),
        Transfer(id="trk_1", depot_id="dep_x", arrival=t(8), orders=("ord_A1",)),
        Transfer(id="trk_3", depot_id="dep_a", arrival=t(9, 30), orders=("PIN", "RET", "EARLY")),
    ]
    issues = transfer_issues(transfers, _orders(), _depots())
    found = [(i.code, i.loc) for i in issues]
    assert found == [
        ("E1710", ("transfers",)),
        ("E1708", ("transfers", 0, "sorting_s")),
        ("E1707", ("transfers", 0, "arrival")),
        ("E1704", ("transfers", 0, "orders", 1)),
        ("E1705", ("transfers", 0, "orders", 2)),
        ("E1703", ("transfers", 1, "depot_id")),
        ("E1705", ("transfers", 1, "orders", 0)),
        ("E1706", ("transfers", 2, "orders", 0)),
        ("E1709", ("transfers", 2, "orders", 1)),
        ("W1700", ("transfers", 2, "orders", 2)),
    ]
    said = {i.loc: i.message for i in issues}
    assert said[("transfers", 1, "orders", 0)] == "trk_1: order ord_A1 is already on trk_1"
    assert said[("transfers", 2, "orders", 2)] == "EARLY: ready at 09:30 off trk_3, after its last window ends at 09:00"


def test_too_many_orders_and_a_naive_arrival() -> None:
    """More than 10,000 order refs is E1711; an arrival without a time zone is E1708."""
    naive = t(8).replace(tzinfo=None)
    transfers = [Transfer(id="trk_big", depot_id="dep_a", arrival=naive, orders=tuple(f"x{k}" for k in range(10_001)))]
    codes = {i.code for i in transfer_issues(transfers, _orders(), _depots())}
    assert {"E1711", "E1708"} <= codes


def test_validate_problem_reports_transfers_and_depot_limits() -> None:
    """The problem's validation includes its transfers and the depots' hours, capacity and docks (E1700-E1702)."""
    bad_depot = depot("dep_a", opens=time(18), closes=time(8), capacity_parcels_per_day=-1, docks=0)
    p = replace(problem(_orders()[:2], [vehicle()], [bad_depot]),
                transfers=(Transfer(id="trk", depot_id="dep_z", arrival=t(8)),))  # fmt: skip
    codes = [i.code for i in validate_problem(p)]
    assert codes.count("E1702") == 1 and codes.count("E1700") == 1 and codes.count("E1701") == 1
    assert "E1703" in codes


def test_transfers_set_release_and_depot_once() -> None:
    """Carried orders are released at arrival plus sorting (the later of that and their own release), ship from the
    transfer's depot, and applying the transfers again changes nothing."""
    orders = _orders()
    orders[1] = replace(orders[1], release_at=t(11))
    trunk = Transfer(id="trk_1", depot_id="dep_a", arrival=t(9, 40), sorting_s=1200, orders=("A1", "A2"))
    p = replace(problem(orders, [vehicle()], _depots()), transfers=(trunk,))
    once = with_transfers(p)
    a1, a2 = once.order("ord_A1"), once.order("ord_A2")
    assert (a1.release_at, a1.depot_id) == (t(10), "dep_a")
    assert (a2.release_at, a2.depot_id) == (t(11), "dep_a")
    assert once.order("ord_EARLY") is p.order("ord_EARLY")
    assert with_transfers(once) is once
    assert with_transfers(replace(p, transfers=())).orders == p.orders
