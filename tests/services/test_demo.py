"""The Lisbon demo day: deterministic, valid, realistic in mix and geography."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from doorstep.demo.synthetic import MAX_LAT, MAX_LNG, MIN_LAT, MIN_LNG, demo_problem
from doorstep.domain.orders import OrderKind, Priority
from doorstep.domain.validate import validate_problem


def test_same_seed_same_day() -> None:
    """A seed always yields the same problem; another seed a different one."""
    assert demo_problem(seed=3) == demo_problem(seed=3)
    assert demo_problem(seed=3).orders != demo_problem(seed=4).orders


def test_problem_is_valid() -> None:
    """The demo passes validation without errors or warnings."""
    assert list(validate_problem(demo_problem())) == []


def test_fleet_shape() -> None:
    """Ten vans of two types, 08:00-18:00 Lisbon, each with a 30-min lunch break and costs set."""
    problem = demo_problem()
    assert Counter(v.type.name for v in problem.vehicles) == {"Van L": 6, "Van S refrigerated": 4}
    lisbon = ZoneInfo("Europe/Lisbon")
    for v in problem.vehicles:
        assert (v.shift_start.astimezone(lisbon).hour, v.shift_end.astimezone(lisbon).hour) == (8, 18)
        (brk,) = v.breaks
        assert brk.duration_s == 1800 and brk.start.astimezone(lisbon).hour == 12
        assert v.type.cost_per_km_cents > 0 and v.type.cost_per_hour_cents > 0
    assert sum("refrigerated" in v.all_skills for v in problem.vehicles) == 4
    assert problem.depots[0].timezone == "Europe/Lisbon"


def test_order_mix() -> None:
    """About 300 orders: ~10% returns, a few store-to-door, some HIGH, some refrigerated, windows of 2 h."""
    problem = demo_problem(orders=300)
    kinds = Counter(o.kind for o in problem.orders)
    assert len(problem.orders) == 300
    assert 15 <= kinds[OrderKind.RETURN] <= 50 and 1 <= kinds[OrderKind.PAIRED] <= 15
    assert 5 <= sum(o.priority is Priority.HIGH for o in problem.orders) <= 50
    assert 5 <= sum("refrigerated" in o.skills for o in problem.orders) <= 50
    windows = [w for o in problem.orders for w in o.time_windows]
    assert windows and all((w.end - w.start).total_seconds() == 7200 for w in windows)
    assert any(not o.time_windows for o in problem.orders)
    assert all(1 <= o.size["parcels"] <= 5 and o.size["weight_g"] > 0 for o in problem.orders)


def test_points_on_land_in_lisbon() -> None:
    """Every customer is inside Lisbon's land box (north of the river), ids are stable and unique."""
    problem = demo_problem()
    for o in problem.orders:
        assert MIN_LAT <= o.location.lat <= MAX_LAT and MIN_LNG <= o.location.lng <= MAX_LNG
        assert o.location.lat >= 38.70
    assert len({o.id for o in problem.orders}) == 300
    assert problem.orders[0].id == "ord_LX07-0001"


def test_every_parcel_has_a_labelled_item() -> None:
    """Each order lists one item per parcel with the label barcode ``REF-k``, so the driver app has codes to
    scan; the items come from a generator of their own (the orders' places and sizes do not depend on them)."""
    p = demo_problem(orders=120)
    for o in p.orders:
        assert [i.barcode for i in o.items] == [f"{o.external_ref}-{k}" for k in range(1, o.size["parcels"] + 1)]
        assert all(i.quantity == 1 and i.description and i.sku for i in o.items)
    assert [(o.location, o.size) for o in p.orders] == [(o.location, o.size) for o in demo_problem(orders=120).orders]


def test_demo_customers_have_reserved_addresses_that_can_receive_messages() -> None:
    """Every demo customer speaks Portuguese and has a usable email at example.com (RFC 2606) and a usable phone
    in Ofcom's drama range: a demo with SMTP or SMS configured shows real messages and reaches nobody real."""
    from doorstep.domain.contact import usable_email, usable_phone

    contacts = [o.contact for o in demo_problem(orders=300).orders]
    assert {c.language for c in contacts} == {"pt"}
    assert all((usable_email(c.email) or "").endswith("@example.com") for c in contacts)
    assert all((usable_phone(c.phone) or "").startswith("+447700900") for c in contacts)
