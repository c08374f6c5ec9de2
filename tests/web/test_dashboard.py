"""The dispatcher dashboard in Debian Chromium: log in, import a CSV, plan, see the map, preview and save a stop
move, publish and dispatch. Screenshots land in test-artifacts/playwright/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services import fleet_admin
from doorstep.services.access import system_actor
from doorstep.services.accounts import create_organization
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import CHROMIUM, launch, running

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright"
PASSWORD = "dashboard-password"
DAY = date(2025, 6, 17)
CSV = b"""external_ref,lat,lng,address,window_start,window_end,service_min,parcels
WEB-1,38.720,-9.140,Rua Augusta 1,09:00,12:00,3,1
WEB-2,38.725,-9.150,Rua Garrett 2,09:00,12:00,3,1
WEB-3,38.730,-9.145,Rua da Prata 3,09:00,16:00,3,1
WEB-4,38.740,-9.130,Avenida de Roma 4,09:00,16:00,3,1
WEB-5,38.750,-9.120,Rua Actor Taborda 5,09:00,17:00,3,1
WEB-6,38.735,-9.160,Rua de Campolide 6,09:00,17:00,3,1
WEB-7,38.700,-9.100,Nowhere,25:00,26:00,3,1
WEB-8,38.745,-9.135,Rua Early 8,03:00,03:10,3,1
"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real server (uvicorn, SQLite) with an organization, its admin, a depot and two 3-parcel vans."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web')}/web.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="web-test", webhook_tick_s=0))
    mount_web(app)
    p = app.state.platform
    email = f"web-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, "Web courier", email, PASSWORD)
    sys = system_actor(org_id)
    tz = ZoneInfo("Europe/Lisbon")
    depot = fleet_admin.create(
        p, sys, "depot", {"name": "Hub Beato", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}
    )
    vt = fleet_admin.create(
        p, sys, "vehicle_type", {"name": "Small van", "capacity": {"parcels": 3}, "profile": "van", "skills": []}
    )
    for name in ("Van A", "Van B"):
        v = fleet_admin.create(
            p, sys, "vehicle", {"name": name, "type_id": vt.id, "depot_id": depot.id, "skills": [],
                                "max_distance_m": None, "max_stops": None},
        )  # fmt: skip
        shift = {"vehicle_id": v.id, "driver_id": None, "day": DAY, "breaks": [],
                 "start": datetime(2025, 6, 17, 8, tzinfo=tz), "end": datetime(2025, 6, 17, 18, tzinfo=tz)}  # fmt: skip
        fleet_admin.create(p, sys, "shift", shift)
    with running(app) as base:
        yield base, email


def test_dispatcher_day_in_the_browser(site: tuple[str, str]) -> None:
    """Log in, import, plan with progress, map with routes and unassigned, preview a move with a violation, save,
    publish, dispatch — all through the page, in Chromium."""
    from playwright.sync_api import expect, sync_playwright

    base, email = site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto(f"{base}/login")
            page.fill("#email", email)
            page.fill("#password", "wrong password")
            page.click("#login-btn")
            expect(page.locator("#login-error")).to_contain_text("E4004")
            page.fill("#password", PASSWORD)
            page.click("#login-btn")
            page.wait_for_url(f"{base}/app")
            page.goto(f"{base}/app?date={DAY.isoformat()}")
            page.wait_for_selector("body[data-ready='1']")
            page.screenshot(path=ARTIFACTS / "1-logged-in.png")

            page.set_input_files("#import-file", files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": CSV}])
            page.click("#import-btn")
            expect(page.locator(".import-summary")).to_contain_text("7 created, 0 already there, 1 skipped")
            expect(page.locator("#import-report li")).to_contain_text("row 8")
            expect(page.locator("#orders tbody tr")).to_have_count(7)

            page.fill("#time-limit", "2")
            page.click("#plan-btn")
            expect(page.locator("#plan-status")).to_contain_text("succeeded", timeout=60_000)
            expect(page.locator("#plan-status")).to_contain_text("6/7 orders on 2 routes")
            expect(page.locator("path.route-line")).to_have_count(2)
            expect(page.locator(".stop-label")).to_have_count(6)
            expect(page.locator(".unassigned-marker")).to_have_count(1)
            expect(page.locator("#unassigned")).to_contain_text("WEB-8: TIME_WINDOW")
            expect(page.locator("#progress path")).to_have_count(1)
            expect(page.locator(".timeline span").first).to_be_visible()
            page.screenshot(path=ARTIFACTS / "2-planned.png", full_page=True)

            first_order = page.locator("#move-order option").first.get_attribute("value")
            page.select_option("#move-order", value=first_order)
            page.select_option("#move-route", index=1)
            page.fill("#move-pos", "0")
            page.click("#preview-btn")
            expect(page.locator("#preview .violations")).to_contain_text("CAPACITY")
            expect(page.locator("#preview table.etas")).to_have_count(2)
            page.screenshot(path=ARTIFACTS / "3-move-preview.png", full_page=True)
            page.click("#save-btn")
            expect(page.locator("#preview")).to_be_empty()
            expect(page.locator(".route").nth(1)).to_contain_text("4 stops")

            page.click("#publish-btn")
            expect(page.locator("#plan-status")).to_contain_text("published")
            page.locator(".dispatch-btn").first.click()
            expect(page.locator(".route-status").first).to_have_text("dispatched")
            page.screenshot(path=ARTIFACTS / "4-dispatched.png", full_page=True)
            assert errors == []
        finally:
            browser.close()
