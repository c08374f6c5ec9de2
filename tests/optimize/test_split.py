"""How a large day is cut into parts (optimize/split.py): depots, sweep, pickup points, vehicles by need."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from dataclasses import replace

from doorstep.domain import Order, Problem, Vehicle, VehicleType
from doorstep.optimize.split import Split, split_day
from tests.factories import depot, km, order, vehicle

COLD = VehicleType(id="vty_cold", name="Cold van", capacity={"parcels": 100}, skills=frozenset({"cold"}))


def _ring(n: int, centre_east: float, rng: random.Random, prefix: str, **kw: object) -> list[Order]:
    """``n`` orders spread within 6 km of a point ``centre_east`` km east of the origin."""
    out = []
    for i in range(n):
        r, a = 6 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        out.append(order(f"{prefix}{i:03d}", km(centre_east + r * math.cos(a), r * math.sin(a)), **kw))  # type: ignore[arg-type]
    return out


def _two_depots(orders: list[Order], vans_a: int = 6, vans_b: int = 6, extra: list[Vehicle] | None = None) -> Problem:
    vans = [vehicle(f"veh_a{i}", dep="dep_a") for i in range(vans_a)]
    vans += [vehicle(f"veh_b{i}", dep="dep_b") for i in range(vans_b)]
    vans += list(extra or [])
    return Problem(depots=(depot("dep_a"), depot("dep_b", at=km(20, 0))), vehicles=tuple(vans), orders=tuple(orders))


def _part_of(split: Split) -> dict[int, int]:
    return {oi: k for k, p in enumerate(split.parts) for oi in p.orders}


def test_each_order_in_one_part_and_each_vehicle_in_one_part() -> None:
    """Every order is in exactly one part, every vehicle in exactly one, and each part has a vehicle."""
    rng = random.Random(1)
    p = _two_depots(_ring(90, 0, rng, "A") + _ring(60, 20, rng, "B"))
    split = split_day(p, part_orders=40)
    orders = Counter(oi for part in split.parts for oi in part.orders)
    vehicles = Counter(vi for part in split.parts for vi in part.vehicles)
    assert sorted(orders) == list(range(150)) and set(orders.values()) == {1}
    assert sorted(vehicles) == list(range(12)) and set(vehicles.values()) == {1}
    assert all(part.vehicles for part in split.parts)
    assert Counter(part.depot_id for part in split.parts) == {"dep_a": 3, "dep_b": 2}  # ceil(90/40), ceil(60/40)
    assert split.unplaced == ()


def test_orders_go_to_the_nearest_depot_unless_pinned() -> None:
    """An order goes to its pinned depot even when the other is nearer; the rest to the nearest depot."""
    rng = random.Random(2)
    near_a = _ring(30, 0, rng, "A")
    pinned = [order(f"P{i}", km(0.5 * i, 1), depot_id="dep_b") for i in range(5)]
    p = _two_depots(near_a + pinned + _ring(30, 20, rng, "B"))
    split = split_day(p, part_orders=20)
    depot_of = {p.orders[oi].external_ref: part.depot_id for part in split.parts for oi in part.orders}
    assert {depot_of[o.external_ref] for o in pinned} == {"dep_b"}
    assert {depot_of[o.external_ref] for o in near_a} == {"dep_a"}
    assert all(p.vehicles[vi].start_depot_id == part.depot_id for part in split.parts for vi in part.vehicles)


def test_a_depot_without_vehicles_leaves_its_pinned_orders_unplaced() -> None:
    """Orders pinned to a depot with no vehicle are in no part (the whole fleet explains them later)."""
    rng = random.Random(3)
    lonely = order("L1", km(30, 0), depot_id="dep_c")
    p = _two_depots(_ring(30, 0, rng, "A"), vans_b=0)
    p = Problem(depots=(*p.depots, depot("dep_c", at=km(30, 0))), vehicles=p.vehicles, orders=(*p.orders, lonely))
    split = split_day(p, part_orders=20)
    assert split.unplaced == (30,)
    assert 30 not in _part_of(split)


def test_orders_to_one_pickup_point_stay_together() -> None:
    """Orders to one pickup point (one stop once planned) are never cut apart, wherever the cut falls."""
    rng = random.Random(4)
    spread = _ring(60, 0, rng, "A")
    point = [order(f"Q{i}", km(3, 3), pickup_point_id="pup_1") for i in range(12)]
    p = _two_depots(spread + point, vans_b=0)
    for size in (10, 15, 20, 25, 30):
        part = _part_of(split_day(p, part_orders=size))
        assert len({part[oi] for oi in range(60, 72)}) == 1, size


def test_parts_are_of_about_equal_size_in_sweep_order() -> None:
    """A depot's parts hold about ``n / k`` orders each, and each is one angular sector around the depot."""
    rng = random.Random(5)
    p = _two_depots(_ring(100, 0, rng, "A"), vans_a=10, vans_b=0)
    split = split_day(p, part_orders=30)
    assert sorted(len(part.orders) for part in split.parts) == [25, 25, 25, 25]
    for part in split.parts:
        angles = sorted(
            math.atan2(p.orders[oi].location.lat - 38.74, p.orders[oi].location.lng + 9.15) for oi in part.orders
        )
        gaps = [b - a for a, b in itertools.pairwise(angles)] + [angles[0] + 2 * math.pi - angles[-1]]
        assert max(gaps) > math.pi  # a sector: the orders leave a wide empty angle around the depot


