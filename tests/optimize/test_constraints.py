"""Each constraint has a small instance where it changes the answer (and every plan passes the checker)."""

from __future__ import annotations

from doorstep.domain import StopType
from tests.factories import (
    VAN,
    Break,
    OrderKind,
    PairedPickup,
    Place,
    Priority,
    depot,
    km,
    order,
    problem,
    replace,
    t,
    vehicle,
)
from tests.optimize.conftest import reasons, solve, visits


def test_time_windows_reorder_the_route() -> None:
    """Without windows A and C (close together) are neighbours; windows A<B<C force the zig-zag A,B,C."""
    base = [order("A", km(2, 0)), order("B", km(-2, 0)), order("C", km(2.3, 0))]
    free = solve(problem(base))
    timed = [
        replace(o, time_windows=order("x", km(0, 0), windows=(w,)).time_windows)
        for o, w in zip(base, [(9, 10), (10, 11), (11, 12)], strict=True)
    ]
    forced = solve(problem(timed))
    assert visits(forced)["veh_1"] == ["A", "B", "C"]
    assert visits(free)["veh_1"] != ["A", "B", "C"]
    assert forced.stats.distance_m > free.stats.distance_m


def test_capacity_splits_the_work() -> None:
    """Four 30-parcel orders fit one van of 200 but need two vans of 100."""
    orders = [order(f"O{i}", km(i, 1), size={"parcels": 30}) for i in range(4)]
    big = replace(VAN, capacity={"parcels": 200})
    one = solve(problem(orders, [vehicle("veh_1", big), vehicle("veh_2", big)]))
    two = solve(problem(orders, [vehicle("veh_1"), vehicle("veh_2")]))
    assert len(one.routes) == 1
    assert len(two.routes) == 2
    for r in two.routes:
        assert max(s.load_after.get("parcels", 0) for s in r.stops) <= 100


def test_skills_send_the_order_to_the_equipped_vehicle() -> None:
    """A refrigerated order forces the costly fridge van into service; without the skill it stays home."""
    fridge = replace(VAN, id="vty_fridge", skills=frozenset({"refrigerated"}), fixed_cost_cents=50_000)
    fleet = [vehicle("veh_van"), vehicle("veh_fridge", fridge)]
    plain = [order("A", km(1, 1)), order("B", km(2, 1)), order("X", km(1.5, 1))]
    cold = [*plain[:2], replace(plain[2], skills=frozenset({"refrigerated"}))]
    assert list(visits(solve(problem(plain, fleet)))) == ["veh_van"]
    assert "X" in visits(solve(problem(cold, fleet)))["veh_fridge"]


def test_several_depots_serve_their_neighbourhoods() -> None:
    """With a second depot 30 km east, the orders next to it are served from it."""
    east = depot("dep_b", at=km(30, 0))
    orders = [order("W1", km(1, 0)), order("W2", km(-1, 0)), order("E1", km(31, 0)), order("E2", km(29, 1))]
    result = solve(problem(orders, [vehicle("veh_a"), vehicle("veh_b", dep="dep_b")], [depot(), east]))
    v = visits(result)
    assert sorted(v["veh_a"]) == ["W1", "W2"]
    assert sorted(v["veh_b"]) == ["E1", "E2"]


def test_mixed_fleet_uses_the_cheaper_vehicle_when_it_suffices() -> None:
    """A small cheap van takes a light day; when the day outgrows it, the big van is used."""
    small = replace(VAN, id="vty_small", capacity={"parcels": 5}, fixed_cost_cents=1_000)
    large = replace(VAN, id="vty_large", capacity={"parcels": 100}, fixed_cost_cents=20_000)
    fleet = [vehicle("veh_small", small), vehicle("veh_large", large)]
    light = [order(f"O{i}", km(i, 0)) for i in range(4)]
    heavy = [order(f"O{i}", km(i, 0), size={"parcels": 3}) for i in range(4)]
    assert list(visits(solve(problem(light, fleet)))) == ["veh_small"]
    assert "veh_large" in visits(solve(problem(heavy, fleet)))


def test_max_shift_duration_needs_a_second_vehicle() -> None:
    """Orders 10 km out take one van about 1.5 h; capped at 1 h, two vans share them."""
    orders = [order(f"O{i}", km(10, i - 2)) for i in range(5)]
    fleet = [vehicle("veh_1"), vehicle("veh_2")]
    assert len(solve(problem(orders, fleet)).routes) == 1
    capped = [replace(v, max_shift_s=3600) for v in fleet]
    result = solve(problem(orders, capped))
    assert len(result.routes) == 2
    assert all(r.duration_s <= 3600 for r in result.routes)


