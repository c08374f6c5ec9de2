"""Editing an order from its panel in Debian Chromium: an order on no route is saved directly (every problem shown
next to its field at once; a stale version says someone else changed it); an order on a live route changes its
window through a re-sequence proposal, and its place through a relocate proposal, shown before it is approved.
Screenshots in test-artifacts/playwright-workspace/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import axe_violations
from tests.web.test_orders_page import ORDERS
from tests.web.workspace_site import DAY, Org, keep_screenshot, open_page, server, two_van_day

__all__ = ["server"]  # the module-scoped server fixture


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    yield from two_van_day(server, ORDERS)


def _new_order(org: Org) -> str:
    """An order added after the plan was published: status new, on no route."""
    body = {**ORDERS[2], "external_ref": "LATE-2", "depot_id": org.plan["depot_id"], "date": DAY,
            "size": {"parcels": 1}, "time_windows": [{"start": "10:00", "end": "12:00"}]}  # fmt: skip
    created = org.api.post("/v1/orders", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_an_order_on_no_route_is_edited_and_saved(org: Org, browser: Any) -> None:
    """Every problem shows next to its field at once; fixed, the order is saved with the new values and version."""
    from playwright.sync_api import expect

    oid = _new_order(org)
    page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#edit-btn")
    expect(page.locator("#edit-form")).to_be_visible()
    expect(page.locator("#edit-mode")).to_have_text("LATE-2 is on no live route: saving changes it at once.")
    expect(page.locator("#edit-name")).to_have_value("Marta Lopes")
    expect(page.locator("#edit-from")).to_have_value("10:00")
    found = axe_violations(page)  # the panel with its editor open
    assert not found, "\n".join(found)
    page.fill("#edit-lat", "98.5")
    page.fill("#edit-from", "15:00")
    page.fill("#edit-to", "14:00")
    page.fill("#edit-parcels", "two")
    page.click("#edit-save-btn")
    expect(page.locator("#edit-lat")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#edit-lat-err")).to_contain_text("E1105")
    expect(page.locator("#edit-to-err")).to_contain_text("E1104: the window ends at 14:00, before it starts at 15:00")
    expect(page.locator("#edit-parcels-err")).to_contain_text("parcels: a whole number")
    assert org.api.get(f"/v1/orders/{oid}").json()["version"] == 1  # nothing was sent
    page.fill("#edit-lat", "38.7201")
    page.fill("#edit-to", "16:30")
    page.fill("#edit-parcels", "3000000000")  # a whole number, but more than the API takes: its coded problem
    page.click("#edit-save-btn")
    expect(page.locator("#edit-parcels-err")).to_contain_text("E1301")
    expect(page.locator("#edit-lat")).not_to_have_attribute("aria-invalid", "true")
    assert org.api.get(f"/v1/orders/{oid}").json()["version"] == 1
    page.fill("#edit-lat", "38.7201")
    page.fill("#edit-to", "16:30")
    page.fill("#edit-parcels", "3")
    page.fill("#edit-name", "Marta L. Lopes")
    page.fill("#edit-phone", "+351 91 999 00 02")
    page.fill("#edit-notes", "Side door, ring once")
    page.select_option("#edit-priority", "high")
    page.click("#edit-save-btn")
    expect(page.locator("#detail-status")).to_have_text("LATE-2 saved.")
    expect(page.locator("#edit-form")).to_be_hidden()
    customer = "Marta L. Lopes · +351 91 999 00 02 · customer2@example.com"
    expect(page.locator("dd[data-fact='customer']")).to_have_text(customer)
    expect(page.locator("dd[data-fact='notes']")).to_have_text("Side door, ring once")
    expect(page.locator("dd[data-fact='window']")).to_have_text("15:00–16:30")
    order = org.api.get(f"/v1/orders/{oid}").json()
    assert order["version"] == 2
    data = order["data"]
    assert (data["location"]["lat"], data["size"]["parcels"], data["priority"]) == (38.7201, 3, "high")
    assert [(w["start"][11:16], w["end"][11:16]) for w in data["time_windows"]] == [("15:00", "16:30")]
    assert [(i["sku"], i["quantity"], i["barcode"]) for i in data["items"]] == [("SH-42", 2, "4006381333932")]  # kept
    expect(page.locator("#detail-timeline tbody tr td:nth-child(2)").last).to_have_text("order.updated")
    keep_screenshot(page, "orders-edit-1-saved.png")
    assert [e for e in errors if "status of 422" not in e] == [] and len(errors) == 1  # the refused save only


def test_a_stale_edit_says_someone_else_changed_the_order(org: Org, browser: Any) -> None:
    """Saving over a version someone else replaced is E2002, shown with a reload that brings their values."""
    from playwright.sync_api import expect

    oid = _new_order(org)
    page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#edit-btn")
    order = org.api.get(f"/v1/orders/{oid}").json()
    theirs = {k: v for k, v in order["data"].items() if k not in ("id",)}
    theirs.update(external_ref=order["external_ref"], depot_id=order["depot_id"], date=order["date"],
                  version=order["version"], instructions="Changed in the other tab")  # fmt: skip
    assert org.api.put(f"/v1/orders/{oid}", json=theirs).status_code == 200, "the other edit"
    page.fill("#edit-notes", "Mine")
    page.click("#edit-save-btn")
    expect(page.locator("#edit-form .form-errors")).to_contain_text("E2002: changed by someone else meanwhile")
    page.click("#edit-reload-btn")
    expect(page.locator("#edit-notes")).to_have_value("Changed in the other tab")
    page.click("#edit-save-btn")
    expect(page.locator("#detail-status")).to_have_text("LATE-2 saved.")
    assert org.api.get(f"/v1/orders/{oid}").json()["version"] == 3
    assert [e for e in errors if "status of 409" not in e] == [] and len(errors) == 1  # the refused save only


def test_a_window_change_on_a_live_route_is_a_proposal_approved_from_the_panel(org: Org, browser: Any) -> None:
    """On a live route only the place and window can change: a new window alone is a re-sequence proposal whose
    option is shown, nothing changes until it is approved, then the order has its new window and its route a new
    version."""
    from playwright.sync_api import expect

    oid = org.api.get("/v1/orders", params={"external_ref": "WS-2"}).json()["items"][0]["id"]
    route = next(r for r in org.plan["routes"] if any(s.get("order_id") == oid for s in r["data"]["stops"]))
    page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#edit-btn")
    vehicle = route["data"]["vehicle_name"]
    expect(page.locator("#edit-mode")).to_contain_text(
        f"WS-2 is on {vehicle}'s live route: only its place (address, latitude, longitude) and window can change"
    )
    expect(page.locator("#edit-name")).to_be_disabled()
    expect(page.locator("#edit-address")).to_be_enabled()
    expect(page.locator("#edit-save-btn")).to_have_text("Show the effect on the route")
    page.fill("#edit-from", "14:00")
    page.fill("#edit-to", "15:00")
    page.click("#edit-save-btn")
    expect(page.locator("#edit-proposal")).to_be_visible()
    (prop,) = org.api.get("/v1/live/proposals", params={"status": "pending"}).json()
    assert prop["kind"] == "resequence"
    option = prop["options"][0]
    moved = len(option["affected"])
    expect(page.locator("#edit-proposal-text")).to_have_text(
        f"New window for WS-2 (14:00–15:00) on {vehicle}'s route. Nothing changes until you approve an option."
    )
    expect(page.locator("#edit-options li")).to_have_count(len(prop["options"]))
    expect(page.locator("#edit-options li").first).to_contain_text(f"{moved} ETA{'' if moved == 1 else 's'} move")
    assert org.api.get(f"/v1/orders/{oid}").json()["data"]["time_windows"] == []  # not yet
    keep_screenshot(page, "orders-edit-2-window-proposal.png")
    found = axe_violations(page)  # the proposal shown in the panel
    assert not found, "\n".join(found)
    page.get_by_role("button", name="Approve option 1").click()
    expect(page.locator("#detail-status")).to_have_text("WS-2: new window applied (option 1).")
    expect(page.locator("dd[data-fact='window']")).to_have_text("14:00–15:00")
    assert org.api.get(f"/v1/live/proposals/{prop['id']}").json()["status"] == "applied"
    assert org.api.get(f"/v1/routes/{route['id']}").json()["version"] > route["version"]
    keep_screenshot(page, "orders-edit-3-window-applied.png")
    assert errors == []


def test_keeping_the_window_rejects_the_proposal(org: Org, browser: Any) -> None:
    """ "Keep the order as it is" rejects the window's proposal: nothing pending, the order unchanged."""
    from playwright.sync_api import expect

    oid = org.api.get("/v1/orders", params={"external_ref": "WS-3"}).json()["items"][0]["id"]
    page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#edit-btn")
    page.fill("#edit-from", "11:00")
    page.fill("#edit-to", "12:00")
    page.click("#edit-save-btn")
    expect(page.locator("#edit-proposal")).to_be_visible()
    page.click("#edit-keep-btn")
    expect(page.locator("#detail-status")).to_have_text("WS-3 keeps its window.")
    assert [p["status"] for p in org.api.get("/v1/live/proposals").json()] == ["rejected"]
    assert org.api.get(f"/v1/orders/{oid}").json()["data"]["time_windows"] == []
    assert errors == []


