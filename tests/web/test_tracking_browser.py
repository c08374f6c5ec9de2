"""The customer tracking page in Debian Chromium on a phone: opened from the link of an email a real SMTP server
received, it shows the arrival window narrowing live (SSE) as the simulated driver works the stops before it,
weighs at most 150 KB, and passes axe-core with no serious or critical violation. Screenshots land in
test-artifacts/playwright-tracking/."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts import create_organization
from doorstep.services.notify_send import send_due
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.api.tracking_site import INTERNAL_ID, Clock
from tests.browser import axe_violations, running
from tests.notify.servers import SmtpServer
from tests.web.api_day import HUB, publish

DAY = "2025-06-17"
PASSWORD = "tracking-password"
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright-tracking"
MAX_PAGE_BYTES = 150_000
SPOTS = [(38.7205, -9.1420), (38.7260, -9.1480), (38.7310, -9.1440)]


@dataclass
class Tracked:
    """The running server, its SMTP inbox and clock, and a dispatched one-van day with a logged-in driver."""

    base: str
    app: Any
    smtp: SmtpServer
    clock: Clock
    admin: httpx.Client
    driver: httpx.Client
    route_id: str
    stops: list[dict[str, Any]]  # the driver's order stops in visiting order
    emails: list[str]  # the customer of each stop

    def link(self, k: int) -> str:
        """The tracking link in the email the customer of stop k received."""
        mail = next(m for m in self.smtp.inbox.messages if str(m["To"]) == self.emails[k])
        body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = re.search(re.escape(self.base) + r"/t/[A-Za-z0-9]+", body)
        assert found is not None, body
        return found.group(0)

    def act(self, k: int, status: str, hhmm: str, **body: Any) -> None:
        """The driver works stop k at a time of the day (the server's clock moves there first)."""
        at = self.clock.at(hhmm)
        stop = self.stops[k]
        payload = {"client_id": f"c-{stop['id']}-{status}", "status": status, "at": at.isoformat(),
                   "position": {**stop["location"], "accuracy_m": 5}, **body}  # fmt: skip
        r = self.driver.post(f"/v1/driver/stops/{stop['id']}/events", json=payload)
        assert r.status_code in (200, 201), r.text


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tracked]:
    """A server on SQLite at 08:00 of the day, emailing customers through a local SMTP server; a published,
    dispatched one-van day of three orders whose out-for-delivery emails were sent."""
    url = f"sqlite:///{tmp_path_factory.mktemp('tracking')}/tracking.sqlite"
    upgrade(url)
    smtp = SmtpServer()
    smtp.start()
    settings = Settings(database_url=url, secret_key="tracking-browser", webhook_tick_s=0, smtp_url=smtp.url,
                        smtp_from="Loja Exemplo <envios@loja.example>", notify_tick_s=0)  # fmt: skip
    app = create_app(settings)
    mount_web(app)
    p = app.state.platform
    clock = Clock(datetime.fromisoformat(f"{DAY}T08:00:00+01:00"))
    p.clock = clock
    email = f"track-{uuid.uuid4().hex[:8]}@example.com"
    create_organization(p, "Loja Exemplo", email, PASSWORD)
    try:
        with running(app) as base, httpx.Client(base_url=base) as admin, httpx.Client(base_url=base) as driver:
            p.channels = replace(p.channels, public_url=base)  # links point at this server
            assert admin.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
            depot = admin.post("/v1/depots", json=HUB).json()["id"]
            vt = admin.post("/v1/vehicle-types", json={"name": "Van", "capacity": {"parcels": 10}}).json()["id"]
            van = admin.post("/v1/vehicles", json={"name": "Van 1", "type_id": vt, "depot_id": depot}).json()["id"]
            emails = [f"cliente{k}@example.org" for k in range(3)]
            orders = [{"external_ref": f"LX-{k}", "location": {"lat": a, "lng": b},
                       "time_windows": [{"start": "09:00", "end": "12:00"}],
                       "contact": {"name": f"Cliente {k}", "email": emails[k], "language": "en"}}
                      for k, (a, b) in enumerate(SPOTS)]  # fmt: skip
            plan = publish(admin, depot, van, DAY, orders)
            route = plan["routes"][0]
            drv = admin.post("/v1/drivers", json={"name": "Rui"}).json()["id"]
            assigned = admin.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1})
            assert assigned.status_code == 200, assigned.text
            code = admin.post(f"/v1/drivers/{drv}/login-codes").json()["code"]
            token = driver.post("/v1/driver/session", json={"code": code}).json()["token"]
            driver.headers["Authorization"] = f"Bearer {token}"
            version = admin.get(f"/v1/routes/{route['id']}").json()["version"]
            assert admin.post(f"/v1/routes/{route['id']}/dispatch", json={"version": version}).status_code == 200
            assert app.state.runner.wait_idle(30)
            send_due(p)
            mine = next(r for r in driver.get("/v1/driver/routes").json()["routes"] if r["id"] == route["id"])
            stops = [s for s in mine["stops"] if s["order_id"]]
            by_ref = {o["external_ref"]: o["contact"]["email"] for o in orders}
            yield Tracked(base, app, smtp, clock, admin, driver, route["id"], stops,
                          [by_ref[s["external_ref"]] for s in stops])  # fmt: skip
    finally:
        smtp.stop()



def test_the_customer_follows_the_window_narrowing_live_on_a_phone(tracked: Tracked, browser: Any) -> None:
    """From the emailed link, on a phone: the page reads the widest window before the route starts; as the driver
    serves the two stops before this one the window narrows without a reload (±20, ±15, then ±10 and 'next stop'
    with the driver's distance); the page and everything it loads weigh at most 150 KB, name no internal id, and
    axe-core finds no serious or critical violation."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    link = tracked.link(2)
    ctx = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sizes: dict[str, int] = {}
    page.on("requestfinished", lambda req: sizes.update({req.url: _size(req)}))
    page.goto(link)
    expect(page.locator("#conn")).to_have_text("Live updates")
    first = page.locator("#eta-text").inner_text()
    expect(page.locator("#headline")).to_have_text("Your parcel is on its way.")
    page.screenshot(path=ARTIFACTS / "tracking-1-on-its-way.png", full_page=True)
    total = sum(sizes.values())
    assert total <= MAX_PAGE_BYTES, sizes
    assert all(u.startswith(tracked.base) for u in sizes), sizes  # nothing from elsewhere (no CDN)
    assert INTERNAL_ID.findall(page.content()) == []
    found = axe_violations(page)
    assert not found, "\n".join(found)

    tracked.act(0, "completed", "09:30")
    expect(page.locator("#eta-progress")).to_have_text("1 stop before yours")
    tracked.act(1, "completed", "09:50")
    expect(page.locator("#eta-progress")).to_have_text("You are the next stop")
    expect(page.locator("#headline")).to_have_text("Your driver is on the way to you now.")
    expect(page.locator("#driver")).to_contain_text("Your driver is about")
    last = page.locator("#eta-text").inner_text()
    assert last != first
    page.screenshot(path=ARTIFACTS / "tracking-2-next-stop.png", full_page=True)
    found = axe_violations(page)
    assert not found, "\n".join(found)
    assert errors == []


def _size(req: Any) -> int:
    s = req.sizes()
    return int(s["responseBodySize"] + s["responseHeadersSize"])
