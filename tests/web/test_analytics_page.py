"""The KPI page (/app/analytics) in Debian Chromium on a worked day: two drivers deliver and fail stops at set
times through the driver API, customer emails go to a local SMTP server; the page draws its charts (SVG with
titled axes) from plotly.js served locally, under the app's real Content-Security-Policy, with no console error
and no serious accessibility violation. Screenshots land in test-artifacts/playwright-workspace/."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from doorstep.services.accounts.accounts import create_organization
from doorstep.store.models import StopEventRow, StopRow
from tests.browser import axe_violations, log_in
from tests.web.api_day import HUB, publish
from tests.web.workspace_site import PASSWORD, Org, keep_screenshot, open_page, server

__all__ = ["server"]  # the module-scoped server fixture
DAY = "2025-06-17"  # a Tuesday, in the past: the drivers' actions are dated then
SPOTS = [(38.7130, -9.1390), (38.7223, -9.1500), (38.7300, -9.1450), (38.7170, -9.1600), (38.7400, -9.1350),
         (38.7050, -9.1550)]  # fmt: skip
# van k's stops in their order: (status, local time, reason)
ACTIONS = [
    [("completed", "09:20", None), ("failed", "10:05", "not_home"), ("completed", "12:40", None)],
    [("completed", "09:50", None), ("failed", "10:30", "no_access"), ("failed", "11:10", "not_home")],
]


def _plan(api: httpx.Client, depot: str, vans: list[str]) -> dict[str, Any]:
    orders = [{"external_ref": f"KPI-{k}", "location": {"lat": lat, "lng": lng},
               "time_windows": [{"start": "09:00", "end": "12:00"}],
               "contact": {"name": f"Customer {k}", "email": f"c{k}@example.com"}}
              for k, (lat, lng) in enumerate(SPOTS)]  # fmt: skip
    return publish(api, depot, vans, DAY, orders)


def _work(api: httpx.Client, route: dict[str, Any], name: str, actions: list[tuple[str, str, str | None]]) -> None:
    """A driver on the route, dispatched, logged in on the app, working its stops at the set times."""
    drv = api.post("/v1/drivers", json={"name": name}).json()["id"]
    assigned = api.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1})
    assert assigned.status_code == 200, assigned.text
    sent = api.post(f"/v1/routes/{route['id']}/dispatch", json={"version": assigned.json()["version"]})
    assert sent.status_code == 200, sent.text
    code = api.post(f"/v1/drivers/{drv}/login-codes").json()["code"]
    token = api.post("/v1/driver/session", json={"code": code}).json()["token"]
    phone = {"Authorization": f"Bearer {token}"}
    mine = next(r for r in api.get("/v1/driver/routes", headers=phone).json()["routes"] if r["id"] == route["id"])
    stops = [s for s in mine["stops"] if s["order_id"]]
    for stop, (status, hhmm, reason) in zip(stops, actions, strict=True):
        body = {"client_id": uuid.uuid4().hex, "status": status, "at": f"{DAY}T{hhmm}:00+01:00", "reason": reason,
                "proof": {"recipient": "At the door"} if status == "completed" else None}  # fmt: skip
        r = api.post(f"/v1/driver/stops/{stop['id']}/events", json={k: v for k, v in body.items() if v}, headers=phone)
        assert r.status_code in (200, 201), r.text


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    """An organization whose two vans worked DAY (3 stops each); its admin's API client."""
    base, platform = server
    email = f"kpi-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(platform, "KPI courier", email, PASSWORD)
    with httpx.Client(base_url=base) as api:
        assert api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        depot = api.post("/v1/depots", json=HUB).json()["id"]
        vt = {"name": "Van", "capacity": {"parcels": 3}, "fixed_cost_cents": 2000, "cost_per_km_cents": 30,
              "cost_per_hour_cents": 2500, "fuel": "diesel"}  # fmt: skip
        type_id = api.post("/v1/vehicle-types", json=vt).json()["id"]
        vans = [api.post("/v1/vehicles", json={"name": f"Van {k}", "type_id": type_id, "depot_id": depot}).json()["id"]
                for k in (1, 2)]  # fmt: skip
        plan = _plan(api, depot, vans)
        for k, route in enumerate(plan["routes"]):
            _work(api, route, f"Driver {k + 1}", ACTIONS[k])
        yield Org(base, email, api, plan, vans)