def test_max_distance_needs_a_second_vehicle() -> None:
    """Orders 12 km east and 12 km north: one van drives ~53 km; capped at 45 km, two vans go."""
    orders = [order("E", km(12, 0)), order("N", km(0, 12))]
    fleet = [vehicle("veh_1"), vehicle("veh_2")]
    assert len(solve(problem(orders, fleet)).routes) == 1
    result = solve(problem(orders, [replace(v, max_distance_m=45_000) for v in fleet]))
    assert len(result.routes) == 2
    assert all(r.distance_m <= 45_000 for r in result.routes)


def test_max_stops_caps_each_route() -> None:
    """Six orders on one street: one route without a cap, two routes of three with max_stops=3."""
    orders = [order(f"O{i}", km(1 + i * 0.1, 0)) for i in range(6)]
    fleet = [vehicle("veh_1"), vehicle("veh_2")]
    assert len(solve(problem(orders, fleet)).routes) == 1
    result = solve(problem(orders, [replace(v, max_stops=3) for v in fleet]))
    assert sorted(len(r.order_ids) for r in result.routes) == [3, 3]


def test_break_is_taken_in_its_window_and_delays_later_stops() -> None:
    """A 45-minute break between 12:00 and 12:30 appears on the route and pushes the afternoon stops."""
    orders = [order(f"O{i}", km(i, 0), windows=((11, 16),), service_s=1800) for i in range(1, 6)]
    without = solve(problem(orders))
    brk = vehicle(breaks=(Break(t(12), t(12, 30), 2700),))
    result = solve(problem(orders, [brk]))
    stops = result.routes[0].stops
    pauses = [s for s in stops if s.type is StopType.BREAK]
    assert len(pauses) == 1
    assert t(12) <= pauses[0].start <= t(12, 30)
    assert (pauses[0].departure - pauses[0].start).total_seconds() == 2700
    after = stops[stops.index(pauses[0]) + 1]
    assert after.arrival >= pauses[0].departure
    assert result.routes[0].duration_s >= without.routes[0].duration_s + 2700 - 600


def test_high_priority_wins_when_capacity_is_short() -> None:
    """Capacity for three of four orders: the distant high-priority order is kept, a normal one dropped."""
    small = replace(VAN, capacity={"parcels": 3})
    orders = [order(f"N{i}", km(1, i * 0.2)) for i in range(3)] + [order("H", km(15, 0), priority=Priority.HIGH)]
    result = solve(problem(orders, [vehicle(vtype=small)]))
    assert "H" in visits(result)["veh_1"]
    assert list(reasons(result).values()) == ["FLEET_FULL"]
    plain = solve(problem([replace(o, priority=Priority.NORMAL) for o in orders], [vehicle(vtype=small)]))
    assert "H" not in visits(plain)["veh_1"]


def test_must_serve_is_kept_over_normal_orders() -> None:
    """A must-serve order far away is served even though two near normal orders would be cheaper."""
    small = replace(VAN, capacity={"parcels": 2})
    orders = [
        order("N1", km(1, 0)),
        order("N2", km(1.2, 0)),
        order("M", km(20, 0), priority=Priority.MUST_SERVE),
    ]
    result = solve(problem(orders, [vehicle(vtype=small)]))
    assert "M" in visits(result)["veh_1"]
    assert len(result.unassigned) == 1


def test_optional_order_is_served_only_when_worth_it() -> None:
    """An optional order 20 km out worth 1 cent is skipped (NOT_WORTH_IT); worth 500 euros it is served."""
    near = order("N", km(1, 0))
    cheap = order("O", km(20, 0), priority=Priority.OPTIONAL, value_cents=1)
    dear = replace(cheap, value_cents=50_000)
    assert reasons(solve(problem([near, cheap]))) == {"O": "NOT_WORTH_IT"}
    assert "O" in visits(solve(problem([near, dear])))["veh_1"]


def test_second_time_window_is_used_when_the_first_is_impossible() -> None:
    """Windows 06-07 (before the shift) and 15-16: served in the afternoon; with only the first, unassigned."""
    both = order("A", km(2, 0), windows=((6, 7), (15, 16)))
    result = solve(problem([both]))
    stop = next(s for s in result.routes[0].stops if s.external_ref == "A")
    assert t(15) <= stop.start <= t(16)
    assert stop.window_start == t(15)
    first_only = solve(problem([order("A", km(2, 0), windows=((6, 7),))]))
    assert reasons(first_only) == {"A": "TIME_WINDOW"}


