"""Address suggestions while typing, in Debian Chromium, on the orders page's editor and the live page's new order
(static/address-find.js): the address field is an ARIA 1.2 combobox over GET /v1/geocode/suggest (Monaco's address
index on the platform); the arrows move the active option, Enter or a click picks it — its text in the field, the
latitude and longitude where the API places it, the form not sent — Escape closes the list, one or two letters ask
nothing, a postcode fills no coordinates, and a deployment without an address index is asked once. Screenshots in
test-artifacts/playwright-workspace/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from doorstep.routing.address_lookup import LocalGeocoder
from tests.browser import axe_violations, log_in
from tests.web.test_order_edit import _new_order, org
from tests.web.workspace_site import DAY, PASSWORD, Org, keep_screenshot, server

__all__ = ["org", "server"]  # the fixtures: a module-scoped server, a fresh organization with its two-van day
SUGGEST = "/v1/geocode/suggest"
HINTS = {  # what an option adds to its text
    "address": "",
    "interpolated": " (number estimated)",
    "street": " (street only)",
    "postcode": " (postcode area)",
}


@dataclass
class Traffic:
    """What the page asked: the texts sent to the suggestions, the requests that change something, and any request
    that left the test server."""

    asked: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture
def monaco(server: tuple[str, Any], monaco_network: Path) -> Iterator[LocalGeocoder]:
    """The platform's geocoder for this test: the Monaco network's address index."""
    coder = LocalGeocoder(monaco_network)
    server[1].geocoder = coder
    try:
        yield coder
    finally:
        server[1].geocoder = None


def _watched(browser: Any, org: Org, path: str) -> tuple[Any, list[str], Traffic]:
    """A logged-in page at ``path`` (its CSP bypassed for axe), its console errors and its requests."""
    from playwright.sync_api import expect

    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    seen = Traffic()

    def on_request(r: Any) -> None:
        url = urlsplit(r.url)
        if not r.url.startswith(org.base) and url.scheme != "data":
            seen.outside.append(r.url)
        if url.path == SUGGEST:
            seen.asked.append(parse_qs(url.query)["q"][0])
        if r.method != "GET" and url.path != "/v1/auth/login":
            seen.writes.append(f"{r.method} {url.path}")

    page.on("request", on_request)
    log_in(page, org.base, org.email, PASSWORD)
    page.goto(f"{org.base}{path}")
    if path.startswith("/app/live"):
        expect(page.locator("#conn")).to_have_text("live")
    else:
        page.wait_for_selector("body[data-ready='1']")
    return page, errors, seen


def _asking(q: str) -> Any:
    """A predicate on a request or response: the page's question for the suggestions of ``q``."""
    return lambda r: urlsplit(r.url).path == SUGGEST and parse_qs(urlsplit(r.url).query)["q"] == [q]


def _suggestions(org: Org, q: str) -> list[dict[str, Any]]:
    """The API's answer for ``q`` as the page asks it (8 at most)."""
    r = org.api.get(SUGGEST, params={"q": q, "limit": 8})
    assert r.status_code == 200, r.text
    return list(r.json()["suggestions"])


def _combobox_closed(page: Any, field_id: str) -> None:
    from playwright.sync_api import expect

    box = page.locator(f"#{field_id}")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox", name="Address suggestions")).to_be_hidden()
    assert box.get_attribute("aria-activedescendant") is None


def test_suggestions_in_the_orders_editor(org: Org, browser: Any, monaco: LocalGeocoder) -> None:
    """ARIA combobox; "Rue Gri" lists the API's suggestions, the arrows move (and wrap), Enter picks the first
    without saving; typing again clears the coordinates the pick gave; Escape closes; one or two letters (one digit)
    ask nothing, two digits do; a postcode is not a door: no coordinates, a note at the field. axe-core with the
    list open."""
    from playwright.sync_api import expect

    oid = _new_order(org)
    own_lat = str(org.api.get(f"/v1/orders/{oid}").json()["data"]["location"]["lat"])
    page, errors, seen = _watched(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#edit-btn")
    address, lat, lng = page.locator("#edit-address"), page.locator("#edit-lat"), page.locator("#edit-lng")
    for name, value in (("role", "combobox"), ("aria-autocomplete", "list"), ("aria-expanded", "false"),
                        ("aria-controls", "edit-suggestions"), ("autocomplete", "off")):  # fmt: skip
        expect(address).to_have_attribute(name, value)
    listbox = page.get_by_role("listbox", name="Address suggestions")
    options = listbox.get_by_role("option")

    address.fill("")
    address.press_sequentially("Ru")  # two letters: nothing asked, the order's own place kept
    address.fill("6")
    page.wait_for_timeout(400)
    assert seen.asked == []
    expect(lat).to_have_value(own_lat)
    with page.expect_request(_asking("12")):  # two characters beginning with a digit: asked
        address.fill("12")
    assert seen.asked == ["12"]
    expect(listbox).to_be_hidden()  # Monaco has no such street

    want = _suggestions(org, "Rue Gri")
    address.fill("")
    with page.expect_response(_asking("Rue Gri")) as answer:
        address.press_sequentially("Rue Gri")
    answer.value.finished()
    typed = seen.asked[1:]
    assert typed[-1] == "Rue Gri" and len(typed) < 5, typed  # after a pause, not at each key from "Rue" on
    expect(options).to_have_text([s["text"] + HINTS[s["precision"]] for s in want])
    expect(options.first).to_contain_text("Rue Grimaldi")
    expect(address).to_have_attribute("aria-expanded", "true")
    address.press("ArrowDown")
    first, last = options.first, options.last
    expect(address).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "?")
    expect(first).to_have_attribute("aria-selected", "true")
    address.press("ArrowUp")  # wraps to the last
    expect(address).to_have_attribute("aria-activedescendant", last.get_attribute("id") or "?")
    expect(first).to_have_attribute("aria-selected", "false")
    address.press("ArrowDown")  # and back to the first
    expect(first).to_have_attribute("aria-selected", "true")
    found = axe_violations(page)  # the list open, an option active
    assert not found, "\n".join(found)
    keep_screenshot(page, "orders-edit-address-suggestions.png")

    address.press("Enter")
    expect(address).to_have_value(want[0]["text"])
    expect(lat).to_have_value(f"{want[0]['location']['lat']:.6f}")
    expect(lng).to_have_value(f"{want[0]['location']['lng']:.6f}")
    expect(page.locator("#edit-placed")).to_have_text(
        f"Placed at {want[0]['label']}, on its street, not at the house: check the pin."
    )
    _combobox_closed(page, "edit-address")
    expect(page.locator("#edit-form")).to_be_visible()  # Enter picked; it did not save
    assert seen.writes == []
    assert org.api.get(f"/v1/orders/{oid}").json()["version"] == 1

    address.press("Backspace")  # typing again: the picked place goes, the list comes back
    expect(lat).to_have_value("")
    expect(lng).to_have_value("")
    expect(page.locator("#edit-placed")).to_have_text("")
    expect(listbox).to_be_visible()
    address.press("Escape")
    _combobox_closed(page, "edit-address")
    expect(address).to_have_value(want[0]["text"][:-1])  # Escape closes; it leaves the text

    address.fill("980")
    expect(options.first).to_have_text("98000 Monaco (postcode area)")
    options.first.click()
    expect(address).to_have_value("98000 Monaco")
    expect(address).to_be_focused()  # the click kept the focus in the field
    expect(lat).to_have_value("")
    expect(page.locator("#edit-placed")).to_have_text("A postcode is an area, not a door: add the street and number.")
    _combobox_closed(page, "edit-address")
    assert seen.writes == [] and seen.outside == []
    assert errors == []


