"""A large day's progress on the dashboard, in Debian Chromium: a job on a day made large by its options (60 orders,
parts above 40, about 15 per part), started while the page is open elsewhere, is followed when the page loads —
a bar for the whole day and one per part, native progress bars named by their labels, their numbers in words —
and the finished plan keeps them as the job ended; the page passes axe-core."""

from __future__ import annotations

import math
import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from doorstep.services.accounts.accounts import create_organization
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import system_actor
from doorstep.services.kernel.platform import Platform
from tests.browser import axe_violations, log_in
from tests.web.test_dashboard import ARTIFACTS, DAY, PASSWORD, server
from tests.web.test_planning_screen import console_errors

__all__ = ["server"]  # the module-scoped server fixture, shared with the dashboard tests

ORDERS = 60
LARGE = {"time_limit_s": 5, "seed": 1, "split_above_orders": 40, "part_orders": 15}


def _csv() -> bytes:
    """60 one-parcel orders on rings around the depot, 09:00 to 17:00."""
    rows = ["external_ref,lat,lng,address,window_start,window_end,service_min,parcels"]
    for i in range(ORDERS):
        angle, r = 2 * math.pi * i / ORDERS, 0.01 + 0.02 * (i % 3)
        lat, lng = 38.7372 + r * math.sin(angle), -9.1034 + r * math.cos(angle)
        rows.append(f"BIG-{i},{lat:.5f},{lng:.5f},Rua {i},09:00,17:00,2,1")
    return ("\n".join(rows) + "\n").encode()


def large_organization(p: Platform) -> str:
    """An organization (its admin's email) with a depot and four 30-parcel vans with a shift on DAY."""
    email = f"parts-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, "Parts courier", email, PASSWORD)
    sys = system_actor(org_id)
    tz = ZoneInfo("Europe/Lisbon")
    depot = fleet_admin.create(
        p, sys, "depot", {"name": "Hub Beato", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}
    )
    vt = fleet_admin.create(p, sys, "vehicle_type", {"name": "Van", "capacity": {"parcels": 30}, "profile": "van",
                                                     "skills": [], "cost_per_hour_cents": 1_800})  # fmt: skip
    for n in range(4):
        van = {"name": f"Van {n + 1}", "type_id": vt.id, "depot_id": depot.id, "skills": [],
               "max_distance_m": None, "max_stops": None}  # fmt: skip
        v = fleet_admin.create(p, sys, "vehicle", van)
        shift = {"vehicle_id": v.id, "driver_id": None, "day": DAY, "breaks": [],
                 "start": datetime(2025, 6, 17, 8, tzinfo=tz), "end": datetime(2025, 6, 17, 18, tzinfo=tz)}  # fmt: skip
        fleet_admin.create(p, sys, "shift", shift)
    return email


def test_a_large_day_shows_a_bar_per_part_and_for_the_whole_day(server: tuple[str, Platform], browser: Any) -> None:
    """The job started through the API is followed once the page loads: five labelled progress bars (the day and
    four parts) while it runs, every value in [0, 1]; once succeeded they stay, all done, the parts' orders adding
    up to the day's, every order served; no serious axe violation and no console error."""
    base, p = server
    email = large_organization(p)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1300}).new_page()  # axe-core
    errors = console_errors(page)
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app?date={DAY.isoformat()}")
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#part-progress")).to_be_hidden()  # no plan yet
    page.set_input_files("#import-file", files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": _csv()}])
    page.click("#import-btn")
    expect(page.locator(".import-summary")).to_contain_text(f"{ORDERS} created")
    depot = page.locator("#depot").input_value()
    started = page.evaluate(
        """([depot, day, options]) => fetch('/v1/plans', {method: 'POST', headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({depot_id: depot, date: day, options})}).then(r => r.json())""",
        [depot, DAY.isoformat(), LARGE],
    )
    assert started["status"] == "queued", started
    page.reload()  # the page opens on a running job: it follows it

    bars = page.get_by_role("progressbar")
    expect(bars).to_have_count(5, timeout=30_000)
    expect(page.get_by_role("progressbar", name=re.compile(r"^Whole day: "))).to_have_count(1)
    for n in range(1, 5):
        expect(page.get_by_role("progressbar", name=re.compile(rf"^Part {n} of 4: "))).to_have_count(1)
    assert "running" in page.locator("#plan-status").inner_text()  # seen while the job runs, not only after
    values = [float(v) for v in page.locator("#part-bars progress").evaluate_all("ns => ns.map(n => n.value)")]
    assert all(0 <= v <= 1 for v in values), values
    page.screenshot(path=ARTIFACTS / "parts-1-running.png", full_page=True)

    expect(page.locator("#plan-status")).to_contain_text("Version 1: succeeded", timeout=60_000)
    expect(page.get_by_role("progressbar", name="Whole day: done")).to_have_attribute("value", "1")
    for n in range(1, 5):
        expect(page.get_by_role("progressbar", name=f"Part {n} of 4: done")).to_have_attribute("value", "1")
    texts = page.locator("#part-bars .part-text").all_inner_texts()
    assert f"{ORDERS} of {ORDERS} orders served" in texts[0], texts
    part_orders = [int(re.search(r"(\d+) orders ·", t).group(1)) for t in texts[1:]]  # type: ignore[union-attr]
    assert sum(part_orders) == ORDERS and all("served" in t for t in texts[1:]), texts
    page.screenshot(path=ARTIFACTS / "parts-2-done.png", full_page=True)
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []
