"""Inbound transfers in the planner: a trunk run's arrival plus sorting is the release time of its orders, so no
route leaves with them before; a late trunk delays the routes that carry its goods; the checker verifies it."""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.plan import Plan, StopType
from doorstep.domain.problem import Problem
from doorstep.domain.transfers import Transfer
from doorstep.optimize.check import check_plan
from tests.factories import depot, km, order, problem, replace, t, timedelta, vehicle
from tests.optimize.conftest import reasons, solve


def _day(arrival_h: int, arrival_m: int = 0) -> Problem:
    """Six orders, two vans from 08:00; the trunk from the central warehouse carries three of them (by id and by
    external ref, 09:00-17:00) and takes 30 minutes to unload and sort; the other three are due 09:00-10:00."""
    orders = [order(f"o{k}", km(k - 3, 1 + k % 2), windows=((9, 17) if k < 3 else (9, 10),)) for k in range(6)]
    trunk = Transfer(id="trk_1", depot_id="dep_a", arrival=t(arrival_h, arrival_m), sorting_s=1800,
                     orders=("ord_o0", "o1", "o2"), origin="Central DC", reference="TRUNK 7")  # fmt: skip
    p = problem(orders, [vehicle("veh_1"), vehicle("veh_2")], [depot(loading_s=600)])
    return replace(p, transfers=(trunk,))


def _departures(result: Plan) -> dict[str, datetime]:
    """Order ref -> the departure of the trip that carries it."""
    out: dict[str, datetime] = {}
    for r in result.routes:
        leave = r.stops[0].departure
        for s in r.stops:
            if s.type in (StopType.START, StopType.RELOAD):
                leave = s.departure
            elif s.external_ref:
                out[s.external_ref] = leave
    return out


def test_a_trunk_run_releases_its_orders_when_sorted() -> None:
    """The trunk arrives at 10:00: its three orders leave the depot at 10:30 or later, the others (due by 10:00)
    do not wait for it, everything is served and the checker is clean."""
    result = solve(_day(10))
    assert reasons(result) == {}
    leave = _departures(result)
    assert min(leave[r] for r in ("o0", "o1", "o2")) >= t(10, 30)
    assert min(leave[r] for r in ("o3", "o4", "o5")) < t(10, 30)


def test_a_late_trunk_delays_the_routes_that_carry_its_goods() -> None:
    """The same day with the trunk an hour and a half late (11:30): its orders leave at 12:00 or later; a plan made
    for the punctual trunk is refused by the checker with RELEASE_TIME for each order that would leave early."""
    punctual = solve(_day(10))
    late_day = _day(11, 30)
    late = solve(late_day)
    assert reasons(late) == {}
    assert min(_departures(late)[r] for r in ("o0", "o1", "o2")) >= t(12)
    early = {v.order_id for v in check_plan(late_day, punctual) if v.kind == "RELEASE_TIME"}
    left_early = {f"ord_{r}" for r in ("o0", "o1", "o2") if _departures(punctual)[r] < t(12)}
    assert early == left_early and early


def test_goods_that_arrive_after_the_window_are_left_out_with_release_time() -> None:
    """A trunk at 16:45 (sorted 17:15) is too late for windows ending at 17:00: RELEASE_TIME for its orders."""
    p = _day(16, 45)
    result = solve(p)
    assert dict(reasons(result).items()) == dict.fromkeys(("o0", "o1", "o2"), "RELEASE_TIME")


def test_a_trunk_before_opening_is_sorted_once_the_depot_opens() -> None:
    """The depot opens at 09:00; a trunk that arrives at 06:00 is ready at 09:30 (opening plus sorting)."""
    p = _day(6)
    p = replace(p, depots=(replace(p.depots[0], opens=t(9).time()),))
    assert p.transfers[0].ready_at(p.depots[0]) == t(9, 30)
    result = solve(p)
    assert min(_departures(result)[r] for r in ("o0", "o1", "o2")) >= t(9, 30)
    assert all(r.stops[0].departure >= t(9) + timedelta(seconds=600) for r in result.routes)
