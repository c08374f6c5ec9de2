"""The slots page in Debian Chromium: after a checkout confirms one window and holds another, the page shows each
window of the zone with its confirmed, held and free places and the zone's total, with no serious accessibility
violation; another day shows no windows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.browser import axe_violations
from tests.web.workspace_site import DAY, Org, keep_screenshot, key_client, open_page, server, two_van_day

__all__ = ["server"]  # the module-scoped server fixture
SPOT = {"external_ref": "S-1", "location": {"lat": 38.72, "lng": -9.14}}


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    yield from two_van_day(server, [SPOT])


def _checkout(org: Org) -> tuple[dict[str, Any], dict[str, Any]]:
    """The admin's policy (one zone, 2-hour windows 08-18, three orders each); one window confirmed, one held."""
    depot = org.api.get("/v1/depots").json()["items"][0]["id"]
    policy = {"zones": [{"id": "lx", "depot_id": depot, "radius_m": 15_000}],
              "templates": [{"id": "std", "zone_id": "lx", "start": "08:00", "end": "18:00", "length_min": 120,
                             "cutoff_min": 0, "max_orders": 3}]}  # fmt: skip
    assert org.api.put("/v1/slots/policy", json=policy).status_code == 200
    body = {"location": SPOT["location"], "date_from": DAY, "date_to": DAY}
    offered = sorted(org.api.post("/v1/slots/offers", json=body).json()["offers"], key=lambda o: o["start"])
    assert len(offered) >= 2
    kept = org.api.post("/v1/slots/holds", json={"offer_id": offered[0]["id"]}).json()
    assert org.api.post(f"/v1/slots/holds/{kept['id']}/confirm", json={"name": "Ana"}).status_code == 201
    assert org.api.post("/v1/slots/holds", json={"offer_id": offered[1]["id"]}).status_code == 201
    return offered[0], offered[1]


def test_slots_page_shows_each_window_and_the_zone_total(org: Org, browser: Any) -> None:
    """The confirmed window reads 1 confirmed, 2 free; the held one 1 held, 2 free; the zone 1 + 1 of 15."""
    from playwright.sync_api import expect

    confirmed, held = _checkout(org)
    page, errors = open_page(browser, org, f"/app/slots?date={DAY}")
    zone = page.locator("section.slot-zone[data-zone='lx']")
    expect(zone.locator(".zone-total")).to_have_text("1 confirmed, 1 held of 15 (13%)")
    expect(zone.locator("tbody tr")).to_have_count(5)
    first = zone.locator(f"tr[data-start='{confirmed['start']}']")
    expect(first.locator(".confirmed")).to_have_text("1")
    expect(first.locator(".free")).to_have_text("2")
    second = zone.locator(f"tr[data-start='{held['start']}']")
    expect(second.locator(".held")).to_have_text("1")
    expect(second.locator(".free")).to_have_text("2")
    expect(page.locator("#slots-summary")).to_have_text("(2 of 15 places taken)")
    assert axe_violations(page) == []
    keep_screenshot(page, "slots-page.png")
    page.fill("#day", "2020-01-01")
    page.dispatch_event("#day", "change")
    expect(page.locator("#slots-empty")).to_have_text("No delivery windows on this day.")
    assert "date=2020-01-01" in page.url
    assert errors == []


