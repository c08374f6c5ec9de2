"""Planning on screen, in Debian Chromium: the planner's options with the API's coded errors next to the fields,
a new plan compared with the published one before publishing (a worse one needs a second press), a stop dragged
on the timeline with the checker's preview (cost change, late stops), a locked route kept by "re-plan the rest".
Each test ends with a screenshot in test-artifacts/playwright/ and asserts no console errors."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from doorstep.services.kernel.platform import Platform
from tests.browser import axe_violations, log_in
from tests.web.test_dashboard import ARTIFACTS, CSV, DAY, PASSWORD, organization, server

RATES = {"fixed_cost_cents": 1_500, "cost_per_km_cents": 40, "cost_per_hour_cents": 1_800}

__all__ = ["server"]  # the module-scoped server fixture, shared with the dashboard tests


def console_errors(page: Any) -> list[str]:
    """Console errors and uncaught exceptions of the page, as they happen (with the URL they come from)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror {exc}"))
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None)
    return errors


def open_day(browser: Any, base: str, email: str) -> tuple[Any, list[str]]:
    """Log in, open the dashboard on DAY and import the CSV (7 orders: 6 fit the vans, WEB-8's window is at 3am)."""
    page = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1300}).new_page()  # axe-core
    errors = console_errors(page)
    log_in(page, base, email, PASSWORD)
    page.goto(f"{base}/app?date={DAY.isoformat()}")
    page.wait_for_selector("body[data-ready='1']")
    page.set_input_files("#import-file", files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.click("#import-btn")
    expect(page.locator("#orders tbody tr")).to_have_count(7)
    return page, errors


def plan(page: Any, version: int) -> None:
    page.fill("#time-limit", "2")
    page.click("#plan-btn")
    expect(page.locator("#plan-status")).to_contain_text(f"Version {version}: succeeded", timeout=60_000)


def _kg(text: str, pattern: str) -> float:
    found = re.search(pattern, text)
    assert found, text
    return float(found.group(1))


def assert_co2_shown(page: Any) -> None:
    """The plan's CO2 (stats.co2_kg) is in the status line and each route's in its row, to one decimal."""
    stored = page.evaluate(
        "() => fetch('/v1/plans').then(r => r.json()).then(ps => fetch('/v1/plans/' + ps[0].id)).then(r => r.json())"
    )
    status = page.locator("#plan-status").inner_text()
    assert stored["stats"]["co2_kg"] > 0
    assert abs(_kg(status, r"CO₂ (\d+\.\d) kg") - stored["stats"]["co2_kg"]) <= 0.05, status
    for r in stored["routes"]:
        row = page.locator(f"#routes .route[data-route='{r['id']}']").inner_text()
        assert abs(_kg(row, r"(\d+\.\d) kg CO₂") - r["data"]["co2_kg"]) <= 0.05, row


def test_plan_with_options_then_compare_then_publish(server: tuple[str, Platform], browser: Any) -> None:
    base, p = server
    page, errors = open_day(browser, base, organization(p, "Options courier", **RATES))
    page.fill("#time-limit", "0")
    page.get_by_label("Max stops per route").fill("0")
    page.get_by_label("Extra cost per route hour (EUR)").fill("-1")
    page.click("#plan-btn")  # every problem at once, each next to its field
    expect(page.locator("#err-time_limit_s")).to_contain_text("E1119")
    expect(page.locator("#err-balance_max_stops")).to_contain_text("E1119: Input should be greater than 0")
    expect(page.locator("#err-balance_duration_cost_per_hour_cents")).to_contain_text("E1119")
    expect(page.locator("#time-limit")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("() => fetch('/v1/plans').then(r => r.json())") == []  # nothing was queued
    page.screenshot(path=ARTIFACTS / "plan-1-option-errors.png", full_page=True)
    # the one console error is the browser logging the API's 422 answer to the bad options
    assert len(errors) == 1 and "422" in errors[0] and "/v1/plans" in errors[0], errors
    errors.clear()

    page.get_by_label("Max stops per route").fill("")
    page.get_by_label("Extra cost per route hour (EUR)").fill("")
    page.get_by_label("Minimise").select_option("cost")
    plan(page, 1)
    expect(page.locator(".field-error:not(:empty)")).to_have_count(0)
    expect(page.locator("#part-progress")).to_be_hidden()  # a day planned in one model shows no part bars
    assert_co2_shown(page)
    expect(page.locator("#compare")).to_be_hidden()  # nothing published yet: nothing to compare with
    page.click("#publish-btn")
    expect(page.locator("#plan-status")).to_contain_text("Version 1: published")

    page.get_by_label("Max stops per route").fill("1")  # one stop per van: a worse plan
    page.get_by_label("CO₂ price per kg (EUR)").fill("0.25")  # a shadow price on each van's km
    with page.expect_request(lambda r: r.url.endswith("/v1/plans") and r.method == "POST") as sent:
        plan(page, 2)
    assert sent.value.post_data_json["options"] == {
        "time_limit_s": 2, "objective": "cost", "balance_max_stops": 1, "co2_cost_cents_per_kg": 25,
    }  # fmt: skip
    expect(page.locator("#compare")).to_be_visible()
    served = page.locator("#compare-totals tr[data-measure='Orders served'] td")
    expect(served).to_have_text(["6", "2", "−4"])
    cost = page.locator("#compare-totals tr[data-measure='Cost'] td")
    assert all(t.startswith(("€", "−€", "+€", "±0")) for t in cost.all_inner_texts()), cost.all_inner_texts()
    expect(page.locator("#compare-vehicles li")).to_have_count(2)
    for li in page.locator("#compare-vehicles li").all():  # each van: 3 stops before, 1 now, and which went
        expect(li.locator("summary")).to_have_text(re.compile(r"^Van [AB]: 3 → 1 stops — \d added, [23] removed$"))
        li.locator("summary").click()  # the references, on demand
        expect(li.locator(".removed")).to_have_text(re.compile(r"^− WEB-\d, WEB-\d"))
    expect(page.locator("#compare-verdict")).to_contain_text("worse than the published one")
    page.click("#publish-btn")  # first press: asks to confirm, publishes nothing
    expect(page.locator("#publish-btn")).to_have_text("Publish anyway")
    expect(page.locator("#compare-verdict")).to_contain_text("Press “Publish anyway”")
    plans = page.evaluate("() => fetch('/v1/plans').then(r => r.json())")
    assert [(x["version"], x["status"]) for x in plans] == [(2, "succeeded"), (1, "published")]
    page.screenshot(path=ARTIFACTS / "plan-2-compare.png", full_page=True)
    found = axe_violations(page)  # the options, the comparison and the stops on the bars
    assert not found, "\n".join(found)
    page.click("#publish-btn")
    expect(page.locator("#plan-status")).to_contain_text("Version 2: published")
    expect(page.locator("#compare")).to_be_hidden()
    page.screenshot(path=ARTIFACTS / "plan-3-published.png", full_page=True)
    assert errors == []


def test_drag_a_stop_and_see_the_preview(server: tuple[str, Platform], browser: Any) -> None:
    base, p = server
    page, errors = open_day(browser, base, organization(p, "Drag courier", **RATES))
    plan(page, 1)
    bars = page.locator("#routes .route .timeline")
    expect(bars).to_have_count(2)
    first = bars.nth(0).locator(".stop-chip").first
    moved = first.get_attribute("data-order")
    target = bars.nth(1)
    box = target.bounding_box()
    first.drag_to(target, target_position={"x": 2, "y": box["height"] / 2})  # before every stop of van 2
    expect(page.locator("#preview .cost-change")).to_contain_text("Cost change: ")
    plan_id = page.evaluate("() => fetch('/v1/plans').then(r => r.json())")[0]["id"]
    shown = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", plan_id)
    body = {"order_id": moved, "route_id": shown["routes"][1]["id"], "position": 0}
    answer = page.evaluate(
        "([id, b]) => fetch(`/v1/plans/${id}/edits/preview`, {method: 'POST', headers: {'Content-Type': "
        "'application/json'}, body: JSON.stringify(b)}).then(r => r.json())", [plan_id, body])  # fmt: skip
    before = {r["id"]: r["data"]["cost_cents"] for r in shown["routes"]}
    change = sum(r["cost_cents"] - before[r["id"]] for r in answer["routes"])
    assert change != 0  # a stop moved to another van: its km and hours, so its cost, change
    sign = "+" if change > 0 else "−"
    expect(page.locator("#preview .cost-change")).to_have_text(f"Cost change: {sign}€{abs(change) / 100:,.2f}")
    expect(page.locator("#preview table.etas")).to_have_count(2)
    expect(page.locator("#preview .violations")).to_contain_text("CAPACITY")  # van 2 is full (3 parcels)
    said = page.locator("#preview .violations").inner_text()  # vehicle names and references, not ids
    assert not re.search(r"\b(rte|veh|ord)_[0-9a-z]+", said) and "Van " in said, said
    expect(page.locator("#move-place")).to_have_value("0")
    expect(page.locator(f"#preview tr[data-order='{moved}']").first).to_contain_text("(moved)")
    page.click("#cancel-move-btn")
    expect(page.locator("#preview")).to_be_empty()

    late = page.locator("#unassigned .stop-chip")  # WEB-8, due 03:00–03:10: late wherever it goes
    expect(late).to_have_count(1)
    late.drag_to(target, target_position={"x": box["width"] - 2, "y": box["height"] / 2})
    row = page.locator("#preview tr.late")
    expect(row.first).to_contain_text("WEB-8")
    expect(row.first).to_contain_text("late by")
    expect(page.locator("#preview .violations")).to_contain_text("TIME_WINDOW")
    expect(page.locator(".stop-chip.late")).not_to_have_count(0)
    page.screenshot(path=ARTIFACTS / "plan-4-drag-preview.png", full_page=True)
    found = axe_violations(page)  # the preview with its late stop, the picked stop
    assert not found, "\n".join(found)
    page.click("#save-btn")
    expect(page.locator("#preview")).to_be_empty()
    expect(page.locator("#unassigned li")).to_have_count(0)
    said = "() => getComputedStyle(document.getElementById('unassigned'), '::before').content"
    assert page.evaluate(said) == '"None: every order is on a route."'  # the empty list says so
    expect(page.locator(".route").nth(1)).to_contain_text("4 stops")

    # the keyboard way: Enter on a stop picks it, the form says where it goes
    bars.nth(0).locator(".stop-chip").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#move-what")).to_contain_text("Moving ")
    page.select_option("#move-route", index=1)
    page.click("#preview-btn")
    expect(page.locator("#preview .cost-change")).to_contain_text("Cost change: ")
    page.screenshot(path=ARTIFACTS / "plan-5-keyboard-move.png", full_page=True)
    assert errors == []


def test_lock_a_route_and_replan_the_rest(server: tuple[str, Platform], browser: Any) -> None:
    base, p = server
    page, errors = open_day(browser, base, organization(p, "Lock courier", **RATES))
    plan(page, 1)
    expect(page.locator("#replan-btn")).to_be_disabled()
    page.click("#publish-btn")
    expect(page.locator("#plan-status")).to_contain_text("Version 1: published")
    first = page.locator("#routes .route").first
    vehicle = (first.text_content() or "").split(" · ")[0]
    stops = first.locator(".stop-chip").evaluate_all("cs => cs.map(c => c.dataset.order)")
    first.locator(".lock-btn").click()
    expect(page.locator("#routes .route").first.locator(".lock-btn")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#routes .route.locked .stop-chip").first).to_be_disabled()
    expect(page.locator("#replan-btn")).to_be_enabled()
    page.click("#replan-btn")
    expect(page.locator("#plan-status")).to_contain_text("Version 2: succeeded", timeout=60_000)
    kept = page.locator("#routes .route.kept")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text(vehicle)
    expect(kept).to_contain_text("kept (locked)")
    assert kept.locator(".stop-chip").evaluate_all("cs => cs.map(c => c.dataset.order)") == stops
    own = page.locator("#routes .route:not(.kept)")
    expect(own).to_have_count(1)
    expect(own).not_to_contain_text(vehicle)
    expect(page.locator(f"#compare-vehicles li:has-text('{vehicle}')")).to_contain_text("unchanged")
    page.screenshot(path=ARTIFACTS / "plan-6-replan-rest.png", full_page=True)
    found = axe_violations(page)  # locked and kept routes
    assert not found, "\n".join(found)

    plans = page.evaluate("() => fetch('/v1/plans').then(r => r.json())")
    cmp = page.evaluate("id => fetch(`/v1/plans/${id}/compare`).then(r => r.json())", plans[0]["id"])
    page.click("#publish-btn")
    if cmp["worse"]:  # a worse re-plan takes a second press
        expect(page.locator("#publish-btn")).to_have_text("Publish anyway")
        page.click("#publish-btn")
    expect(page.locator("#plan-status")).to_contain_text("Version 2: published")
    kept = page.locator("#routes .route.kept")  # still on screen: the locked route of version 1 is in force
    expect(kept).to_contain_text("kept (locked)")
    kept.locator(".lock-btn").click()
    expect(page.locator("#routes .route.kept .lock-btn")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#replan-btn")).to_be_disabled()
    page.screenshot(path=ARTIFACTS / "plan-7-published-unlocked.png", full_page=True)
    assert errors == []


def _drag(page: Any, handle: Any, to: tuple[float, float]) -> None:
    """Drag a map marker with the mouse, in small steps (Leaflet starts a drag after a few pixels of movement)."""
    page.mouse.move(*_centre(handle))
    page.mouse.down()
    page.mouse.move(to[0], to[1], steps=15)
    page.mouse.up()


def _centre(locator: Any) -> tuple[float, float]:
    locator.wait_for(state="visible")  # the map redraws its markers after a save
    box = locator.bounding_box()
    assert box is not None, locator
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _still(page: Any, marker: Any) -> None:
    """Wait until the map stops moving (fitting the plan's bounds animates the zoom): the marker in the same
    place on screen for 300 ms."""
    last = None
    for _ in range(50):
        now = _centre(marker)
        if last is not None and abs(now[0] - last[0]) < 0.5 and abs(now[1] - last[1]) < 0.5:
            return
        last = now
        page.wait_for_timeout(300)
    raise AssertionError("the map kept moving")


def _offset(a: Any, b: Any) -> tuple[float, float]:
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    return ax - bx, ay - by


def test_drag_a_stop_on_the_map_onto_another_route(server: tuple[str, Platform], browser: Any) -> None:
    """A stop of van 1 dropped on the map halfway between van 2's first and second stops: the form names van 2
    and the place after its first stop, the checker's preview comes first, and "Apply" puts it there. A drop away
    from every line moves nothing; the unassigned order can be dropped on a line too."""
    base, p = server
    page, errors = open_day(browser, base, organization(p, "Map drag courier", **RATES))
    plan(page, 1)
    plan_id = page.evaluate("() => fetch('/v1/plans').then(r => r.json())")[0]["id"]
    shown = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", plan_id)
    van1, van2 = shown["routes"]
    stops2 = [s for s in van2["data"]["stops"] if s.get("order_id")]
    moved = next(s for s in van1["data"]["stops"] if s.get("order_id"))
    marker = page.locator(f"#map .stop-label[data-order='{moved['order_id']}']")
    _still(page, marker)
    first = _centre(page.locator(f"#map .stop-label[data-order='{stops2[0]['order_id']}']"))
    second = _centre(page.locator(f"#map .stop-label[data-order='{stops2[1]['order_id']}']"))
    anchor = page.locator(f"#map .stop-label[data-order='{stops2[0]['order_id']}']")
    home = _offset(marker, anchor)

    _drag(page, marker, (first[0] + 40, first[1] - 600))  # far from every line: picked, nothing previewed
    expect(page.locator("#move-what")).to_contain_text("drop it on a route's line")
    expect(page.locator("#preview")).to_be_empty()

    _drag(page, marker, ((first[0] + second[0]) / 2, (first[1] + second[1]) / 2))
    expect(page.locator("#move-what")).to_contain_text(f"Moving {moved['external_ref']}")
    expect(page.locator("#move-route")).to_have_value(van2["id"])
    expect(page.locator("#move-place")).to_have_value("1")  # after van 2's first stop
    expect(page.locator("#preview .cost-change")).to_contain_text("Cost change: ")
    expect(page.locator("#preview table.etas")).to_have_count(2)
    expect(page.locator(f"#preview tr[data-order='{moved['order_id']}']").first).to_contain_text("(moved)")
    _still(page, marker)
    back = _offset(marker, anchor)  # back on the stop's address (against another stop: the page may scroll)
    assert abs(back[0] - home[0]) < 1 and abs(back[1] - home[1]) < 1, (home, back)
    page.screenshot(path=ARTIFACTS / "plan-6-map-drag-preview.png", full_page=True)
    found = axe_violations(page)
    assert not found, "\n".join(found)
    page.click("#save-btn")
    expect(page.locator("#preview")).to_be_empty()
    after = page.evaluate("id => fetch(`/v1/plans/${id}`).then(r => r.json())", plan_id)
    new2 = next(r for r in after["routes"] if r["id"] == van2["id"])
    order_ids = [s["order_id"] for s in new2["data"]["stops"] if s.get("order_id")]
    assert order_ids == [stops2[0]["order_id"], moved["order_id"], *[s["order_id"] for s in stops2[1:]]]

    grey = page.locator("#map .unassigned-marker")  # WEB-8 (due at 3am): late wherever it goes
    expect(grey).to_have_count(1)
    target = page.locator(f"#map .stop-label[data-route='{van1['id']}']").first
    _still(page, target)
    here = _centre(target)
    _drag(page, grey, (here[0], here[1]))
    expect(page.locator("#move-route")).to_have_value(van1["id"])
    expect(page.locator("#preview tr.late").first).to_contain_text("WEB-8")
    page.screenshot(path=ARTIFACTS / "plan-7-map-drag-unassigned.png", full_page=True)
    assert errors == []
