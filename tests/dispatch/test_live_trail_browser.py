"""The live view in Debian Chromium draws each route's driven trail: on the roads with driven km when the
deployment has a road network (Monaco), the raw fixes with an estimate when it has none. Screenshots land in
test-artifacts/playwright/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.live.positions import Position
from doorstep.routing.osrm_local import OsrmLocalProvider
from doorstep.routing.route_geometry import joined_path
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.dispatch import routes
from doorstep.services.driver.driver_auth import driver_actor
from doorstep.services.driver.position_ingest import ingest_positions
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.planning import plans
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.api.live_day import DAY_9_30
from tests.browser import log_in, running
from tests.dispatch.test_live_browser import _day
from tests.routing.trails import drive, length_m
from tests.web.test_dashboard import ARTIFACTS, PASSWORD


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, monaco_network: Path, monaco_points: list[LatLng]
) -> Iterator[tuple[str, str, Any, float]]:
    """A real server (uvicorn, SQLite) with a published day whose first route has a driver and a 3 km trail
    driven on Monaco's roads; yields the URL, the login, the app and the road path's length in metres."""
    url = f"sqlite:///{tmp_path_factory.mktemp('trail')}/trail.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="trail-test", webhook_tick_s=0))
    mount_web(app)
    p = app.state.platform
    p.clock = lambda: DAY_9_30
    email = f"trail-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, "Trail courier", email, PASSWORD)
    ids = _day(p, org_id)
    assert app.state.runner.wait_idle(60)
    sys = system_actor(org_id)
    plans.publish_plan(p, sys, ids["plan"])
    route = plans.get_plan(p, sys, ids["plan"])[1][0]
    driver = fleet_admin.create(p, sys, "driver", {"name": "Trail driver", "phone": "", "user_id": None, "skills": []})
    routes.assign(p, sys, route.id, driver.id, route.version)
    roads = OsrmLocalProvider(monaco_network)
    legs = roads.route_legs(monaco_points[0:3], SpeedProfile.CAR)
    assert legs is not None
    path = joined_path(legs)
    fixes = drive(path, start=int(DAY_9_30.timestamp()) - 1_800)
    batch = [Position(f"trail-fix-{k:05d}", datetime.fromtimestamp(f.at, UTC), f.point, f.accuracy_m)
             for k, f in enumerate(fixes)]  # fmt: skip
    assert ingest_positions(p, driver_actor(org_id, driver.id), batch, route.id).stored == len(fixes)
    p.travel.network = roads
    with running(app) as base:
        yield base, email, app, length_m(path)


def test_the_live_page_draws_the_driven_trail_with_its_km(site: tuple[str, str, Any, float], browser: Any) -> None:
    """With a road network the trail is a matched line and the route's Driven cell shows the km on the roads
    (within 3 % of the path); without one, the raw fixes as a thin line and an estimate marked with ≈."""
    from playwright.sync_api import expect

    base, email, app, path_m = site
    p = app.state.platform
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app/live?date={DAY_9_30.date().isoformat()}")  # the live page shows one day
    expect(page.locator("path.trail-matched")).to_have_count(1)
    driven = page.locator("#progress td.driven").filter(has_text="km")
    expect(driven).to_have_count(1)
    km = float(driven.inner_text().split()[0])
    assert abs(km * 1000 - path_m) < 0.03 * path_m
    page.screenshot(path=ARTIFACTS / "live-3-trail-matched.png", full_page=True)
    p.travel.network = None
    page.reload()
    expect(page.locator("path.trail-raw")).to_have_count(1)
    expect(page.locator("path.trail-matched")).to_have_count(0)
    expect(page.locator("#progress td.driven").filter(has_text="≈")).to_have_count(1)
    assert errors == []
