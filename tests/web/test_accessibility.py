"""Every page passes axe-core's WCAG 2.1 A/AA rules with no serious or critical violation, in Debian Chromium."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import axe_violations, log_in, require_axe, running

PASSWORD = "axe-password"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A server with the web pages, an organization's admin (email) and a driver's login code."""
    require_axe()
    url = f"sqlite:///{tmp_path_factory.mktemp('axe')}/axe.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="axe-test", webhook_tick_s=0))
    mount_web(app)
    p = app.state.platform
    email = f"axe-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, "Accessible courier", email, PASSWORD)
    _, key = create_api_key(p, system_actor(org_id), "axe", [Permission.READ, Permission.WRITE])
    with running(app) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        drv = api.post("/v1/drivers", json={"name": "Ana"}).json()["id"]
        code = api.post(f"/v1/drivers/{drv}/login-codes").json()["code"]
        yield base, email, code


PAGES = [
    "/login", "/app", "/app/orders", "/app/drivers", "/app/live", "/app/slots", "/app/messages", "/app/analytics",
    "/app/forecast", "/app/learned",
    "/driver",
]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violation(site: tuple[str, str, str], browser: Any, path: str) -> None:
    base, email, _ = site
    page = browser.new_context(bypass_csp=True).new_page()
    if path.startswith("/app"):
        log_in(page, base, email, PASSWORD)
    failed: list[str] = []  # every request of the page answers (a missing favicon was a console 404)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")
    assert failed == []
    found = axe_violations(page)
    assert not found, "\n".join(found)


def test_driver_route_view_has_no_serious_accessibility_violation(site: tuple[str, str, str], browser: Any) -> None:
    base, _, code = site
    page = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{base}/driver")
    page.fill("#code", code)
    page.click("#login-btn")
    page.wait_for_selector("#list-view:not([hidden])")
    found = axe_violations(page)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".swagger-ui .info .title"), ("/redoc", ".api-content h1")])
def test_api_reference_works_offline(site: tuple[str, str, str], browser: Any, path: str, ready: str) -> None:
    """/docs and /redoc render with every request to anywhere but this server refused (an offline install)."""
    from playwright.sync_api import expect

    base, _, _ = site
    context = browser.new_context()
    outside: list[str] = []

    def only_here(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}{path}")
    # a generous wait: Redoc parses the whole OpenAPI document in the page (slow on a busy two-core machine)
    expect(page.locator(ready).first).to_contain_text("Doorstep", timeout=45_000)
    assert outside == [] and errors == []