def _texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_text_contents()]


def _kpi_page(org: Org, browser: Any, query: str) -> tuple[Any, list[str]]:
    """The KPI page of a range, logged in, under the real CSP, and the console errors it logs."""
    page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, org.base, org.email, PASSWORD)
    page.goto(f"{org.base}/app/analytics?{query}")
    page.wait_for_selector("body[data-ready='1']")
    return page, errors


def test_kpi_page_draws_its_charts_and_scorecard(org: Org, browser: Any) -> None:
    """Totals, the daily chart (bars and on-time line, three titled axes), failures by reason (one bar each), the
    scorecard (one row per driver, the API's rates), ETA accuracy per horizon and the heatmap draw under the real
    CSP, without errors."""
    from playwright.sync_api import expect

    api = org.api.get(f"/v1/analytics/kpis?from={DAY}&to={DAY}&group_by=driver").json()
    assert api["total"]["deliveries"] == 3 and api["total"]["failed_by_reason"] == {"no_access": 1, "not_home": 2}
    page, errors = _kpi_page(org, browser, f"from={DAY}&to={DAY}")
    expect(page.locator("#totals div").filter(has_text="Deliveries").locator("dd")).to_have_text("3")
    expect(page.locator("#totals div").filter(has_text="On time").locator("dd")).to_have_text(
        f"{api['total']['on_time_rate'] * 100:.1f} %")
    assert page.locator("#daily-chart svg.main-svg").count() >= 1
    assert _texts(page, "#daily-chart .g-xtitle") == ["Day"]
    assert _texts(page, "#daily-chart .g-ytitle") == ["Deliveries"]
    assert _texts(page, "#daily-chart .g-y2title") == ["On-time rate"]
    assert page.locator("#daily-chart .bars path").count() == 1  # one day, one bar
    assert page.locator("#daily-chart .scatterlayer .trace").count() == 1
    assert _texts(page, "#reasons-chart .g-xtitle") == ["Reason"]
    assert _texts(page, "#reasons-chart .g-ytitle") == ["Failed attempts"]
    assert sorted(_texts(page, "#reasons-chart .xtick text")) == ["no access", "not home"]
    assert page.locator("#reasons-chart .bars path").count() == 2
    assert _texts(page, "#heatmap-chart .g-xtitle") == ["Hour of the day (local)"]
    assert _texts(page, "#heatmap-chart .g-ytitle") == ["Weekday"]
    assert page.locator("#heatmap-chart .hm image").count() == 1
    rows = page.locator("#scorecard tbody tr")
    expect(rows).to_have_count(2)
    for g in api["series"]:
        cells = _texts(page, f"#scorecard tr[data-driver='{g['key']}'] > *")
        first = g["kpis"]["first_attempt_rate"]
        assert cells[:5] == [g["label"], str(g["kpis"]["deliveries"]), "3",
                             f"{g['kpis']['on_time_rate'] * 100:.1f} %", f"{first * 100:.1f} %"]  # fmt: skip
    eta = org.api.get(f"/v1/analytics/eta-accuracy?from={DAY}&to={DAY}").json()["horizons"]
    shown = [_texts(page, f"#eta-accuracy tr[data-minutes='{h['minutes']}'] > *")[:2] for h in eta]
    assert shown == [[f"{h['minutes']} min", str(h["stops"])] for h in eta] and len(shown) == 3
    page.select_option("#heat-measure", "failed")
    expect(page.locator("#heatmap-caption")).to_have_text("Failed attempts by local hour and weekday.")
    keep_screenshot(page, "analytics-1-worked-day.png")
    assert errors == []