def test_slots_page_shows_a_pickup_points_parcels(
    org: Org, browser: Any, server: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locker of 12 parcels with an order of 3 and a checkout's hold of 2 reads 3 booked, 2 held, 7 free, its
    meter 5 of 12, with no serious accessibility violation; the next day, when it is closed, lists no point."""
    from playwright.sync_api import expect

    # the checkout happens the day before DAY, whenever the suite runs (DAY is "tomorrow" when the module is
    # imported: a run across midnight made it today, past the point's offers)
    eve = datetime.fromisoformat(f"{DAY}T12:00:00+00:00") - timedelta(days=1)
    monkeypatch.setattr(server[1], "clock", lambda: eve)

    depot = org.api.get("/v1/depots").json()["items"][0]["id"]
    policy = {"zones": [{"id": "lx", "depot_id": depot, "radius_m": 15_000}],
              "templates": [{"id": "std", "zone_id": "lx", "start": "08:00", "end": "18:00", "length_min": 120,
                             "max_orders": 3}],
              "service_levels": [{"id": "pickup", "kind": "pickup", "price_cents": 199}]}  # fmt: skip
    assert org.api.put("/v1/slots/policy", json=policy).status_code == 200
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[date.fromisoformat(DAY).weekday()]
    point = org.api.post("/v1/pickup-points", json={
        "name": "Cacifo Rossio", "kind": "locker", "lat": 38.7139, "lng": -9.1394, "address": "Rossio 20",
        "depot_id": depot, "hours": {weekday: [["00:00", "24:00"]]}, "capacity_parcels": 12,
    }).json()  # fmt: skip
    order = {"external_ref": "LOCKER-1", "depot_id": depot, "date": DAY, "pickup_point_id": point["id"],
             "size": {"parcels": 3}}  # fmt: skip
    assert org.api.post("/v1/orders", json=order).status_code == 201
    body = {"pickup_point_id": point["id"], "date_from": DAY, "date_to": DAY, "parcels": 2}
    (offer,) = org.api.post("/v1/slots/offers", json=body).json()["offers"]
    assert org.api.post("/v1/slots/holds", json={"offer_id": offer["id"]}).status_code == 201
    page, errors = open_page(browser, org, f"/app/slots?date={DAY}")
    row = page.locator(f"#slot-points tr[data-point='{point['id']}']")
    expect(row.locator("th")).to_have_text("Cacifo Rossio")
    expect(row.locator(".capacity")).to_have_text("12")
    expect(row.locator(".booked")).to_have_text("3")
    expect(row.locator(".held")).to_have_text("2")
    expect(row.locator(".free")).to_have_text("7")
    expect(row.locator("meter")).to_have_attribute("aria-label", "5 of 12 parcels taken at Cacifo Rossio")
    expect(page.locator("#points-summary")).to_have_text("(5 of 12 parcels taken)")
    assert axe_violations(page) == []
    keep_screenshot(page, "slots-page-points.png")
    page.fill("#day", (date.fromisoformat(DAY) + timedelta(days=1)).isoformat())  # the locker opens on DAY only
    page.dispatch_event("#day", "change")
    expect(page.locator("#points-empty")).to_be_visible()
    expect(page.locator("#slot-points tr")).to_have_count(0)
    assert errors == []


def test_slots_page_shows_same_day_and_express_after_the_windows(
    org: Org, browser: Any, server: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a same-day and an express level, the zone's table ends with one row each for the day: a same-day hold
    made that morning reads 1 held, 3 free on "Same day: book by 12:00, delivered by 20:00"; express is still
    free; the zone total counts both levels' places."""
    from playwright.sync_api import expect

    api = key_client(org)  # the day's morning can be 33 hours ahead: a login session would have ended by then
    morning = datetime.fromisoformat(f"{DAY}T09:00:00+00:00")  # Lisbon, winter or summer: before the cut-off
    monkeypatch.setattr(server[1], "clock", lambda: morning)
    depot = api.get("/v1/depots").json()["items"][0]["id"]
    policy = {"zones": [{"id": "lx", "depot_id": depot, "radius_m": 15_000}],
              "templates": [{"id": "std", "zone_id": "lx", "start": "08:00", "end": "18:00", "length_min": 120,
                             "cutoff_min": 0, "max_orders": 3}],
              "service_levels": [
                  {"id": "sameday", "kind": "same_day", "cutoff": "12:00", "until": "20:00", "max_orders": 4},
                  {"id": "xpress", "kind": "express", "within_min": 120, "max_orders": 2}]}  # fmt: skip
    assert api.put("/v1/slots/policy", json=policy).status_code == 200
    body = {"location": SPOT["location"], "date_from": DAY, "date_to": DAY, "service_levels": ["sameday"]}
    (offer,) = api.post("/v1/slots/offers", json=body).json()["offers"]
    assert api.post("/v1/slots/holds", json={"offer_id": offer["id"]}).status_code == 201
    api.close()
    page, errors = open_page(browser, org, f"/app/slots?date={DAY}")
    zone = page.locator("section.slot-zone[data-zone='lx']")
    rows = zone.locator("tbody tr")
    expect(rows).to_have_count(5 + 2)
    expect(rows.nth(5)).to_have_attribute("data-kind", "same_day")
    expect(rows.nth(5).locator("th")).to_have_text("Same day: book by 12:00, delivered by 20:00")
    expect(rows.nth(5).locator(".held")).to_have_text("1")
    expect(rows.nth(5).locator(".free")).to_have_text("3")
    expect(rows.nth(6).locator("th")).to_have_text("Express: today")
    expect(rows.nth(6).locator(".free")).to_have_text("2")
    expect(zone.locator(".zone-total")).to_have_text("0 confirmed, 1 held of 21 (5%)")
    assert axe_violations(page) == []
    keep_screenshot(page, "slots-page-levels.png")
    assert errors == []
