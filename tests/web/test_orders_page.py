"""The orders page in Debian Chromium: search, open an order's detail (facts, items, timeline), and cancel it with
the effect on the plan shown first. Screenshots land in test-artifacts/playwright-workspace/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser import axe_violations
from tests.web.workspace_site import DAY, Org, keep_screenshot, open_page, server, two_van_day, unreachable_by_tab

__all__ = ["server"]  # the module-scoped server fixture
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="  # 1x1 px
CUSTOMERS = ("Rui Costa", "Ana Silva", "Marta Lopes", "João Reis")
SPOTS = ((38.7150, -9.1450), (38.7260, -9.1300), (38.7200, -9.1550), (38.7320, -9.1420))  # no three in a line
ORDERS: list[dict[str, Any]] = [
    {"external_ref": f"WS-{k}", "location": {"lat": lat, "lng": lng},
     "address": f"Rua Augusta {10 + k}, Lisboa",
     "contact": {"name": name, "phone": f"+351 91 000 00{k}", "email": f"customer{k}@example.com"},
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
    expect(page.locator("dd[data-fact='customer']")).to_have_text("Ana Silva · +351 91 000 001 · customer1@example.com")
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
    assert unreachable_by_tab(page) == []
    keep_screenshot(page, "orders-1-cancelled.png")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []


def _tab_to(page: Any, name: str, limit: int = 40) -> None:
    """Press Tab until the focused element's accessible name is ``name`` (fails when it is never reached)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => (e => e.getAttribute('aria-label') || e.textContent)(document.activeElement)")
        if focused.strip() == name:
            return
    raise AssertionError(f"{name!r} is not reachable with Tab")


def test_keyboard_only_search_open_preview_and_keep(org: Org, browser: Any) -> None:
    """With the keyboard alone: search, open, preview the cancel, keep; the proposal is rejected, the order stays."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, f"/app/orders?date={DAY}")
    page.focus("#q")
    page.keyboard.type("silva")
    page.keyboard.press("Enter")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    _tab_to(page, "Open order WS-1")
    page.keyboard.press("Enter")
    expect(page.locator("#detail-title")).to_have_text("Order WS-1")
    _tab_to(page, "Cancel order…")
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-cancel-btn")).to_be_focused()
    keep_screenshot(page, "orders-2-cancel-preview.png")
    found = axe_violations(page)  # the preview open, with its table of moved ETAs
    assert not found, "\n".join(found)
    page.keyboard.press("Tab")
    expect(page.locator("#keep-btn")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-status")).to_have_text("WS-1 kept.")
    expect(page.locator("#cancel-preview")).to_be_hidden()
    expect(page.locator("#cancel-btn")).to_be_focused()
    (prop,) = org.api.get("/v1/live/proposals").json()
    assert prop["status"] == "rejected"
    order = org.api.get("/v1/orders", params={"external_ref": "WS-1"}).json()["items"][0]
    assert order["status"] == "planned"
    assert errors == []


def test_an_order_on_the_plan_page_links_to_its_panel(org: Org, browser: Any) -> None:
    """The plan page's order reference opens the orders page on that order's panel; page links keep the day."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, f"/app?date={DAY}")
    page.get_by_role("link", name="WS-2").click()
    page.wait_for_url(f"**/app/orders?date={DAY}&order=*")
    expect(page.locator("#detail-title")).to_have_text("Order WS-2")
    expect(page.locator("dd[data-fact='customer']")).to_have_text(
        "Marta Lopes · +351 91 000 002 · customer2@example.com"
    )
    expect(page.locator("#results tr.selected th")).to_have_text("WS-2")
    links = page.locator("nav.pages a")  # every page link keeps the day
    assert [links.nth(k).get_attribute("href") for k in range(4)] == [
        f"/app?date={DAY}", f"/app/orders?date={DAY}", f"/app/drivers?date={DAY}", f"/app/live?date={DAY}"
    ]
    assert errors == []


