"""The ETA engine re-times what is left of a route from where the driver is, and flags stops that will be late."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain import Plan, StopType
from doorstep.live.eta import EtaEngine, EtaStatus
from doorstep.routing import StraightLineProvider
from tests.factories import VAN, km, order, problem
from tests.optimize.conftest import solve

ORDERS = [
    order("A", km(2, 0), windows=((9, 10),)),
    order("B", km(2, 2), windows=((9, 12),)),
    order("C", km(0, 2), windows=((10, 11),)),
]


def _plan() -> Plan:
    return solve(problem(ORDERS))


def test_on_schedule_the_etas_are_the_plan() -> None:
    """At the planned departure, with the plan's travel model, every ETA equals the planned arrival."""
    plan = _plan()
    route = plan.routes[0]
    eta = EtaEngine(StraightLineProvider()).route_eta(route, VAN.profile, done=1, now=route.stops[0].departure)
    assert [e.eta for e in eta.stops] == [s.arrival for s in route.stops[1:]]
    assert eta.alerts == []
    assert eta.end == route.stops[-1].arrival


def test_a_late_driver_makes_tight_stops_late_and_says_by_how_much() -> None:
    """Leaving two hours late pushes every stop; those whose window then closes are LATE with the exact delay."""
    plan = _plan()
    route = plan.routes[0]
    now = route.stops[0].departure + timedelta(hours=2)
    eta = EtaEngine(StraightLineProvider()).route_eta(route, VAN.profile, done=1, now=now)
    by_ref = {e.external_ref: e for e in eta.stops if e.external_ref}
    assert all(e.eta > s.arrival for e, s in zip(eta.stops, route.stops[1:], strict=True))
    for e in by_ref.values():
        assert e.window_end is not None
        expected = max(0, int((e.start - e.window_end).total_seconds()))
        assert e.late_s == expected
        assert (e.status is EtaStatus.LATE) == (expected > 0)
    assert by_ref["A"].status is EtaStatus.LATE  # window 9-10, the van now leaves after 10


def test_position_report_drives_from_where_the_driver_is() -> None:
    """With the first stop done and the driver reporting a position, the next ETA is now + drive from there."""
    plan = _plan()
    route = plan.routes[0]
    provider = StraightLineProvider()
    now = route.stops[1].departure + timedelta(minutes=5)
    here = km(1, 1)
    eta = EtaEngine(provider).route_eta(route, VAN.profile, done=2, now=now, position=here)
    nxt = route.stops[2]
    drive = int(provider.matrix([here, nxt.location], VAN.profile).durations[0, 1])
    assert eta.next_index == 2
    assert eta.stops[0].eta == now + timedelta(seconds=drive)
    assert len(eta.stops) == len(route.stops) - 2


def test_risk_margin_flags_stops_close_to_their_window_end() -> None:
    """A stop predicted on time but with less than the margin to spare is AT_RISK, not ON_TIME."""
    plan = _plan()
    route = plan.routes[0]
    engine = EtaEngine(StraightLineProvider(), risk_margin_s=24 * 3600)
    eta = engine.route_eta(route, VAN.profile, done=1, now=route.stops[0].departure)
    statuses = {e.status for e in eta.stops if e.type is not StopType.END}
    assert statuses == {EtaStatus.AT_RISK}
