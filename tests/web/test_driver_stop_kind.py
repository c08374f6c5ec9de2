"""The driver app says what each stop is: a delivery is handed over, a return is collected (issue 13)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import running
from tests.web.api_day import one_van, publish
from tests.web.driver_login import driver_logged_in


def _day(api: httpx.Client) -> tuple[str, str]:
    """A published one-van day with a delivery and a customer's return; the driver's id and route id."""
    depot, vehicle = one_van(api)
    orders = [{"external_ref": ref, "kind": kind, "address": f"Rua {ref}", "location": {"lat": lat, "lng": lng}}
              for ref, kind, lat, lng in (("DEL-1", "delivery", 38.7205, -9.1400),
                                          ("RET-1", "return", 38.7250, -9.1500))]  # fmt: skip
    route = publish(api, depot, vehicle, "2025-06-17", orders)["routes"][0]
    drv = api.post("/v1/drivers", json={"name": "Rita"}).json()["id"]
    assert api.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}).status_code == 200
    return drv, route["id"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, httpx.Client, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('kind')}/kind.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="kind-test", webhook_tick_s=0))
    mount_web(app)
    p = app.state.platform
    org_id, _ = create_organization(p, "Kinds", f"k-{uuid.uuid4().hex[:8]}@example.com", "kind-password")
    _, key = create_api_key(p, system_actor(org_id), "dispatch", [Permission.READ, Permission.WRITE])
    with running(app) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        drv, _ = _day(api)
        yield base, api, drv


def test_each_stop_says_whether_it_is_a_delivery_or_a_pickup(site: tuple[str, httpx.Client, str], browser: Any) -> None:
    """The list tags every stop; a return's stop is a "Return pickup" whose proof and failure buttons say
    pickup, a delivery's say delivery."""
    from playwright.sync_api import expect

    base, api, drv = site
    code = api.post(f"/v1/drivers/{drv}/login-codes").json()["code"]
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors = driver_logged_in(page, base, code)
    stops = page.locator("li.stop")
    expect(stops).to_have_count(2)
    tags = {stops.nth(k).locator(".kind").inner_text(): k for k in range(2)}
    assert set(tags) == {"Delivery", "Return pickup"}
    for label, done, fail in (("Return pickup", "Confirm pickup", "Confirm failed pickup"),
                              ("Delivery", "Confirm delivery", "Confirm failed delivery")):  # fmt: skip
        if page.locator("#stop-view").is_visible():
            page.click("#back-btn")
        stops.nth(tags[label]).click()
        expect(page.locator("#stop-kind")).to_have_text(label)
        page.click("#complete-btn")
        expect(page.locator("#confirm-complete")).to_have_text(done)
        page.click("#fail-btn")
        expect(page.locator("#confirm-fail")).to_have_text(fail)
    assert errors == []
