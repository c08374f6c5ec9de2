"""Carrier offers on the planning screen and the carrier on the customer's tracking page, in Debian Chromium with a
real partner carrier on 127.0.0.1 (tests/api/carrier_server.py): a plan offers the remote order; declining it (from
the keyboard) keeps it on its route; the next plan's offer is confirmed, the carrier quotes and books, and the order
shows as with the carrier, its booking status following the carrier's callbacks. The tracking page then says who
delivers it with the carrier's link and number, everything escaped. axe-core on each state; no console errors.
Screenshots land in test-artifacts/playwright-carriers/."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.kernel.platform import Platform
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.api.carrier_server import SECRET, CarrierServer, send_status
from tests.browser import axe_violations, log_in, running
from tests.web.api_day import HUB

PASSWORD = "carrier-screen-password"
DAY = "2025-06-17"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright-carriers"
TOWN = [(38.720, -9.140), (38.725, -9.150), (38.730, -9.145), (38.740, -9.130)]
FAR = (38.72, -8.76)  # about 30 km east of the hub


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Platform]]:
    """The app with its pages on a loopback port; its carriers may live on 127.0.0.1."""
    url = f"sqlite:///{tmp_path_factory.mktemp('carriers-web')}/web.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="carrier-web", webhook_tick_s=0, carrier_allow_private=True))
    mount_web(app)
    with running(app) as base:
        yield base, app.state.platform


@pytest.fixture
def carrier_server() -> Iterator[CarrierServer]:
    """A local HTTP carrier for this test."""
    s = CarrierServer()
    yield s
    s.close()


@dataclass
class Day:
    """An organization with one van, four orders in town and one 30 km out on DAY, and the local carrier."""

    base: str
    email: str
    api: httpx.Client
    depot: str
    orders: dict[str, str]  # reference -> id
    carrier: dict[str, Any]


def carrier_day(server: tuple[str, Platform], carrier: CarrierServer, name: str = "CityCourier") -> Iterator[Day]:
    """A fresh organization (the admin's API client logged in) with its day and the carrier ``name`` serving 60 km
    around the hub at 9.00 + 0.10 per km."""
    base, p = server
    email = f"cw-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(p, "Carrier web courier", email, PASSWORD)
    with httpx.Client(base_url=base) as api:
        assert api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        depot = api.post("/v1/depots", json=HUB).json()["id"]
        vt = api.post("/v1/vehicle-types", json={"name": "Van", "capacity": {"parcels": 20},
                                                  "cost_per_hour_cents": 2000}).json()["id"]  # fmt: skip
        van = api.post("/v1/vehicles", json={"name": "Van 1", "type_id": vt, "depot_id": depot}).json()["id"]
        shift = {"vehicle_id": van, "day": DAY, "start": f"{DAY}T08:00:00+01:00", "end": f"{DAY}T18:00:00+01:00"}
        assert api.post("/v1/shifts", json=shift).status_code == 201
        spots = [(f"N-{i}", lat, lng) for i, (lat, lng) in enumerate(TOWN)] + [("FAR-1", *FAR)]
        body = [{"external_ref": ref, "depot_id": depot, "date": DAY, "location": {"lat": lat, "lng": lng},
                 "address": f"{ref} street", "time_windows": [{"start": "09:00", "end": "17:00"}],
                 "service_s": 120, "size": {"parcels": 1}, "contact": {"name": "Ana", "language": "en"}}
                for ref, lat, lng in spots]  # fmt: skip
        r = api.post("/v1/orders/bulk", json={"orders": body})
        assert r.status_code == 201, r.text
        orders = {o["external_ref"]: o["id"] for o in r.json()["orders"]}
        c = {"name": name, "kind": "http", "endpoints": carrier.endpoints(), "secret": SECRET, "timeout_s": 2,
             "service_areas": [{"depot_id": depot, "radius_m": 60_000}],
             "price": {"base_cents": 900, "per_km_cents": 10}}  # fmt: skip
        made = api.post("/v1/carriers", json=c)
        assert made.status_code == 201, made.text
        yield Day(base, email, api, depot, orders, made.json())


def open_dashboard(browser: Any, day: Day) -> tuple[Any, list[str]]:
    """The logged-in planning screen on DAY (CSP bypassed for axe), and its console errors as they come."""
    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1400}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror {exc}"))
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None)
    log_in(page, day.base, day.email, PASSWORD)
    page.goto(f"{day.base}/app?date={DAY}")
    page.wait_for_selector("body[data-ready='1']")
    return page, errors


def plan(page: Any, version: int) -> dict[str, Any]:
    """Plan the day from the screen and answer the finished plan as the API has it."""
    page.fill("#time-limit", "1")
    page.click("#plan-btn")
    expect(page.locator("#plan-status")).to_contain_text(f"Version {version}: succeeded", timeout=60_000)
    found: dict[str, Any] = page.evaluate(
        "() => fetch('/v1/plans').then(r => r.json()).then(ps => fetch('/v1/plans/' + ps[0].id)).then(r => r.json())"
    )
    return found


def on_routes(plan: dict[str, Any]) -> set[str]:
    """Order ids on the plan's routes."""
    return {s["order_id"] for r in plan["routes"] for s in r["data"]["stops"] if s["order_id"]}


def euros(cents: int) -> str:
    """Money as the screen writes it in EUR."""
    return f"−€{-cents / 100:,.2f}" if cents < 0 else f"€{cents / 100:,.2f}"


def no_serious_axe(page: Any) -> None:
    """axe-core finds no serious or critical WCAG 2 A/AA violation on the page as it is."""
    found = axe_violations(page)
    assert not found, "\n".join(found)


@pytest.fixture
def day(server: tuple[str, Platform], carrier_server: CarrierServer) -> Iterator[Day]:
    """The carrier day of one test."""
    yield from carrier_day(server, carrier_server)


def test_decline_then_confirm_a_carrier_offer_on_the_planning_screen(
    day: Day, carrier_server: CarrierServer, browser: Any
) -> None:
    """The offer row shows the API's order, carrier, price, saving and reason; Decline (pressed with Enter) keeps
    FAR-1 on its route and says so; a new plan offers it again and Confirm books it at the carrier (quote, book):
    the offer row says booked with the carrier's reference and tracking link, the order row says it is with the
    carrier, FAR-1 has left the route, and a signed "picked up" callback shows after a reload."""
    page, errors = open_dashboard(browser, day)
    expect(page.locator("#offers-panel")).to_be_hidden()  # no plan, no offers
    first = plan(page, 1)
    far = day.orders["FAR-1"]
    [offer] = first["carrier_offers"]
    assert (offer["order_id"], offer["status"], offer["route_id"] is not None) == (far, "open", True)
    row = page.locator(f"#offers tbody tr[data-order='{far}']")
    expect(row.locator("th, td")).to_have_text([
        "FAR-1", "CityCourier", euros(offer["price_cents"]), euros(offer["saving_cents"]), offer["reason"], "open",
        re.compile(r"Confirm\s+Decline"),
    ])  # fmt: skip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "1-offer.png", full_page=True)
    no_serious_axe(page)

    decline = page.get_by_role("button", name="Decline FAR-1: keep it with the fleet")
    decline.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#offers-status")).to_have_text("FAR-1 stays with the fleet.")
    expect(page.locator("#offers-status")).to_be_focused()
    expect(row.locator(".offer-status")).to_have_text("declined")
    expect(row.locator("button")).to_have_count(0)
    stored = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", first["id"])
    assert [o["status"] for o in stored["carrier_offers"]] == ["declined"] and far in on_routes(stored)
    assert carrier_server.requests == []  # declining asks the carrier nothing

    second = plan(page, 2)
    assert [(o["order_id"], o["status"]) for o in second["carrier_offers"]] == [(far, "open")]
    page.get_by_role("button", name="Confirm FAR-1 with CityCourier").click()
    expect(page.locator("#offers-status")).to_have_text("FAR-1 is booked with CityCourier.", timeout=30_000)
    assert carrier_server.paths() == ["/quote", "/book"]
    expect(row.locator(".offer-status")).to_contain_text("booked (CC-1)")
    link = row.get_by_role("link", name="Track FAR-1 at CityCourier")
    expect(link).to_have_attribute("href", "https://carrier.example/t/CC-1")
    order_row = page.locator(f"#orders tbody tr[data-id='{far}']")
    expect(order_row.locator("td.status")).to_have_text("planned · with CityCourier: booked")
    after = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", second["id"])
    assert far not in on_routes(after) and on_routes(after) == on_routes(second) - {far}
    page.screenshot(path=ARTIFACTS / "2-booked.png", full_page=True)
    no_serious_axe(page)

    sent = send_status(day.api, day.carrier["id"], {"event_id": "e1", "booking_id": "CC-1", "status": "picked_up"})  # type: ignore[arg-type]
    assert sent.status_code == 200, sent.text
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    expect(order_row.locator("td.status")).to_have_text("dispatched · with CityCourier: picked up")
    expect(row.locator(".offer-status")).to_contain_text("booked (CC-1) · picked up")
    assert errors == []


def test_a_carrier_that_does_not_answer_leaves_the_offer_to_try_again(
    day: Day, carrier_server: CarrierServer, browser: Any
) -> None:
    """The carrier answers 503: the status line says FAR-1 was not booked with the carrier's error, the row offers
    "Try again", and FAR-1 is still on its route; once the carrier answers, trying again books it."""
    page, errors = open_dashboard(browser, day)
    planned = plan(page, 1)
    far = day.orders["FAR-1"]
    carrier_server.status = 503
    page.get_by_role("button", name="Confirm FAR-1 with CityCourier").click()
    expect(page.locator("#offers-status")).to_contain_text("FAR-1 was not booked: carrier CityCourier quote: HTTP 503",
                                                           timeout=30_000)  # fmt: skip
    row = page.locator(f"#offers tbody tr[data-order='{far}']")
    expect(row.locator(".offer-status")).to_contain_text("not booked")
    expect(row.get_by_role("button", name="Confirm FAR-1 with CityCourier")).to_have_text("Try again")
    stored = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", planned["id"])
    assert far in on_routes(stored)
    no_serious_axe(page)
    carrier_server.status = 200
    row.get_by_role("button", name="Confirm FAR-1 with CityCourier").click()
    expect(page.locator("#offers-status")).to_have_text("FAR-1 is booked with CityCourier.", timeout=30_000)
    # the browser logs the carrier's refusal nowhere: the page read it from the plan, not from a failed request
    assert errors == []


MARKUP_NAME = 'Quick <b>"Couriers"</b> & Co'


@pytest.fixture
def marked_day(server: tuple[str, Platform], carrier_server: CarrierServer) -> Iterator[Day]:
    """A carrier day whose carrier's name holds markup."""
    yield from carrier_day(server, carrier_server, MARKUP_NAME)


def test_the_tracking_page_names_the_carrier_with_its_link_all_escaped(
    marked_day: Day, carrier_server: CarrierServer, browser: Any
) -> None:
    """A carrier named with markup: the customer's page reads "Delivered by" it literally (no element made of
    it), links to the tracking URL its callback sent (query string intact), shows the tracking number, and the
    live page follows the carrier's next status at once (SSE); axe-core clean on a phone."""
    day, name = marked_day, MARKUP_NAME
    far = day.orders["FAR-1"]
    opts = {"time_limit_s": 1, "max_iterations": 50, "seed": 1}
    plan_id = day.api.post("/v1/plans", json={"depot_id": day.depot, "date": DAY, "options": opts}).json()["id"]
    for _ in range(300):
        if day.api.get(f"/v1/plans/{plan_id}").json()["status"] == "succeeded":
            break
        time.sleep(0.1)
    assert day.api.post(f"/v1/plans/{plan_id}/carrier-offers/{far}/confirm").status_code == 200
    for _ in range(300):
        offer = day.api.get(f"/v1/plans/{plan_id}").json()["carrier_offers"][0]
        if offer["status"] != "booking":
            break
        time.sleep(0.1)
    assert offer["status"] == "booked", offer
    url = "https://track.example/CC-1?lang=en&ref=FAR-1"
    moved = send_status(day.api, day.carrier["id"], {"event_id": "t1", "booking_id": "CC-1", "status": "in_transit",  # type: ignore[arg-type]
                                                     "tracking_url": url})  # fmt: skip
    assert moved.status_code == 200, moved.text
    token = day.api.post(f"/v1/live/orders/{far}/tracking-token").json()["token"]

    phone = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844}).new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.goto(f"{day.base}/t/{token}")
    expect(phone.locator("#carrier")).to_be_visible()
    expect(phone.locator("#carrier-by")).to_have_text(f"Delivered by {name}")
    assert phone.locator("#carrier b").count() == 0  # the name stayed text
    expect(phone.locator("#carrier-ref")).to_have_text("Tracking number: CC-1")
    link = phone.get_by_role("link", name=f"Follow it on {name}'s site")
    expect(link).to_have_attribute("href", url)
    expect(phone.locator("#headline")).to_have_text("Your parcel is on its way.")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=ARTIFACTS / "3-tracking.png", full_page=True)
    no_serious_axe(phone)

    done = send_status(day.api, day.carrier["id"], {"event_id": "t2", "booking_id": "CC-1", "status": "delivered"})  # type: ignore[arg-type]
    assert done.status_code == 200, done.text
    expect(phone.locator("#headline")).to_contain_text("Your parcel was delivered", timeout=30_000)  # live (SSE)
    expect(phone.locator("#carrier-by")).to_have_text(f"Delivered by {name}")
    expect(link).to_have_attribute("href", url)
    assert errors == []

