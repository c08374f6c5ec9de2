"""Partner carriers as data: every problem of a carrier's settings at once, prices, areas and cut-offs."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from doorstep.domain.carrier_types import ORDER_STATUS_OF, CarrierStatus
from doorstep.domain.carriers import CarrierKind, PriceRule, ServiceArea, carrier_of, parse_carrier
from doorstep.domain.geo import haversine_m
from doorstep.domain.signing import sign, verify
from doorstep.domain.status import OrderStatus
from tests.factories import ORIGIN, km, order

GOOD = {
    "name": "CityCourier", "kind": "http",
    "endpoints": {"quote": "https://c.example/q", "book": "https://c.example/b"},
    "service_areas": [{"depot_id": "dep_a", "radius_m": 20_000},
                      {"depot_id": "dep_a", "polygon": [{"lat": 38.0, "lng": -9.0}, {"lat": 38.1, "lng": -9.0},
                                                        {"lat": 38.1, "lng": -8.9}]}],
    "price": {"base_cents": 450, "per_kg_cents": 20, "per_parcel_cents": 50, "per_km_cents": 15},
    "cutoff": "14:00", "capacity_per_day": 100, "timeout_s": 3, "retries": 1,
}  # fmt: skip
SECRET = "s" * 16


def test_a_valid_carrier_parses_without_problems() -> None:
    """The example carrier has no problem and keeps every setting."""
    c, issues = parse_carrier(GOOD, "car_1", {"dep_a"}, SECRET)
    assert issues == []
    assert (c.name, c.kind, c.cutoff, c.capacity_per_day, c.timeout_s, c.retries) == (
        "CityCourier", CarrierKind.HTTP, time(14, 0), 100, 3.0, 1,
    )  # fmt: skip
    assert c.price == PriceRule(450, 20, 50, 15)
    assert c.areas[0] == ServiceArea("dep_a", radius_m=20_000)
    assert len(c.areas[1].polygon) == 3


def test_every_problem_is_reported_at_once_with_its_code() -> None:
    """A carrier wrong in every field gets one coded issue per problem, located."""
    bad = {
        "name": "", "kind": "pigeon", "endpoints": {"teleport": "https://x"}, "service_areas": [
            {"depot_id": "dep_zz", "radius_m": 100}, {"depot_id": "dep_a"},
            {"depot_id": "dep_a", "polygon": [{"lat": 1, "lng": 2}]}],
        "price": {"base_cents": -1, "per_km_cents": 1.5, "tip": 3}, "cutoff": "25:00", "capacity_per_day": 0,
        "timeout_s": 0, "retries": 9,
    }  # fmt: skip
    _, issues = parse_carrier(bad, "car_1", {"dep_a"}, "")
    got = sorted((i.code, i.loc) for i in issues)
    assert got == sorted([
        ("E1640", ("name",)), ("E1641", ("kind",)), ("E1643", ("endpoints", "teleport")),
        ("E1645", ("service_areas", 0, "depot_id")), ("E1645", ("service_areas", 1)),
        ("E1645", ("service_areas", 2, "polygon")), ("E1646", ("price", "base_cents")),
        ("E1646", ("price", "per_km_cents")), ("E1646", ("price", "tip")), ("E1647", ("cutoff",)),
        ("E1648", ("capacity_per_day",)), ("E1649", ("timeout_s",)), ("E1649", ("retries",)),
    ])  # fmt: skip


def test_an_http_carrier_needs_quote_book_and_a_secret() -> None:
    """Without the quote and book endpoints and a 16-character secret an HTTP carrier is refused; a manifest
    carrier needs neither."""
    body = {**GOOD, "endpoints": {"cancel": "https://c.example/c"}}
    _, issues = parse_carrier(body, "car_1", {"dep_a"}, "short")
    assert sorted((i.code, i.loc) for i in issues) == [
        ("E1643", ("endpoints", "book")), ("E1643", ("endpoints", "quote")), ("E1644", ("secret",)),
    ]  # fmt: skip
    assert parse_carrier({**body, "kind": "manifest"}, "car_1", {"dep_a"}, "")[1] == []


def test_price_is_base_plus_weight_parcels_and_straight_line_km() -> None:
    """Price = base + per kg x kg + per parcel x parcels + per km x km from the depot, in whole cents."""
    o = order("P1", km(10, 0), size={"parcels": 2, "weight_g": 3500}, depot_id="dep_a")
    rule = PriceRule(base_cents=450, per_kg_cents=20, per_parcel_cents=50, per_km_cents=15)
    km_ = haversine_m(o.location, ORIGIN) / 1000
    assert rule.price(o, ORIGIN) == 450 + round(20 * 3.5 + 15 * km_) + 100
    c = carrier_of("car_1", "manifest", {**GOOD, "price": {"base_cents": 450}}, "", {"dep_a": ORIGIN})
    assert c.price_for(o) == 450
    assert c.price_for(order("P2", km(1, 0), depot_id="dep_other")) is None


def test_service_area_by_radius_or_polygon() -> None:
    """An address within the radius is served, one beyond it is not; a polygon serves what lies inside it."""
    c = carrier_of("car_1", "manifest", {**GOOD, "service_areas": [{"depot_id": "dep_a", "radius_m": 20_000}]}, "",
                   {"dep_a": ORIGIN})  # fmt: skip
    assert c.serves(order("In", km(19, 0), depot_id="dep_a"))
    assert not c.serves(order("Out", km(21, 0), depot_id="dep_a"))
    square = [{"lat": ORIGIN.lat + dy, "lng": ORIGIN.lng + dx} for dx, dy in ((0, 0), (0.1, 0), (0.1, 0.1), (0, 0.1))]
    p = carrier_of("car_2", "manifest", {**GOOD, "service_areas": [{"depot_id": "dep_a", "polygon": square}]}, "",
                   {"dep_a": ORIGIN})  # fmt: skip
    assert p.serves(order("Sq", km(2, 2), depot_id="dep_a"))
    assert not p.serves(order("West", km(-2, 2), depot_id="dep_a"))


def test_cut_off_is_a_local_time_of_the_delivery_day() -> None:
    """Open until 14:00 Lisbon time on the day, closed from then on."""
    c, _ = parse_carrier(GOOD, "car_1", {"dep_a"}, SECRET)
    lisbon = ZoneInfo("Europe/Lisbon")
    day = date(2026, 11, 23)
    assert c.open_for(day, "Europe/Lisbon", datetime(2026, 11, 23, 13, 59, tzinfo=lisbon))
    assert not c.open_for(day, "Europe/Lisbon", datetime(2026, 11, 23, 14, 0, tzinfo=lisbon))


def test_carrier_statuses_map_onto_the_order_lifecycle() -> None:
    """Picked up, in transit and out for delivery are dispatched; delivered and failed end it; cancelled hands
    the order back (new)."""
    assert {s: ORDER_STATUS_OF[s] for s in CarrierStatus} == {
        CarrierStatus.BOOKED: OrderStatus.PLANNED, CarrierStatus.PICKED_UP: OrderStatus.DISPATCHED,
        CarrierStatus.IN_TRANSIT: OrderStatus.DISPATCHED, CarrierStatus.OUT_FOR_DELIVERY: OrderStatus.DISPATCHED,
        CarrierStatus.DELIVERED: OrderStatus.DELIVERED, CarrierStatus.FAILED: OrderStatus.FAILED,
        CarrierStatus.CANCELLED: OrderStatus.NEW,
    }  # fmt: skip


def test_the_signing_scheme_is_shared_with_webhooks() -> None:
    """A callback signed with the carrier's secret verifies within 5 minutes; another secret does not."""
    header = sign(SECRET, 1_750_000_000, b"{}")
    assert verify(SECRET, header, b"{}", 1_750_000_299)
    assert not verify("t" * 16, header, b"{}", 1_750_000_000)
