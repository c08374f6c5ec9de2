"""The dashboard's depot form in Debian Chromium: hours, loading time, parcels a day and docks saved through the
API (PUT with the version read), every coded error shown next to its field, the day's inbound transfers listed;
axe-clean and without console errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders import transfers
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import axe_violations, log_in, require_axe, running
from tests.web.test_dashboard import DAY, PASSWORD, organization

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Platform]]:
    """A real server (uvicorn, SQLite) with the dashboard; its base URL and the services' platform."""
    url = f"sqlite:///{tmp_path_factory.mktemp('depot')}/depot.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="depot-test", webhook_tick_s=0))
    mount_web(app)
    with running(app) as base:
        yield base, app.state.platform


def test_depot_form_saves_hours_capacity_and_docks_and_shows_errors(
    server: tuple[str, Platform], browser: Any
) -> None:
    """Save 07:00-21:00, 10 minutes loading, 400 parcels a day and 2 docks; then a closing before the opening,
    a negative capacity and no dock: E1702, E1700 and E1701 beside their fields, nothing saved; the day's trunk
    run is listed with its arrival and ready time."""
    from playwright.sync_api import expect

    require_axe()
    base, p = server
    email = organization(p, "Depot courier")
    org_id = next(u.org_id for u in _users(p) if u.email == email)
    depot = fleet_admin.list_(p, system_actor(org_id), "depot", None, 10)[0]
    tz = ZoneInfo("Europe/Lisbon")
    transfers.create(p, system_actor(org_id), depot.id, {"arrival": datetime(2025, 6, 17, 6, 30, tzinfo=tz),
                     "sorting_s": 1800, "orders": [], "origin": "Central DC", "reference": "TRUNK 42"})  # fmt: skip
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app?date={DAY.isoformat()}")
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#transfers tbody tr")).to_have_count(1)
    expect(page.locator("#transfers tbody tr")).to_contain_text("TRUNK 42")
    expect(page.locator("#transfers tbody tr")).to_contain_text("06:30")
    expect(page.locator("#transfers tbody tr")).to_contain_text("07:00")

    page.get_by_label("Opens", exact=True).fill("07:00")
    page.get_by_label("Closes", exact=True).fill("21:00")
    page.get_by_label("Loading a van (minutes)", exact=True).fill("10")
    page.get_by_label("Parcels a day", exact=True).fill("400")
    page.get_by_label("Loading docks", exact=True).fill("2")
    page.click("#dep-save")
    expect(page.locator("#dep-status")).to_have_text("Saved Hub Beato (version 2).")
    stored = page.evaluate("id => fetch(`/v1/depots/${id}`).then(r => r.json())", depot.id)
    assert {k: stored[k] for k in ("opens", "closes", "loading_s", "capacity_parcels_per_day", "docks")} == {
        "opens": "07:00", "closes": "21:00", "loading_s": 600, "capacity_parcels_per_day": 400, "docks": 2,
    }  # fmt: skip

    page.get_by_label("Closes", exact=True).fill("06:00")
    page.get_by_label("Parcels a day", exact=True).fill("-1")
    page.get_by_label("Loading docks", exact=True).fill("0")
    page.click("#dep-save")
    expect(page.locator("#err-dep-closes")).to_contain_text("E1702")
    expect(page.locator("#err-dep-capacity_parcels_per_day")).to_contain_text("E1700")
    expect(page.locator("#err-dep-docks")).to_contain_text("E1701")
    expect(page.get_by_label("Loading docks", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#dep-status")).to_have_text("")
    assert page.evaluate("id => fetch(`/v1/depots/${id}`).then(r => r.json())", depot.id)["version"] == 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "depot-form-errors.png", full_page=True)
    assert axe_violations(page) == []
    assert [e for e in errors if "422" not in e] == []
    context.close()


def _users(p: Platform) -> list[Any]:
    from sqlalchemy import select

    from doorstep.store.models import UserRow

    with p.sessions() as s:
        return list(s.scalars(select(UserRow)))
