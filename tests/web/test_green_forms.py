"""The access-zone and vehicle-type forms of the planning screen in Debian Chromium: a zone created from pasted
GeoJSON with its allowed vehicle types and hours (the API's problems next to their fields, all at once), listed,
drawn on the map and deleted; a vehicle type's electric range, reserve and charging time saved in the API's units
(E1625 next to the reserve), the rest of the type kept. axe-core on each state; no console errors other than the
browser logging the API's refusals. Screenshots land in test-artifacts/playwright/."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from doorstep.services.kernel.platform import Platform
from tests.browser import axe_violations, log_in
from tests.web.test_dashboard import ARTIFACTS, DAY, PASSWORD, organization, server

__all__ = ["server"]  # the dashboard tests' module server

RATES = {"fixed_cost_cents": 1_500, "cost_per_km_cents": 40, "cost_per_hour_cents": 1_800}
BAIXA = {"type": "Polygon", "coordinates": [[[-9.142, 38.707], [-9.132, 38.707], [-9.132, 38.716], [-9.142, 38.716],
                                             [-9.142, 38.707]]]}  # fmt: skip
OPEN_RING = {"type": "Polygon", "coordinates": [[[-9.142, 38.707], [-9.132, 38.707], [-9.132, 38.716],
                                                 [-9.142, 38.716]]]}  # fmt: skip


def open_screen(browser: Any, base: str, email: str) -> tuple[Any, list[str]]:
    """The logged-in planning screen (CSP bypassed for axe) and its console errors as they come."""
    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1600}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror {exc}"))
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None)
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app?date={DAY.isoformat()}")
    page.wait_for_selector("body[data-ready='1']")
    return page, errors


def fetch(page: Any, path: str) -> Any:
    """GET an API path from the page (its session)."""
    return page.evaluate("p => fetch(p).then(r => r.json())", path)


def no_serious_axe(page: Any) -> None:
    """axe-core finds no serious or critical WCAG 2 A/AA violation on the page as it is."""
    found = axe_violations(page)
    assert not found, "\n".join(found)


def test_an_access_zone_is_created_from_geojson_drawn_and_deleted(server: tuple[str, Platform], browser: Any) -> None:
    """Text that is not JSON is refused next to the area without a request; an open ring, no vehicle type and
    hours "6-11" are refused by the API together (E1620, E1624, E1622), each next to its field and marked
    invalid; fixed, the zone is stored with its type and hours, listed, drawn as one outline labelled with its
    name; deleting it empties the list, the map and the API."""
    base, p = server
    page, errors = open_screen(browser, base, organization(p, "Zone courier"))
    expect(page.locator("#zones tbody tr")).to_have_count(0)
    expect(page.locator("#zones-empty")).to_be_visible()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/access-zones" in r.url else None)
    page.fill("#zone-name", "Baixa LEZ")  # "Name" labels the vehicle's and the type's names too
    page.get_by_label("Area: a GeoJSON Polygon").fill("{not json")
    page.click("#zone-save")
    expect(page.locator("#zone-geometry-error")).to_contain_text("the area is not JSON")
    assert posts == []  # refused on the page, nothing sent
    expect(page.locator("#zone-geometry")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Area: a GeoJSON Polygon").fill(json.dumps(OPEN_RING))
    page.fill("#zone-hours", "6-11")
    page.click("#zone-save")
    expect(page.locator("#zone-geometry-error")).to_contain_text("E1620")
    expect(page.locator("#zone-geometry-error")).to_contain_text("closed")
    expect(page.locator("#zone-types-error")).to_contain_text("E1624")
    expect(page.locator("#zone-hours-error")).to_contain_text("E1622")
    expect(page.locator("#zone-hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#zone-saved")).to_have_text("Not added: see the fields marked.")
    assert fetch(page, "/v1/access-zones")["items"] == []
    page.screenshot(path=ARTIFACTS / "zones-1-errors.png", full_page=True)
    no_serious_axe(page)
    assert [e for e in errors if "422" not in e] == []  # the browser logs the API's refusal, nothing else
    errors.clear()

    page.get_by_label("Area: a GeoJSON Polygon").fill(json.dumps(BAIXA))
    page.fill("#zone-hours", "06:00-11:00, 14:00 - 16:00")
    page.locator("#zone-types").get_by_label("Small van").check()
    page.click("#zone-save")
    expect(page.locator("#zone-saved")).to_have_text("Added zone Baixa LEZ.")
    expect(page.locator("#zone-form .field-error:not(:empty)")).to_have_count(0)
    [stored] = fetch(page, "/v1/access-zones")["items"]
    vt = fetch(page, "/v1/vehicle-types")["items"][0]
    assert (stored["name"], stored["vehicle_types"], stored["hours"], stored["geometry"]) == (
        "Baixa LEZ", [vt["id"]], [["06:00", "11:00"], ["14:00", "16:00"]], BAIXA,
    )  # fmt: skip
    row = page.locator(f"#zones tbody tr[data-id='{stored['id']}']")
    expect(row.locator("th, td")).to_have_text(["Baixa LEZ", "Small van", "06:00–11:00, 14:00–16:00", "Delete"])
    expect(page.locator("#map path.access-zone")).to_have_count(1)
    expect(page.locator("#map .zone-label")).to_have_text("Baixa LEZ")
    expect(page.locator("#zones-empty")).to_be_hidden()
    page.screenshot(path=ARTIFACTS / "zones-2-created.png", full_page=True)
    no_serious_axe(page)

    page.get_by_role("button", name="Delete zone Baixa LEZ").click()
    expect(page.locator("#zone-saved")).to_have_text("Deleted zone Baixa LEZ.")
    expect(page.locator("#zone-saved")).to_be_focused()
    expect(page.locator("#zones tbody tr")).to_have_count(0)
    expect(page.locator("#map path.access-zone")).to_have_count(0)
    assert fetch(page, "/v1/access-zones")["items"] == []
    assert errors == []


def test_electric_range_reserve_and_charging_are_saved_on_the_vehicle_type(
    server: tuple[str, Platform], browser: Any
) -> None:
    """A range of -5 km is refused next to the range (E1301), a reserve above the range next to the reserve
    (E1625); 120 km, 10 km and 45 minutes are stored as 120,000 m, 10,000 m and 2,700 s with the fuel, the
    type's capacity and costs kept; the list shows the range. A new electric type appears in the vehicle form and
    among the zone form's types."""
    base, p = server
    page, errors = open_screen(browser, base, organization(p, "EV courier", **RATES))
    expect(page.locator("#types tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Edit type Small van").click()
    expect(page.locator("#type-form-title")).to_have_text("Edit type Small van (version 1)")
    expect(page.get_by_label("Cost per km (EUR)")).to_have_value("0.4")
    page.get_by_label("Fuel").select_option("electric")
    page.get_by_label("Range (km)").fill("-5")
    page.click("#vt-save")
    expect(page.locator("#vt-range-error")).to_contain_text("E1301")
    expect(page.locator("#vt-range")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Range (km)").fill("120")
    page.get_by_label("Reserve (km)").fill("150")
    page.click("#vt-save")
    expect(page.locator("#vt-reserve-error")).to_contain_text("E1625: reserve_m=150000 must be below range_m=120000")
    expect(page.locator("#vt-range-error")).to_be_empty()
    expect(page.locator("#vt-status")).to_have_text("Not saved: see the fields marked.")
    no_serious_axe(page)
    assert [e for e in errors if "422" not in e] == []
    errors.clear()

    page.get_by_label("Reserve (km)").fill("10")
    page.get_by_label("Charging (minutes)").fill("45")
    page.click("#vt-save")
    expect(page.locator("#vt-status")).to_have_text("Saved Small van (version 2).")
    [vt] = fetch(page, "/v1/vehicle-types")["items"]
    assert {k: vt[k] for k in ("fuel", "range_m", "reserve_m", "charge_s", "capacity", *RATES)} == {
        "fuel": "electric", "range_m": 120_000, "reserve_m": 10_000, "charge_s": 2_700, "capacity": {"parcels": 3},
        **RATES,
    }  # fmt: skip
    expect(page.locator("#vehicles tbody tr td:nth-child(2)")).to_have_text(["Small van (120 km range)"] * 2)
    row = page.locator(f"#types tbody tr[data-id='{vt['id']}']")
    expect(row.locator("th, td")).to_have_text(["Small van", "electric", "3", "120 km, 10 km reserve, charges 45 min",
                                               "Edit"])  # fmt: skip

    page.click("#vt-new")
    page.fill("#vt-name", "E-bike")
    page.get_by_label("Fuel").select_option("electric")
    page.fill("#vt-parcels", "20")
    page.get_by_label("Range (km)").fill("40")
    page.click("#vt-save")
    expect(page.locator("#vt-status")).to_have_text("Saved E-bike (version 1).")
    expect(page.locator("#types tbody tr")).to_have_count(2)
    expect(page.locator("#veh-type option")).to_have_text(["Small van", "E-bike"])
    expect(page.locator("#zone-types label")).to_have_text(["Small van", "E-bike"])
    page.screenshot(path=ARTIFACTS / "types-ev-saved.png", full_page=True)
    no_serious_axe(page)
    assert errors == []
