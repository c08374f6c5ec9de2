"""map.html in a real browser (Debian Chromium, headless): the page's script draws what the plan holds."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from doorstep.domain.plan import Plan, StopType
from doorstep.domain.problem import Problem
from doorstep.formats.map_html import write_map_html


def _rendered(chromium: Path, page: Path) -> str:
    """The DOM after the page's scripts ran, as Chromium sees it offline."""
    cmd = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom"]
    done = subprocess.run([*cmd, page.as_uri()], capture_output=True, text=True, timeout=90, check=True)
    return done.stdout


def test_browser_draws_every_stop_route_and_unassigned_order(
    plan: Plan, problem: Problem, tmp_path: Path, chromium: Path
) -> None:
    """One numbered marker per visited stop, one table row per route, the unassigned order with its reason."""
    page = tmp_path / "map.html"
    write_map_html(page, plan, problem)
    dom = _rendered(chromium, page)
    visited = [s for r in plan.routes for s in r.stops if s.type not in (StopType.START, StopType.END, StopType.BREAK)]
    # Rendered elements only (the page's own script source also contains these class names, quoted).
    assert len(re.findall(r'<div class="stop-icon" style="background:#', dom)) == len(visited) > 0
    assert len(re.findall(r'<td class="veh" title="[^"\']', dom)) == len(plan.routes)
    assert f"Unassigned ({len(plan.unassigned)})" in dom
    for u in plan.unassigned:
        assert u.external_ref in dom and u.reason.value in dom
    assert 'class="depot-icon"' in dom


def test_browser_draws_road_paths_with_the_osm_attribution(
    plan: Plan, problem: Problem, tmp_path: Path, chromium: Path
) -> None:
    """Given road paths, each route's line follows the path's vertices (not just its stops) and the map credits
    OpenStreetMap contributors in Leaflet's attribution control."""
    from doorstep.domain.geo import LatLng

    paths = {}
    for r in plan.routes:
        pts: list[LatLng] = []
        for a, b in zip(r.stops, r.stops[1:], strict=False):  # a zig-zag of 5 vertices per leg
            for k in range(5):
                f = k / 5
                pts.append(LatLng(a.location.lat + (b.location.lat - a.location.lat) * f + (0.0005 if k % 2 else 0),
                                  a.location.lng + (b.location.lng - a.location.lng) * f))  # fmt: skip
        pts.append(r.stops[-1].location)
        paths[r.id] = pts
    page = tmp_path / "map.html"
    write_map_html(page, plan, problem, paths=paths, attribution="© OpenStreetMap contributors")
    dom = _rendered(chromium, page)
    assert "Roads: © OpenStreetMap contributors" in dom
    lines = re.findall(r'<path class="leaflet-interactive" stroke="#[0-9a-f]{6}"[^>]* d="([^"]+)"', dom)
    vertices = sorted(d.count("L") + 1 for d in lines)
    assert len(lines) == len(plan.routes)
    stops = sorted(len(r.stops) for r in plan.routes)
    # Leaflet simplifies lines by a pixel or so, but the zig-zags stay: far more vertices than stops.
    assert all(v > 2 * n for v, n in zip(vertices, stops, strict=True))
