"""The dispatcher dashboard in Debian Chromium: log in, import a CSV, plan, see the map, preview and apply a stop
move (picked with the keyboard), publish and dispatch; edit a vehicle's planner settings and plan with an objective
and balancing. Screenshots land in test-artifacts/playwright/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import log_in, running

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



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Platform]]:
    """A real server (uvicorn, SQLite) with the dashboard; its base URL and the services' platform."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web')}/web.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="web-test", webhook_tick_s=0))
    mount_web(app)
    with running(app) as base:
        yield base, app.state.platform


def organization(p: Platform, name: str, **rates: int) -> str:
    """An organization with its admin (the returned email), a depot and two 3-parcel vans with a shift on DAY
    (``rates``: the van type's costs, e.g. ``cost_per_km_cents``)."""
    email = f"web-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, name, email, PASSWORD)
    sys = system_actor(org_id)
    tz = ZoneInfo("Europe/Lisbon")
    depot = fleet_admin.create(
        p, sys, "depot", {"name": "Hub Beato", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}
    )
    vt = fleet_admin.create(
        p, sys, "vehicle_type",
        {"name": "Small van", "capacity": {"parcels": 3}, "profile": "van", "skills": [], **rates},
    )  # fmt: skip
    for van in ("Van A", "Van B"):
        v = fleet_admin.create(
            p, sys, "vehicle", {"name": van, "type_id": vt.id, "depot_id": depot.id, "skills": [],
                                "max_distance_m": None, "max_stops": None},
        )  # fmt: skip
        shift = {"vehicle_id": v.id, "driver_id": None, "day": DAY, "breaks": [],
                 "start": datetime(2025, 6, 17, 8, tzinfo=tz), "end": datetime(2025, 6, 17, 18, tzinfo=tz)}  # fmt: skip
        fleet_admin.create(p, sys, "shift", shift)
    return email


@pytest.fixture(scope="module")
def site(server: tuple[str, Platform]) -> tuple[str, str]:
    """The server's base URL and the admin email of an organization planned by the dispatcher test."""
    base, p = server
    return base, organization(p, "Web courier")


def test_dispatcher_day_in_the_browser(site: tuple[str, str], browser: Any) -> None:
    """Log in, import, plan with progress, map with routes and unassigned, preview a move with a violation, save,
    publish, dispatch — all through the page, in Chromium."""
    from playwright.sync_api import expect

    base, email = site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
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
    ticks = page.locator("#progress text.tick").all_text_contents()  # the chart's axes: cost (money) and seconds
    assert len(ticks) == 4 and ticks[0].startswith("€") and ticks[1].startswith("€") and ticks[2] == "0", ticks
    assert ticks[3].endswith(" s") and page.locator("#progress text.axis-title").text_content() == "seconds solving"
    label = page.get_attribute("#progress", "aria-label") or ""
    assert label.startswith("Best plan cost over solving time: from €") and f"to {ticks[1]} in {ticks[3]}" in label
    expect(page.locator(".timeline span").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "2-planned.png", full_page=True)

    page.locator("#routes .route .stop-chip").first.focus()  # the keyboard way to move a stop (or drag it)
    page.keyboard.press("Enter")
    page.select_option("#move-route", index=1)
    page.select_option("#move-place", value="0")
    page.click("#preview-btn")
    expect(page.locator("#preview .violations")).to_contain_text("CAPACITY")
    expect(page.locator("#preview table.etas")).to_have_count(2)
    page.screenshot(path=ARTIFACTS / "3-move-preview.png", full_page=True)
    page.click("#save-btn")
    expect(page.locator("#preview")).to_be_empty()
    expect(page.locator(".route").nth(1)).to_contain_text("4 stops")
    ticks = page.locator("#routes .time-axis .tick")  # the timeline's time axis, labelled HH:MM in order
    assert ticks.count() >= 2
    labels = ticks.all_inner_texts()
    assert all(len(x) == 5 and x[2] == ":" and x[3:] in ("00", "30") for x in labels) and labels == sorted(labels)

    page.click("#publish-btn")
    expect(page.locator("#plan-status")).to_contain_text("published")
    page.locator(".dispatch-btn").first.click()  # no driver: W1413 first, nothing dispatched
    expect(page.locator(".route-note").first).to_have_text(
        "W1413 no driver: no phone will show this route. Assign a driver, or press “Dispatch anyway”."
    )
    expect(page.locator(".route-status").first).to_have_text("published")
    page.locator(".dispatch-btn").first.click()
    expect(page.locator(".route-status").first).to_have_text("dispatched")
    expect(page.locator(".route-note").first).to_contain_text("W1413: route ")
    page.screenshot(path=ARTIFACTS / "4-dispatched.png", full_page=True)
    assert errors == []


def test_vehicle_form_saves_reloads_and_open_end_and_the_plan_sends_the_objective(
    server: tuple[str, Platform], browser: Any
) -> None:
    """The vehicle form stores reloads (at most 2) and an open end on a van, shown in the list; "Plan the day" sends
    the chosen objective and balancing cap, which the plan job keeps in its options."""
    from playwright.sync_api import expect

    base, p = server
    email = organization(p, "Fleet courier")
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app?date={DAY.isoformat()}")
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#vehicles tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Edit Van A").click()
    page.get_by_label("Reloads at the depot").check()
    page.get_by_label("Max reloads").fill("2")
    page.get_by_label("Route ends").select_option(label="at the last stop (open end)")
    page.get_by_label("Max shift (hours)").fill("7.5")
    page.click("#veh-save")
    expect(page.locator("#veh-status")).to_have_text("Saved Van A (version 2).")
    row = page.locator("#vehicles tbody tr", has_text="Van A")
    expect(row).to_contain_text("at the last stop")
    expect(row).to_contain_text("up to 2")
    expect(row).to_contain_text("7.5 h")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "5-vehicle-saved.png", full_page=True)
    vid = row.get_attribute("data-id")
    stored = page.evaluate("id => fetch(`/v1/vehicles/${id}`).then(r => r.json())", vid)
    assert {k: stored[k] for k in ("reloads", "max_reloads", "open_end", "end_depot_id", "max_shift_s")} == {
        "reloads": True, "max_reloads": 2, "open_end": True, "end_depot_id": None, "max_shift_s": 27_000,
    }  # fmt: skip

    page.get_by_label("Minimise").select_option("duration")
    page.get_by_label("Max stops per route").fill("2")
    page.fill("#time-limit", "1")
    with page.expect_request(lambda r: r.url.endswith("/v1/plans") and r.method == "POST") as sent:
        page.click("#plan-btn")
    assert sent.value.post_data_json["options"] == {
        "time_limit_s": 1, "objective": "duration", "balance_max_stops": 2,
    }  # fmt: skip
    expect(page.locator("#plan-status")).to_contain_text("Version 1", timeout=60_000)
    plans = page.evaluate("() => fetch('/v1/plans').then(r => r.json())")
    plan = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", plans[0]["id"])
    assert (plan["options"]["objective"], plan["options"]["balance_max_stops"]) == ("duration", 2)
    assert errors == []
