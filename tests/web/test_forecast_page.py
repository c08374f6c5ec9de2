"""The forecast page (/app/forecast) in Debian Chromium on five weeks of order history in two zones: the chart
of the last weeks and the next 14 days with its band (titled axes), per zone, the backtest table with the API's
figures, and a staffing run started from the page whose days appear as they are planned; no console error, no
serious accessibility violation. Screenshots land in test-artifacts/playwright-workspace/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from doorstep.services.accounts.accounts import create_organization
from tests.browser import axe_violations, log_in
from tests.web.api_day import HUB
from tests.web.workspace_site import PASSWORD, Org, keep_screenshot, open_page, server

__all__ = ["server"]  # the module-scoped server fixture
FIRST = date(2025, 5, 19)  # a Monday, five weeks before TODAY
TODAY = date(2025, 6, 23)
NEAR = {"lat": 38.7462, "lng": -9.1034}  # 1 km north of the hub
WEST = {"lat": 38.7200, "lng": -9.1500}
WEEK_NEAR, WEEK_WEST = [3, 2, 2, 2, 3, 1, 0], [1, 0, 1, 0, 1, 0, 0]


def _history(api: httpx.Client, depot: str) -> None:
    """Five weeks of orders: WEEK_NEAR near the hub (one more each weekday of every other week, so weeks differ)
    and WEEK_WEST in the west, each day 09:00-17:00."""
    items = []
    for i in range(35):
        day = (FIRST + timedelta(days=i)).isoformat()
        for where, week in ((NEAR, WEEK_NEAR), (WEST, WEEK_WEST)):
            items += [{"external_ref": f"F-{day}-{where['lng']}-{k}", "depot_id": depot, "date": day, "location": where,
                       "time_windows": [{"start": "09:00", "end": "17:00"}], "size": {"parcels": 1}, "service_s": 180}
                      for k in range(week[i % 7] + (week is WEEK_NEAR and i % 7 < 5 and (i // 7) % 2))]  # fmt: skip
    r = api.post("/v1/orders/bulk", json={"orders": items})
    assert r.status_code == 201, r.text


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    """An organization with a hub, one van rostered on a past Tuesday, two slot zones and five weeks of orders;
    the platform's clock on TODAY (10:00 UTC) while the test runs."""
    base, platform = server
    before, platform.clock = platform.clock, lambda: datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=UTC)
    email = f"fc-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(platform, "Forecast courier", email, PASSWORD)
    try:
        with httpx.Client(base_url=base) as api:
            assert api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
            depot = api.post("/v1/depots", json=HUB).json()["id"]
            vt = api.post("/v1/vehicle-types", json={"name": "Van", "capacity": {"parcels": 40}}).json()["id"]
            van = api.post("/v1/vehicles", json={"name": "Van 1", "type_id": vt, "depot_id": depot}).json()["id"]
            shift = {"vehicle_id": van, "day": "2025-06-17", "start": "2025-06-17T08:00:00+01:00",
                     "end": "2025-06-17T18:00:00+01:00"}  # fmt: skip
            assert api.post("/v1/shifts", json=shift).status_code == 201
            west = [{"lat": 38.70, "lng": -9.17}, {"lat": 38.74, "lng": -9.17}, {"lat": 38.74, "lng": -9.13},
                    {"lat": 38.70, "lng": -9.13}]  # fmt: skip
            std = {"id": "std", "zone_id": "near", "service_level": "standard", "start": "08:00", "end": "20:00",
                   "length_min": 120, "cutoff_min": 60, "max_orders": 20}  # fmt: skip
            policy = {"zones": [{"id": "near", "name": "Near the hub", "depot_id": depot, "radius_m": 3000},
                                {"id": "west", "name": "West", "depot_id": depot, "polygon": west}],
                      "templates": [std]}  # fmt: skip
            assert api.put("/v1/slots/policy", json=policy).status_code == 200
            _history(api, depot)
            yield Org(base, email, api, {}, [van])
    finally:
        platform.clock = before


def _texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_text_contents()]


