"""The drivers page in Debian Chromium: add a driver on a vehicle's shift, assign them to a published route,
dispatch it and show the one-time code the phone logs in with; a driverless route is dispatched only after the
W1413 warning was shown. Screenshots land in test-artifacts/playwright-workspace/."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser import axe_violations
from tests.web.workspace_site import (
    DAY,
    Org,
    inbox_of,
    keep_screenshot,
    open_page,
    server,
    two_van_day,
    unreachable_by_tab,
)

__all__ = ["server"]  # the module-scoped server fixture
CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
BIG = [{"external_ref": f"BIG-{k}", "location": {"lat": 38.72 + k / 200, "lng": -9.14}, "size": {"parcels": 6}}
       for k in range(2)]  # fmt: skip  (6 + 6 parcels > one 10-parcel van: both vans get a route)


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    yield from two_van_day(server, BIG)


def _route_row(page: Any, org: Org, van: int) -> Any:
    route = next(r for r in org.plan["routes"] if r["vehicle_id"] == org.vehicles[van])
    return page.locator(f"#day-routes tr[data-route='{route['id']}']"), route["id"]


def test_driver_setup_assign_dispatch_and_code(org: Org, browser: Any) -> None:
    """Driver added on a shift, assigned, dispatched: the route is theirs, the code shown logs them in; all by Tab."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, f"/app/drivers?date={DAY}")
    page.fill("#drv-name", "Rita Costa")
    page.fill("#drv-phone", "+351 912 000 111")
    page.fill("#drv-skills", "fridge, heavy")
    page.select_option("#drv-vehicle", label="Van 1")
    starts = datetime.fromisoformat(f"{DAY}T08:00:00+01:00").astimezone(ZoneInfo("Europe/Lisbon"))
    expect(page.locator("#drv-from")).to_have_value(starts.strftime("%H:%M"))  # the van's shift, in the depot's time
    page.fill("#drv-from", "08:00")
    page.click("#drv-save")
    expect(page.locator("#drv-status")).to_have_text("Added Rita Costa.")
    rita = page.locator("#drivers tbody tr").filter(has_text="Rita Costa")
    ends = datetime.fromisoformat(f"{DAY}T18:00:00+01:00").astimezone(ZoneInfo("Europe/Lisbon"))
    expect(rita.locator("td").nth(2)).to_have_text(f"Van 1, 08:00–{ends:%H:%M}")  # the start changed, the end kept
    expect(rita.locator("td").nth(1)).to_have_text("fridge, heavy")
    row, route_id = _route_row(page, org, 0)
    row.locator("select").select_option(label="Rita Costa")
    row.locator(".assign-btn").click()
    expect(row.locator(".route-note")).to_have_text("Assigned to Rita Costa.")
    row.locator(".dispatch-btn").click()
    expect(row.locator(".route-status")).to_have_text("dispatched")
    expect(row.locator(".route-note")).to_have_text("Dispatched to Rita Costa.")
    row.locator(".code-btn").click()
    code = row.locator(".route-note code.driver-code")
    expect(code).to_have_text(CODE)
    driver_id = org.api.get(f"/v1/routes/{route_id}").json()["driver_id"]
    assert org.api.get(f"/v1/drivers/{driver_id}").json()["name"] == "Rita Costa"
    assert org.api.get(f"/v1/routes/{route_id}").json()["status"] == "dispatched"
    session = org.api.post("/v1/driver/session", json={"code": code.inner_text()})
    assert (session.status_code, session.json()["driver_name"]) == (200, "Rita Costa")
    assert unreachable_by_tab(page) == []
    keep_screenshot(page, "drivers-1-dispatched-with-code.png")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []


def test_a_driverless_route_is_dispatched_only_after_the_w1413_warning(org: Org, browser: Any) -> None:
    """A driverless route is dispatched only on a second press after W1413 is shown, and the warning stays."""
    from playwright.sync_api import expect

    org.api.post("/v1/drivers", json={"name": "Ana Lopes"})
    page, errors = open_page(browser, org, f"/app/drivers?date={DAY}")
    row, route_id = _route_row(page, org, 1)
    row.locator(".dispatch-btn").click()
    expect(row.locator(".route-note")).to_contain_text("W1413 no driver: no phone will show this route.")
    expect(row.locator(".dispatch-btn")).to_have_text("Dispatch anyway")
    assert org.api.get(f"/v1/routes/{route_id}").json()["status"] == "published"
    row.locator(".dispatch-btn").click()
    expect(row.locator(".route-status")).to_have_text("dispatched")
    expect(row.locator(".route-note")).to_have_text(
        f"W1413: route {route_id} was dispatched without a driver: no driver's app shows it until one is assigned"
    )
    page.get_by_role("button", name="Login code for Ana Lopes").click()
    expect(page.locator("#drivers output.driver-code code")).to_have_text(CODE)
    keep_screenshot(page, "drivers-2-w1413.png")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []


