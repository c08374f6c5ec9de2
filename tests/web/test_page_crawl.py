"""Every page of the dashboard, opened with a published day loaded and reached by following the navigation from
`/app` (not a list written here): no console error, no response of 400 or more, no serious or critical axe-core
violation (issue 13's "no console errors on any page", checked in one crawl of Debian Chromium).

A page is opened once per kind: its path and the names of its query parameters. Another order's detail or another
date of the same page (``/app/orders?date=…&order=…`` again) renders the same page with other data, so the crawl
opens the first it finds (the day loaded, then today's empty day through the undated links)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import axe_violations, log_in
from tests.web.test_orders_page import ORDERS
from tests.web.workspace_site import DAY, PASSWORD, Org, server, two_van_day

__all__ = ["server"]  # the module-scoped server fixture

FIRST = f"/app?date={DAY}"
# at least these
EXPECTED = {"/app", "/app/orders", "/app/drivers", "/app/live", "/app/slots", "/app/messages", "/app/analytics",
            "/app/forecast", "/app/learned"}


@pytest.fixture
def org(server: tuple[str, Any]) -> Iterator[Org]:
    yield from two_van_day(server, ORDERS)


def _links(page: Any, base: str) -> set[str]:
    """Same-site page links on the page (path and query), API and static files left out."""
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = set()
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or parts.path.startswith(("/v1/", "/static/")):
            continue
        out.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _kind(path: str) -> tuple[str, frozenset[str]]:
    """A page's kind: its path and the names of its query parameters."""
    parts = urlsplit(path)
    return parts.path, frozenset(parse_qs(parts.query, keep_blank_values=True))


def test_every_page_reached_from_the_dashboard_is_clean_with_a_day_loaded(org: Org, browser: Any) -> None:
    seen: dict[str, list[str]] = {}
    kinds: set[tuple[str, frozenset[str]]] = set()
    queue = [FIRST]
    view = {"bypass_csp": True, "viewport": {"width": 1400, "height": 1000}}
    first = browser.new_context(**view)
    log_in(first.new_page(), org.base, org.email, PASSWORD)
    session = first.storage_state()  # one login; each page opens in a context of its own with its cookie
    first.close()
    while queue and len(seen) < 40:
        path = queue.pop(0)
        if _kind(path) in kinds:
            continue
        kinds.add(_kind(path))
        page = browser.new_context(storage_state=session, **view).new_page()
        errors: list[str] = []
        failed: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda x, e=errors: e.append(str(x)))
        page.on("response", lambda r, f=failed: f.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(f"{org.base}{path}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)  # a page's first data requests after load (the live stream stays open)
        problems = [f"console: {e}" for e in errors] + [f"response: {f}" for f in failed]
        if urlsplit(path).path.startswith("/app"):
            problems += [f"axe: {v}" for v in axe_violations(page)]
        seen[path] = problems
        found = _links(page, org.base)
        queue += sorted(p for p in found if _kind(p) not in kinds and urlsplit(p).path.startswith("/app"))
        page.context.close()
    assert {urlsplit(p).path for p in seen} >= EXPECTED, sorted(seen)
    dirty = {p: v for p, v in seen.items() if v}
    assert not dirty, dirty
