"""The grid cells learned values are kept by (docs/learning.md): a ~1 km neighbourhood, a ~25 m building and an
address (its coordinates to about a metre), each a short string key. Shared by the learned times
(``domain.learned``) and the reachability (``domain.reach``)."""

from __future__ import annotations

import math

from doorstep.domain.geo import LatLng

NEIGHBOURHOOD_M = 1000.0  # side of a neighbourhood cell
BUILDING_M = 25.0  # side of a building cell
M_PER_DEG = 111_320.0


def _cell(point: LatLng, side_m: float) -> str:
    # east-west metres at the latitude rounded to a degree, so a cell's key does not drift within a city
    lng_m = M_PER_DEG * math.cos(math.radians(round(point.lat)))
    return f"{math.floor(point.lat * M_PER_DEG / side_m)}:{math.floor(point.lng * lng_m / side_m)}"


def neighbourhood_of(point: LatLng) -> str:
    """The key of the ~1 km cell the point lies in."""
    return "n" + _cell(point, NEIGHBOURHOOD_M)


def cell_centre(key: str) -> LatLng:
    """The centre of a neighbourhood cell from its key (for maps; to within a few metres)."""
    i, j = (int(x) for x in key[1:].split(":"))
    lat = (i + 0.5) * NEIGHBOURHOOD_M / M_PER_DEG
    lng_m = M_PER_DEG * math.cos(math.radians(round(lat)))
    return LatLng(round(lat, 5), round((j + 0.5) * NEIGHBOURHOOD_M / lng_m, 5))


def building_of(point: LatLng) -> str:
    """The key of the ~25 m cell the point lies in (stands for the building)."""
    return "b" + _cell(point, BUILDING_M)


def address_of(point: LatLng) -> str:
    """The key of an address: its coordinates to about a metre."""
    return f"a{point.lat:.5f}:{point.lng:.5f}"


def address_point(key: str) -> LatLng:
    """The point of an address key (``address_of`` back)."""
    lat, lng = key[1:].split(":")
    return LatLng(float(lat), float(lng))