def test_a_range_without_worked_days_says_so(org: Org, browser: Any) -> None:
    """A range before any worked day: the charts say they have nothing to draw (no tick labels made up for an
    empty axis: Plotly's default numbers a category axis from -1), the scorecard says no driver worked, and the
    totals show zero and dashes."""
    from playwright.sync_api import expect

    page, errors = _kpi_page(org, browser, "from=2024-01-01&to=2024-01-31")
    expect(page.locator("#totals div").filter(has_text="Deliveries").locator("dd")).to_have_text("0")
    daily = "No worked day in this range: the KPIs come from the days drivers worked."
    assert _texts(page, "#daily-chart .annotation-text") == [daily]
    assert _texts(page, "#reasons-chart .annotation-text") == ["No failed attempt in this range."]
    assert _texts(page, "#reasons-chart .xtick text") == [] and _texts(page, "#daily-chart .xtick text") == []
    assert _texts(page, "#reasons-chart .g-xtitle") == ["Reason"]  # the axes keep their titles
    expect(page.locator("#scorecard tbody tr")).to_have_text("No driver worked in this range.")
    assert _texts(page, "#heatmap-chart .annotation-text") == ["No delivery attempts in this range."]
    assert page.locator("#heatmap-chart .colorbar").count() == 0  # no scale around nothing
    keep_screenshot(page, "analytics-0-no-worked-day.png")
    assert errors == []


def test_kpi_page_is_accessible_and_links_the_csv(org: Org, browser: Any) -> None:
    """axe-core finds no serious or critical violation on the drawn page; the CSV link carries the range."""
    page, errors = open_page(browser, org, f"/app/analytics?from={DAY}&to={DAY}")
    assert page.get_attribute("#csv-link", "href") == f"/v1/analytics/kpis.csv?from={DAY}&to={DAY}&group_by=day"
    csv = org.api.get(f"/v1/analytics/kpis.csv?from={DAY}&to={DAY}&group_by=day")
    assert csv.text.splitlines()[1].startswith(f"day,{DAY},{DAY},3,6,3,")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    keep_screenshot(page, "analytics-2-axe-checked.png")
    assert errors == []


WEST = [(38.69, -9.17), (38.76, -9.17), (38.76, -9.148), (38.69, -9.148)]  # three of the six orders


def _zones(org: Org) -> None:
    """The slot policy: a polygon west of the hub (three orders), a 3 km circle around it (one); two outside."""
    depot = org.api.get("/v1/depots").json()["items"][0]["id"]
    zones = [{"id": "west", "name": "West bank", "depot_id": depot, "polygon": [{"lat": a, "lng": b} for a, b in WEST]},
             {"id": "east", "name": "East hub", "depot_id": depot, "radius_m": 3000}]  # fmt: skip
    templates = [{"id": f"t-{z['id']}", "zone_id": z["id"], "start": "08:00", "end": "20:00", "length_min": 120,
                  "max_orders": 5} for z in zones]  # fmt: skip
    r = org.api.put("/v1/slots/policy", json={"zones": zones, "templates": templates})
    assert r.status_code == 200, r.text


def _etas_an_hour_ahead(platform: Any, org: Org) -> None:
    """Each worked stop's 60-minute ETA, as the ETA engine would have kept it: 5 minutes before its first action
    (the drivers' actions are dated on a past day, when no re-timing ran)."""
    with platform.uow(org.api.get("/v1/auth/me").json()["org_id"]) as uow:
        first = select(StopEventRow.stop_id, func.min(StopEventRow.at).label("at")).group_by(StopEventRow.stop_id)
        route_ids = [r["id"] for r in org.plan["routes"]]
        for row in uow.session.execute(first.where(StopEventRow.route_id.in_(route_ids))).all():
            uow.session.execute(update(StopRow).where(StopRow.id == row.stop_id).values(
                eta_60=row.at - timedelta(minutes=5)))  # fmt: skip
        uow.commit()


