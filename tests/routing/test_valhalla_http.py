"""The Valhalla HTTP client, and the HTTP failure handling shared by the remote providers.

Test double: Valhalla cannot run on this machine (no server binary, no tiles), so a small local HTTP server
speaks its documented ``/sources_to_targets`` JSON (kilometres, ``time`` in seconds, ``null`` for no route).
Its times come from the straight-line model so the client's unit handling, chunking and gaps can be checked.
The OSRM client is tested against a real ``osrm-routed`` in test_osrm_http.py; the double also serves garbage
and transient 503s to check retries and E3010.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing.fallback import FallbackProvider
from doorstep.routing.osrm_http import OsrmHttpProvider
from doorstep.routing.provider import UNREACHABLE
from doorstep.routing.straight_line import StraightLineProvider
from doorstep.routing.valhalla_http import ValhallaHttpProvider

ISLAND = LatLng(38.6500, -9.3000)  # the double has no route to or from this point
PTS = [LatLng(38.70 + i * 0.004, -9.15 + (i % 5) * 0.006) for i in range(23)] + [ISLAND]


class Double(BaseHTTPRequestHandler):
    """Valhalla's matrix API, plus switches for failures (set on the server object)."""

    server: Any

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _send(self, status: int, body: str, kind: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        """``/sources_to_targets``: straight-line times, kilometres, null for the island."""
        self.server.requests.append(self.path)
        if self.server.fail_first > 0:
            self.server.fail_first -= 1
            self._send(503, "busy")
            return
        if self.server.garbage:
            self._send(200, "<html>not json</html>", "text/html")
            return
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.sizes.append((len(req["sources"]), len(req["targets"]), req["costing"]))
        src = [LatLng(p["lat"], p["lon"]) for p in req["sources"]]
        dst = [LatLng(p["lat"], p["lon"]) for p in req["targets"]]
        m = StraightLineProvider().matrix(src + dst, SpeedProfile.CAR)
        rows = []
        for i, a in enumerate(src):
            row = []
            for j, b in enumerate(dst):
                cut = ISLAND in (a, b) and a != b
                row.append({
                    "from_index": i, "to_index": j,
                    "time": None if cut else int(m.durations[i, len(src) + j]),
                    "distance": None if cut else round(m.distances[i, len(src) + j] / 1000, 3),
                })  # fmt: skip
            rows.append(row)
        self._send(200, json.dumps({"sources_to_targets": rows, "units": "kilometers"}))

    def do_GET(self) -> None:
        """Anything else: JSON without OSRM's ``code`` (garbage for the OSRM client)."""
        self._send(200, json.dumps({"hello": "world"}))


@pytest.fixture
def double() -> Iterator[Any]:
    """The test double on a free local port; stopped after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Double)
    server.requests, server.sizes, server.fail_first, server.garbage = [], [], 0, False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


def test_matrix_in_chunks_with_kilometres_and_gaps(double: Any) -> None:
    """24 points in 10×10 chunks: 9 requests, metres from kilometres, the island UNREACHABLE, diagonal zero."""
    m = ValhallaHttpProvider(double.url, chunk=10).matrix(PTS, SpeedProfile.VAN)
    assert len(double.sizes) == 9 and max(s[0] for s in double.sizes) == 10
    assert {s[2] for s in double.sizes} == {"auto"}
    truth = StraightLineProvider().matrix(PTS[:-1], SpeedProfile.CAR)
    assert (abs(m.distances[:-1, :-1] - truth.distances) <= 1).all()
    assert (m.durations[:-1, :-1] == truth.durations).all()
    assert (m.durations[-1, :-1] == UNREACHABLE).all() and (m.distances[:-1, -1] == UNREACHABLE).all()
    assert m.durations[-1, -1] == 0


def test_profiles_map_to_valhalla_costings(double: Any) -> None:
    """Bikes ask for 'bicycle', walkers for 'pedestrian', trucks for 'truck'."""
    provider = ValhallaHttpProvider(double.url)
    for profile, costing in ((SpeedProfile.CARGO_BIKE, "bicycle"), (SpeedProfile.FOOT, "pedestrian"),
                             (SpeedProfile.TRUCK, "truck")):  # fmt: skip
        provider.matrix(PTS[:3], profile)
        assert double.sizes[-1][2] == costing


def test_transient_503_is_retried(double: Any) -> None:
    """Two 503s then an answer: the client retries and succeeds (3 requests)."""
    double.fail_first = 2
    m = ValhallaHttpProvider(double.url, retries=2).matrix(PTS[:4], SpeedProfile.CAR)
    assert len(double.requests) == 3 and m.durations[0, 1] > 0


def test_persistent_503_is_e3009_and_falls_back(double: Any) -> None:
    """503 on every try: E3009; behind the fallback, straight-line times with W3003."""
    double.fail_first = 99
    provider = ValhallaHttpProvider(double.url, retries=1)
    with pytest.raises(DoorstepError) as exc:
        provider.matrix(PTS[:4], SpeedProfile.CAR)
    assert exc.value.issues[0].code == "E3009" and "HTTP 503" in exc.value.issues[0].message
    m = FallbackProvider(provider, StraightLineProvider()).matrix(PTS[:4], SpeedProfile.CAR)
    assert [w.code for w in m.warnings] == ["W3003"]


def test_garbage_is_e3010_for_both_clients(double: Any) -> None:
    """HTML instead of JSON (Valhalla) and JSON without a code (OSRM) are E3010, quoting the answer."""
    double.garbage = True
    with pytest.raises(DoorstepError) as exc:
        ValhallaHttpProvider(double.url).matrix(PTS[:3], SpeedProfile.CAR)
    assert exc.value.issues[0].code == "E3010" and "not json" in exc.value.issues[0].message
    with pytest.raises(DoorstepError) as exc:
        OsrmHttpProvider(double.url).matrix(PTS[:3], SpeedProfile.CAR)
    assert exc.value.issues[0].code == "E3010" and "hello" in exc.value.issues[0].message