def test_alternative_place_is_used_when_home_is_impossible() -> None:
    """Home window is before the shift; the pickup point (open all day) serves the order instead."""
    locker = Place(location=km(3, 3), address="Locker 12", label="pickup point")
    o = order("A", km(2, 0), windows=((6, 7),), alternatives=(locker,))
    result = solve(problem([o]))
    stop = next(s for s in result.routes[0].stops if s.external_ref == "A")
    assert stop.location == locker.location
    assert stop.place_label == "pickup point"


def test_return_is_collected_after_deliveries_make_room() -> None:
    """An 80-parcel delivery and an 80-parcel return fit a 100-parcel van only delivery first."""
    d = order("D", km(2, 0), size={"parcels": 80})
    r = order("R", km(1, 0), kind=OrderKind.RETURN, size={"parcels": 80})
    result = solve(problem([d, r]))
    assert visits(result)["veh_1"] == ["D", "R"]
    stops = result.routes[0].stops
    assert stops[0].load_after["parcels"] == 80
    assert stops[-2].load_after["parcels"] == 80 and stops[-2].type is StopType.PICKUP


def test_paired_order_is_picked_up_before_delivery_on_one_route() -> None:
    """A store-to-door order: collected at the shop, then delivered, by the same vehicle."""
    shop = PairedPickup(location=km(5, 5), address="Shop", service_s=300)
    p = order("P", km(-3, 2), kind=OrderKind.PAIRED, pickup=shop, size={"parcels": 2})
    result = solve(problem([p, order("A", km(1, 1))], [vehicle("veh_1"), vehicle("veh_2")]))
    route = next(r for r in result.routes if "P" in visits(result)[r.vehicle_id])
    kinds = [s.type for s in route.stops if s.external_ref == "P"]
    assert kinds == [StopType.PAIRED_PICKUP, StopType.PAIRED_DELIVERY]


def test_reload_at_the_depot_serves_more_than_one_load() -> None:
    """Three 6-parcel orders and a 10-parcel van: one is left out, unless the van may reload."""
    small = replace(VAN, capacity={"parcels": 10})
    orders = [order(f"O{i}", km(2, i), size={"parcels": 6}) for i in range(3)]
    assert len(solve(problem(orders, [vehicle(vtype=small)])).unassigned) >= 1
    result = solve(problem(orders, [vehicle(vtype=small, reloads=True)]))
    assert result.unassigned == []
    assert any(s.type is StopType.RELOAD for s in result.routes[0].stops)
    assert result.routes[0].trips >= 2


def test_release_time_holds_the_trip_at_the_depot() -> None:
    """Goods ready at 13:00: the trip carrying them leaves the depot no earlier."""
    o = order("A", km(2, 0), release_at=t(13))
    result = solve(problem([o, order("B", km(1, 0), windows=((8, 18),))]))
    stop = next(s for s in result.routes[0].stops if s.external_ref == "A")
    assert stop.arrival >= t(13)
    assert solve(problem([replace(o, release_at=None)])).routes[0].stops[1].arrival < t(13)


def test_open_end_route_finishes_at_its_last_stop() -> None:
    """A driver who goes home ends at the last customer: no drive back, shorter route."""
    orders = [order("A", km(5, 0)), order("B", km(10, 0))]
    closed = solve(problem(orders))
    result = solve(problem(orders, [vehicle(open_end=True)]))
    stops = result.routes[0].stops
    assert stops[-1].type is StopType.END and stops[-1].location == stops[-2].location
    assert result.routes[0].distance_m < closed.routes[0].distance_m


def test_depot_opening_hours_delay_the_start() -> None:
    """A depot that opens at 10:00 sends the van out no earlier, even with an 08:00 shift."""
    result = solve(problem([order("A", km(2, 0))], depots=[depot(opens=t(10).time())]))
    assert result.routes[0].stops[0].departure >= t(10)


def test_balancing_spreads_work_across_vehicles() -> None:
    """Eight close orders go on one van by default; with balance_max_stops=4 each van gets four."""
    orders = [order(f"O{i}", km(1 + i * 0.1, 0.5)) for i in range(8)]
    fleet = [vehicle("veh_1"), vehicle("veh_2")]
    assert len(solve(problem(orders, fleet)).routes) == 1
    result = solve(problem(orders, fleet), balance_max_stops=4)
    assert sorted(len(r.order_ids) for r in result.routes) == [4, 4]


def test_route_duration_cap_as_balancing_option() -> None:
    """balance_max_duration_s caps every route like a shorter shift would."""
    orders = [order(f"O{i}", km(8, i - 2), service_s=600) for i in range(5)]
    result = solve(problem(orders, [vehicle("veh_1"), vehicle("veh_2")]), balance_max_duration_s=3600)
    assert len(result.routes) == 2
    assert all(r.duration_s <= 3600 for r in result.routes)
