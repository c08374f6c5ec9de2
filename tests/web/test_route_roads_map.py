"""The plan and live maps draw routes along the roads, in Debian Chromium: on a deployment with a road network
(the Monaco extract, embedded OSRM) each route's line is redrawn from its stops' straight lines to the road path
the API gives, credited to OpenStreetMap; on the straight-line model no path is asked for and the lines stay
straight. No console errors either way."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.geo import LatLng
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import axe_violations, log_in, running
from tests.web.test_dashboard import ARTIFACTS, DAY, PASSWORD, server
from tests.web.test_planning_screen import console_errors, open_day, plan

__all__ = ["server"]  # the straight-line dashboard server, shared with the dashboard tests


@pytest.fixture(scope="module")
def roads_server(tmp_path_factory: pytest.TempPathFactory, monaco_network: Path) -> Iterator[tuple[str, Platform]]:
    """A real server on the Monaco road network: its base URL and the services' platform."""
    url = f"sqlite:///{tmp_path_factory.mktemp('roads-web')}/web.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="roads-web-test", webhook_tick_s=0, network=monaco_network))
    mount_web(app)
    with running(app) as base:
        yield base, app.state.platform


def monaco_org(p: Platform) -> str:
    """An organization with its admin (the returned email), a depot at the port of Monaco and two 5-parcel vans
    with a shift on DAY."""
    email = f"roads-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, "Monaco courier", email, PASSWORD)
    sys = system_actor(org_id)
    tz = ZoneInfo("Europe/Monaco")
    port = {"name": "Port", "lat": 43.7347, "lng": 7.4206, "timezone": "Europe/Monaco"}
    depot = fleet_admin.create(p, sys, "depot", port)
    van = {"name": "Van", "capacity": {"parcels": 5}, "profile": "van", "skills": []}
    vt = fleet_admin.create(p, sys, "vehicle_type", van)
    for name in ("Van A", "Van B"):
        v = fleet_admin.create(p, sys, "vehicle", {"name": name, "type_id": vt.id, "depot_id": depot.id, "skills": [],
                                                   "max_distance_m": None, "max_stops": None})  # fmt: skip
        shift = {"vehicle_id": v.id, "driver_id": None, "day": DAY, "breaks": [],
                 "start": datetime(2025, 6, 17, 8, tzinfo=tz), "end": datetime(2025, 6, 17, 18, tzinfo=tz)}  # fmt: skip
        fleet_admin.create(p, sys, "shift", shift)
    return email


def csv_of(points: list[LatLng]) -> bytes:
    rows = ["external_ref,lat,lng,address,window_start,window_end,service_min,parcels"]
    rows += [f"MC-{k},{q.lat},{q.lng},Rue {k},09:00,17:00,3,1" for k, q in enumerate(points)]
    return ("\n".join(rows) + "\n").encode()


