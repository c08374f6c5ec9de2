"""The live page's changes to the day in Debian Chromium, without the API docs: a same-day order added from a form
and its option 2 approved, a customer's new window, a van taken out; alerts link to their stop; axe-core finds no
serious violation with the forms open. Screenshots land in test-artifacts/playwright/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from doorstep.services.kernel.access import system_actor
from doorstep.services.operations import replanning
from doorstep.services.planning import plans
from tests.browser import axe_violations, log_in
from tests.dispatch.test_live_browser import live_site
from tests.web.test_dashboard import ARTIFACTS, DAY, PASSWORD

__all__ = ["live_site"]  # the module's server: a published two-van day on the test day's clock

Site = tuple[str, str, Any, dict[str, str]]


def _open(site: Site, browser: Any) -> tuple[Any, list[str]]:
    """The live page of the test day, logged in; the list collects console errors and page errors."""
    from playwright.sync_api import expect

    base, email, _, _ = site
    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1300}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app/live?date={DAY.isoformat()}")
    expect(page.locator("#conn")).to_have_text("live")
    return page, errors


def _routes(site: Site) -> dict[str, list[str]]:
    """Each live route's vehicle name and its order references, as stored."""
    _, _, app, ids = site
    _, rows = plans.get_plan(app.state.platform, system_actor(ids["org"]), ids["plan"])
    return {
        r.data["vehicle_name"]: [s["external_ref"] for s in r.data["stops"] if s.get("order_id")]
        for r in rows
        if r.status in ("published", "dispatched")
    }


def test_add_a_same_day_order_and_approve_option_2(live_site: Site, browser: Any) -> None:
    """The add form checks its fields at once, creates the order, and its proposal lists an option per van with a
    euro amount and km; choosing option 2 puts the order on that van's route."""
    from playwright.sync_api import expect

    page, errors = _open(live_site, browser)
    page.fill("#add-lat", "95")
    page.click("#add-form button[type=submit]")
    expect(page.locator("#add-form .field-error")).to_have_count(3)  # no reference, latitude 95, no longitude
    expect(page.locator("#add-lat")).to_have_attribute("aria-invalid", "true")
    page.fill("#add-ref", "SAME-DAY-1")
    page.fill("#add-address", "Rua da Prata 10, Lisboa")
    page.fill("#add-lat", "38.7280")
    page.fill("#add-lng", "-9.1420")
    page.fill("#add-from", "10:00")
    page.fill("#add-to", "13:00")
    page.click("#add-form button[type=submit]")
    item = page.locator("#proposals > li", has_text="SAME-DAY-1")
    expect(item).to_have_count(1)
    options = item.locator("ul.options > li")
    expect(options).to_have_count(2)
    for k in range(2):
        expect(options.nth(k)).to_contain_text("€")
        expect(options.nth(k)).to_contain_text(" km")
        expect(options.nth(k)).to_contain_text("Van ")
    assert "ord_" not in item.inner_text()
    found = axe_violations(page)  # the forms open, one with its errors shown before
    assert not found, "\n".join(found)
    second = options.nth(1).inner_text()
    van = "Van A" if second.startswith("2. Van A") else "Van B"
    before = _routes(live_site).get(van, [])  # a van without a route opens one
    page.screenshot(path=ARTIFACTS / "live-changes-1-insert-proposal.png", full_page=True)
    options.nth(1).get_by_role("button", name="Choose option 2").click()
    expect(item).to_have_count(0)
    after = _routes(live_site)[van]
    assert sorted(after) == sorted([*before, "SAME-DAY-1"])
    row = page.locator("#progress tbody tr", has_text=van)
    expect(row.locator("td.done")).to_have_text(f"0/{len(after)}")
    page.screenshot(path=ARTIFACTS / "live-changes-2-insert-approved.png", full_page=True)
    assert errors == []


