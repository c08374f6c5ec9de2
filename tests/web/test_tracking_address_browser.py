"""The tracking page's move to another address, in Debian Chromium on a phone, on the Monaco network's address
index: a customer whose delivery is not planned yet opens their link, asks to deliver elsewhere, types, sees
suggestions near their address only (a listbox they move through with the arrow keys), picks a house, and is told
where the parcel goes; the order moved there. An address too far is refused in their words. Under the page's real
Content-Security-Policy, no console error; axe-core finds no serious or critical violation with the list open."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.geo import LatLng
from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.services.accounts.accounts import create_organization
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.api.tracking_site import Clock
from tests.browser import axe_violations, running

DAY = "2025-06-17"
PASSWORD = "address-password"
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright-tracking"
HOME = {"lat": 43.745539, "lng": 7.414646}  # a customer in Monaco (../shared/osm/monaco_points_300.json, #281)
HOUSE = "6 Quai Antoine 1er, 98000 Monaco"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, monaco_network: Path) -> Iterator[tuple[str, httpx.Client]]:
    """The app with its pages and the Monaco address index, an organization with a depot at the port and a logged
    in admin client; the clock at 08:00 of the day."""
    url = f"sqlite:///{tmp_path_factory.mktemp('address')}/address.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="address-browser", webhook_tick_s=0, notify_tick_s=0))
    mount_web(app)
    app.state.platform.clock = Clock(datetime.fromisoformat(f"{DAY}T08:00:00+01:00"))
    app.state.platform.geocoder = LocalGeocoder(monaco_network)
    email = f"shop-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(app.state.platform, "Boutique Exemple", email, PASSWORD)
    with running(app) as base, httpx.Client(base_url=base) as admin:
        assert admin.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        depot = {"name": "Port Hercule", "lat": 43.7320, "lng": 7.4180, "timezone": "Europe/Monaco"}
        admin.headers["X-Depot"] = admin.post("/v1/depots", json=depot).json()["id"]
        yield base, admin


def _order(base: str, admin: httpx.Client, ref: str) -> tuple[str, str]:
    body = {"external_ref": ref, "depot_id": admin.headers["X-Depot"], "date": DAY, "location": HOME,
            "time_windows": [{"start": "09:00", "end": "18:00"}], "size": {"parcels": 1},
            "contact": {"name": "Ana", "email": f"{ref.lower()}@example.org", "language": "en"}}  # fmt: skip
    made = admin.post("/v1/orders", json=body)
    assert made.status_code == 201, made.text
    link = admin.post(f"/v1/live/orders/{made.json()['id']}/tracking-token")
    return made.json()["id"], f"{base}/t/{link.json()['token']}"


def test_a_customer_moves_the_delivery_to_a_suggested_address(
    site: tuple[str, httpx.Client], browser: Any, monaco_network: Path
) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, admin = site
    order_id, link = _order(base, admin, "HOME-1")
    page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()  # the page's own CSP applies
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(link)
    opener = page.get_by_role("button", name="Deliver to another address")
    opener.click()
    expect(opener).to_have_attribute("aria-expanded", "true")
    field = page.get_by_role("combobox", name="New address")
    expect(field).to_be_focused()
    field.press_sequentially("Rue Gri", delay=30)
    options = page.locator("#address-suggestions [role=option]")
    expect(options.first).to_contain_text("Rue Grimaldi")
    assert all("Roquebrune" not in t for t in options.all_inner_texts())  # 4.5 km away: not offered
    expect(page.locator("#address-count")).to_contain_text("Addresses found:")
    field.fill("")
    field.press_sequentially("6 Quai Antoine 1er", delay=30)
    expect(options.first).to_have_text(HOUSE)
    page.screenshot(path=ARTIFACTS / "tracking-address-1-suggestions.png", full_page=True)
    field.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    field.press("Enter")  # picks; does not send the form
    expect(field).to_have_value(HOUSE)
    expect(field).to_have_attribute("aria-expanded", "false")
    assert admin.get(f"/v1/orders/{order_id}").json()["version"] == 1
    page.get_by_role("button", name="Deliver here").click()
    expect(page.locator("#address-msg")).to_have_text(f"Your delivery now goes to {HOUSE}.")
    page.screenshot(path=ARTIFACTS / "tracking-address-2-moved.png", full_page=True)
    order = admin.get(f"/v1/orders/{order_id}").json()
    house = LocalGeocoder(monaco_network).geocode(HOUSE).best
    assert house is not None and LatLng(**order["data"]["location"]) == house.location
    assert order["data"]["address"] == HOUSE and order["version"] == 2
    field.fill("Rue Grimaldi, Roquebrune-Cap-Martin")
    page.get_by_role("button", name="Deliver here").click()
    expect(page.locator("#address-msg")).to_have_text(
        "This address is too far from the one you gave: contact the sender."
    )
    assert admin.get(f"/v1/orders/{order_id}").json()["version"] == 2
    assert [e for e in errors if "status of 409" not in e] == []  # the refusal is the only failed request

    checked = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True).new_page()  # axe is injected
    checked.goto(link)
    checked.get_by_role("button", name="Deliver to another address").click()
    checked.get_by_role("combobox", name="New address").press_sequentially("Rue Gri", delay=30)
    expect(checked.locator("#address-suggestions [role=option]").first).to_be_visible()
    found = axe_violations(checked)
    assert not found, "\n".join(found)
