"""The customer tracking page in Debian Chromium on a phone: opened from the link of an email a real SMTP server
received, it shows the arrival window narrowing live (SSE) as the simulated driver works the stops before it,
weighs at most 150 KB, and passes axe-core with no serious or critical violation. Screenshots land in
test-artifacts/playwright-tracking/."""

from __future__ import annotations

import base64
import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.customer.notify_send import send_due
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.api.tracking_site import INTERNAL_ID, Clock
from tests.browser import axe_violations, log_in, running
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
    email: str
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
            orders: list[dict[str, Any]] = [{"external_ref": f"LX-{k}", "location": {"lat": a, "lng": b},
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
            yield Tracked(base, email, app, smtp, clock, admin, driver, route["id"], stops,
                          [by_ref[s["external_ref"]] for s in stops])  # fmt: skip
    finally:
        smtp.stop()


def test_without_the_stream_the_page_polls(tracked: Tracked, browser: Any) -> None:
    """When the event stream cannot be opened (a proxy that refuses it), the page says it updates automatically
    and polls the JSON: the driver's arrival at the first stop shows up on the next poll. Before that, with the
    change form open, axe-core finds no serious or critical violation."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True).new_page()
    page.clock.install()
    page.route("**/stream", lambda route: route.abort())
    page.goto(tracked.link(2))
    expect(page.locator("#conn")).to_have_text("Automatic updates")
    expect(page.locator("#eta-progress")).to_have_text("")
    expect(page.locator("#changes")).to_be_visible()  # before the driver starts, the delivery can be changed
    page.screenshot(path=ARTIFACTS / "tracking-0-before-the-round.png", full_page=True)
    found = axe_violations(page)
    assert not found, "\n".join(found)
    tracked.act(0, "arrived", "08:45")
    assert tracked.app.state.eta_runner.wait_idle(30)
    page.clock.run_for(21_000)  # one polling interval
    expect(page.locator("#eta-progress")).to_have_text("2 stops before yours")


def test_the_customer_story_on_a_phone(tracked: Tracked, browser: Any) -> None:
    """One customer story on a phone, axe-core clean at every step (no serious or critical violation):
    1. the link from the out-for-delivery email opens the page with the widest window; as the simulated driver
       serves the two stops before this one the window narrows without a reload (next stop, driver's distance);
       the page and everything it loads weigh at most 150 KB and name no internal id;
    2. another order's customer opens the link of their order-confirmation email (the organization's rules
       turned that trigger on) and moves the delivery to another window the van can keep;
    3. the first customer's stop is completed: the open page turns to 'delivered' with the proof and the
       feedback form, the customer rates it 5 with a tag and a comment, and the dispatcher sees the rating."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = _phone(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _follow_the_window(tracked, page)
    _reschedule_from_the_confirmation_email(tracked, browser)
    _rate_the_delivery(tracked, page, browser)
    expect(page.locator("#headline")).to_contain_text("Your parcel was delivered on")
    assert errors == []


def _phone(browser: Any) -> Any:
    return browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True).new_page()


def _axe_clean(page: Any) -> None:
    found = axe_violations(page)
    assert not found, "\n".join(found)


def _follow_the_window(tracked: Tracked, page: Any) -> None:
    """Step 1: the window narrows as the driver approaches."""
    from playwright.sync_api import expect

    sizes: dict[str, int] = {}
    page.on("requestfinished", lambda req: sizes.update({req.url: _size(req)}))
    page.goto(tracked.link(2))
    expect(page.locator("#conn")).to_have_text("Live updates")
    first = page.locator("#eta-text").inner_text()
    expect(page.locator("#headline")).to_have_text("Your parcel is on its way.")
    page.screenshot(path=ARTIFACTS / "tracking-1-on-its-way.png", full_page=True)
    total = sum(sizes.values())
    assert total <= MAX_PAGE_BYTES, sizes
    assert all(u.startswith(tracked.base) for u in sizes), sizes  # nothing from elsewhere (no CDN)
    assert INTERNAL_ID.findall(page.content()) == []
    _axe_clean(page)
    tracked.act(0, "completed", "09:30")
    expect(page.locator("#eta-progress")).to_have_text("1 stop before yours")
    tracked.act(1, "completed", "09:50")
    expect(page.locator("#eta-progress")).to_have_text("You are the next stop")
    expect(page.locator("#headline")).to_have_text("Your driver is on the way to you now.")
    expect(page.locator("#driver")).to_contain_text("Your driver is about")
    assert page.locator("#eta-text").inner_text() != first
    page.screenshot(path=ARTIFACTS / "tracking-2-next-stop.png", full_page=True)
    _axe_clean(page)


def _size(req: Any) -> int:
    s = req.sizes()
    return int(s["responseBodySize"] + s["responseHeadersSize"])


def _rate_the_delivery(tracked: Tracked, page: Any, browser: Any) -> None:
    """Step 3: once the stop is completed the open page turns to 'delivered' by itself: no window, the proof (who
    took it), and the feedback form; the customer picks 5 stars and a tag, writes a comment and sends it (a rating
    out of the form is refused in the customer's words); the dispatcher's order panel shows the rating."""
    from playwright.sync_api import expect

    expect(page.locator("#feedback")).to_be_hidden()
    tracked.act(2, "completed", "10:05", proof={"recipient": "Marta"})
    expect(page.locator("#headline")).to_contain_text("Your parcel was delivered on")
    expect(page.locator("#eta-box")).to_be_hidden()
    expect(page.locator("#proof-received")).to_have_text("Received by Marta")
    expect(page.locator("#feedback")).to_be_visible()
    page.locator("label[for=rating-5]").click()
    page.get_by_label("On time").check()
    page.fill("#comment", "Very kind, thank you")
    page.click("#feedback-send")
    expect(page.locator("#feedback-msg")).to_have_text("Thank you for your feedback!")
    expect(page.locator("#feedback-send")).to_have_text("Change your feedback")
    assert page.locator(".stars label.on").count() == 5
    page.screenshot(path=ARTIFACTS / "tracking-3-rated.png", full_page=True)
    _axe_clean(page)
    order_id = tracked.stops[2]["order_id"]
    given = tracked.admin.get(f"/v1/orders/{order_id}/feedback").json()
    assert (given["rating"], given["tags"], given["comment"]) == (5, ["on_time"], "Very kind, thank you")

    page.reload()  # the page remembers the rating; a refused one is said in the customer's words
    expect(page.locator("#rating-5")).to_be_checked()
    # the organization's colour (a light gold, so the header's text turns dark to stay readable)
    header = page.locator("header.brand")
    expect(header).to_have_css("background-color", "rgb(255, 215, 0)")
    expect(header).to_have_css("color", "rgb(17, 17, 17)")
    _axe_clean(page)
    page.evaluate("() => { const r = document.getElementById('rating-5'); r.value = '9'; }")
    page.click("#feedback-send")
    expect(page.locator("#feedback-msg")).to_have_text("Choose from 1 to 5 stars.")  # E1454 in the customer's words

    desk = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    log_in(desk, tracked.base, tracked.email, PASSWORD)
    desk.goto(f"{tracked.base}/app/orders?date={DAY}&order={order_id}")
    expect(desk.locator("#detail-feedback")).to_contain_text("5/5 — on time — “Very kind, thank you”")
    desk.screenshot(path=ARTIFACTS / "tracking-4-dispatcher-sees-the-rating.png", full_page=True)


def _reschedule_from_the_confirmation_email(tracked: Tracked, browser: Any) -> None:
    """Step 2: an order for tomorrow (no route yet; the van works 12:00-18:00 then); its customer opens the link
    of the order-confirmation email, opens 'Choose another time', sees tomorrow's windows the van can keep (none
    before its shift), picks 14:00-16:00 and moves the delivery; the page says where it moved and the order has
    the new window."""
    from playwright.sync_api import expect

    rules = {"rules": [{"trigger": t, "enabled": True, "channels": ["email"]}
                       for t in ("order_confirmed", "out_for_delivery", "delivered", "rescheduled")],
             "sender": {"name": "Loja Exemplo", "colour": "#ffd700"}}  # fmt: skip
    assert tracked.admin.put("/v1/organization/notification-rules", json=rules).status_code == 200
    tomorrow = "2025-06-18"
    depot = tracked.admin.get("/v1/depots").json()["items"][0]["id"]
    van = tracked.admin.get("/v1/vehicles").json()["items"][0]["id"]
    shift = {"vehicle_id": van, "day": tomorrow, "start": f"{tomorrow}T12:00:00+01:00",
             "end": f"{tomorrow}T18:00:00+01:00"}  # fmt: skip
    assert tracked.admin.post("/v1/shifts", json=shift).status_code == 201
    body = {"external_ref": "LX-9", "depot_id": depot, "date": tomorrow, "service_s": 120, "size": {"parcels": 1},
            "location": {"lat": SPOTS[0][0], "lng": SPOTS[0][1]}, "time_windows": [{"start": "09:00", "end": "12:00"}],
            "contact": {"name": "Cliente 9", "email": "cliente9@example.org", "language": "en"}}  # fmt: skip
    created = tracked.admin.post("/v1/orders", json=body)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    assert tracked.app.state.runner.wait_idle(30)
    send_due(tracked.app.state.platform)
    mail = next(m for m in tracked.smtp.inbox.messages if str(m["To"]) == "cliente9@example.org")
    assert mail["Subject"] == "We have your order LX-9"
    found = re.search(re.escape(tracked.base) + r"/t/[A-Za-z0-9]+", mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert found is not None
    page = _phone(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(found.group(0))
    expect(page.locator("#reschedule-form")).to_be_hidden()
    page.click("#reschedule-open")
    expect(page.locator("#reschedule-open")).to_have_attribute("aria-expanded", "true")
    day = page.locator("#reschedule-days fieldset", has_text="Wednesday, June 18, 2025")
    expect(day.locator("label")).to_have_text(["12:00\u202fPM – 2:00\u202fPM", "2:00\u202fPM – 4:00\u202fPM",
                                               "4:00\u202fPM – 6:00\u202fPM"])  # fmt: skip
    assert INTERNAL_ID.findall(page.content()) == []
    page.screenshot(path=ARTIFACTS / "tracking-5-reschedule-panel.png", full_page=True)
    _axe_clean(page)
    day.get_by_label("2:00\u202fPM – 4:00\u202fPM").check()
    page.click("#reschedule-move")
    moved = "Your delivery moves to Wednesday, June 18, 2025, 2:00\u202fPM – 4:00\u202fPM."
    expect(page.locator("#reschedule-msg")).to_have_text(moved)
    expect(page.locator("#headline")).to_have_text(moved)
    page.screenshot(path=ARTIFACTS / "tracking-6-rescheduled.png", full_page=True)
    got = tracked.admin.get(f"/v1/orders/{order_id}").json()
    assert got["data"]["time_windows"] == [{"start": f"{tomorrow}T14:00:00+01:00", "end": f"{tomorrow}T16:00:00+01:00"}]
    assert errors == []


def _png(width: int, height: int) -> bytes:
    """A real (decodable) PNG of one colour: the browser must draw it, not just fetch it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x0b\x6e\x4f" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="60" height="24"><rect width="60" height="24" fill="#fff"/></svg>'
)
LOGOS = {
    "https": "https://cdn.loja.example/brand/logo.png",
    "data-svg": "data:image/svg+xml;base64," + base64.b64encode(LOGO_SVG).decode(),
}


def test_refusals_are_said_in_the_customers_language(tracked: Tracked, browser: Any) -> None:
    """A French customer's page says every refusal in French, never the API's English message: instructions longer
    than the form lets anyone type (E1457, both fields at once: one sentence), a save while the phone has no
    connection, and an answer with a code the page does not know (a server failure: the browser's request routing
    answers it, the one thing here not from the real server). Each is shown as an error and the order keeps its
    instructions."""
    from playwright.sync_api import expect

    depot = tracked.admin.get("/v1/depots").json()["items"][0]["id"]
    body = {"external_ref": "LX-FR", "depot_id": depot, "date": DAY, "size": {"parcels": 1},
            "location": {"lat": SPOTS[1][0], "lng": SPOTS[1][1]}, "time_windows": [{"start": "14:00", "end": "16:00"}],
            "contact": {"name": "Camille", "email": "camille@example.org", "language": "fr"}}  # fmt: skip
    made = tracked.admin.post("/v1/orders", json=body)
    assert made.status_code == 201, made.text
    order_id = made.json()["id"]
    token = tracked.admin.post(f"/v1/live/orders/{order_id}/tracking-token").json()["token"]
    page = _phone(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{tracked.base}/t/{token}")
    expect(page.locator("h1")).to_have_text("Votre livraison")
    msg = page.locator("#instructions-msg")
    page.evaluate("() => { document.getElementById('instructions').value = 'x'.repeat(600);"
                  " document.getElementById('safe-where').value = 'y'.repeat(300); }")
    page.click("#instructions-save")
    expect(msg).to_have_text("Trop long : 500 caractères au plus pour les instructions, 200 pour le lieu sûr.")
    expect(msg).to_have_class("msg error")
    page.fill("#instructions", "Sonnez deux fois")
    page.fill("#safe-where", "")
    page.route("**/instructions", lambda route: route.abort())
    page.click("#instructions-save")
    expect(msg).to_have_text("Pas de connexion : réessayez une fois de nouveau en ligne.")
    page.unroute("**/instructions")
    failure = {"error": {"code": "E9000", "message": "internal error", "details": []}}
    page.route("**/instructions", lambda route: route.fulfill(status=503, json=failure))
    page.click("#instructions-save")
    expect(msg).to_have_text("Impossible d’enregistrer : réessayez plus tard ou contactez l’expéditeur.")
    page.unroute("**/instructions")
    page.click("#instructions-save")
    expect(msg).to_have_text("Enregistré : votre livreur le voit.")
    assert tracked.admin.get(f"/v1/orders/{order_id}").json()["data"]["instructions"] == "Sonnez deux fois"
    _axe_clean(page)
    assert errors == []


@pytest.mark.parametrize("kind", list(LOGOS))
def test_a_logo_in_the_header_loads_under_the_pages_real_policy(tracked: Tracked, browser: Any, kind: str) -> None:
    """With the organization's logo set (an https URL, answered here by the browser's request routing since this
    machine has no network; or a data: SVG served by Doorstep), the page under its real Content-Security-Policy
    draws the logo in the header with the sender's name as alt text, logs no console error (a refused image would
    be one) and axe-core finds no serious or critical violation."""
    from playwright.sync_api import expect

    rules = "/v1/organization/notification-rules"
    before = tracked.admin.get(rules).json()
    doc = {**before, "sender": {**before["sender"], "name": "Loja Exemplo", "logo_url": LOGOS[kind]}}
    assert tracked.admin.put(rules, json=doc).status_code == 200
    try:
        context = browser.new_context(viewport=PHONE, is_mobile=True)  # the page's own policy applies
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        fetched: list[str] = []

        def logo_server(route: Any) -> None:
            fetched.append(route.request.url)
            route.fulfill(status=200, content_type="image/png", body=_png(60, 24))

        page.route("https://cdn.loja.example/**", logo_server)
        page.goto(tracked.link(0))
        logo = page.locator("header.brand img#logo")
        expect(logo).to_have_attribute("alt", "Loja Exemplo")
        page.wait_for_function("() => document.getElementById('logo').complete")
        assert page.evaluate("() => document.getElementById('logo').naturalWidth") == 60
        assert fetched == ([LOGOS["https"]] if kind == "https" else [])
        page.screenshot(path=ARTIFACTS / f"tracking-logo-{kind}.png")
        assert errors == []
        context.close()
        checked = _phone(browser)  # axe needs the policy bypassed to inject its script
        checked.route("https://cdn.loja.example/**", logo_server)
        checked.goto(tracked.link(0))
        expect(checked.locator("header.brand img#logo")).to_be_visible()
        _axe_clean(checked)
        checked.context.close()
    finally:
        assert tracked.admin.put(rules, json=before).status_code == 200
