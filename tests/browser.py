"""Shared pieces of the tests that run a real server: uvicorn in a thread, Debian Chromium, the dispatcher login."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

CHROMIUM = Path("/usr/bin/chromium")
ABSENT = "Debian chromium (/usr/bin/chromium) is not installed: apt-get install chromium (CI installs it)"


def require_chromium() -> Path:
    """Debian's Chromium; a test without it is skipped with the reason, or fails where the services are required
    (``DOORSTEP_REQUIRE_SERVICES=1``, as in CI)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("DOORSTEP_REQUIRE_SERVICES"):
        pytest.fail(ABSENT)
    pytest.skip(ABSENT)


@pytest.fixture
def chromium() -> Path:
    """The one way a test gets the browser binary (see ``require_chromium``)."""
    return require_chromium()


@pytest.fixture
def browser(chromium: Path) -> Iterator[Any]:
    """The one way a test gets a Playwright browser: Debian's Chromium, closed after the test."""
    from playwright.sync_api import expect, sync_playwright

    # a page update that waits on a background job (the ETA worker, a send) on a loaded two-core CI machine can
    # take longer than Playwright's 5 s default; a real failure still fails, after 15 s
    expect.set_options(timeout=15_000)
    with sync_playwright() as pw:
        b = launch(pw)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def running(app: Any) -> Iterator[str]:
    """The app on uvicorn (a free loopback port, a daemon thread) for the block; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def launch(pw: Any) -> Any:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])


def log_in(page: Any, base: str, email: str, password: str) -> None:
    """Log in as a dispatcher on the login page and wait for the dashboard."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-btn")
    page.wait_for_url(f"{base}/app")


AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
AXE_ABSENT = "axe-core is not installed: run `npm install` at the repository root (`make test` does when npm is there)"
SERIOUS = ("serious", "critical")


def require_axe() -> Path:
    """axe-core's script; skipped with the reason when absent, failed where services are required (CI)."""
    if AXE.exists():
        return AXE
    if os.environ.get("DOORSTEP_REQUIRE_SERVICES"):
        pytest.fail(AXE_ABSENT)
    pytest.skip(AXE_ABSENT)


def axe_violations(page: Any, impacts: tuple[str, ...] = SERIOUS) -> list[str]:
    """Run axe-core (WCAG 2 A/AA rules) on the page as it is now: one line per violation of the given impacts,
    with the first elements it names. The page's context needs ``bypass_csp=True`` (the app's CSP refuses an
    injected script, as it should)."""
    page.add_script_tag(path=str(require_axe()))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']},
             resultTypes: ['violations']})).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in found if v["impact"] in impacts]
