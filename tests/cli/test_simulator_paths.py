"""`doorstep simulate --network`: virtual drivers report positions along the road network's paths."""

from __future__ import annotations

import itertools
from pathlib import Path

from doorstep.cli.simulator import road_paths
from doorstep.domain.geo import LatLng
from doorstep.live.positions import metres
from doorstep.routing.osrm_local import OsrmLocalProvider


def test_paths_follow_the_roads(monaco_network: Path, monaco_points: list[LatLng]) -> None:
    """A leg's path has many vertices, starts and ends near its stops, and is longer than the straight line."""
    paths = road_paths(OsrmLocalProvider(monaco_network))
    a, b = monaco_points[0], monaco_points[150]
    path = paths(a, b)
    assert len(path) > 5
    assert metres(path[0], a) < 250 and metres(path[-1], b) < 250
    along = sum(metres(p, q) for p, q in itertools.pairwise(path))
    assert along > metres(a, b)
    assert paths(a, b) is path  # asked once per leg