def test_editing_a_driver_replaces_their_details_and_keeps_their_id(org: Org, browser: Any) -> None:
    """"Edit" fills the form; saving replaces phone and skills at the next version, same driver id, listed anew."""
    from playwright.sync_api import expect

    driver = org.api.post("/v1/drivers", json={"name": "Ana Lopes", "phone": "+351 1", "skills": ["fridge"]}).json()
    page, errors = open_page(browser, org, f"/app/drivers?date={DAY}")
    page.get_by_role("button", name="Edit Ana Lopes").click()
    expect(page.locator("#driver-form-title")).to_have_text("Edit Ana Lopes")
    expect(page.locator("#drv-skills")).to_have_value("fridge")
    page.fill("#drv-phone", "+351 912 345 678")
    page.fill("#drv-skills", "fridge, heavy")
    page.click("#drv-save")
    expect(page.locator("#drv-status")).to_have_text("Saved Ana Lopes.")
    row = page.locator(f"#drivers tbody tr[data-id='{driver['id']}']")
    actions = "Login code Invite by SMS/email Edit"
    expect(row.locator("td")).to_have_text(["+351 912 345 678", "fridge, heavy", "—", actions])
    stored = org.api.get(f"/v1/drivers/{driver['id']}").json()
    assert (stored["version"], stored["phone"], stored["skills"]) == (2, "+351 912 345 678", ["fridge", "heavy"])
    expect(page.locator("#driver-form-title")).to_have_text("Add a driver")
    assert [d["id"] for d in org.api.get("/v1/drivers").json()["items"]] == [driver["id"]]
    assert errors == []


def test_invite_by_email_shows_what_was_sent_and_the_code_logs_in(
    org: Org, browser: Any, server: tuple[str, Any]
) -> None:
    """A driver added with an email (and an unusable phone, warned W1211) is invited by email: the row shows the
    code, the address and, once the SMTP server took it, "sent"; the email delivered carries that code, which logs
    in, and the outbox no longer holds it."""
    from playwright.sync_api import expect
    from sqlalchemy import select

    from doorstep.store.models import MessageRow

    page, errors = open_page(browser, org, f"/app/drivers?date={DAY}")
    email = f"rita.{uuid.uuid4().hex[:8]}@example.org"
    page.fill("#drv-name", "Rita Costa")
    page.fill("#drv-email", email)
    page.fill("#drv-phone", "912 000 111")
    page.select_option("#drv-language", label="Português")
    page.click("#drv-save")
    expect(page.locator("#drv-status")).to_have_text("Added Rita Costa.")
    rita = page.locator("#drivers tbody tr").filter(has_text="Rita Costa")
    expect(rita.locator("td").nth(0)).to_contain_text(f"912 000 111{email}W1211: phone number '912 000 111' is not in")
    rita.get_by_role("button", name="Invite Rita Costa by SMS/email").click()
    sent = rita.locator("output.driver-invite code")
    expect(sent).to_have_text(CODE)
    expect(rita.locator("ul.invite-sent li")).to_have_text([f"email to {email}: sent"], timeout=15_000)
    code = sent.inner_text()
    [mail] = [m for m in inbox_of(server).messages if str(m["To"]) == email]
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert code in body and "Olá Rita Costa" in body and "http://127.0.0.1:8000/driver" in body  # default public URL
    with server[1].sessions() as s:
        stored = s.scalars(select(MessageRow.body_text).where(MessageRow.recipient == email)).one()
    assert code not in stored  # removed from the outbox once sent
    session = org.api.post("/v1/driver/session", json={"code": code})
    assert (session.status_code, session.json()["driver_name"]) == (200, "Rita Costa")
    keep_screenshot(page, "drivers-3-invited-by-email.png")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []
