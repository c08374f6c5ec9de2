"""The live view in Debian Chromium: snapshot, a driver position moving on the map over SSE, an ETA alert, and a
proposal approved from the page. Screenshots land in test-artifacts/playwright/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.operations import replanning
from doorstep.services.operations.replanning import ProposalKind, Request
from doorstep.services.orders import orders
from doorstep.services.planning import plans
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.api.live_day import DAY_9_30
from tests.browser import log_in, running
from tests.web.test_dashboard import ARTIFACTS, DAY, PASSWORD

SPOTS = [(38.720, -9.140), (38.725, -9.150), (38.730, -9.145), (38.740, -9.130)]


def _day(p: Any, org_id: str) -> dict[str, str]:
    """A depot, two vans, four orders, a published plan; returns ids."""
    sys = system_actor(org_id)
    tz = ZoneInfo("Europe/Lisbon")
    depot = fleet_admin.create(
        p, sys, "depot", {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}
    )
    vt = fleet_admin.create(
        p, sys, "vehicle_type", {"name": "Van", "capacity": {"parcels": 5}, "profile": "van", "skills": []}
    )
    for name in ("Van A", "Van B"):
        v = fleet_admin.create(p, sys, "vehicle", {"name": name, "type_id": vt.id, "depot_id": depot.id, "skills": [],
                                                   "max_distance_m": None, "max_stops": None})  # fmt: skip
        fleet_admin.create(p, sys, "shift", {"vehicle_id": v.id, "driver_id": None, "day": DAY, "breaks": [],
                                             "start": datetime(2025, 6, 17, 8, tzinfo=tz),
                                             "end": datetime(2025, 6, 17, 18, tzinfo=tz)})  # fmt: skip
    items = [{"external_ref": f"LIVE-{i}", "depot_id": depot.id, "date": DAY, "location": {"lat": a, "lng": b},
              "time_windows": [{"start": "09:00", "end": "12:00"}], "service_s": 120, "size": {"parcels": 1},
              "items": [{"description": "Parcel", "barcode": f"LIVE-{i}-1"}]}
             for i, (a, b) in enumerate(SPOTS)]  # fmt: skip
    orders.create_orders(p, sys, items)
    row = plans.start_plan(p, sys, depot.id, DAY, {"time_limit_s": 1, "max_iterations": 100, "seed": 1})
    return {"depot": depot.id, "plan": row.id}


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Any, dict[str, str]]]:
    """A real server (uvicorn, SQLite) on the test day's clock, with a published two-van day."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live')}/live.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="live-test", webhook_tick_s=0))
    mount_web(app)
    p = app.state.platform
    p.clock = lambda: DAY_9_30
    email = f"live-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, "Live courier", email, PASSWORD)
    ids = _day(p, org_id)
    assert app.state.runner.wait_idle(60)
    plans.publish_plan(p, system_actor(org_id), ids["plan"])
    ids["org"] = org_id
    with running(app) as base:
        yield base, email, app, ids


def test_live_view_follows_a_driver_and_approves_a_proposal(
    live_site: tuple[str, str, Any, dict[str, str]], browser: Any
) -> None:
    """Routes from the snapshot; a position event moves the driver marker and updates progress; a pending
    proposal is approved from the page and disappears."""
    from playwright.sync_api import expect

    base, email, app, ids = live_site
    p = app.state.platform
    _, route_rows = plans.get_plan(p, system_actor(ids["org"]), ids["plan"])
    route = route_rows[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app/live?date={DAY.isoformat()}")  # the live page shows one day
    expect(page.locator("#conn")).to_have_text("live")
    expect(page.locator("#progress tbody tr")).to_have_count(len(route_rows))
    stop = route.data["stops"][1]["location"]
    fix = {"type": "position", "route_id": route.id, "driver_id": None, "lat": stop["lat"], "lng": stop["lng"]}
    p.live.publish(ids["org"], {**fix, "at": DAY_9_30.isoformat()})
    expect(page.locator(".driver-marker")).to_have_count(1)
    row = page.locator(f"#progress tr[data-route='{route.id}']")
    expect(row).to_contain_text(f"{stop['lat']:.4f}")
    sys = system_actor(ids["org"])
    new = orders.create_orders(p, sys, [{"external_ref": "LIVE-NEW", "depot_id": ids["depot"], "date": DAY,
                                         "location": {"lat": 38.728, "lng": -9.142}, "service_s": 60,
                                         "size": {"parcels": 1}}]).orders[0]  # fmt: skip
    prop = replanning.propose(p, sys, Request(ids["plan"], ProposalKind.INSERT, new.id))
    page.reload()
    item = page.locator(f"li[data-proposal='{prop.id}']")
    expect(item).to_contain_text("insert")
    page.screenshot(path=ARTIFACTS / "live-1-proposal.png", full_page=True)
    item.get_by_role("button", name="Approve").click()
    expect(item).to_have_count(0)
    assert replanning.get_proposal(p, sys, prop.id).status == "applied"
    page.screenshot(path=ARTIFACTS / "live-2-approved.png", full_page=True)
    assert errors == []
