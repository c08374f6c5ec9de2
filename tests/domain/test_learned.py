"""Learned times (domain/learned.py): shrinkage towards the group, by hand on small fixed observations; the
fallback below the minimum; the travel factor's terms; the stored document round trip."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from doorstep.domain.cells import address_of, building_of, neighbourhood_of
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import (
    K_ADDRESS,
    K_BUILDING,
    K_CELL,
    K_DRIVER,
    K_HOUR,
    K_ZONE,
    K_ZONE_PERIOD,
    MIN_OBSERVATIONS,
    LearnedTimes,
    LegObservation,
    ServiceObservation,
    cell_centre,
    learn_service,
    learn_travel,
    period_of,
)

HOME = LatLng(41.15000, -8.61000)
NEXT_DOOR = LatLng(41.15005, -8.61000)  # 5.6 m north: same building cell, another address
FAR = LatLng(41.17000, -8.65000)  # another neighbourhood


def test_cells_group_nearby_points_and_their_centre_is_inside() -> None:
    """Next-door addresses share building and neighbourhood; a point 4 km away shares neither; a cell's centre
    lies in the cell."""
    assert building_of(HOME) == building_of(NEXT_DOOR) and address_of(HOME) != address_of(NEXT_DOOR)
    assert neighbourhood_of(HOME) == neighbourhood_of(NEXT_DOOR) != neighbourhood_of(FAR)
    assert neighbourhood_of(cell_centre(neighbourhood_of(FAR))) == neighbourhood_of(FAR)
    assert [period_of(h) for h in (6, 7, 12, 17, 20)] == ["night", "morning peak", "day", "evening peak", "evening"]


def _visits() -> list[ServiceObservation]:
    """20 visits: HOME 3 × 400 s by driver A, NEXT_DOOR 2 × 200 s by B, FAR 15 × 100 s (A and B alternating)."""
    out = [ServiceObservation(HOME, "A", 400.0) for _ in range(3)]
    out += [ServiceObservation(NEXT_DOOR, "B", 200.0) for _ in range(2)]
    out += [ServiceObservation(FAR, "AB"[k % 2], 100.0) for k in range(15)]
    return out


def test_service_times_shrink_towards_building_neighbourhood_and_organization() -> None:
    """Each level is (n × own mean log + k × parent) / (n + k), computed here by hand."""
    m = LearnedTimes(learned_at=datetime(2026, 12, 1, tzinfo=UTC))
    learn_service(m, _visits())
    ln = math.log
    g = (3 * ln(400) + 2 * ln(200) + 15 * ln(100)) / 20
    cell_home = (3 * ln(400) + 2 * ln(200) + K_CELL * g) / (5 + K_CELL)
    building = (3 * ln(400) + 2 * ln(200) + K_BUILDING * cell_home) / (5 + K_BUILDING)
    home = (3 * ln(400) + K_ADDRESS * building) / (3 + K_ADDRESS)
    next_door = (2 * ln(200) + K_ADDRESS * building) / (2 + K_ADDRESS)
    assert m.service_n == 20 and m.has_service
    assert m.service_log == pytest.approx(g)
    assert m.cells[neighbourhood_of(HOME)] == pytest.approx((cell_home, 5))
    assert m.buildings[building_of(HOME)] == pytest.approx((building, 5))
    assert m.addresses[address_of(HOME)] == pytest.approx((home, 3))
    est = m.service_s(HOME)
    assert est is not None and (est.value, est.n, est.level) == pytest.approx((math.exp(home), 3, "address"))
    assert m.service_s(NEXT_DOOR).value == pytest.approx(math.exp(next_door))  # type: ignore[union-attr]
    # an unseen address in HOME's building takes the building's value; an unseen neighbourhood the organization's
    unseen = m.service_s(LatLng(41.15001, -8.61001))
    assert unseen is not None and (unseen.value, unseen.level) == pytest.approx((math.exp(building), "building"))
    nowhere = m.service_s(LatLng(40.0, -8.0))
    assert nowhere is not None and (nowhere.value, nowhere.level) == pytest.approx((math.exp(g), "organization"))
    # driver A: residuals against the address estimates, shrunk towards 0
    res_a = [ln(400) - home] * 3 + [ln(100) - m.addresses[address_of(FAR)][0]] * 8
    assert m.drivers["A"] == pytest.approx((sum(res_a) / (len(res_a) + K_DRIVER), 11))
    assert m.driver_factor("A") == pytest.approx(math.exp(sum(res_a) / (len(res_a) + K_DRIVER)))
    assert m.driver_factor("nobody") == 1.0


def test_too_few_visits_fall_back_to_the_defaults() -> None:
    """Below the minimum number of observations nothing is used: no service estimate, travel factor 1."""
    m = LearnedTimes()
    learn_service(m, _visits()[: MIN_OBSERVATIONS - 1])
    learn_travel(m, [LegObservation(HOME, 10, 100.0, 200.0)] * (MIN_OBSERVATIONS - 1))
    assert (m.has_service, m.has_travel) == (False, False)
    assert m.service_s(HOME) is None and m.driver_factor("A") == 1.0
    assert m.travel_factor(HOME, 10) == 1.0


def test_travel_factor_is_organization_times_hour_times_neighbourhood_times_period() -> None:
    """Legs into HOME at Monday 08:00 take 1.5× the model, into FAR at Monday 12:00 0.8×: each term by hand."""
    legs = [LegObservation(HOME, 8, 100.0, 150.0)] * 12 + [LegObservation(FAR, 12, 100.0, 80.0)] * 12
    m = LearnedTimes()
    learn_travel(m, legs)
    ln = math.log
    g = (12 * ln(1.5) + 12 * ln(0.8)) / 24
    h8 = 12 * (ln(1.5) - g) / (12 + K_HOUR)
    z_home = 12 * (ln(1.5) - g - h8) / (12 + K_ZONE)
    zp_home = 12 * (ln(1.5) - g - h8 - z_home) / (12 + K_ZONE_PERIOD)
    assert m.leg_n == 24 and m.travel_log == pytest.approx(g)
    assert m.hours[8] == pytest.approx((h8, 12))
    assert m.travel_factor(HOME, 8) == pytest.approx(math.exp(g + h8 + z_home + zp_home))
    # the same neighbourhood at an hour never seen: organization and neighbourhood terms only
    assert m.travel_factor(HOME, 30) == pytest.approx(math.exp(g + z_home))
    assert m.travel_factor(HOME, 8) > m.travel_factor(FAR, 12)


def test_the_stored_document_round_trips() -> None:
    """to_dict / from_dict give back the same model (JSON-able: string keys)."""
    m = LearnedTimes(learned_at=datetime(2026, 12, 1, 2, tzinfo=UTC), days=3)
    learn_service(m, _visits())
    learn_travel(m, [LegObservation(HOME, 8, 100.0, 150.0)] * 20)
    back = LearnedTimes.from_dict(m.to_dict())
    assert back == m
