"""The virtual driver: reports in time order, one outcome per visited stop, seeded, with delays that push on."""

from __future__ import annotations

import itertools
from dataclasses import replace

from doorstep.domain.plan import Route
from doorstep.live.simulation import SimConfig, SimKind, simulate_route
from tests.factories import km, order, problem
from tests.optimize.conftest import solve

ORDERS = [order(f"O{i}", km(1 + i % 3, 1 + i // 3)) for i in range(6)]


def _route() -> Route:
    return solve(problem(ORDERS)).routes[0]


def test_every_visited_stop_gets_one_arrival_and_one_outcome_in_time_order() -> None:
    """Positions between stops, then arrive and complete-or-fail for each order, never going back in time."""
    route = _route()
    events = list(simulate_route(route, SimConfig(fail_rate=0.3)))
    assert all(a.at <= b.at for a, b in itertools.pairwise(events))
    outcomes = [e for e in events if e.kind in (SimKind.COMPLETE, SimKind.FAIL)]
    assert sorted(e.order_id or "" for e in outcomes) == sorted(route.order_ids)
    assert sum(e.kind is SimKind.ARRIVE for e in events) == len(route.order_ids)
    assert sum(e.kind is SimKind.POSITION for e in events) > len(route.order_ids)
    assert all(e.reason is not None for e in events if e.kind is SimKind.FAIL)


def test_without_delays_or_failures_the_day_follows_the_plan() -> None:
    """With no delay and no failure, each completion happens exactly at the planned departure of its stop."""
    route = _route()
    events = list(simulate_route(route, SimConfig(fail_rate=0, delay_rate=0)))
    done = {e.stop_index: e.at for e in events if e.kind is SimKind.COMPLETE}
    for k, s in enumerate(route.stops):
        if k in done:
            assert done[k] == s.departure


def test_same_seed_same_day_and_delays_push_later_stops() -> None:
    """A seed reproduces the day; with every leg delayed, every completion is later than planned."""
    route = _route()
    cfg = SimConfig(seed=4, fail_rate=0.2, delay_rate=0.5)
    assert list(simulate_route(route, cfg)) == list(simulate_route(route, cfg))
    late = list(simulate_route(route, replace(cfg, delay_rate=1.0, fail_rate=0)))
    planned = {k: s.departure for k, s in enumerate(route.stops)}
    assert all(e.at > planned[e.stop_index] for e in late if e.kind is SimKind.COMPLETE and e.stop_index)


def test_positions_follow_the_given_road_path() -> None:
    """With a path function, positions lie on its polyline (here an L-shaped detour), not on the straight line."""
    route = _route()
    corner = km(10, 10)

    def detour(a, b):  # type: ignore[no-untyped-def]
        return [a, corner, b]

    events = list(simulate_route(route, SimConfig(delay_rate=0, fail_rate=0, position_every_s=5), detour))
    far = [e for e in events if e.kind is SimKind.POSITION and e.location.lat > km(0, 4).lat]
    assert far  # the straight legs never go 4 km north; the detour does