def test_forecast_page_draws_history_forecast_and_backtest(org: Org, browser: Any) -> None:
    """The chart has its titled axes, four line traces (band edges, orders, forecast) and the booked orders'
    bars; the series list is every
    order then each zone; choosing a zone redraws it; the backtest table shows the API's MAE and MASE; the page
    runs under the real CSP without console errors."""
    from playwright.sync_api import expect

    answer = org.api.get("/v1/analytics/forecast?days=14&group_by=zone").json()
    everything = org.api.get("/v1/analytics/forecast?days=14&group_by=day").json()
    page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()  # CSP enforced
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, org.base, org.email, PASSWORD)
    page.goto(f"{org.base}/app/forecast")
    page.wait_for_selector("body[data-ready='1']")
    assert _texts(page, "#series option") == ["All orders", "Near the hub", "West"]
    assert _texts(page, "#forecast-chart .g-xtitle") == ["Local delivery day"]
    assert _texts(page, "#forecast-chart .g-ytitle") == ["Orders"]
    assert page.locator("#forecast-chart .scatterlayer .trace").count() == 4
    assert page.locator("#forecast-chart .barlayer .trace").count() == 1  # the orders booked so far
    assert "Booked so far" in _texts(page, "#forecast-chart .legendtext")
    expect(page.locator("#series-label")).to_have_text("(All orders)")
    assert page.locator("#forecast-warning").is_hidden()
    bt = everything["series"][0]["backtest"]
    assert bt["origins"] == 35 - 14 and bt["baseline"]["mase"] is not None
    rows = [_texts(page, f"#backtest tbody tr:nth-child({k}) > *") for k in (1, 2)]
    assert [r[1:] for r in rows] == [[f"{bt['baseline']['mae']:.2f}", f"{bt['baseline']['mase']:.3f}"],
                                     [f"{bt['naive']['mae']:.2f}", f"{bt['naive']['mase']:.3f}"]]  # fmt: skip
    page.select_option("#series", "west")
    expect(page.locator("#series-label")).to_have_text("(West)")
    west = next(s for s in answer["series"] if s["key"] == "west")
    assert _texts(page, "#backtest tbody tr:nth-child(1) > *")[1] == f"{west['backtest']['baseline']['mae']:.2f}"
    keep_screenshot(page, "forecast-1-history-and-forecast.png")
    assert errors == []


@pytest.mark.slow  # plans two days with the real solver behind a browser: about 15 s with its set-up
def test_staffing_run_from_the_page(org: Org, browser: Any) -> None:
    """"Plan staffing" for 2 days at 1 s each: the status reports progress then the totals, and the table shows the
    run's days as the API has them (vans, driver hours)."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, "/app/forecast")
    page.fill("#staff-days", "2")
    page.fill("#staff-seconds", "1")
    page.click("#staff-btn")
    expect(page.locator("#staffing-status")).to_contain_text("Done: 2 days planned", timeout=60_000)
    run = org.api.get(f"/v1/analytics/staffing/{page.get_attribute('#staffing', 'data-run')}").json()
    assert run["status"] == "succeeded" and len(run["result"]["days"]) == 2
    for d in run["result"]["days"]:
        cells = _texts(page, f"#staffing tr[data-date='{d['date']}'] > *")
        assert cells == [d["date"], f"{d['forecast']:.1f}", str(d["orders"]), str(d["vans"]),
                         f"{d['driver_hours']:.2f}", f"{d['distance_m'] / 1000:.1f}", str(d["unassigned"])]  # fmt: skip
        assert d["vans"] == 1 and d["orders"] > 0
    keep_screenshot(page, "forecast-2-staffing.png")
    assert errors == []


def test_forecast_page_is_accessible(org: Org, browser: Any) -> None:
    """axe-core finds no serious or critical violation on the drawn page, and the nav marks it as current."""
    page, errors = open_page(browser, org, "/app/forecast")
    assert page.get_attribute("nav.pages a[aria-current='page']", "href").startswith("/app/forecast")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    keep_screenshot(page, "forecast-3-axe-checked.png")
    assert errors == []