def test_change_a_customers_window(live_site: Site, browser: Any) -> None:
    """A window ending before it starts is refused next to the field without a request; a good one becomes a
    proposal named by the order's reference and, approved, is the order's window."""
    from playwright.sync_api import expect

    _, _, app, ids = live_site
    page, errors = _open(live_site, browser)
    van = next(v for v, refs in _routes(live_site).items() if "LIVE-2" in refs)
    page.select_option("#window-stop", label=f"LIVE-2 ({van})")
    page.fill("#window-from", "12:00")
    page.fill("#window-to", "11:00")
    page.click("#window-form button[type=submit]")
    expect(page.locator("#window-to-err")).to_contain_text("E1104")
    expect(page.locator("#proposals > li")).to_have_count(0)
    said = "() => getComputedStyle(document.getElementById('proposals'), '::before').content"
    assert page.evaluate(said) == '"No proposals waiting."'  # the empty list says so
    page.fill("#window-from", "11:00")
    page.fill("#window-to", "11:45")
    page.click("#window-form button[type=submit]")
    item = page.locator("#proposals > li", has_text="New window for LIVE-2 (11:00–11:45)")
    expect(item).to_have_count(1)
    expect(item.locator("ul.options > li").first).to_contain_text("€")
    page.screenshot(path=ARTIFACTS / "live-changes-3-window-proposal.png", full_page=True)
    item.get_by_role("button", name="Choose option 1").click()
    expect(item).to_have_count(0)
    sys = system_actor(ids["org"])
    applied = replanning.list_proposals(app.state.platform, sys, ids["plan"], "applied")
    done = [r for r in applied if r.kind == "resequence"]  # the page's clock stands still: no order by time
    assert len(done) == 1 and done[0].options[0]["summary"]["windows"] == [
        {"start": f"{DAY.isoformat()}T11:00:00+01:00", "end": f"{DAY.isoformat()}T11:45:00+01:00"}
    ]
    page.screenshot(path=ARTIFACTS / "live-changes-4-window-approved.png", full_page=True)
    assert errors == []


def test_an_alert_links_to_its_stop(live_site: Site, browser: Any) -> None:
    """A late stop's alert, opened with the keyboard, shows its route's stops with that stop highlighted and
    focused, and marks it on the map."""
    from playwright.sync_api import expect

    _, _, app, ids = live_site
    page, errors = _open(live_site, browser)
    _, rows = plans.get_plan(app.state.platform, system_actor(ids["org"]), ids["plan"])
    route = next(r for r in rows if r.status in ("published", "dispatched"))
    stops = [s for s in route.data["stops"] if s.get("order_id")]
    late = stops[-1]
    etas = [{"order_id": s["order_id"], "eta": s["arrival"], "status": "on_time", "late_s": 0} for s in stops[:-1]]
    etas.append({"order_id": late["order_id"], "eta": late["arrival"], "status": "late", "late_s": 900})
    app.state.platform.live.publish(ids["org"], {"type": "eta", "route_id": route.id, "stops": etas})
    alert = page.locator("#alerts button.alert-link")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text(f"{late['external_ref']} late by 15 min")
    alert.focus()
    page.keyboard.press("Enter")
    row = page.locator("#route-stops tr.highlight")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(late["external_ref"])
    expect(row).to_be_focused()
    expect(page.locator("#stops-title")).to_have_text(f"Stops of {route.data['vehicle_name']}")
    expect(page.locator("#map .stop-highlight")).to_have_count(1)
    page.wait_for_timeout(300)  # Leaflet redraws its vector layers on the next animation frames after a move
    page.screenshot(path=ARTIFACTS / "live-changes-5-alert-stop.png", full_page=True)
    assert errors == []


def test_cancel_an_order_from_the_page(live_site: Site, browser: Any) -> None:
    """Cancelling picks a stop by its reference; approved, the order leaves its route and the choices."""
    from playwright.sync_api import expect

    page, errors = _open(live_site, browser)
    van = next(v for v, refs in _routes(live_site).items() if "LIVE-3" in refs)
    page.select_option("#cancel-stop", label=f"LIVE-3 ({van})")
    page.click("#cancel-form button[type=submit]")
    item = page.locator("#proposals > li", has_text="Take off order LIVE-3")
    expect(item).to_have_count(1)
    expect(item.locator("ul.options > li").first).to_contain_text("€")
    item.get_by_role("button", name="Choose option 1").click()
    expect(item).to_have_count(0)
    assert all("LIVE-3" not in refs for refs in _routes(live_site).values())
    expect(page.locator("#cancel-stop option", has_text="LIVE-3")).to_have_count(0)
    assert errors == []