NEAR = ("38.7139", "-9.1394", "Praça Dom Pedro IV 1, Lisboa")  # Rossio, among the day's other stops
PARIS = ("48.8566", "2.3522", "Place de la Concorde, Paris")  # no van of the Lisbon hub gets there and back


def _place(page: Any, lat: str, lng: str, address: str) -> None:
    page.fill("#edit-lat", lat)
    page.fill("#edit-lng", lng)
    page.fill("#edit-address", address)
    page.click("#edit-save-btn")


def test_a_new_place_on_a_live_route_is_a_relocation_approved_from_the_panel(org: Org, browser: Any) -> None:
    """A new place for an order on a live route: the page's own E1105 and the API's E2136 (no van reaches it) show
    next to the field; a reachable place is a relocate proposal whose options (vehicles, cost, km, ETAs) are shown,
    kept once (rejected, nothing changes), then option 2 (or the only one) approved: the panel shows the new
    address and the order's stop is at the new place on the chosen vehicle's route."""
    from playwright.sync_api import expect

    oid = org.api.get("/v1/orders", params={"external_ref": "WS-1"}).json()["items"][0]["id"]
    before = org.api.get(f"/v1/orders/{oid}").json()
    page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#edit-btn")
    expect(page.locator("#edit-lat")).to_be_enabled()
    _place(page, "98.5", NEAR[1], NEAR[2])
    expect(page.locator("#edit-lat-err")).to_contain_text("E1105")
    _place(page, *PARIS)
    expect(page.locator("#edit-lat-err")).to_contain_text("E2136")
    expect(page.locator("#edit-lat")).to_have_attribute("aria-invalid", "true")
    assert org.api.get("/v1/live/proposals").json() == []
    _place(page, *NEAR)
    expect(page.locator("#edit-proposal")).to_be_visible()
    expect(page.locator("#edit-proposal-title")).to_have_text("The effect on the route")
    (prop,) = org.api.get("/v1/live/proposals", params={"status": "pending"}).json()
    assert (prop["kind"], prop["subject_id"]) == ("relocate", oid)
    expect(page.locator("#edit-proposal-text")).to_contain_text(f"New place for WS-1: {NEAR[2]} ({NEAR[0]}, {NEAR[1]})")
    expect(page.locator("#edit-options li")).to_have_count(len(prop["options"]))
    for k, option in enumerate(prop["options"]):
        moved = len(option["affected"])
        item = page.locator("#edit-options li").nth(k)
        expect(item).to_contain_text(f"served by {option['vehicle_name']}")
        expect(item).to_contain_text(f"{moved} ETA{'' if moved == 1 else 's'} move")
    assert org.api.get(f"/v1/orders/{oid}").json() == before  # not yet
    page.click("#edit-keep-btn")
    expect(page.locator("#detail-status")).to_have_text("WS-1 keeps its place.")
    assert [p["status"] for p in org.api.get("/v1/live/proposals").json()] == ["rejected"]
    assert org.api.get(f"/v1/orders/{oid}").json() == before
    page.click("#edit-btn")
    _place(page, *NEAR)
    expect(page.locator("#edit-proposal")).to_be_visible()
    prop = org.api.get("/v1/live/proposals", params={"status": "pending"}).json()[0]
    keep_screenshot(page, "orders-edit-4-place-proposal.png")
    found = axe_violations(page)  # the relocation's options in the panel
    assert not found, "\n".join(found)
    choice = min(2, len(prop["options"]))
    chosen = prop["options"][choice - 1]
    page.get_by_role("button", name=f"Approve option {choice}").click()
    expect(page.locator("#detail-status")).to_have_text(
        f"WS-1: new place applied (option {choice}, served by {chosen['vehicle_name']})."
    )
    expect(page.locator("dd[data-fact='address']")).to_have_text(NEAR[2])
    after = org.api.get(f"/v1/orders/{oid}").json()
    assert after["version"] > before["version"] and after["data"]["address"] == NEAR[2]
    assert after["data"]["location"] == {"lat": float(NEAR[0]), "lng": float(NEAR[1])}
    routes = org.api.get(f"/v1/plans/{org.plan['id']}").json()["routes"]
    route = next(r for r in routes if any(s.get("order_id") == oid for s in r["data"]["stops"]))
    assert route["vehicle_id"] == chosen["vehicle_id"]
    stop = next(s for s in route["data"]["stops"] if s.get("order_id") == oid)
    assert stop["location"] == after["data"]["location"]
    expect(page.locator("#detail-timeline tbody tr td:nth-child(2)").last).to_have_text("order.updated")
    keep_screenshot(page, "orders-edit-5-place-applied.png")
    assert [e for e in errors if "status of 409" not in e] == [] and len(errors) == 1  # the refused place only


