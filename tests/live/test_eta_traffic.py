"""Live ETAs with time-of-day traffic: every remaining leg is driven in the hour it is actually driven in."""

from __future__ import annotations

from datetime import datetime, timedelta

from doorstep.domain.plan import Route
from doorstep.live.eta import EtaEngine
from doorstep.routing import StraightLineProvider
from doorstep.routing.traffic import HOURS_PER_WEEK, TrafficModel, TrafficProvider
from tests.factories import VAN, km, order, problem, t
from tests.optimize.conftest import solve

ORDERS = [order(f"S{i}", km(3 * (i % 3), 2 * (i // 3) + 1), service_s=600) for i in range(6)]


def _route() -> Route:
    plan = solve(problem(ORDERS))
    route = plan.routes[0]
    assert len(route.stops) >= 5
    return route


def _free_flow_s(a: object, b: object) -> int:
    m = StraightLineProvider().matrix([a, b], VAN.profile)  # type: ignore[list-item]
    return int(m.durations[0, 1])


def _model(**hours: float) -> TrafficModel:
    """Flat 1.0 except the given Monday hours (``h17=1.5``), in Lisbon time (the test day is a Monday)."""
    factors = [1.0] * HOURS_PER_WEEK
    for name, f in hours.items():
        factors[int(name[1:])] = f
    return TrafficModel(tuple(factors), timezone="Europe/Lisbon")


def test_each_leg_takes_the_factor_of_the_hours_it_is_driven_in() -> None:
    """From 16:50, legs before 17:00 run free, legs in the 17-18 h peak take twice as long, and the leg that
    crosses 17:00 is split: the engine's legs equal the model's own ``leg_duration`` of the free-flow time."""
    route = _route()
    model = _model(h17=2.0)
    now = t(16, 50)
    eta = EtaEngine(TrafficProvider(StraightLineProvider(), model)).route_eta(route, VAN.profile, done=1, now=now)
    plain = EtaEngine(StraightLineProvider()).route_eta(route, VAN.profile, done=1, now=now)
    prev_loc, leave = route.stops[0].location, max(now, route.stops[0].departure)
    slower = 0
    for k, e in enumerate(eta.stops):
        stop = route.stops[1 + k]
        free = _free_flow_s(prev_loc, stop.location)
        assert e.eta == leave + timedelta(seconds=model.leg_duration(leave, free)), stop.external_ref
        slower += e.eta > plain.stops[k].eta
        leave = (
            e.eta
            if stop.type.value == "end"
            else max(e.eta, stop.window_start or e.eta) + timedelta(seconds=stop.service_s)
        )
        prev_loc = stop.location
    # a stop is later exactly when some of the driving into it happens after 17:00
    assert slower == sum(1 for s in plain.stops if s.eta > t(17)) >= len(eta.stops) - 1
    crossing = model.leg_duration(t(16, 55), 600)
    assert 600 < crossing < 1200  # 5 min free, then the rest at half speed


def test_off_peak_the_etas_are_the_free_flow_etas() -> None:
    """At 03:00 the factor is 1.0: traffic changes nothing, to the second."""
    route = _route()
    now = t(3)
    with_traffic = EtaEngine(TrafficProvider(StraightLineProvider(), _model(h17=2.0)))
    a = with_traffic.route_eta(route, VAN.profile, done=1, now=now)
    b = EtaEngine(StraightLineProvider()).route_eta(route, VAN.profile, done=1, now=now)
    assert [s.eta for s in a.stops] == [s.eta for s in b.stops]


def test_a_pinned_provider_still_gives_hour_by_hour_etas() -> None:
    """The platform pins the matrices to the plan's main hour, but ETAs still follow the hour driven: a pinned
    provider whose main hour runs free gives peak-hour ETAs in the peak."""
    route = _route()
    model = _model(h17=2.0)
    pinned = TrafficProvider(StraightLineProvider(), model, datetime.fromisoformat("2026-11-23T08:00:00+00:00"),
                             pinned=True)  # fmt: skip
    free = StraightLineProvider().matrix([route.stops[0].location, route.stops[1].location], VAN.profile)
    assert (pinned.matrix([route.stops[0].location, route.stops[1].location], VAN.profile, t(17, 30)).durations
            == free.durations).all()  # fmt: skip
    peak = EtaEngine(pinned).route_eta(route, VAN.profile, done=1, now=t(17))
    flat = EtaEngine(StraightLineProvider()).route_eta(route, VAN.profile, done=1, now=t(17))
    first_leg = (peak.stops[0].eta - t(17)).total_seconds()
    assert first_leg == 2 * (flat.stops[0].eta - t(17)).total_seconds()
