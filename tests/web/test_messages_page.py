"""The customer messages page in Debian Chromium: an admin words a message in Portuguese, sees an unknown variable
named at its field, previews the fixed wording with a sample delivery (the email's HTML in a sandboxed frame,
under the page's real Content-Security-Policy), turns a trigger on with a setting out of range, sees the problem
in its row, saves, and goes back to Doorstep's wording; all by keyboard, no serious accessibility violation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.browser import axe_violations
from tests.web.workspace_site import PASSWORD, Org, keep_screenshot, open_page, server, two_van_day, unreachable_by_tab

__all__ = ["server"]  # the module-scoped server fixture
RULES = "/v1/organization/notification-rules"
SPOT = {"external_ref": "M-1", "location": {"lat": 38.72, "lng": -9.14}}


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    yield from two_van_day(server, [SPOT])


def _choose(page: Any, trigger: str, language: str) -> None:
    """Pick a message and a language (two changes in a row, as a quick user makes them) and wait for that
    wording to be on screen."""
    page.select_option("#tpl-trigger", label=trigger)
    page.select_option("#tpl-language", label=language)
    key = f"{page.input_value('#tpl-trigger')}|{page.input_value('#tpl-language')}"
    page.wait_for_selector(f"#wording-form[data-shown='{key}']")


def test_an_admin_words_previews_and_saves_a_message(org: Org, browser: Any) -> None:
    """Portuguese out-for-delivery wording: {{ nome }} is E1133 at the subject; fixed, the preview reads the sample
    customer in Portuguese; arriving soon on at 99 stops is E1462 in its row, at 5 it saves with the wording;
    after a reload the wording is the organization's, and "Use Doorstep's wording" saved puts it back."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, "/app/messages")
    expect(page.locator("#rules tbody tr")).to_have_count(13)
    moved = page.locator("#rules tr[data-trigger='address_changed']")
    expect(moved).to_contain_text("Delivery address changed")  # named, not the raw trigger
    expect(moved.locator(".rule-on")).to_be_checked()
    out = page.locator("#rules tr[data-trigger='out_for_delivery']")
    expect(out.locator(".rule-on")).to_be_checked()
    expect(out.locator(".rule-sms")).to_be_checked()
    _choose(page, "Out for delivery", "Português")
    expect(page.locator("#wording-whose")).to_have_text("(Doorstep's wording)")
    expect(page.locator("#tpl-variables")).to_contain_text("{{ window }}")
    doorstep_subject = page.input_value("#tpl-subject")
    assert doorstep_subject and "{{" in doorstep_subject
    page.fill("#tpl-subject", "A {{ order_ref }} sai hoje, {{ nome }}")
    page.click("#tpl-preview")
    expect(page.locator("#tpl-subject-error")).to_contain_text("E1133: subject uses {{ nome }}")
    expect(page.locator("#tpl-subject")).to_have_attribute("aria-invalid", "true")
    page.fill("#tpl-subject", "A {{ order_ref }} sai hoje, {{ customer_name }}")
    page.fill("#tpl-sms", "{{ order_ref }}: {{ tracking_url }}")
    page.click("#tpl-preview")
    expect(page.locator("#pv-subject")).to_have_text("A SHOP-1042 sai hoje, Ana Silva")
    sms = "SHOP-1042: http://127.0.0.1:8000/t/example"  # the default public URL
    expect(page.locator("#pv-sms")).to_have_text(sms)
    expect(page.locator("#pv-sms-length")).to_have_text(f"({len(sms)} characters, GSM-7, 1 part)")
    expect(page.locator("#pv-text")).to_contain_text("Ana Silva")
    expect(page.frame_locator("#pv-html").locator("body")).to_contain_text("Ana Silva")
    expect(page.locator("#tpl-subject")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#wording-whose")).to_have_text("(your wording, not saved yet)")
    soon = page.locator("#rules tr[data-trigger='arriving_soon']")
    soon.locator(".rule-on").check()
    soon.locator(".rule-sms").check()
    soon.locator(".rule-email").uncheck()  # by SMS only
    soon.locator("input[data-setting='stops_away']").fill("99")
    page.click("#msg-save")
    expect(page.locator("#msg-status")).to_have_text("Not saved: 1 problem.")
    expect(soon.locator(".rule-error")).to_contain_text("E1462: arriving_soon: stops_away must be a whole number")
    soon.locator("input[data-setting='stops_away']").fill("5")
    page.click("#msg-save")
    expect(page.locator("#msg-status")).to_have_text("Saved: 1 of your own wording.")
    expect(page.locator("#wording-whose")).to_have_text("(your wording)")
    saved = org.api.get(RULES).json()
    [own] = saved["templates"]
    assert (own["trigger"], own["language"], own["subject"]) == (
        "out_for_delivery", "pt", "A {{ order_ref }} sai hoje, {{ customer_name }}",
    )  # fmt: skip
    rule = next(r for r in saved["rules"] if r["trigger"] == "arriving_soon")
    assert (rule["enabled"], rule["channels"], rule["stops_away"]) == (True, ["sms"], 5)
    keep_screenshot(page, "messages-page.png")
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert unreachable_by_tab(page) == []

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    _choose(page, "Out for delivery", "Português")
    expect(page.locator("#wording-whose")).to_have_text("(your wording)")
    expect(page.locator("#tpl-subject")).to_have_value("A {{ order_ref }} sai hoje, {{ customer_name }}")
    page.click("#tpl-reset")
    expect(page.locator("#tpl-subject")).to_have_value(doorstep_subject)
    expect(page.locator("#wording-whose")).to_have_text("(Doorstep's wording, not saved yet)")
    page.click("#msg-save")
    expect(page.locator("#msg-status")).to_have_text("Saved: 0 of your own wordings.")
    assert org.api.get(RULES).json()["templates"] == []
    # the browser logs the API's two refusals (the preview with {{ nome }}, the save at 99 stops), nothing else
    assert [e for e in errors if "status of 422" not in e] == [] and len(errors) == 2


def test_the_preview_keeps_to_the_pages_content_security_policy(org: Org, browser: Any) -> None:
    """Without bypassing the CSP, the preview's HTML email (inline styles) shows in its sandboxed frame and the
    console reports nothing (a blocked style or image would be a console error); the admin may save."""
    from playwright.sync_api import expect

    page, errors = open_page(browser, org, "/app/messages", bypass_csp=False)
    _choose(page, "Delivered", "English")
    page.click("#tpl-preview")
    frame = page.frame_locator("#pv-html")
    expect(frame.locator("body")).to_contain_text("Alex Morgan")
    assert page.locator("#pv-html").get_attribute("sandbox") == ""
    expect(page.locator("#msg-save")).to_be_enabled()
    assert errors == []


def test_a_dispatcher_reads_the_page_but_cannot_save(org: Org, browser: Any) -> None:
    """A dispatcher sees the rules and previews wordings; Save is off, saying why (the PUT needs an admin)."""
    from playwright.sync_api import expect

    email = f"dispatcher-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "name": "Dee", "role": "dispatcher", "password": PASSWORD}
    assert org.api.post("/v1/users", json=body).status_code == 201
    page, errors = open_page(browser, replace(org, email=email), "/app/messages")
    expect(page.locator("#rules tbody tr")).to_have_count(13)
    expect(page.locator("#msg-save")).to_be_disabled()
    expect(page.locator("#msg-status")).to_have_text("Only an admin can save changes here.")
    page.click("#tpl-preview")
    expect(page.locator("#pv-subject")).to_contain_text("SHOP-1042")
    assert errors == []