def test_the_apis_coded_problem_is_shown_with_the_form(live_site: Site, browser: Any) -> None:
    """An order reference already planned today: the orders API answers with that order, the insert proposal is
    refused (E1450) and the page shows the API's problem under the form, and no proposal."""
    from playwright.sync_api import expect

    page, errors = _open(live_site, browser)
    page.fill("#add-ref", "LIVE-0")
    page.fill("#add-lat", "38.7200")
    page.fill("#add-lng", "-9.1400")
    page.click("#add-form button[type=submit]")
    expect(page.locator("#add-form .form-errors li")).to_contain_text("E1450")
    expect(page.locator("#proposals > li")).to_have_count(0)
    expect(page.locator("#add-ref")).to_have_value("LIVE-0")  # kept for correcting
    assert [e for e in errors if "status of 422" not in e] == [] and len(errors) == 1  # the refused request only


def test_take_a_van_out_hands_its_stops_to_the_other(live_site: Site, browser: Any) -> None:
    """Van A out: the proposal names both vans and the orders whose ETAs move; approved, Van B carries every order
    and the page shows one route."""
    from playwright.sync_api import expect

    page, errors = _open(live_site, browser)
    every = sorted(ref for refs in _routes(live_site).values() for ref in refs)
    page.select_option("#vanout-vehicle", label="Van A")
    page.click("#vanout-form button[type=submit]")
    item = page.locator("#proposals > li", has_text="Hand out the stops of Van A")
    expect(item).to_have_count(1)
    option = item.locator("ul.options > li").first
    expect(option).to_contain_text("Van B")
    expect(option).to_contain_text("€")
    page.screenshot(path=ARTIFACTS / "live-changes-6-vanout-proposal.png", full_page=True)
    item.get_by_role("button", name="Choose option 1").click()
    expect(item).to_have_count(0)
    assert sorted(_routes(live_site)["Van B"]) == every
    expect(page.locator("#progress tbody tr")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "live-changes-7-vanout-approved.png", full_page=True)
    assert errors == []


def test_find_the_address_of_a_new_order(live_site: Site, browser: Any, monaco_network: Path) -> None:
    """'Find the address' places the typed address with the deployment's address index: at the house it fills
    latitude and longitude and says so; on its street it says to check the pin; an unknown street is E1134 at the
    address field and clears the place the last find gave. (The index is Monaco's, the day Lisbon's: no order is
    added.)"""
    from playwright.sync_api import expect

    from doorstep.routing.address_lookup import LocalGeocoder

    _, _, app, _ = live_site
    coder = LocalGeocoder(monaco_network)
    app.state.platform.geocoder = coder
    try:
        page, errors = _open(live_site, browser)
        page.fill("#add-address", "6 Quai Antoine 1er, Monaco")
        page.click("#add-find")
        expect(page.locator("#add-placed")).to_contain_text("at the house")
        house = coder.geocode("6 Quai Antoine 1er").best
        assert house is not None
        lat, lng = float(page.input_value("#add-lat")), float(page.input_value("#add-lng"))
        assert abs(lat - house.location.lat) < 1e-6 and abs(lng - house.location.lng) < 1e-6
        page.fill("#add-address", "Avenue Princesse Grace")
        page.click("#add-find")
        expect(page.locator("#add-placed")).to_contain_text("on its street")
        page.fill("#add-address", "Zyxwvutstraße 3")
        page.click("#add-find")
        expect(page.locator("#add-address")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#add-form .field-error")).to_contain_text("E1134")
        expect(page.locator("#add-placed")).to_have_text("")
        assert page.input_value("#add-lat") == page.input_value("#add-lng") == ""  # no stale place from before
        found = axe_violations(page)
        assert not found, "\n".join(found)
        page.screenshot(path=ARTIFACTS / "live-changes-find-address.png", full_page=True)
        assert errors == []
    finally:
        app.state.platform.geocoder = None


def test_without_an_address_index_the_find_button_says_so_and_goes(live_site: Site, browser: Any) -> None:
    """A deployment without an address index: 'Find the address' is answered E3015, which is not the address's
    fault: the button goes, a note says to give coordinates, the address field is not marked wrong."""
    from playwright.sync_api import expect

    page, errors = _open(live_site, browser)
    page.fill("#add-address", "Rua da Prata 10, Lisboa")
    page.click("#add-find")
    expect(page.locator("#add-placed")).to_contain_text("give the latitude and longitude")
    expect(page.locator("#add-find")).to_be_hidden()
    expect(page.locator("#add-address")).not_to_have_attribute("aria-invalid", "true")
    assert [e for e in errors if "status of 409" not in e] == []  # the 409 is the answer
