"""The tracking page's switch to a pickup point, in Debian Chromium on a phone: a customer whose delivery is not
planned yet opens their link, asks to collect the parcel nearby, sees the points that can take it that day,
nearest to their address first (with how far, address and opening hours; not the full one), chooses one and is
told where the parcel will wait; the order now goes to that point, and the list still measures from their
address. Under the page's real Content-Security-Policy, no console error; axe-core finds no serious or
critical violation with the panel open. A customer of an organization without points is not offered it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.api.tracking_site import Clock
from tests.browser import axe_violations, running
from tests.web.api_day import HUB

DAY = "2025-06-17"  # a Tuesday
PASSWORD = "pickup-password"
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright-tracking"
HOURS = {d: [["10:00", "13:00"], ["14:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@dataclass
class Shop:
    """The running server and an organization's admin client, its depot and a tracking link per order."""

    base: str
    admin: httpx.Client
    depot: str

    def order(self, ref: str) -> tuple[str, str]:
        """A new delivery for the day with a customer: (order id, its tracking page URL)."""
        body = {"external_ref": ref, "depot_id": self.depot, "date": DAY, "location": {"lat": 38.7205, "lng": -9.142},
                "time_windows": [{"start": "09:00", "end": "18:00"}], "size": {"parcels": 1},
                "contact": {"name": "Ana", "email": f"{ref.lower()}@example.org", "language": "en"}}  # fmt: skip
        made = self.admin.post("/v1/orders", json=body)
        assert made.status_code == 201, made.text
        order_id = made.json()["id"]
        link = self.admin.post(f"/v1/live/orders/{order_id}/tracking-token")
        assert link.status_code in (200, 201), link.text
        return order_id, f"{self.base}/t/{link.json()['token']}"

    def point(self, name: str, **kw: Any) -> str:
        body = {"name": name, "kind": "counter", "lat": 38.7139, "lng": -9.1394, "address": f"{name}, Lisboa",
                "depot_id": self.depot, "hours": HOURS, "capacity_parcels": 5, **kw}  # fmt: skip
        made = self.admin.post("/v1/pickup-points", json=body)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The app with its pages on SQLite, on a clock at 08:00 of the day."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pickup')}/pickup.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="pickup-browser", webhook_tick_s=0, notify_tick_s=0))
    mount_web(app)
    app.state.platform.clock = Clock(datetime.fromisoformat(f"{DAY}T08:00:00+01:00"))
    with running(app) as base:
        yield base, app


def _shop(server: tuple[str, Any]) -> Iterator[Shop]:
    base, app = server
    email = f"shop-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(app.state.platform, "Loja Exemplo", email, PASSWORD)
    with httpx.Client(base_url=base) as admin:
        assert admin.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        yield Shop(base, admin, admin.post("/v1/depots", json=HUB).json()["id"])


@pytest.fixture
def shop(server: tuple[str, Any]) -> Iterator[Shop]:
    """A fresh organization with a depot (no pickup point yet)."""
    yield from _shop(server)


def test_a_customer_switches_to_a_pickup_point_from_the_page(shop: Shop, browser: Any) -> None:
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    papelaria = shop.point("Papelaria Rossio")
    shop.point("Tabacaria Perto", lat=38.7198, lng=-9.1412)  # 104 m from the customer; the Papelaria 768 m
    full = shop.point("Quiosque Cheio", capacity_parcels=1)
    shop.point("Loja Fechada", active=False)
    taken = {"external_ref": "TAKEN-1", "depot_id": shop.depot, "date": DAY, "pickup_point_id": full,
             "size": {"parcels": 1}}  # fmt: skip
    assert shop.admin.post("/v1/orders", json=taken).status_code == 201  # the kiosk is full that day
    order_id, link = shop.order("HOME-1")

    page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()  # the page's own CSP applies
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(link)
    opener = page.get_by_role("button", name="Collect at a pickup point instead")
    expect(opener).to_be_visible()
    opener.click()
    expect(opener).to_have_attribute("aria-expanded", "true")
    options = page.locator("#pickup-points label.slot")
    expect(options).to_have_count(2)  # neither the full kiosk nor the inactive shop; nearest first, not by name
    expect(options.nth(0)).to_contain_text("Tabacaria Perto100 m away · Tabacaria Perto, Lisboa · 10:00–13:00")
    expect(options.nth(1)).to_contain_text(
        "Papelaria Rossio770 m away · Papelaria Rossio, Lisboa · 10:00–13:00, 14:00–17:00"
    )
    page.screenshot(path=ARTIFACTS / "tracking-pickup-1-choices.png", full_page=True)
    page.get_by_role("radio", name="Papelaria Rossio").check()
    page.get_by_role("button", name="Collect it there").click()
    expect(page.locator("#pickup-msg")).to_have_text("Your parcel will wait for you at Papelaria Rossio.")
    page.screenshot(path=ARTIFACTS / "tracking-pickup-2-chosen.png", full_page=True)
    order = shop.admin.get(f"/v1/orders/{order_id}").json()
    assert order["data"]["pickup_point_id"] == papelaria and order["version"] == 2
    assert errors == []

    checked = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True).new_page()  # axe is injected
    checked.goto(link)
    checked.get_by_role("button", name="Collect at a pickup point instead").click()
    again = checked.locator("#pickup-points label.slot .where")
    expect(again).to_have_count(2)  # measured from the address the order left, not from the point it goes to now
    expect(again.nth(0)).to_contain_text("100 m away")
    expect(again.nth(1)).to_contain_text("770 m away")
    found = axe_violations(checked)
    assert not found, "\n".join(found)


def test_no_switch_is_offered_without_a_pickup_point(shop: Shop, browser: Any) -> None:
    from playwright.sync_api import expect

    _, link = shop.order("HOME-2")
    page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    page.goto(link)
    expect(page.get_by_role("button", name="Choose another time")).to_be_visible()
    expect(page.locator("#pickup-open")).to_be_hidden()
