"""The straight-line travel model and client-given matrices."""

from __future__ import annotations

import numpy as np
import pytest

from doorstep.domain import DoorstepError, LatLng, SpeedProfile
from doorstep.domain.geo import haversine_m
from doorstep.domain.problem import ExplicitMatrices
from doorstep.routing import ExplicitMatrixProvider, StraightLineProvider
from doorstep.routing.straight_line import DEFAULT_SPEEDS_KMH

LISBON = LatLng(38.7223, -9.1393)
PORTO = LatLng(41.1579, -8.6291)


def test_distance_is_haversine_times_circuity() -> None:
    """Lisbon-Porto: metres = great-circle x circuity, symmetric, zero diagonal."""
    m = StraightLineProvider(circuity=1.25).matrix([LISBON, PORTO], SpeedProfile.VAN)
    expected = haversine_m(LISBON, PORTO) * 1.25
    assert m.distances[0, 1] == m.distances[1, 0] == round(expected)
    assert m.distances[0, 0] == m.durations[1, 1] == 0
    assert 270_000 < expected / 1.25 < 280_000  # the known ~274 km great-circle distance


def test_duration_follows_the_profile_speed() -> None:
    """Seconds = metres / profile speed; a cargo bike is slower than a car on the same leg."""
    provider = StraightLineProvider()
    car = provider.matrix([LISBON, PORTO], SpeedProfile.CAR)
    bike = provider.matrix([LISBON, PORTO], SpeedProfile.CARGO_BIKE)
    assert car.durations[0, 1] == round(car.distances[0, 1] / (DEFAULT_SPEEDS_KMH[SpeedProfile.CAR] / 3.6))
    assert bike.durations[0, 1] > car.durations[0, 1]
    assert car.durations.dtype == np.int64


def test_explicit_matrices_serve_sub_matrices_by_point() -> None:
    """Rows are looked up by point, in the order asked; the '*' profile serves every profile."""
    pts = (LatLng(0, 0), LatLng(0, 1), LatLng(0, 2))
    given = ExplicitMatrices(points=pts, durations={"*": [[0, 5, 9], [6, 0, 4], [8, 3, 0]]})
    m = ExplicitMatrixProvider(given).matrix([pts[2], pts[0]], SpeedProfile.TRUCK)
    assert m.durations.tolist() == [[0, 8], [9, 0]]
    assert m.distances.tolist() == [[0, 0], [0, 0]]


def test_explicit_matrix_errors_are_coded() -> None:
    """A wrong shape or a point outside the matrices is E1116, not a crash."""
    pts = (LatLng(0, 0), LatLng(0, 1))
    with pytest.raises(DoorstepError) as shape:
        ExplicitMatrixProvider(ExplicitMatrices(points=pts, durations={"*": [[0, 1, 2]]}))
    assert shape.value.code == "E1116"
    provider = ExplicitMatrixProvider(ExplicitMatrices(points=pts, durations={"car": [[0, 1], [1, 0]]}))
    with pytest.raises(DoorstepError) as missing:
        provider.matrix([LatLng(5, 5)], SpeedProfile.CAR)
    assert missing.value.code == "E1116"
    with pytest.raises(DoorstepError) as profile:
        provider.matrix(list(pts), SpeedProfile.BIKE)
    assert profile.value.code == "E1116"
