"""The driver PWA in Debian Chromium on a phone-sized screen: log in with a code, complete a stop with photo and
signature, go offline, complete another and fail a third, come back online; the dispatcher's API then shows all
three exactly once with their proofs. Screenshots land in test-artifacts/playwright-driver/."""

from __future__ import annotations

import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from tests.browser import axe_violations, running
from tests.web.driver_login import driver_logged_in

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright-driver"
CACHED_PATHS = """caches.keys()
  .then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.keys()))))
  .then(a => a.flat().map(r => new URL(r.url).pathname))"""
SPOTS = [(38.7205, -9.1400), (38.7250, -9.1500), (38.7300, -9.1450)]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG (what a phone camera would hand the file input)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@dataclass
class Site:
    """A running server with a published one-route day and its driver."""

    base: str
    api: httpx.Client
    route: dict[str, Any]
    driver_id: str
    dispatcher_email: str
    platform: Any = None  # the app's services (a test sets its geocoder)


def _fleet(api: httpx.Client, depot: dict[str, Any], offset: str) -> str:
    """A depot with one 10-parcel van working 08:00-18:00 on the test day; the depot's id."""
    dep = api.post("/v1/depots", json=depot).json()["id"]
    vt = api.post("/v1/vehicle-types", json={"name": f"Van {depot['name']}", "capacity": {"parcels": 10}}).json()["id"]
    veh = api.post("/v1/vehicles", json={"name": f"Van {depot['name']}", "type_id": vt, "depot_id": dep}).json()["id"]
    shift = {"vehicle_id": veh, "day": "2025-06-17", "start": f"2025-06-17T08:00:00{offset}",
             "end": f"2025-06-17T18:00:00{offset}"}  # fmt: skip
    assert api.post("/v1/shifts", json=shift).status_code == 201
    return str(dep)


def _publish(api: httpx.Client, dep: str, orders: list[dict[str, Any]], driver: str) -> dict[str, Any]:
    """Store the orders, plan the depot's day, publish it and assign its route to a new driver; the route."""
    made = api.post("/v1/orders/bulk", json={"orders": orders})
    assert made.status_code == 201, made.text
    opts = {"time_limit_s": 1, "max_iterations": 100, "seed": 1}
    plan_id = api.post("/v1/plans", json={"depot_id": dep, "date": "2025-06-17", "options": opts}).json()["id"]
    for _ in range(300):
        plan = api.get(f"/v1/plans/{plan_id}").json()
        if plan["status"] == "succeeded":
            break
        time.sleep(0.1)
    assert api.post(f"/v1/plans/{plan_id}/publish").status_code == 200
    route: dict[str, Any] = plan["routes"][0]
    drv = api.post("/v1/drivers", json={"name": driver}).json()["id"]
    assert api.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}).status_code == 200
    route["driver_id"] = drv
    return route


