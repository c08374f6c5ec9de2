"""The live page shows one day: the published routes of the day chosen (issue 13: a plan published for tomorrow
joined today's live view)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import log_in, running
from tests.web.api_day import one_van, publish

PASSWORD = "live-day-password"
# Days ahead, so a same-day insertion has the whole shift still to come whenever the test runs.
DAYS = tuple((date.today() + timedelta(days=k)).isoformat() for k in (1, 2))


def _publish(api: httpx.Client, depot: str, vehicle: str, day: str) -> str:
    """Two orders and a published plan on ``day``; its route id."""
    orders = [{"external_ref": f"{day}-{k}", "location": {"lat": lat, "lng": lng}}
              for k, (lat, lng) in enumerate(((38.7205, -9.1400), (38.7250, -9.1500)))]  # fmt: skip
    return str(publish(api, depot, vehicle, day, orders)["routes"][0]["id"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, str]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('liveday')}/liveday.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="live-day-test", webhook_tick_s=0))
    mount_web(app)
    email = f"live-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(app.state.platform, "Two days", email, PASSWORD)
    with running(app) as base, httpx.Client(base_url=base) as api:
        assert api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        depot, veh = one_van(api)
        routes = {day: _publish(api, depot, veh, day) for day in DAYS}
        yield base, email, routes


def test_the_live_page_shows_only_the_chosen_days_routes(site: tuple[str, str, dict[str, str]], browser: Any) -> None:
    from playwright.sync_api import expect

    base, email, routes = site
    page = browser.new_context().new_page()
    log_in(page, base, email, PASSWORD)
    failed: list[str] = []  # without a road network each route's matched-trail request was a 409 in the console
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{base}/app/live?date={DAYS[0]}")
    rows = page.locator("#progress tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-route", routes[DAYS[0]])
    expect(page.locator("#return-day")).to_have_value(DAYS[0])  # a return request is for the day on screen
    page.fill("#live-day", DAYS[1])
    page.dispatch_event("#live-day", "change")
    expect(rows.first).to_have_attribute("data-route", routes[DAYS[1]])
    expect(page.locator("#return-day")).to_have_value(DAYS[1])
    expect(rows).to_have_count(1)
    assert f"date={DAYS[1]}" in page.url
    page.wait_for_load_state("networkidle")
    assert failed == []
    page.goto(f"{base}/app")
    expect(page.locator("#who")).to_contain_text(email)  # the header names the user, not an id


def test_a_proposal_names_the_order_and_vehicle_and_each_option_can_be_approved(
    site: tuple[str, str, dict[str, str]], browser: Any
) -> None:
    """A same-day order's insertion shows as "Add order <ref>" with the vehicle and cost of each option (was an
    internal id and a bare number, and only the first option could be approved); approving applies it."""
    from playwright.sync_api import expect

    base, email, _ = site
    page = browser.new_context().new_page()
    log_in(page, base, email, PASSWORD)
    api = page.request
    depot = api.get(f"{base}/v1/depots").json()["items"][0]["id"]
    order = {"external_ref": "LATE-CALL", "depot_id": depot, "date": DAYS[0], "service_s": 120,
             "location": {"lat": 38.7230, "lng": -9.1450}, "size": {"parcels": 1}}  # fmt: skip
    oid = api.post(f"{base}/v1/orders", data=order).json()["id"]
    plan_id = api.get(f"{base}/v1/plans?date={DAYS[0]}").json()[0]["id"]
    body = {"plan_id": plan_id, "kind": "insert", "subject_id": oid, "reoptimize": True}
    proposal = api.post(f"{base}/v1/live/proposals", data=body).json()
    assert proposal["status"] == "pending"
    page.goto(f"{base}/app/live?date={DAYS[0]}")
    item = page.locator(f"li[data-proposal='{proposal['id']}']")
    expect(item).to_contain_text("Add order LATE-CALL")
    cents = proposal["options"][0]["cost_delta_cents"]  # in the organization's currency (was a bare number)
    expect(item.locator("li[data-option]").first).to_contain_text(
        f"Van 1: cost {'−' if cents < 0 else '+'}€{abs(cents) / 100:.2f}"
    )
    assert oid not in item.inner_text()
    options = len(proposal["options"])
    if options > 1:  # any option: the last one
        item.get_by_role("button", name=f"Choose option {options}").click()
    else:
        item.get_by_role("button", name="Approve").click()
    expect(item).to_have_count(0)
    decided = api.get(f"{base}/v1/live/proposals/{proposal['id']}").json()
    assert decided["status"] == "applied" and decided["chosen"] == options - 1