def plan_on_roads(page: Any, base: str, points: list[LatLng]) -> None:
    """Open the plan page on DAY (it says the deployment has roads), import an order at each point, plan, and
    wait for both route lines to follow the roads."""
    page.goto(f"{base}/app?date={DAY.isoformat()}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.get_attribute("#map", "data-roads") == "on"
    page.set_input_files("#import-file", files=[{"name": "orders.csv", "mimeType": "text/csv",
                                                 "buffer": csv_of(points)}])  # fmt: skip
    page.click("#import-btn")
    expect(page.locator("#orders tbody tr")).to_have_count(len(points))
    plan(page, 1)
    expect(page.locator("path.route-line.on-roads")).to_have_count(2)


def segments(page: Any) -> list[int]:
    """The drawn route lines' segment counts (the SVG path's line-to commands)."""
    paths = page.locator("path.route-line").evaluate_all("ps => ps.map(p => p.getAttribute('d'))")
    return [len(re.findall(r"L", d or "")) for d in paths]


def test_routes_follow_the_roads_on_a_network(
    roads_server: tuple[str, Platform], browser: Any, monaco_points: list[LatLng]
) -> None:
    """Eight Monaco orders on two vans: both lines end up on the roads (many more segments than stops), the map
    credits OpenStreetMap, each path was asked once; the live page draws the published routes on the roads too."""
    base, p = roads_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    email = monaco_org(p)
    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1100}).new_page()
    errors = console_errors(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/path") else None)
    log_in(page, base, email, PASSWORD)
    plan_on_roads(page, base, monaco_points[40:48])
    stops = page.locator(".stop-label").count()
    assert stops == 8 and sum(segments(page)) > 4 * (stops + 2), segments(page)
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    assert len(asked) == 2, asked
    assert axe_violations(page) == []
    page.screenshot(path=ARTIFACTS / "roads-1-plan.png", full_page=True)

    page.click("#publish-btn")
    expect(page.locator("#plan-status")).to_contain_text("published")
    page.goto(f"{base}/app/live?date={DAY.isoformat()}")
    assert page.get_attribute("#map", "data-roads") == "on"
    expect(page.locator("path.route-line.on-roads")).to_have_count(2)
    assert sum(segments(page)) > 4 * (stops + 2)
    page.screenshot(path=ARTIFACTS / "roads-2-live.png", full_page=True)
    assert errors == [], errors


AIM = """async (routeId) => {
  const { nearestPlace } = await import("/static/app/map.js");
  const { legStarts } = await import("/static/app/road-paths.js");
  const get = (url) => fetch(url).then((r) => r.json());
  const plans = await get("/v1/plans");
  const route = (await get(`/v1/plans/${plans[0].id}`)).routes.find((r) => r.id === routeId);
  const path = await get(`/v1/routes/${routeId}/path`);
  const node = document.createElement("div");
  node.style.cssText = "width: 800px; height: 800px";
  document.body.append(node);
  const map = L.map(node).setView(path.legs[0][0], 18);  // close in: the roads stray far from the straight lines
  const px = (q) => map.latLngToLayerPoint(q);
  const stops = route.data.stops;
  const straight = stops.slice(0, -1).map((s, k) => [px([s.location.lat, s.location.lng]),
    px([stops[k + 1].location.lat, stops[k + 1].location.lng])]);
  let far = null;  // the point of the road line farthest from every straight segment
  path.legs.forEach((leg, j) => leg.forEach((q) => {
    const d = Math.min(...straight.map(([a, b]) => L.LineUtil.pointToSegmentDistance(px(q), a, b)));
    if (!far || d > far.d) far = { d, q };
  }));
  const starts = legStarts(stops);
  const places = new Set();  // the places of every leg passing through that point (a road may be driven twice)
  path.legs.forEach((leg, j) => {
    const pts = leg.map(px);
    for (let i = 0; i + 1 < pts.length; i++) {
      if (L.LineUtil.pointToSegmentDistance(px(far.q), pts[i], pts[i + 1]) < 1) {
        places.add(stops.slice(1, starts[j] + 1).filter((s) => s.order_id).length);
      }
    }
  });
  const found = nearestPlace(map, [route], L.latLng(far.q), null);
  return { far: far.d, route: found?.route.id ?? null, position: found?.position ?? null, places: [...places] };
}"""


def test_a_drop_on_the_road_line_finds_its_route_and_place(
    roads_server: tuple[str, Platform], browser: Any, monaco_points: list[LatLng]
) -> None:
    """Once a route follows the roads, a stop dropped on the road line, far from the straight lines between its
    stops, lands on that route at the place of the leg the line belongs to (the drop used to need the straight
    line, which is no longer drawn)."""
    base, p = roads_server
    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1100}).new_page()
    errors = console_errors(page)
    log_in(page, base, monaco_org(p), PASSWORD)
    plan_on_roads(page, base, monaco_points[40:48])
    plans = page.evaluate("() => fetch('/v1/plans').then(r => r.json())")
    routes = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", plans[0]["id"])["routes"]
    for route in routes:
        aim = page.evaluate(AIM, route["id"])
        assert aim["far"] > 40, aim  # well beyond the drop's reach of a straight line (24 px)
        assert aim["route"] == route["id"] and aim["position"] in aim["places"], aim
    assert errors == [], errors


def test_straight_lines_without_a_network(server: tuple[str, Platform], browser: Any) -> None:
    """On the straight-line model the page says so (data-roads off), asks for no path, and each line joins its
    stops directly: one segment per leg."""
    from tests.web.test_dashboard import organization

    base, p = server
    page, errors = open_day(browser, base, organization(p, "Straight courier"))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/path") else None)
    assert page.get_attribute("#map", "data-roads") == "off"
    plan(page, 1)
    expect(page.locator("path.route-line")).to_have_count(2)
    page.wait_for_timeout(500)  # time for a path request to go out, were one asked for
    assert asked == [] and page.locator("path.route-line.on-roads").count() == 0
    assert all(n <= 5 for n in segments(page)), segments(page)  # at most 3 orders a van: start, 3 stops, end
    assert errors == [], errors