def test_a_delivered_orders_panel_shows_the_proof_and_cannot_be_cancelled(org: Org, browser: Any) -> None:
    """A delivered order's panel shows the proof, who did what by name and the customer's emails; Cancel is off."""
    from playwright.sync_api import expect

    oid = org.api.get("/v1/orders", params={"external_ref": "WS-1"}).json()["items"][0]["id"]
    route = next(r for r in org.plan["routes"] if any(s.get("order_id") == oid for s in r["data"]["stops"]))
    driver = org.api.post("/v1/drivers", json={"name": "Rita Costa"}).json()["id"]
    org.api.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": driver, "version": 1})
    org.api.post(f"/v1/routes/{route['id']}/dispatch", json={"version": 2})
    code = org.api.post(f"/v1/drivers/{driver}/login-codes").json()["code"]
    token = org.api.post("/v1/driver/session", json={"code": code}).json()["token"]
    phone = {"Authorization": f"Bearer {token}"}
    stop = next(s for s in org.api.get("/v1/driver/routes", headers=phone).json()["routes"][0]["stops"]
                if s["order_id"] == oid)  # fmt: skip
    proof = {"recipient": "Ana at the door", "barcodes": ["4006381333931"], "photo": PNG, "signature": PNG}
    body = {"client_id": "done-ws-1", "status": "completed", "at": datetime.now(UTC).isoformat(), "proof": proof}
    assert org.api.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=phone).status_code == 200
    for _ in range(100):  # the customer's emails are written and sent by the event handlers, in the background
        sent = org.api.get(f"/v1/orders/{oid}/messages").json()
        if [m["status"] for m in sent] == ["sent", "sent"]:
            break
        time.sleep(0.1)
    assert [(m["trigger"], m["channel"], m["recipient"], m["status"]) for m in sent] == [
        ("out_for_delivery", "email", "customer1@example.com", "sent"),
        ("delivered", "email", "customer1@example.com", "sent"),
    ]
    page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
    item = page.locator("#detail-proofs li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("completed — received by Ana at the door [4006381333931]")
    photo = page.get_by_role("img", name="Photo left as proof for WS-1")
    expect(photo).to_have_attribute("src", re.compile(r"^/v1/proofs/pod_\w+/photo$"))
    page.wait_for_function("() => [...document.querySelectorAll('#detail-proofs img')].every(i => i.naturalWidth > 0)")
    expect(page.get_by_role("img", name="Signature for WS-1")).to_be_visible()
    expect(page.locator("dd[data-fact='status']")).to_have_text("delivered")
    expect(page.locator("#cancel-btn")).to_be_disabled()
    by = page.locator("#detail-timeline tbody tr td:nth-child(4)")  # who, by name: the dispatcher, then the driver
    expect(by).to_have_text([org.email, org.email, org.email, "driver Rita Costa"])
    messages = page.locator("#detail-messages tbody tr")
    expect(messages.locator("td:nth-child(2)")).to_have_text(["out for delivery", "delivered"])
    expect(messages.locator("td:nth-child(5)")).to_have_text(["sent", "sent"])
    keep_screenshot(page, "orders-3-delivered-with-proof.png")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []


def test_cancelling_an_unplanned_order_says_the_plan_does_not_change(org: Org, browser: Any) -> None:
    """A new order's preview says no published route changes; confirming cancels it with no proposal made."""
    from playwright.sync_api import expect

    body = {**ORDERS[0], "external_ref": "LATE-1", "depot_id": org.plan["depot_id"], "date": DAY}
    oid = org.api.post("/v1/orders", json=body).json()["id"]
    page, errors = open_page(browser, org, f"/app/orders?date={DAY}&order={oid}")
    page.click("#cancel-btn")
    expect(page.locator("#preview-text")).to_have_text("LATE-1 is on no published route: the plan does not change.")
    expect(page.locator("#preview-moves")).to_be_hidden()
    page.click("#confirm-cancel-btn")
    expect(page.locator("#detail-status")).to_have_text("LATE-1 cancelled.")
    expect(page.locator(f"#results tr[data-id='{oid}'] td.status")).to_have_text("cancelled")
    assert org.api.get(f"/v1/orders/{oid}").json()["status"] == "cancelled"
    assert org.api.get("/v1/live/proposals").json() == []
    assert errors == []


def test_a_preview_left_open_is_rejected_when_another_order_or_page_opens(org: Org, browser: Any) -> None:
    """Opening another order, or leaving the page, rejects the open preview's proposal: none stays pending."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, f"/app/orders?date={DAY}")
    leave: Callable[[], object]
    for ref, leave in (("WS-1", lambda: page.get_by_role("button", name="Open order WS-2").click()),
                       ("WS-2", lambda: page.get_by_role("link", name="Live").click())):  # fmt: skip
        page.get_by_role("button", name=f"Open order {ref}").click()
        expect(page.locator("#detail-title")).to_have_text(f"Order {ref}")
        page.click("#cancel-btn")
        expect(page.locator("#cancel-preview")).to_be_visible()
        leave()
    page.wait_for_url(f"**/app/live?date={DAY}")
    for _ in range(50):  # the page-leave rejection is sent as the page goes (keepalive)
        proposals = org.api.get("/v1/live/proposals").json()
        if all(p["status"] != "pending" for p in proposals):
            break
        page.wait_for_timeout(100)
    assert [p["status"] for p in proposals] == ["rejected", "rejected"]
    assert errors == []
