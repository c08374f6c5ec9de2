"""The driver app follows the dispatcher live: a route edited on the server is on the phone within seconds, through
the driver stream (with the stream up the app re-reads routes only on its events or once a minute)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.driver_login import driver_logged_in
from tests.web.test_driver_app import Site, site  # noqa: F401 (the module's own server and day)


def test_an_edited_route_reaches_the_phone_at_once(site: Site, browser: Any) -> None:  # noqa: F811
    """Logged in and live, the driver sees the dispatcher move their last stop to the front within 5 s."""
    code = site.api.post(f"/v1/drivers/{site.driver_id}/login-codes").json()["code"]
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    errors = driver_logged_in(page, site.base, code)
    expect(page.locator("li.stop")).to_have_count(3)
    expect(page.locator("body")).to_have_attribute("data-live", "1")
    expect(page.locator("#net-status")).to_have_text("online · live")
    route = site.api.get(f"/v1/routes/{site.route['id']}").json()
    stops = [s for s in route["data"]["stops"] if s.get("order_id")]
    last = stops[-1]
    move = {"order_id": last["order_id"], "route_id": route["id"], "position": 0,
            "versions": {route["id"]: route["version"]}}  # fmt: skip
    r = site.api.post(f"/v1/plans/{route['plan_id']}/edits", json=move)
    assert r.status_code == 200, r.text
    expect(page.locator("li.stop").first).to_contain_text(last["address"], timeout=5_000)
    assert errors == []