def test_suggestions_in_the_live_pages_new_order(org: Org, browser: Any, monaco: LocalGeocoder) -> None:
    """A click on "6 Quai Antoine 1er"'s one suggestion puts its text in the field and the house's place in
    latitude and longitude; Enter on an active option sends no order; Escape closes; axe-core with the list open."""
    from playwright.sync_api import expect

    page, errors, seen = _watched(browser, org, f"/app/live?date={DAY}")
    address = page.locator("#add-address")
    listbox = page.get_by_role("listbox", name="Address suggestions")
    options = listbox.get_by_role("option")
    expect(address).to_have_attribute("role", "combobox")
    expect(address).to_have_attribute("aria-controls", "add-suggestions")
    address.click()
    address.press_sequentially("Qu")
    page.wait_for_timeout(400)
    assert seen.asked == []

    address.fill("Rue Gri")
    expect(options.first).to_contain_text("Rue Grimaldi")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    address.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    address.press("Enter")  # picks; the form (which would POST /v1/orders) is not sent
    expect(address).to_have_value(_suggestions(org, "Rue Gri")[0]["text"])
    _combobox_closed(page, "add-address")
    expect(page.locator("#add-lat")).not_to_have_value("")

    address.fill("6 Quai Antoine 1er")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("6 Quai Antoine 1er, 98000 Monaco")  # at the house: no hint
    expect(address).to_have_attribute("aria-expanded", "true")
    keep_screenshot(page, "live-add-address-suggestions.png")
    address.press("Escape")
    _combobox_closed(page, "add-address")
    address.press("r")  # "…1err": nothing to suggest; back to the house
    address.press("Backspace")
    expect(options).to_have_count(1)
    expect(listbox).to_be_visible()
    options.first.click()
    expect(address).to_have_value("6 Quai Antoine 1er, 98000 Monaco")
    house = monaco.geocode("6 Quai Antoine 1er").best
    assert house is not None
    expect(page.locator("#add-lat")).to_have_value(f"{house.location.lat:.6f}")
    expect(page.locator("#add-lng")).to_have_value(f"{house.location.lng:.6f}")
    expect(page.locator("#add-placed")).to_contain_text("at the house")
    _combobox_closed(page, "add-address")
    assert seen.writes == [] and seen.outside == []
    assert errors == []


def test_without_an_address_index_the_field_asks_nothing(org: Org, browser: Any) -> None:
    """A deployment without an address index says so in the page (the listbox's ``data-index="off"``): the field is
    a plain text field that asks nothing as it is typed in (no refused request, no console error); "Find the
    address" still answers with the note and goes, as before."""
    from playwright.sync_api import expect

    oid = _new_order(org)
    own_lat = str(org.api.get(f"/v1/orders/{oid}").json()["data"]["location"]["lat"])
    page, errors, seen = _watched(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#edit-btn")
    address = page.locator("#edit-address")
    expect(page.locator("#edit-suggestions")).to_have_attribute("data-index", "off")
    expect(address).not_to_have_attribute("role", "combobox")
    address.press_sequentially("Rue Grimaldi", delay=20)
    page.wait_for_timeout(400)
    assert seen.asked == [] and errors == []
    expect(page.locator("#edit-lat")).to_have_value(own_lat)
    page.click("#edit-find")
    expect(page.locator("#edit-find")).to_be_hidden()
    expect(page.locator("#edit-placed")).to_contain_text("Addresses cannot be looked up here")
    assert seen.asked == [] and [e for e in errors if "status of 409" not in e] == []
