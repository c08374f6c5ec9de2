"""A simulated history through the real API (demo/history: the hidden world, two days of orders, plans and
virtual drivers, re-learning each night), then the pages in Debian Chromium: what was learned (/app/learned:
status, hour-of-week chart, neighbourhood map, drivers) and the KPI page with its scorecard and heatmap over the
simulated days, with no console error and no serious accessibility violation. Screenshots in
test-artifacts/playwright-workspace/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from doorstep.demo.history.demand import DemandModel
from doorstep.demo.history.month import History, HistoryConfig
from doorstep.demo.history.world import World
from doorstep.services.accounts.accounts import create_organization
from tests.browser import axe_violations
from tests.web.workspace_site import PASSWORD, Org, keep_screenshot, open_page, server

__all__ = ["server"]  # the module-scoped server fixture
FIRST = date.today() - timedelta(days=3)  # two days that are over, inside the learning window
SMALL = DemandModel(zones={"Baixa": 6, "Boavista": 4, "Foz": 4, "Paranhos": 4}, weekday=(1.0,) * 7, noise_cv=0.0)


@pytest.fixture(scope="module")
def history(server: tuple[str, Any]) -> Iterator[tuple[Org, dict[str, Any]]]:
    """A fresh organization with two simulated days driven and learned from; its admin and the learned model."""
    base, platform = server
    email = f"hist-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(platform, "History courier", email, PASSWORD)
    before = platform.travel.learned
    platform.travel.learned = True
    try:
        with httpx.Client(base_url=base, timeout=60) as api:
            assert api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
            cfg = HistoryConfig(start=FIRST, days=2, seed=7, vans=2, learn=True, demand=SMALL, position_every_s=600,
                                plan_time_limit_s=1.0)  # fmt: skip
            days = History(api, World(seed=7, customers_per_district=30), cfg).run()
            assert [d.day for d in days] == [FIRST, FIRST + timedelta(days=1)]
            assert all(not d.refused for d in days), [d.refused for d in days]
            yield Org(base, email, api), api.get("/v1/analytics/learned").json()
    finally:
        platform.travel.learned = before


def test_learned_times_page_shows_what_the_simulated_days_taught(
    history: tuple[Org, dict[str, Any]], browser: Any
) -> None:
    """Every completed visit of the two days is an observation; the page names them, draws the hour-of-week chart
    with titled axes, one circle per learned neighbourhood, and a row per driver."""
    from playwright.sync_api import expect

    org, learned = history
    rng = {"from": FIRST.isoformat(), "to": (FIRST + timedelta(days=1)).isoformat()}
    kpis = org.api.get("/v1/analytics/kpis", params=rng).json()["total"]
    assert kpis["deliveries"] > 0 and learned["service_observations"] == kpis["deliveries"]
    assert learned["in_use"] == (not learned["service_fallback"] or not learned["travel_fallback"])
    page, errors = open_page(browser, org, "/app/learned")
    tiles = page.locator("#status dd")
    expect(tiles.nth(2)).to_have_text(str(learned["service_observations"]))
    expect(page.locator("#hours-chart .xtitle")).to_have_text("Local hour of the week")
    expect(page.locator("#hours-chart .ytitle").first).to_have_text("Travel factor (1 = static model)")
    circles = page.locator("#map path.leaflet-interactive")
    expect(circles).to_have_count(len(learned["neighbourhood_factors"]))
    page.select_option("#map-measure", "service")
    expect(circles).to_have_count(len(learned["neighbourhood_service_s"]))
    expect(page.locator("#drivers tbody tr")).to_have_count(len(learned["driver_factors"]))
    expect(page.locator("#drivers tbody th").first).to_have_text("Driver 1")
    keep_screenshot(page, "learned-times.png")
    assert axe_violations(page) == []
    assert errors == []


def test_kpi_page_on_simulated_days(history: tuple[Org, dict[str, Any]], browser: Any) -> None:
    """The KPI page over the simulated days: totals as the API counts them, a scorecard row per driver who drove,
    the heatmap drawn. Each day's 18 orders fit one of the two vans, and which van (so which driver) the planner
    picks between two identical ones is its own choice: the page is checked against the API's drivers, one or
    two depending on the dates (the test failed from 8 December with the count written in)."""
    from playwright.sync_api import expect

    org, _ = history
    last = FIRST + timedelta(days=1)
    span = {"from": FIRST.isoformat(), "to": last.isoformat()}
    total = org.api.get("/v1/analytics/kpis", params=span).json()
    drivers = org.api.get("/v1/analytics/kpis", params=span | {"group_by": "driver"}).json()["series"]
    assert 1 <= len(drivers) <= 2 and sum(d["kpis"]["routes"] for d in drivers) == total["total"]["routes"] == 2
    page, errors = open_page(browser, org, f"/app/analytics?from={FIRST.isoformat()}&to={last.isoformat()}")
    expect(page.locator("#totals dd").first).to_have_text(str(total["total"]["deliveries"]))
    expect(page.locator("#scorecard tbody tr")).to_have_count(len(drivers))
    for driver in drivers:
        expect(page.locator("#scorecard tbody")).to_contain_text(driver["label"])
    expect(page.locator("#heatmap-chart .xtitle")).to_have_count(1)
    keep_screenshot(page, "analytics-simulated-days.png")
    assert axe_violations(page) == []
    assert errors == []


def test_the_page_shows_when_customers_are_reached(history: tuple[Org, dict[str, Any]], browser: Any) -> None:
    """The reachability panel: a weekday x band heatmap and its table (7 rows of 12 bands) for the organization
    with the attempts the API counts; choosing the most attempted neighbourhood shows its own attempts."""
    from playwright.sync_api import expect

    org, learned = history
    grid = org.api.get("/v1/analytics/learned/reach").json()
    assert grid["attempts"] == learned["reach_observations"] > 0
    page, errors = open_page(browser, org, "/app/learned")
    expect(page.locator("#reach-note")).to_contain_text(
        f"All addresses: {grid['successes']} of {grid['attempts']} attempts reached the customer.")  # fmt: skip
    expect(page.locator("#reach-chart .xtitle")).to_have_text("Local time")
    expect(page.locator("#reach-table tbody tr")).to_have_count(7)
    expect(page.locator("#reach-table thead th")).to_have_count(13)
    busiest = next(c for c in grid["cells"] if c["attempts"] == max(x["attempts"] for x in grid["cells"]))
    row = page.locator("#reach-table tbody tr").nth(busiest["weekday"])
    shown = row.locator("td").nth(busiest["start_hour"] // 2)
    expect(shown).to_contain_text(f"({busiest['successes']}/{busiest['attempts']})")
    hood = learned["reach_neighbourhoods"][0]
    page.select_option("#reach-where", hood["key"])
    expect(page.locator("#reach-note")).to_contain_text("This neighbourhood: ")
    mine = org.api.get("/v1/analytics/learned/reach", params={"where": hood["key"]}).json()
    assert mine["attempts"] == hood["observations"]
    expect(page.locator("#reach-note")).to_contain_text(f"of {hood['observations']} attempts reached the customer")
    keep_screenshot(page, "learned-reach.png")
    assert axe_violations(page) == []
    assert errors == []


def test_reach_panel_without_attempts_says_so(server: tuple[str, Any], browser: Any) -> None:
    """An organization with no delivery attempt yet: the reachability panel says so instead of drawing an empty
    heatmap and a table of dashes."""
    from playwright.sync_api import expect

    base, platform = server
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(platform, "New courier", email, PASSWORD)
    with httpx.Client(base_url=base, timeout=60) as api:
        assert api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        assert api.get("/v1/analytics/learned/reach").json()["attempts"] == 0
        page, errors = open_page(browser, Org(base, email, api), "/app/learned")
        expect(page.locator("#reach-note")).to_have_text(
            "No delivery attempts recorded yet: the chart appears once drivers have attempted deliveries.")  # fmt: skip
        expect(page.locator("#reach-figure")).to_be_hidden()
        expect(page.locator("#reach-table")).to_be_hidden()
        assert axe_violations(page) == []
        assert errors == []