def test_find_the_address_fills_the_place_and_the_save_keeps_it(
    org: Org, server: tuple[str, Any], browser: Any, monaco_network: Path
) -> None:
    """In the editor, 'Find the address' places the typed address with the deployment's address index (here
    Monaco's) and fills latitude and longitude; an ambiguous or unknown one is shown at the address field; saved,
    the order is where the find put it. An order Doorstep placed from its address says how exactly in its facts."""
    from playwright.sync_api import expect

    from doorstep.routing.address_lookup import LocalGeocoder

    coder = LocalGeocoder(monaco_network)
    server[1].geocoder = coder
    try:
        oid = _new_order(org)
        page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
        page.click("#edit-btn")
        expect(page.locator("#edit-form")).to_be_visible()
        page.fill("#edit-address", "Zyxwvutstraße 3")
        page.click("#edit-find")
        expect(page.locator("#edit-address-err")).to_contain_text("E1134")
        expect(page.locator("#edit-lat")).to_have_value(str(ORDERS[2]["location"]["lat"]))  # its own place kept
        page.fill("#edit-address", "6 Quai Antoine 1er, Monaco")
        page.click("#edit-find")
        expect(page.locator("#edit-placed")).to_contain_text("Quai Antoine 1er 6")
        expect(page.locator("#edit-placed")).to_contain_text("at the house")
        expect(page.locator("#edit-address")).not_to_have_attribute("aria-invalid", "true")
        found = axe_violations(page)
        assert not found, "\n".join(found)
        keep_screenshot(page, "orders-edit-find-address.png")
        page.click("#edit-save-btn")
        expect(page.locator("#detail-status")).to_have_text("LATE-2 saved.")
        house = coder.geocode("6 Quai Antoine 1er").best
        assert house is not None
        stored = org.api.get(f"/v1/orders/{oid}").json()["data"]
        assert abs(stored["location"]["lat"] - house.location.lat) < 1e-6
        assert abs(stored["location"]["lng"] - house.location.lng) < 1e-6
        assert stored["address"] == "6 Quai Antoine 1er, Monaco"
        by_address = {**ORDERS[1], "external_ref": "ADDR-1", "depot_id": org.plan["depot_id"], "date": DAY,
                      "address": "Avenue Princesse Grace 21"}  # fmt: skip
        del by_address["location"]
        made = org.api.post("/v1/orders", json=by_address)
        assert made.status_code == 201, made.text
        page.goto(f"{org.base}/app/orders?date={DAY}&order={made.json()['id']}")
        note = "Avenue Princesse Grace 21 (placed on its street, not at the house: check the pin)"
        expect(page.locator("dd[data-fact='address']")).to_have_text(note)
        assert errors == []
    finally:
        server[1].geocoder = None
