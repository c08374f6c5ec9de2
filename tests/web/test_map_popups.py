"""The dashboard map shows user text as text: an address or reference holding HTML never becomes markup in a
Leaflet popup or tooltip (stored XSS), and the page works under its Content-Security-Policy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import log_in, running

PASSWORD = "csp-dispatcher-password"
HOSTILE = '<img id="xss" src="x">Rua 1'

DRAW = """async (hostile) => {
  const { makeMap, drawPlan } = await import("/static/app/map.js");
  const node = document.createElement("div");
  node.style.width = "400px"; node.style.height = "300px";
  document.body.append(node);
  const view = makeMap(node);
  const stop = { order_id: "ord_1", type: "delivery", external_ref: hostile, address: hostile,
                 arrival: "2025-06-17T09:10:00+01:00", location: { lat: 38.72, lng: -9.14 } };
  const route = { status: "draft", data: { vehicle_name: hostile, stops: [stop] } };
  const unassigned = [{ order_id: "ord_2", external_ref: hostile, reason: "TIME_WINDOW", message: hostile,
                       action: "x" }];
  const orders = new Map([["ord_2", { data: { location: { lat: 38.73, lng: -9.15 } } }]]);
  drawPlan(view, [route], unassigned, orders);
  const texts = [];
  view.layer.eachLayer((l) => {
    if (l.getPopup && l.getPopup()) { l.openPopup(); texts.push(l.getPopup().getElement().textContent); }
    if (l.getTooltip && l.getTooltip()) { l.openTooltip(); texts.push(l.getTooltip().getElement().textContent); }
  });
  return { texts, injected: document.querySelectorAll("#xss").length };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The dashboard on a real server with an admin login: (base URL, email)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('popups') / 'web.sqlite'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="popups-" + "x" * 32, webhook_tick_s=0))
    mount_web(app)
    email = f"csp-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(app.state.platform, "CSP", email, PASSWORD)
    with running(app) as b:
        yield b, email


@pytest.fixture(scope="module")
def base(site: tuple[str, str]) -> str:
    """The server's base URL."""
    return site[0]


def test_popups_and_tooltips_show_html_as_text(base: str, browser: Any) -> None:
    """Every popup and tooltip of a plan drawn with HTML in its texts shows that HTML as text; no element made."""
    # The login page under the app's own CSP; the module is imported by a test script (page.evaluate needs eval,
    # which the CSP forbids: bypassed for the test's own script only).
    ctx = browser.new_context(bypass_csp=True)
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/login")
        page.add_script_tag(url="/static/leaflet/leaflet.js")
        result = page.evaluate(DRAW, HOSTILE)
        assert result["injected"] == 0
        assert len(result["texts"]) == 3 and all(HOSTILE in t for t in result["texts"]), result["texts"]
        assert errors == []
    finally:
        ctx.close()


def test_the_dashboard_pages_load_under_the_csp(site: tuple[str, str], browser: Any) -> None:
    """The login, dashboard, live and driver pages load their scripts and styles with the CSP in force: the
    dispatcher logs in and reaches each page, and the browser reports no violation."""
    base, email = site
    page = browser.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(page, base, email, PASSWORD)
    for path in ("/app", "/app/live", "/driver/"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
    assert page.evaluate("typeof window.L") == "object"  # Leaflet, a same-origin script, ran
    assert violations == []
    page.close()