def _day(api: httpx.Client) -> tuple[dict[str, Any], str]:
    dep = _fleet(api, {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}, "+01:00")
    orders = [
        {"external_ref": f"PWA-{k}", "depot_id": dep, "date": "2025-06-17", "location": {"lat": lat, "lng": lng},
         "address": f"Rua Teste {k}", "contact": {"name": f"Client {k}", "phone": "+351 912 000 00{k}"},
         "instructions": "Ring twice", "time_windows": [{"start": "09:00", "end": "17:00"}], "service_s": 120,
         "size": {"parcels": 1}, "items": [
             {"sku": f"SH-{k}", "description": f"Shoes {k}", "quantity": 2, "barcode": f"SHOE-{k}"},
             {"description": "Gift bag", "barcode": f"BAG-{k}"}, {"description": "Card"}]}
        for k, (lat, lng) in enumerate(SPOTS)
    ]  # fmt: skip
    route = _publish(api, dep, orders, "Rita")
    return route, str(route["driver_id"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """uvicorn on SQLite with the dashboard and driver app mounted, and a published day."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pwa')}/pwa.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="pwa-test", webhook_tick_s=0))
    mount_web(app)
    p = app.state.platform
    email = f"pwa-{uuid.uuid4().hex[:8]}@example.com"
    org_id, _ = create_organization(p, "PWA courier", email, "pwa-password")
    _, key = create_api_key(p, system_actor(org_id), "dispatch", [Permission.READ, Permission.WRITE])
    auth = {"Authorization": f"Bearer {key}"}
    with running(app) as base, httpx.Client(base_url=base, headers=auth, timeout=30) as api:
        route, drv = _day(api)
        yield Site(base, api, route, drv, email, p)


def _sign(page: Any) -> None:
    box = page.locator("#signature").bounding_box()
    x, y = box["x"] + 30, box["y"] + 40
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 12):
        page.mouse.move(x + k * 20, y + (30 if k % 2 else 0), steps=3)
    page.mouse.up()


def _wait_events(site: Site, n: int) -> None:
    for _ in range(150):
        if len(site.api.get(f"/v1/routes/{site.route['id']}/stop-events").json()["events"]) >= n:
            return
        time.sleep(0.1)
    raise AssertionError(f"the server never had {n} stop events")


def _open(page: Any, n: int) -> None:
    page.click("#back-btn") if page.locator("#stop-view").is_visible() else None
    page.locator("li.stop").nth(n).click()
    page.wait_for_selector("#stop-view:not([hidden])")


def test_driver_day_offline_and_back(site: Site, browser: Any) -> None:
    """Complete with photo and signature online, complete and fail offline, sync: each recorded exactly once."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    code = site.api.post(f"/v1/drivers/{site.driver_id}/login-codes").json()["code"]
    first = next(s for s in site.route["data"]["stops"] if s.get("order_id"))["location"]
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
        geolocation={"latitude": first["lat"], "longitude": first["lng"], "accuracy": 10},
        permissions=["geolocation"],
    )  # fmt: skip
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.base}/driver")
    page.fill("#code", "WRONG-CODE")
    page.click("#login-btn")
    expect(page.locator("#login-error")).to_contain_text("E1410")
    page.fill("#code", code)
    page.click("#login-btn")
    expect(page.locator("li.stop")).to_have_count(3)
    page.wait_for_function("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready")
    page.screenshot(path=ARTIFACTS / "1-route.png")

    _open(page, 0)
    expect(page.locator("#stop-contact a[href^='tel:']")).to_have_count(1)
    expect(page.locator("#nav-link")).to_have_attribute(
        "href", f"geo:{first['lat']},{first['lng']}?q={first['lat']},{first['lng']}"
    )
    k = page.locator("#stop-title").inner_text().rsplit("-", 1)[1]
    items = page.locator("#stop-items li.item")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text(f"Shoes {k}")
    expect(items.first).to_contain_text(f"SH-{k}")
    expect(items.first).to_contain_text(f"SHOE-{k}")
    expect(page.locator("#items-scanned")).to_have_text("0/2 scanned")
    page.click("#arrive-btn")
    expect(page.locator("#stop-state")).to_contain_text("arrived")
    page.click("#complete-btn")
    expect(page.locator("#form-scanned")).to_have_text("0/2 scanned")
    page.fill("#barcode", f"SHOE-{k}")
    page.press("#barcode", "Enter")
    expect(page.locator("#form-scanned")).to_have_text("1/2 scanned")
    expect(page.locator("#stop-items li.item.scanned")).to_have_count(1)
    expect(page.locator("#stop-items li.item.scanned")).to_contain_text(f"SHOE-{k}")
    page.fill("#barcode", "PKG-0001")
    page.press("#barcode", "Enter")
    expect(page.locator("#barcodes li.unknown")).to_contain_text("PKG-0001")
    expect(page.locator("#form-scanned")).to_have_text("1/2 scanned")
    page.set_input_files(
        "#photo",
        files=[{"name": "door.png", "mimeType": "image/png", "buffer": png(1600, 1200, (200, 30, 30))}],
    )
    expect(page.locator("#photo-preview")).to_be_visible()
    _sign(page)
    page.fill("#recipient", "Ana Silva")
    page.screenshot(path=ARTIFACTS / "2-proof.png", full_page=True)
    page.click("#confirm-complete")
    _wait_events(site, 2)  # arrived, completed
    expect(page.locator(".badge.queued")).to_have_count(0)
    expect(page.locator("body")).to_have_attribute("data-pending-actions", "0")

    ctx.set_offline(True)
    _open(page, 1)
    page.click("#complete-btn")
    page.fill("#recipient", "Neighbour")
    _sign(page)
    page.click("#confirm-complete")
    expect(page.locator("body")).to_have_attribute("data-pending-actions", "1")
    _open(page, 2)
    page.click("#fail-btn")
    page.select_option("#reason", "not_home")
    page.click("#confirm-fail")
    expect(page.locator("body")).to_have_attribute("data-pending-actions", "2")
    expect(page.locator("#pending-count")).not_to_have_text("0")
    expect(page.locator("#net-status")).to_have_text("offline")
    page.click("#back-btn")
    expect(page.locator(".badge.queued")).to_have_count(2)
    page.screenshot(path=ARTIFACTS / "3-offline-queued.png", full_page=True)

    ctx.set_offline(False)
    expect(page.locator("body")).to_have_attribute("data-pending-actions", "0", timeout=20_000)
    expect(page.locator(".badge.queued")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "4-synced.png", full_page=True)
    cached = page.evaluate(CACHED_PATHS)
    assert "/static/app/driver.js" in cached and "/driver/" in cached and "/static/app/tiles.js" in cached
    assert not [c for c in cached if c.startswith("/v1/")]  # API answers are never cached
    assert errors == []

    events = site.api.get(f"/v1/routes/{site.route['id']}/stop-events").json()["events"]
    finished = [e for e in events if e["status"] in ("completed", "failed")]
    assert sorted(e["status"] for e in finished) == ["completed", "completed", "failed"]
    assert len({e["stop_id"] for e in finished}) == 3 and len({e["client_id"] for e in events}) == len(events)
    done = {e["order_id"]: e for e in finished}
    online = next(e for e in finished if e["proof"] and e["proof"]["recipient"] == "Ana Silva")
    k = site.api.get(f"/v1/orders/{online['order_id']}").json()["external_ref"].rsplit("-", 1)[1]
    assert online["proof"]["barcodes"] == [f"SHOE-{k}", "PKG-0001"] and online["flagged"] is False
    assert online["scan"] == {"expected": 2, "scanned": 1, "missing": [f"BAG-{k}"], "unknown": ["PKG-0001"]}
    photo = site.api.get(online["proof"]["photo"]["url"])
    assert photo.headers["content-type"] == "image/jpeg" and photo.content[:3] == b"\xff\xd8\xff"
    assert len(photo.content) < 200_000  # resized on the phone (1600x1200 -> 1280x960 JPEG)
    assert site.api.get(online["proof"]["signature"]["url"]).content[:8] == b"\x89PNG\r\n\x1a\n"
    offline = next(e for e in finished if e["proof"] and e["proof"]["recipient"] == "Neighbour")
    assert offline["proof"]["signature"] is not None and offline["proof"]["photo"] is None
    failed = next(e for e in finished if e["status"] == "failed")
    assert failed["reason"] == "not_home" and failed["proof"] is None
    statuses = {oid: site.api.get(f"/v1/orders/{oid}").json()["status"] for oid in done}
    assert sorted(statuses.values()) == ["delivered", "delivered", "failed"]
    trail = site.api.get(f"/v1/routes/{site.route['id']}/trail").json()["positions"]
    assert trail and abs(trail[0]["lat"] - first["lat"]) < 1e-6  # the phone's position was sent and stored
    _dispatcher_sees_the_proofs(site, browser)


