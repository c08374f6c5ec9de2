"""The orders page in Debian Chromium: search, open an order's detail (facts, items, timeline), and cancel it with
the effect on the plan shown first. Screenshots land in test-artifacts/playwright-workspace/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import axe_violations
from tests.web.workspace_site import DAY, Org, keep_screenshot, open_page, server, two_van_day

__all__ = ["server"]  # the module-scoped server fixture
CUSTOMERS = ("Rui Costa", "Ana Silva", "Marta Lopes", "João Reis")
SPOTS = ((38.7150, -9.1450), (38.7260, -9.1300), (38.7200, -9.1550), (38.7320, -9.1420))  # no three in a line
ORDERS = [
    {"external_ref": f"WS-{k}", "location": {"lat": lat, "lng": lng},
     "address": f"Rua Augusta {10 + k}, Lisboa", "contact": {"name": name, "phone": f"+351 91 000 00{k}"},
     "instructions": "Ring twice" if k == 1 else "",
     "items": [{"sku": "SH-42", "description": "Running shoes", "quantity": 2, "barcode": f"400638133393{k}"}]}
    for k, (name, (lat, lng)) in enumerate(zip(CUSTOMERS, SPOTS, strict=True))
]  # fmt: skip


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    yield from two_van_day(server, ORDERS)


def _open_silva(page: Any) -> None:
    """Search "silva" and open the one order found."""
    from playwright.sync_api import expect

    page.fill("#q", "silva")
    page.click("#search-btn")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Open order WS-1").click()
    expect(page.locator("#detail-title")).to_have_text("Order WS-1")


def _euros(cents: int) -> str:
    return f"{'−' if cents < 0 else '+'}€{abs(cents) / 100:.2f}"


def test_order_search_detail_and_cancel_with_preview(org: Org, browser: Any) -> None:
    """Search finds the order; its panel shows facts, items and timeline; cancel shows route, cost and moved ETAs."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, f"/app/orders?date={DAY}")
    expect(page.locator("#results tbody tr")).to_have_count(4)
    _open_silva(page)
    oid = org.api.get("/v1/orders", params={"external_ref": "WS-1"}).json()["items"][0]["id"]
    expect(page.locator("dd[data-fact='customer']")).to_have_text("Ana Silva · +351 91 000 001")
    expect(page.locator("dd[data-fact='notes']")).to_have_text("Ring twice")
    expect(page.locator("#detail-items tbody tr td")).to_have_text(["Running shoes", "SH-42", "2", "4006381333931"])
    events = [e["type"] for e in org.api.get(f"/v1/orders/{oid}/timeline").json()]
    expect(page.locator("#detail-timeline tbody tr td:nth-child(2)")).to_have_text(events)
    page.click("#cancel-btn")
    expect(page.locator("#cancel-preview")).to_be_visible()
    (prop,) = org.api.get("/v1/live/proposals", params={"status": "pending"}).json()
    option = prop["options"][0]
    moved = len(option["affected"])
    route = next(r for r in org.plan["routes"] if any(s.get("order_id") == oid for s in r["data"]["stops"]))
    etas = f"{moved} other ETA{'' if moved == 1 else 's'} move" if moved else "no other ETA moves"
    expect(page.locator("#preview-text")).to_have_text(
        f"WS-1 leaves {route['data']['vehicle_name']}'s route (published, no driver). Taking it off changes the "
        f"plan's cost by {_euros(option['cost_delta_cents'])}; {etas}."
    )
    assert option["cost_delta_cents"] < 0  # a stop fewer on a van that costs per km
    expect(page.locator("#preview-moves tbody tr")).to_have_count(moved)
    page.click("#confirm-cancel-btn")
    expect(page.locator("#detail-status")).to_have_text("WS-1 cancelled.")
    expect(page.locator("dd[data-fact='status']")).to_have_text("cancelled")
    expect(page.locator("#detail-timeline tbody tr td:nth-child(2)").last).to_have_text("order.cancelled")
    assert org.api.get(f"/v1/live/proposals/{prop['id']}").json()["status"] == "applied"
    stops = org.api.get(f"/v1/routes/{route['id']}").json()["data"]["stops"]
    assert oid not in [s.get("order_id") for s in stops]
    expect(page.locator("#cancel-btn")).to_be_disabled()
    keep_screenshot(page, "orders-1-cancelled.png")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []


def test_keeping_the_order_after_the_preview_changes_nothing(org: Org, browser: Any) -> None:
    """"Keep the order" rejects the cancellation proposal: the order stays planned and on its route."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, f"/app/orders?date={DAY}")
    _open_silva(page)
    page.click("#cancel-btn")
    expect(page.locator("#cancel-preview")).to_be_visible()
    keep_screenshot(page, "orders-2-cancel-preview.png")
    found = axe_violations(page)  # the preview open, with its table of moved ETAs
    assert not found, "\n".join(found)
    page.click("#keep-btn")
    expect(page.locator("#detail-status")).to_have_text("WS-1 kept.")
    expect(page.locator("#cancel-preview")).to_be_hidden()
    (prop,) = org.api.get("/v1/live/proposals").json()
    assert prop["status"] == "rejected"
    order = org.api.get("/v1/orders", params={"external_ref": "WS-1"}).json()["items"][0]
    assert order["status"] == "planned"
    assert errors == []