def test_kpi_page_draws_the_zones_on_a_map_with_their_kpis(
    org: Org, browser: Any, server: tuple[str, Any]
) -> None:
    """With a slot policy of two zones: the zone table has the API's KPIs by zone (and the orders outside every
    zone), the map draws both zones (a polygon, a circle) shaded by the chosen measure with a legend and a tooltip
    each, the ETA table switches to per zone, the heatmap to one zone; no console error under the real CSP, and
    axe finds no serious violation."""
    from playwright.sync_api import expect

    _zones(org)
    _etas_an_hour_ahead(server[1], org)
    by_zone = org.api.get(f"/v1/analytics/kpis?from={DAY}&to={DAY}&group_by=zone").json()["series"]
    assert [(g["key"], g["kpis"]["attempts"]) for g in by_zone] == [("east", 1), ("west", 3), (None, 2)]
    page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()  # CSP enforced
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, org.base, org.email, PASSWORD)
    page.goto(f"{org.base}/app/analytics?from={DAY}&to={DAY}")
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#zone-table tbody tr")).to_have_count(3)
    for g in by_zone:
        k = g["kpis"]
        cells = _texts(page, f"#zone-table tr[data-zone='{g['key'] or ''}'] > *")
        on_time = "–" if k["on_time_rate"] is None else f"{k['on_time_rate'] * 100:.1f} %"
        assert cells[:6] == [g["label"], str(k["deliveries"]), str(k["attempts"]), str(k["failed_attempts"]),
                             str(k["late_deliveries"]), on_time]  # fmt: skip
    shapes = page.locator("#zone-map path.leaflet-interactive")
    expect(shapes).to_have_count(2)
    assert page.get_attribute("#zone-map", "data-zones") == "2"
    assert len(set(shapes.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))"))) == 2  # 3 and 1 attempts
    expect(page.locator("#zone-legend li")).to_have_count(6)  # five steps and "no data"
    tips = []
    for k in range(2):
        shapes.nth(k).hover()
        tips.append(page.locator(".leaflet-tooltip").last.inner_text())
    assert sorted(tips) == ["East hub — delivery attempts: 1", "West bank — delivery attempts: 3"]
    keep_screenshot(page, "analytics-3-zones-attempts.png")
    page.select_option("#zone-measure", "on_time_rate")
    expect(page.locator("#zone-legend-title")).to_have_text("On-time rate")
    page.select_option("#eta-view", "zone")
    eta = org.api.get(f"/v1/analytics/eta-accuracy?from={DAY}&to={DAY}&group_by=zone").json()["series"]
    assert [(g["key"], g["horizons"][0]["stops"]) for g in eta] == [("east", 1), ("west", 3), (None, 2)]
    expected = [[g["label"], f"{h['minutes']} min", str(h["stops"])] for g in eta for h in g["horizons"]]
    expect(page.locator("#eta-accuracy tbody tr[data-key]")).to_have_count(9)
    shown = [_texts(page, f"#eta-accuracy tbody tr:nth-child({n + 1}) > *")[:3] for n in range(9)]
    assert shown == expected
    expect(page.locator("#eta-accuracy thead th").first).to_have_text("Zone")
    page.select_option("#heat-zone", "west")
    expect(page.locator("#heatmap-caption")).to_have_text("Delivery attempts by local hour and weekday, West bank.")
    keep_screenshot(page, "analytics-4-zones-on-time-eta-per-zone.png")
    assert errors == []
    checked, more = open_page(browser, org, f"/app/analytics?from={DAY}&to={DAY}")
    expect(checked.locator("#zone-map path.leaflet-interactive")).to_have_count(2)
    found = axe_violations(checked)
    assert not found, "\n".join(found)
    assert more == []