def _dispatcher_sees_the_proofs(site: Site, browser: Any) -> None:
    """The dispatcher's live view lists the three finished stops once each, with the photo and signatures drawn."""
    from playwright.sync_api import expect

    drawn = "(s) => [...document.querySelectorAll(s)].filter((i) => i.complete && i.naturalWidth > 0).length"
    pictures = f"({drawn})('#pod img.pod-photo') === 1 && ({drawn})('#pod img.pod-signature') === 2"
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{site.base}/login")
    page.fill("input[type=email]", site.dispatcher_email)
    page.fill("input[type=password]", "pwa-password")
    page.keyboard.press("Enter")
    page.wait_for_url("**/app**")
    page.goto(f"{site.base}/app/live?date=2025-06-17")  # the live page shows one day: the published one
    expect(page.locator("#pod li.pod")).to_have_count(3, timeout=20_000)
    expect(page.locator("#pod li.pod.completed")).to_have_count(2)
    failed = page.locator("#pod li.pod.failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("not_home")
    ana = page.locator("#pod li.pod", has_text="Ana Silva")
    expect(ana).to_contain_text("PKG-0001")
    expect(ana.locator(".scan.short")).to_have_text("scanned 1/2")
    expect(ana.locator(".scan-unknown")).to_contain_text("not on the order: PKG-0001")
    expect(page.locator("#pod li.pod", has_text="Neighbour").locator(".scan")).to_have_text("scanned 0/2")
    page.wait_for_function(pictures)
    page.screenshot(path=ARTIFACTS / "5-dispatcher-proofs.png", full_page=True)


def test_installable_shell(site: Site) -> None:
    """The app is installable: manifest scoped to /driver/, a service worker allowed there, the page links both."""
    page = httpx.get(f"{site.base}/driver/").text
    assert 'rel="manifest" href="/driver/manifest.webmanifest"' in page and "driver.js" in page
    manifest = httpx.get(f"{site.base}/driver/manifest.webmanifest").json()
    assert manifest["start_url"] == "/driver/" and manifest["display"] == "standalone" and manifest["icons"]
    sw = httpx.get(f"{site.base}/driver/sw.js")
    assert sw.headers["service-worker-allowed"] == "/driver/" and "/static/app/driver.js" in sw.text
    assert httpx.get(f"{site.base}/driver", follow_redirects=False).headers["location"] == "/driver/"


TILE = png(256, 256, (210, 225, 210))


class _Tiles(BaseHTTPRequestHandler):
    """A tile server on another origin: PNG tiles with CORS, counting what it serves."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        """Serve the one test tile."""
        _Tiles.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(TILE)))
        self.end_headers()
        self.wfile.write(TILE)

    def log_message(self, *_args: Any) -> None:
        """Quiet."""


def _logged_in(ctx: Any, site: Site, driver_id: str | None = None, errors: list[str] | None = None) -> Any:
    """A page of ``ctx`` with the driver (the site's own unless named) logged in and their stops shown; page
    errors go to ``errors`` from the first load on."""
    page = ctx.new_page()
    code = site.api.post(f"/v1/drivers/{driver_id or site.driver_id}/login-codes").json()["code"]
    driver_logged_in(page, site.base, code, errors)
    page.wait_for_selector("body[data-ready='1'] li.stop")
    return page


def test_street_map_shows_attributed_tiles(site: Site, browser: Any) -> None:
    """Switching the street map on draws tiles from the tile server with the OpenStreetMap attribution, and the
    choice is remembered; off by default (no tile requests unless the driver asks)."""
    from playwright.sync_api import expect

    asked: list[str] = []

    def fake_tile(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=200, body=TILE, headers={"Content-Type": "image/png", "Access-Control-Allow-Origin": "*"})

    # service workers blocked so that Playwright sees (and fakes) the tile requests: no real tile traffic
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    try:
        ctx.route("https://tile.openstreetmap.org/**", fake_tile)
        page = _logged_in(ctx, site)
        assert page.locator(".leaflet-tile").count() == 0 and asked == []
        page.check("#tiles-toggle")
        expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
        expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap contributors")
        assert asked and all(u.endswith(".png") for u in asked)
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#tiles-toggle")).to_be_checked()
        page.screenshot(path=ARTIFACTS / "6-street-map.png")
    finally:
        ctx.close()


def test_viewed_tiles_are_kept_for_offline_use(site: Site, browser: Any) -> None:
    """The service worker keeps tiles already fetched (another origin's /z/x/y.png), answers them again without
    asking the server, and still has them when the network is gone; a tile never seen is not invented."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tile = f"http://127.0.0.1:{server.server_address[1]}/15/15565/12515.png"
    get = "(u) => fetch(u, {mode: 'cors'}).then(r => r.arrayBuffer()).then(b => b.byteLength).catch(() => -1)"
    kept = "caches.open('doorstep-driver-tiles-v1').then(c => c.keys()).then(k => k.map(r => r.url))"
    _Tiles.hits.clear()
    # A local stand-in for the tile server (another origin): the CSP admits only tile.openstreetmap.org, so it is
    # bypassed here; this test is about the service worker's cache.
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(f"{site.base}/driver/")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        assert page.evaluate(get, tile) == len(TILE)
        assert page.evaluate(get, tile) == len(TILE)
        assert _Tiles.hits == ["/15/15565/12515.png"]  # the second answer came from the cache
        assert page.evaluate(kept) == [tile]
        server.shutdown()
        ctx.set_offline(True)
        assert page.evaluate(get, tile) == len(TILE)
        assert page.evaluate(get, tile.replace("12515", "12516")) == -1
    finally:
        ctx.close()
        server.server_close()


def test_a_pin_placed_on_the_street_tells_the_driver_to_look(site: Site, browser: Any, monaco_network: Path) -> None:
    """Orders placed from their addresses (Monaco's address index): the stop whose pin is on its street only says
    so under the address; the one at its house says nothing more. No serious axe violation."""
    from playwright.sync_api import expect

    from doorstep.routing.address_lookup import LocalGeocoder

    api = site.api
    site.platform.geocoder = LocalGeocoder(monaco_network)
    try:
        dep = _fleet(
            api, {"name": "Port Hercule", "lat": 43.7320, "lng": 7.4180, "timezone": "Europe/Monaco"}, "+02:00"
        )
        wanted = (("MC-HOUSE", "6 Quai Antoine 1er, Monaco"), ("MC-STREET", "Avenue Princesse Grace 21"))
        orders = [
            {"external_ref": ref, "depot_id": dep, "date": "2025-06-17", "address": text, "size": {"parcels": 1}}
            for ref, text in wanted
        ]
        drv = _publish(api, dep, orders, "Marc")["driver_id"]
        phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
        ctx = browser.new_context(**phone, bypass_csp=True)  # the CSP bypassed for axe only
        errors: list[str] = []
        page = _logged_in(ctx, site, drv, errors)
        expect(page.locator("li.stop")).to_have_count(2)
        notes = {}
        for n in range(2):
            _open(page, n)
            ref = page.locator("#stop-title").inner_text().split(". ", 1)[1]
            notes[ref] = page.locator("#stop-pin").inner_text()
            if ref == "MC-STREET":
                expect(page.locator("#stop-pin")).to_be_visible()
                found = axe_violations(page)
                assert not found, "\n".join(found)
                page.screenshot(path=ARTIFACTS / "pin-on-street.png")
        assert notes == {"MC-HOUSE": "", "MC-STREET": "Pin on the street only: look for the house number."}
        assert errors == []
    finally:
        site.platform.geocoder = None
