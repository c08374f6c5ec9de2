"""A server with the dashboard for the workspace page tests (drivers, orders): a fresh organization per test with
a published two-van day, a logged-in API client, and a page that records console errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import log_in, running
from tests.notify.servers import Inbox, SmtpServer
from tests.web.api_day import HUB, publish

PASSWORD = "workspace-password"
DAY = (date.today() + timedelta(days=1)).isoformat()  # ahead, so the whole shift is still to come
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright-workspace"
INBOXES: dict[str, Inbox] = {}  # base URL -> the inbox of the SMTP server that app sends to


@dataclass
class Org:
    """One organization on the server: its admin, an API client logged in as them, and its published day."""

    base: str
    email: str
    api: httpx.Client
    plan: dict[str, Any] = field(default_factory=dict)
    vehicles: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The app with its web pages on a loopback port, sending customer emails to a local SMTP server: (base URL,
    platform)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('workspace')}/workspace.sqlite"
    upgrade(url)
    smtp = SmtpServer()
    smtp.start()
    settings = Settings(
        database_url=url, secret_key="workspace-test", webhook_tick_s=0, smtp_url=smtp.url,
        smtp_from="Loja <envios@loja.example>", notify_tick_s=0.5,
    )  # fmt: skip
    app = create_app(settings)
    mount_web(app)
    try:
        with running(app) as base:
            INBOXES[base] = smtp.inbox
            yield base, app.state.platform
    finally:
        smtp.stop()


def key_client(org: Org) -> httpx.Client:
    """An API client of the organization with an admin key instead of the login session: it keeps working when a
    test moves the server's clock a day ahead (a session would have expired by that clock). Close it after."""
    key = {"name": f"test-{uuid.uuid4().hex[:6]}", "scopes": ["read", "write", "manage"]}
    r = org.api.post("/v1/api-keys", json=key)
    assert r.status_code == 201, r.text
    return httpx.Client(base_url=org.base, headers={"Authorization": f"Bearer {r.json()['secret']}"})


def inbox_of(server: tuple[str, Any]) -> Inbox:
    """The emails the SMTP server behind ``server`` received."""
    return INBOXES[server[0]]


def two_van_day(server: tuple[str, Any], orders: list[dict[str, Any]]) -> Iterator[Org]:
    """A fresh organization with two 10-parcel vans (0.50 per km) and ``orders`` planned and published on
    DAY; the API client logged in as its admin."""
    base, platform = server
    email = f"ws-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(platform, "Workspace courier", email, PASSWORD)
    with httpx.Client(base_url=base) as api:
        assert api.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
        depot = api.post("/v1/depots", json=HUB).json()["id"]
        vt = api.post("/v1/vehicle-types", json={"name": "Van", "capacity": {"parcels": 10}, "cost_per_km_cents": 50})
        van = {"type_id": vt.json()["id"], "depot_id": depot}
        vans = [api.post("/v1/vehicles", json={"name": f"Van {k}", **van}).json()["id"] for k in (1, 2)]
        shift = {"vehicle_id": vans[1], "day": DAY, "start": f"{DAY}T08:00:00+01:00", "end": f"{DAY}T18:00:00+01:00"}
        assert api.post("/v1/shifts", json=shift).status_code == 201
        plan = publish(api, depot, vans[0], DAY, orders)  # the first van's shift, the orders, a published plan
        yield Org(base, email, api, api.get(f"/v1/plans/{plan['id']}").json(), vans)


def open_page(browser: Any, org: Org, path: str, bypass_csp: bool = True) -> tuple[Any, list[str]]:
    """A logged-in page at ``path`` (its CSP bypassed for axe unless asked not to: a violation is then a console
    error), and the list its console errors are collected in."""
    page = browser.new_context(bypass_csp=bypass_csp, viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, org.base, org.email, PASSWORD)
    page.goto(f"{org.base}{path}")
    page.wait_for_selector("body[data-ready='1']")
    return page, errors


def keep_screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot kept as a test artifact (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=path, full_page=True)
    return path


KEY = "(e => e.id || e.getAttribute('aria-label') || e.textContent.trim())"
CONTROLS = "a[href], button, input, select, textarea"


def unreachable_by_tab(page: Any, limit: int = 200) -> list[str]:
    """The visible, enabled controls of the page that pressing Tab from the top never focuses (each named by id,
    label or text)."""
    wanted = page.evaluate(
        f"""() => [...document.querySelectorAll('{CONTROLS}')]
             .filter(e => !e.disabled && e.offsetParent !== null && e.tabIndex >= 0).map({KEY})"""
    )
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.add(page.evaluate(f"() => {KEY}(document.activeElement)"))
    return [w for w in wanted if w not in seen]
