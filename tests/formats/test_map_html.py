"""map.html: a self-contained offline page with escaped user strings and the plan's routes."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from doorstep.domain.geo import LatLng
from doorstep.domain.plan import Plan
from doorstep.domain.problem import ExplicitMatrices, Problem
from doorstep.formats.map_html import map_data, render_map_html, script_json, write_map_html


def _embedded(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="plan-data">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_page_is_offline(plan: Plan, problem: Problem) -> None:
    """Leaflet is inlined: no external script or stylesheet, and no CDN host is referenced."""
    page = render_map_html(plan, problem)
    assert "L.map(" in page and ".leaflet-container" in page
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)
    assert "unpkg" not in page and "cdnjs" not in page and "jsdelivr" not in page
    assert "images/layers.png" not in page  # Leaflet CSS images inlined as data URIs


def test_user_strings_cannot_break_out(plan: Plan, problem: Problem) -> None:
    """An address containing </script> and HTML stays inside the JSON block and decodes back unchanged."""
    nasty = problem.orders[0].address
    assert "</script>" in nasty
    page = render_map_html(plan, problem)
    assert nasty not in page
    assert page.count("</script>") == page.count("<script")
    data = _embedded(page)
    addresses = [p["address"] for r in data["routes"] for p in r["points"]]
    assert nasty in addresses


def test_script_json_escapes_markup() -> None:
    """script_json leaves no '<', '>' or '&' and still parses to the same value."""
    value = {"a": "</script><!-- & \u2028"}
    text = script_json(value)
    assert not set("<>&") & set(text)
    assert json.loads(text) == value


def test_legend_and_unassigned_data(plan: Plan, problem: Problem) -> None:
    """The page data has per-route km, hours, stops, cost and colour, and unassigned orders with actions."""
    data = map_data(plan, problem, "t")
    (route,) = data["routes"]
    assert (route["km"], route["h"], route["stops"], route["cost"]) == (24.0, 5.5, 3, 121.0)
    assert route["colour"].startswith("#")
    numbered = [p["n"] for p in route["points"] if p["n"] is not None]
    assert numbered == [1, 2, 3, 4]
    assert data["unassigned"][0]["action"] == "Split the order."
    assert data["synthetic"] is False


def test_osm_toggle_and_attribution(plan: Plan, problem: Problem) -> None:
    """OpenStreetMap tiles are opt-in via a checkbox and carry the attribution."""
    page = render_map_html(plan, problem)
    assert 'id="osm"' in page and "OpenStreetMap contributors" in page


def test_synthetic_points_are_flagged(tmp_path: Path, plan: Plan, problem: Problem) -> None:
    """With matrix-only input the page says so instead of drawing placeholder points."""
    matrices = ExplicitMatrices(points=(LatLng(0, 0),), durations={"*": [[0]]}, synthetic_points=True)
    path = tmp_path / "map.html"
    write_map_html(path, plan, replace(problem, matrices=matrices))
    page = path.read_text(encoding="utf-8")
    assert _embedded(page)["synthetic"] is True
    assert "no map is drawn" in page
