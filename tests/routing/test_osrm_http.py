"""The OSRM HTTP provider against a real `osrm-routed` (from the osrm-bindings wheel) serving the Monaco network,
and the straight-line fallback when a server is down or answers garbage."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.fallback import FallbackProvider
from doorstep.routing.network_build import tool
from doorstep.routing.network_meta import read_meta
from doorstep.routing.osrm_http import OsrmHttpProvider
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.route_geometry import joined_path
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.routing.trail_match import match_trail
from tests.routing.trails import drive

SEA = LatLng(43.7300, 7.4500)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def osrm_url(monaco_network: Path) -> Iterator[str]:
    """A real osrm-routed on 127.0.0.1 serving the Monaco network; stopped after the module."""
    meta = read_meta(monaco_network)
    port = free_port()
    proc = subprocess.Popen(
        [str(tool("routed")), "--algorithm", "mld", "-i", "127.0.0.1", "-p", str(port), str(meta.base_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/nearest/v1/driving/7.42,43.73", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("osrm-routed did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_remote_matrix_equals_the_in_process_engine_across_chunks(
    osrm_url: str, monaco_network: Path, monaco_points: list[LatLng]
) -> None:
    """A 70-point matrix fetched in 20×20 chunks over HTTP equals the embedded engine's, sea point included."""
    pts = [*monaco_points[:69], SEA]
    remote = OsrmHttpProvider(osrm_url, chunk=20).matrix(pts, SpeedProfile.CAR)
    here = OsrmLocalProvider(monaco_network).matrix(pts, SpeedProfile.CAR)
    assert (remote.durations == here.durations).all() and (remote.distances == here.distances).all()
    assert (remote.durations[69, :69] == UNREACHABLE).all()
    assert "W3001" in {w.code for w in remote.warnings}


def test_remote_route_legs_and_match(osrm_url: str, monaco_network: Path, monaco_points: list[LatLng]) -> None:
    """/route legs equal the embedded engine's legs; /match fits a trace taken from one of them."""
    remote = OsrmHttpProvider(osrm_url)
    stops = monaco_points[50:54]
    legs = remote.route_legs(stops, SpeedProfile.CAR)
    local = OsrmLocalProvider(monaco_network).route_legs(stops, SpeedProfile.CAR)
    assert legs is not None and local is not None
    assert [(leg.duration_s, leg.distance_m) for leg in legs] == [(leg.duration_s, leg.distance_m) for leg in local]
    trace = list(legs[0].path[:: max(1, len(legs[0].path) // 60)])
    matched = remote.match(trace)
    assert abs(matched.distance_m - legs[0].distance_m) < 0.2 * legs[0].distance_m + 20
    with pytest.raises(DoorstepError) as exc:
        remote.match([SEA, LatLng(43.70, 7.47)])
    assert exc.value.issues[0].code == "E3012"


def test_server_down_is_e3009_and_falls_back_to_straight_line(monaco_points: list[LatLng]) -> None:
    """Nothing listening: E3009 after the retries; wrapped, the plan gets straight-line times and W3003."""
    dead = OsrmHttpProvider(f"http://127.0.0.1:{free_port()}", retries=1, timeout_s=2)
    with pytest.raises(DoorstepError) as exc:
        dead.matrix(monaco_points[:3], SpeedProfile.CAR)
    assert exc.value.issues[0].code == "E3009" and "2 attempts" in exc.value.issues[0].message
    safe = FallbackProvider(dead, StraightLineProvider())
    m = safe.matrix(monaco_points[:3], SpeedProfile.CAR)
    assert (m.durations == StraightLineProvider().matrix(monaco_points[:3], SpeedProfile.CAR).durations).all()
    assert [w.code for w in m.warnings] == ["W3003"]
    assert safe.name.startswith("straight-line") and safe.route_legs(monaco_points[:3], SpeedProfile.CAR) is None


def test_a_whole_trail_matches_on_the_server_as_on_the_engine(
    osrm_url: str, monaco_network: Path, monaco_points: list[LatLng]
) -> None:
    """A 700-fix trail in chunks of the server's default limit (100 fixes, with timestamps and accuracies) gives
    the same driven distance and lines over HTTP as in process."""
    local = OsrmLocalProvider(monaco_network)
    legs = local.route_legs(monaco_points[100:104], SpeedProfile.CAR)
    assert legs is not None
    fixes = drive(joined_path(legs))
    assert len(fixes) > 600
    remote, here = match_trail(OsrmHttpProvider(osrm_url), fixes), match_trail(local, fixes)
    assert len(remote.chunks) == len(here.chunks) >= 7 and all(c.error is None for c in remote.chunks)
    assert abs(remote.distance_m - here.distance_m) <= 0.01 * here.distance_m and len(remote.lines) == len(here.lines)