def test_skilled_vehicles_go_to_the_parts_that_need_their_skill() -> None:
    """With cold orders in two of three parts, each of those parts gets one of the two cold vans, and skills do
    not move orders between parts."""
    rng = random.Random(6)
    orders = _ring(90, 0, rng, "A")
    before = split_day(_two_depots(orders, vans_a=6, vans_b=0), part_orders=30)
    assert len(before.parts) == 3
    cold = set(before.parts[0].orders[:3]) | set(before.parts[2].orders[:2])
    orders = [replace(o, skills=frozenset({"cold"})) if i in cold else o for i, o in enumerate(orders)]
    cold_vans = [vehicle(f"veh_c{i}", vtype=COLD, dep="dep_a") for i in range(2)]
    p = _two_depots(orders, vans_a=6, vans_b=0, extra=cold_vans)
    split = split_day(p, part_orders=30)
    assert _part_of(split) == _part_of(before)
    holders = [[vi for vi in part.vehicles if p.vehicles[vi].all_skills] for part in split.parts]
    assert [len(h) for h in holders] == [1, 0, 1]
    assert all(len(part.vehicles) >= 2 for part in split.parts)


def test_vehicles_follow_need() -> None:
    """A part with twice the parcels gets about twice the vans (within one), all vans shared out."""
    far = km(0, -30)  # the depot south of both groups: the sweep sees them as two sectors
    light = [order(f"L{i}", km(-2 - 8 * (i % 8) / 7, 5 * (i // 8) / 4)) for i in range(40)]
    heavy = [order(f"H{i}", km(2 + 8 * (i % 8) / 7, 5 * (i // 8) / 4), size={"parcels": 2}) for i in range(40)]
    small = VehicleType(id="vty_s", name="s", capacity={"parcels": 10})
    vans = tuple(vehicle(f"veh_{i:02d}", vtype=small) for i in range(18))
    p = Problem(depots=(depot("dep_a", at=far),), vehicles=vans, orders=tuple(light + heavy))
    split = split_day(p, part_orders=40)
    parcels = [sum(p.orders[oi].size["parcels"] for oi in part.orders) for part in split.parts]
    assert sorted(parcels) == [40, 80]
    vans_by = dict(zip(parcels, (len(part.vehicles) for part in split.parts), strict=True))
    assert vans_by[40] + vans_by[80] == 18
    assert abs(vans_by[80] - 2 * vans_by[40]) <= 2


def test_an_order_moves_to_a_part_with_a_vehicle_that_can_serve_it() -> None:
    """With cold orders in two parts and one cold van, every cold order ends in the cold van's part (with the
    orders to its pickup point), the others stay where the sweep put them."""
    rng = random.Random(8)
    orders = _ring(60, 0, rng, "A")
    before = split_day(_two_depots(orders, vans_a=4, vans_b=0), part_orders=30)
    assert len(before.parts) == 2
    a, b = before.parts[0].orders[0], before.parts[1].orders[0]
    orders = [replace(o, skills=frozenset({"cold"})) if i in (a, b) else o for i, o in enumerate(orders)]
    p = _two_depots(orders, vans_a=3, vans_b=0, extra=[vehicle("veh_c0", vtype=COLD, dep="dep_a")])
    split = split_day(p, part_orders=30)
    cold_part = next(k for k, part in enumerate(split.parts) if any(p.vehicles[vi].all_skills for vi in part.vehicles))
    part = _part_of(split)
    assert part[a] == part[b] == cold_part
    moved = {oi for oi in range(60) if part[oi] != _part_of(before)[oi]}
    assert len(moved) == 1 and moved <= {a, b}


def test_stops_count_when_every_vehicle_has_a_maximum() -> None:
    """Vans of at most 5 stops: a part of 40 one-parcel orders needs 8 vans, whatever their large capacity."""
    from doorstep.optimize.split import _scale, need

    orders = [order(f"S{i}", km(i % 8, i // 8)) for i in range(40)]
    vans = tuple(vehicle(f"veh_{i}", max_stops=5) for i in range(10))
    p = Problem(depots=(depot("dep_a"),), vehicles=vans, orders=tuple(orders))
    assert need(p, depot("dep_a").location, list(range(40)), _scale(p, list(range(10)))) == 8.0


def test_the_number_of_parts_is_raised_to_fill_every_process() -> None:
    """Parts per depot are ceil(orders / part_orders), then the total is raised to a multiple of the processes
    where parts are largest, never above one part per vehicle."""
    from doorstep.optimize.split import counts

    assert counts({"a": (2100, 50), "b": (900, 20)}, 1000, 1) == {"a": 3, "b": 1}
    assert counts({"a": (2100, 50), "b": (900, 20)}, 1000, 2) == {"a": 3, "b": 1}
    assert counts({"a": (2100, 50), "b": (1900, 20)}, 1000, 2) == {"a": 3, "b": 3}  # 5 -> 6: b's were largest
    assert counts({"a": (2100, 50), "b": (900, 20)}, 1000, 3) == {"a": 4, "b": 2}
    assert counts({"a": (3000, 2)}, 1000, 4) == {"a": 2}  # two vehicles: two parts at most
    rng = random.Random(9)
    p = _two_depots(_ring(90, 0, rng, "A") + _ring(30, 20, rng, "B"))
    assert len(split_day(p, 40).parts) == 4 and len(split_day(p, 40, multiple=3).parts) == 6
