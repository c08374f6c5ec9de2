"""The checkout widget in Debian Chromium on the demo shop page: it shows the windows of a demo address grouped by
day, holds one from the keyboard (with its countdown), the shop's own code confirms it, and the order appears on
the dashboard's orders page with that window; the plain-HTML form does the same without JavaScript; no serious
accessibility violation, no request leaves the Doorstep server."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.geo import LatLng
from doorstep.domain.learned import LearnedTimes
from doorstep.domain.reach import ReachObservation, learn_reach
from doorstep.services.kernel.learned_times import save_learned
from doorstep.store.migrate import upgrade
from doorstep.store.models import DepotRow
from doorstep.web.demo_shop import DemoShop, mount_demo_shop
from doorstep.web.mount import mount_web, templates
from tests.browser import axe_violations, log_in, running
from tests.web.workspace_site import DAY, PASSWORD, Org, two_van_day

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playwright-widget"
SPOT = {"external_ref": "W-1", "location": {"lat": 38.72, "lng": -9.14}}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, Org, str]]:
    """A server with a published two-van day, a slot policy, a publishable key and the demo shop page on it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('widget')}/widget.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="widget-test", webhook_tick_s=0))
    mount_web(app)
    with running(app) as base:
        day = two_van_day((base, app.state.platform), [SPOT])  # kept: its API client lives while it is suspended
        org = next(day)
        depot = org.api.get("/v1/depots").json()["items"][0]["id"]
        policy = {"zones": [{"id": "lx", "depot_id": depot, "radius_m": 15_000}],
                  "templates": [{"id": "std", "zone_id": "lx", "start": "08:00", "end": "18:00", "length_min": 120,
                                 "cutoff_min": 0, "max_orders": 3}],
                  "prices": [{"service_level": "standard", "length_min": 120, "price_cents": 450}]}  # fmt: skip
        assert org.api.put("/v1/slots/policy", json=policy).status_code == 200
        key = org.api.post("/v1/api-keys", json={"name": "shop", "scopes": ["checkout"]}).json()["secret"]
        mount_demo_shop(app, templates, DemoShop(key, "Rua Augusta 100, Lisboa", 38.7108, -9.1368, days=2))
        yield app, base, org, key


def _page(browser: Any, base: str, **context: Any) -> tuple[Any, list[str], list[str]]:
    """A page (CSP bypassed for axe) recording console errors and every request that leaves the server."""
    page = browser.new_context(bypass_csp=True, viewport={"width": 1000, "height": 1100}, **context).new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    return page, errors, outside


def _until(check: Any, seconds: float = 30.0) -> None:
    """Wait for a condition (the widget releases the first hold in the background)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def _embed(page: Any, base: str, key: str, lang: str, extra: str = "") -> None:
    """The widget in another site's page (cross-origin, as a shop embeds it) for the shop's address on DAY."""
    page.set_content(
        f'<!doctype html><html lang="{lang}"><head><title>Shop</title>'
        f'<link rel="stylesheet" href="{base}/widget/slots.css"></head><body><main><h1>Checkout</h1>'
        f"<div id='delivery' data-doorstep-key='{key}' data-lat='38.7108' data-lng='-9.1368' data-lang='{lang}' "
        f"data-date-from='{DAY}' data-date-to='{DAY}' {extra}></div></main>"
        f"<script src='{base}/widget/slots.js'></script></body></html>"
    )


def test_a_key_limited_to_its_shops_origin(site: tuple[Any, str, Org, str], browser: Any) -> None:
    """A shop's page served by the shop's own server (another loopback port: another origin than the API's) embeds
    the widget with a publishable key. Limited to that origin, the key shows the windows; limited to another
    shop's origin, Chromium's own Origin header gets it refused (E4007): the widget says windows cannot be shown
    here, offers no retry, and tells the shop's developer why in the console."""
    from playwright.sync_api import expect

    _, base, org, _ = site
    pages: dict[str, str] = {}
    with _shop_server(pages) as shop:
        for name, origins in (("ours", [shop]), ("theirs", ["https://other-shop.example"])):
            made = org.api.post("/v1/api-keys", json={"name": name, "scopes": ["checkout"], "origins": origins})
            assert made.status_code == 201, made.text
            pages[f"/{name}"] = (
                f'<!doctype html><html lang="en"><head><title>Shop</title>'
                f'<link rel="stylesheet" href="{base}/widget/slots.css"></head><body><main><h1>Checkout</h1>'
                f"<div id='delivery' data-doorstep-key='{made.json()['secret']}' data-lat='38.7108' "
                f"data-lng='-9.1368' data-date-from='{DAY}' data-date-to='{DAY}'></div></main>"
                f"<script src='{base}/widget/slots.js'></script></body></html>"
            )
        page, errors, _ = _page(browser, base)
        page.goto(f"{shop}/ours")
        expect(page.locator(f".dsw-day[data-day='{DAY}'] .dsw-slot").first).to_be_visible()
        assert errors == []
        page, errors, _ = _page(browser, base)
        warnings: list[str] = []
        page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        page.goto(f"{shop}/theirs")
        expect(page.locator(".dsw-status")).to_have_text("Delivery windows cannot be shown on this page.")
        expect(page.locator(".dsw-retry")).to_have_count(0)
        assert page.locator(".dsw-slot").count() == 0
        assert any("E4007" in w for w in warnings), warnings
        _shot(page, "widget-origin-refused.png")


@contextmanager
def _shop_server(pages: dict[str, str]) -> Iterator[str]:
    """The shop's own web server on a free loopback port, answering ``pages`` by path; yields its origin."""

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 204)  # 204: the browser's favicon request
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def test_widget_holds_and_the_shop_confirms(site: tuple[Any, str, Org, str], browser: Any) -> None:
    """Windows grouped by day with their price; Enter on one holds it, Enter on the next holds that one and gives
    the first back (pressed, countdown running); the shop's confirm makes the order, which the orders page lists
    with that window."""
    from playwright.sync_api import expect

    _, base, org, _ = site
    page, errors, outside = _page(browser, base)
    page.goto(f"{base}/demo/shop?lang=pt")
    day = page.locator(f".dsw-day[data-day='{DAY}']")
    expect(day.locator(".dsw-slot").first).to_be_visible()
    slots = day.locator(".dsw-slot")
    assert slots.count() >= 3
    expect(day.locator(".dsw-price").first).to_contain_text("4,50")  # Intl formats the euros for pt
    expect(page.locator(".dsw-title")).to_have_text("Janela de entrega")
    shown = page.evaluate("""() => { const w = DoorstepSlots.get(document.getElementById('delivery'));
        const count = (sel) => document.querySelectorAll(sel).length;
        return [w.offers.length, w.offers.filter(o => o.green).length, count('.dsw-slot'),
                count('.dsw-slot .dsw-green')];
    }""")
    assert shown[0] == shown[2] and shown[1] == shown[3]  # every offer a button, every green one marked
    assert axe_violations(page) == []
    _shot(page, "widget-offers.png")
    first = slots.nth(0)
    first.focus()
    page.keyboard.press("Enter")
    expect(first).to_have_attribute("aria-pressed", "true")
    first_hold = page.evaluate("() => DoorstepSlots.get(document.getElementById('delivery')).hold.id")
    chosen = slots.nth(1)
    start, window = chosen.get_attribute("data-start"), chosen.locator(".dsw-time").inner_text()
    page.keyboard.press("Tab")  # the next window, from the keyboard
    page.keyboard.press("Enter")
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(first).to_have_attribute("aria-pressed", "false")
    _until(lambda: org.api.get(f"/v1/slots/holds/{first_hold}").json()["status"] == "released")
    expect(page.locator(".dsw-status")).to_contain_text("Reservada para si até às")
    expect(page.locator(".dsw-clock")).to_contain_text("faltam 9:")
    assert axe_violations(page) == []
    _shot(page, "widget-held.png")
    name = f"Rita {uuid.uuid4().hex[:6]}"
    page.fill("#customer-name", name)
    page.click("#pay-btn")
    expect(page.locator("#shop-result")).to_contain_text("Thank you! Order ord_")
    expect(page.locator(".dsw-status")).to_contain_text("Entrega marcada:")
    expect(page.locator(".dsw-status")).to_contain_text(window)
    order_id = page.locator("#shop-result").get_attribute("data-order")
    _shot(page, "widget-confirmed.png")
    assert errors == [] and outside == []

    order = org.api.get(f"/v1/orders/{order_id}").json()
    assert order["data"]["contact"]["name"] == name and order["date"] == DAY
    assert order["data"]["time_windows"][0]["start"][:16] == str(start)[:16]
    dash, _, _ = _page(browser, base)
    log_in(dash, base, org.email, PASSWORD)
    dash.goto(f"{base}/app/orders?date={DAY}")
    dash.wait_for_selector("body[data-ready='1']")
    row = dash.locator(f"tr[data-id='{order_id}']")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text(window)
    _shot(dash, "dashboard-order.png")


def test_plain_form_without_javascript(site: tuple[Any, str, Org, str], browser: Any) -> None:
    """With JavaScript off the shop's fallback form opens the windows as radio buttons per day; submitting one
    holds it, shows its reference and links back to the shop with it; the shop's server confirms it."""
    from playwright.sync_api import expect

    _, base, org, _ = site
    page, _, outside = _page(browser, base, java_script_enabled=False)
    page.goto(f"{base}/demo/shop?lang=fr")
    page.click("#delivery button[type=submit]")
    expect(page.locator("h1")).to_have_text("Choisir un créneau de livraison")
    fieldset = page.locator("fieldset", has=page.locator(f"legend:has-text('{DAY}')"))
    radios = fieldset.locator("input[type=radio]")
    assert radios.count() >= 3
    radios.nth(0).check()
    page.click("button[type=submit]")
    expect(page.locator("#dsw-held")).to_contain_text("Réservé pour vous jusqu’à")
    hold_id = page.locator("#dsw-hold-id").inner_text()
    assert hold_id.startswith("hld_")
    assert page.locator("#dsw-back").get_attribute("href") == f"/demo/shop?doorstep_hold={hold_id}"
    _shot(page, "form-held.png")
    assert outside == []
    done = org.api.post(f"/v1/slots/holds/{hold_id}/confirm", json={"name": "Jean"})
    assert done.status_code == 201, done.text


def test_plain_form_is_accessible(site: tuple[Any, str, Org, str], browser: Any) -> None:
    """The plain form's page (rendered on the server) has no serious axe-core violation."""
    _, base, _, key = site
    page, errors, _ = _page(browser, base)
    page.goto(f"{base}/widget/form?key={key}&lat=38.7108&lng=-9.1368&lang=de&date_from={DAY}&date_to={DAY}")
    assert page.locator("input[type=radio]").count() >= 3
    assert axe_violations(page) == []
    _shot(page, "form-offers.png")
    assert errors == []


def test_suggested_windows_are_marked_usually_home(site: tuple[Any, str, Org, str], browser: Any) -> None:
    """With learned times on and the shop's address reached every day at 12-14 (never at 08-10), the offers'
    suggested windows — exactly the 12:00-14:00 ones — carry a visible "Usually home" mark with its meaning for
    screen readers, in the script and in the plain form; the page stays free of serious axe violations."""
    from playwright.sync_api import expect

    app, base, org, key = site
    p = app.state.platform
    depot = org.api.get("/v1/depots").json()["items"][0]["id"]
    with p.sessions() as s:
        org_id = s.scalar(select(DepotRow.org_id).where(DepotRow.id == depot))
    shop = LatLng(38.7108, -9.1368)
    habit = [ReachObservation(shop, d, 12, True) for d in range(7)] + [ReachObservation(shop, d, 8, False)
                                                                        for d in range(7)]  # fmt: skip
    with p.uow(org_id) as uow:
        save_learned(uow, LearnedTimes(learned_at=datetime.now(UTC), reach=learn_reach(habit * 10)))
        uow.commit()
    before, p.travel.learned = p.travel.learned, True
    try:
        page, errors, outside = _page(browser, base)
        page.goto(f"{base}/demo/shop?lang=en")
        day = page.locator(f".dsw-day[data-day='{DAY}']")
        expect(day.locator(".dsw-slot").first).to_be_visible()
        shown = page.evaluate("""() => { const w = DoorstepSlots.get(document.getElementById('delivery'));
            return [w.offers.filter(o => o.suggested).map(o => o.start.slice(11, 16)),
                    [...document.querySelectorAll(".dsw-slot[data-suggested=true]")]
                        .map(b => b.dataset.start.slice(11, 16)),
                    document.querySelectorAll('.dsw-slot .dsw-home').length];
        }""")  # fmt: skip
        assert shown[0] and set(shown[0]) == {"12:00"} and shown[1] == shown[0] and shown[2] == len(shown[0])
        mark = day.locator(".dsw-slot[data-suggested=true] .dsw-home").first
        expect(mark).to_contain_text("Usually home")
        expect(mark.locator(".dsw-sr")).to_have_text(" (you are usually reached at this time)")
        assert axe_violations(page) == []
        _shot(page, "widget-usually-home.png")
        assert errors == [] and outside == []
        form, _, _ = _page(browser, base)
        form.goto(f"{base}/widget/form?key={key}&lat=38.7108&lng=-9.1368&lang=de&date_from={DAY}&date_to={DAY}")
        marked = form.locator("label", has=form.locator(".dsw-home"))
        assert marked.count() == 1 and "12:00" in marked.inner_text() and "Meist zu Hause" in marked.inner_text()
        assert axe_violations(form) == []
    finally:
        p.travel.learned = before


def test_same_day_and_express_windows_are_named(
    site: tuple[Any, str, Org, str], browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the delivery day's morning, with a same-day and an express level, the widget embedded in another site's
    page (cross-origin, as a shop embeds it) and the plain form name those two windows ("No próprio dia",
    "Expresso"; "Am selben Tag" in German) and no scheduled one; no serious axe violation."""
    from playwright.sync_api import expect

    app, base, org, key = site
    saved = org.api.get("/v1/slots/policy").json()
    policy = saved["policy"]
    levels = [{"id": "sameday", "kind": "same_day", "cutoff": "13:00", "until": "20:00", "max_orders": 5},
              {"id": "xpress", "kind": "express", "within_min": 180, "max_orders": 5, "price_cents": 990}]  # fmt: skip
    r = org.api.put(f"/v1/slots/policy?version={saved['version']}", json={**policy, "service_levels": levels})
    assert r.status_code == 200, r.text
    morning = datetime.fromisoformat(f"{DAY}T09:00:00+00:00")  # before the cut-off in Lisbon, summer or winter
    monkeypatch.setattr(app.state.platform, "clock", lambda: morning)
    try:
        page, errors, _ = _page(browser, base)
        _embed(page, base, key, "pt")
        kinds = page.locator(".dsw-slot .dsw-kind")
        expect(kinds).to_have_count(2)
        expect(page.locator(".dsw-slot[data-level='sameday'] .dsw-kind")).to_have_text("No próprio dia")
        expect(page.locator(".dsw-slot[data-level='xpress'] .dsw-kind")).to_have_text("Expresso")
        expect(page.locator(".dsw-slot[data-level='standard'] .dsw-kind")).to_have_count(0)
        assert axe_violations(page) == []
        _shot(page, "widget-same-day-express.png")
        assert errors == []
        form, _, _ = _page(browser, base)
        form.goto(f"{base}/widget/form?key={key}&lat=38.7108&lng=-9.1368&lang=de&date_from={DAY}&date_to={DAY}")
        named = form.locator("label .dsw-kind")
        expect(named).to_have_count(2)
        assert sorted(named.all_inner_texts()) == ["Am selben Tag", "Express"]
    finally:
        monkeypatch.undo()  # the session's clock again (the morning can be 33 hours ahead: the session ended there)
        back = org.api.put(f"/v1/slots/policy?version={r.json()['version']}", json=policy)
        assert back.status_code == 200, back.text


def _pickup_level(org: Org) -> tuple[dict[str, Any], int, str]:
    """Give the site's slot policy a pickup level: (the policy before, to put back; its version now; the depot)."""
    saved = org.api.get("/v1/slots/policy").json()
    level = {"id": "collect", "kind": "pickup", "price_cents": 199}
    r = org.api.put(f"/v1/slots/policy?version={saved['version']}",
                    json={**saved["policy"], "service_levels": [level]})  # fmt: skip
    assert r.status_code == 200, r.text
    return saved["policy"], int(r.json()["version"]), org.api.get("/v1/depots").json()["items"][0]["id"]


def test_pickup_points_near_the_address_and_a_point_s_day(site: tuple[Any, str, Org, str], browser: Any) -> None:
    """With the pickup option, the widget (embedded in another site's page) offers "To my address" and "Pickup
    point"; the second lists the active points near the address, nearest first with kind and distance; choosing
    one shows its day (its opening hours, the level's price; a locker open all day 00:00-24:00), holding and
    confirming it books an order to that point, announced with the point's name; from the keyboard, no serious
    axe violation. The plain form (no JavaScript) with ``pickup=1`` lists the same points' days under the
    address's windows and holds one."""
    from playwright.sync_api import expect

    _, base, org, key = site
    policy, version, depot = _pickup_level(org)
    week = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    made = []
    for name, kind, lat, lng, hours in (
        ("Papelaria Rossio", "counter", 38.7139, -9.1394, [["09:00", "19:00"]]),
        ("Cacifo Chiado", "locker", 38.7107, -9.1425, [["00:00", "24:00"]]),
        ("Fechado", "counter", 38.7112, -9.1370, [["09:00", "19:00"]]),
    ):
        body = {"name": name, "kind": kind, "lat": lat, "lng": lng, "address": f"{name}, Lisboa", "depot_id": depot,
                "hours": dict.fromkeys(week, hours), "capacity_parcels": 20, "active": name != "Fechado"}  # fmt: skip
        made.append(org.api.post("/v1/pickup-points", json=body).json()["id"])
    try:
        page, errors, outside = _page(browser, base)
        _embed(page, base, key, "en", "data-pickup='true'")
        door, point = page.locator(".dsw-mode[data-mode='door']"), page.locator(".dsw-mode[data-mode='point']")
        expect(door).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".dsw-slot").first).to_be_visible()  # the address's windows first
        point.focus()
        page.keyboard.press("Enter")
        expect(point).to_have_attribute("aria-pressed", "true")
        points = page.locator(".dsw-point")
        expect(points).to_have_count(2)  # the inactive point is not offered
        expect(page.locator(".dsw-slot")).to_have_count(0)
        names = [points.nth(i).locator(".dsw-pname").inner_text() for i in range(2)]
        assert names == ["Papelaria Rossio", "Cacifo Chiado"]  # about 410 m and 490 m from the address
        expect(points.nth(0).locator(".dsw-pkind")).to_have_text("Shop counter")
        expect(points.nth(1).locator(".dsw-pkind")).to_have_text("Parcel locker")
        expect(points.nth(0).locator(".dsw-pdist")).to_have_text("410 m away")
        expect(page.locator(".dsw-status")).to_have_text("Choose a pickup point to see its days.")
        assert axe_violations(page) == []
        _shot(page, "widget-pickup-points.png")
        points.nth(1).click()  # the locker, open all day: 00:00-24:00 (not 00:00-00:00)
        expect(page.locator(f".dsw-day[data-day='{DAY}'] .dsw-slot .dsw-time")).to_have_text("00:00–24:00")
        points.nth(0).focus()
        page.keyboard.press("Enter")
        expect(points.nth(0)).to_have_attribute("aria-pressed", "true")
        slot = page.locator(f".dsw-day[data-day='{DAY}'] .dsw-slot")
        expect(slot).to_have_count(1)
        expect(slot.locator(".dsw-time")).to_have_text("09:00–19:00")
        expect(slot.locator(".dsw-price")).to_have_text("€1.99")
        slot.focus()
        page.keyboard.press("Enter")
        expect(slot).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".dsw-status")).to_contain_text("Held for you until")
        assert axe_violations(page) == []
        res = page.evaluate("() => DoorstepSlots.get(document.getElementById('delivery')).confirm({name: 'Rui'})")
        expect(page.locator(".dsw-status")).to_contain_text("Collection booked at Papelaria Rossio:")
        expect(page.locator(".dsw-status")).to_contain_text("09:00–19:00")
        expect(door).to_be_disabled()
        _shot(page, "widget-pickup-booked.png")
        assert errors == [] and outside == []
        order = org.api.get(f"/v1/orders/{res['order_id']}").json()
        assert order["data"]["pickup_point_id"] == made[0] and order["date"] == DAY
        assert order["data"]["location"] == {"lat": 38.7139, "lng": -9.1394}
        form, form_errors, _ = _page(browser, base)  # the server renders it all (axe needs the page's scripting)
        form.goto(f"{base}/widget/form?key={key}&lat=38.7108&lng=-9.1368&lang=pt&date_from={DAY}&date_to={DAY}"
                  "&pickup=1")  # fmt: skip
        sets = form.locator("fieldset.dsw-pointset")
        expect(sets).to_have_count(2)
        expect(sets.nth(0).locator("legend")).to_have_text("Ponto de recolha: Papelaria Rossio · Loja · a 410 m")
        locker = sets.nth(1)
        expect(locker.locator("legend")).to_have_text(
            "Ponto de recolha: Cacifo Chiado · Cacifo de encomendas · a 500 m"
        )
        expect(locker.locator(".dsw-time")).to_have_text("00:00–24:00")
        assert axe_violations(form) == []
        _shot(form, "form-pickup.png")
        locker.locator("input[type=radio]").check()
        form.click("button[type=submit]")
        expect(form.locator("#dsw-held")).to_contain_text("Reservada para si até às")
        expect(form.locator("time")).to_contain_text("00:00–24:00")
        held_id = form.locator("#dsw-hold-id").inner_text()
        assert org.api.get(f"/v1/slots/holds/{held_id}").json()["status"] == "held"
        assert form_errors == []
    finally:
        back = org.api.put(f"/v1/slots/policy?version={version}", json=policy)
        assert back.status_code == 200, back.text


def test_an_address_instead_of_coordinates(site: tuple[Any, str, Org, str], browser: Any, monaco_network: Path) -> None:
    """``data-address`` and no coordinates: the widget asks by address and keeps the place the server gave
    (Monaco, outside this Lisbon policy's zone: "no window for this address"); an address the index cannot place
    says so, with no retry button (trying again cannot help), from the keyboard-reachable status; the plain form
    takes ``address=`` and names the problem. No serious axe violation, nothing leaves the server."""
    from playwright.sync_api import expect

    from doorstep.routing.address_lookup import LocalGeocoder

    app, base, _, key = site
    platform = app.state.platform
    platform.geocoder = LocalGeocoder(monaco_network)
    try:
        page, errors, outside = _page(browser, base)
        asked: list[dict[str, Any]] = []
        page.on("request", lambda r: asked.append(r.post_data_json) if r.url.endswith("/v1/slots/offers") else None)
        page.set_content(
            f'<!doctype html><html lang="en"><head><title>Shop</title>'
            f'<link rel="stylesheet" href="{base}/widget/slots.css"></head><body><main><h1>Checkout</h1>'
            f"<div id='here' data-doorstep-key='{key}' data-address='6 Quai Antoine 1er, Monaco' "
            f"data-date-from='{DAY}' data-date-to='{DAY}'></div>"
            f"<div id='nowhere' data-doorstep-key='{key}' data-address='Zyxwvutstraße 3' "
            f"data-date-from='{DAY}' data-date-to='{DAY}'></div></main>"
            f"<script src='{base}/widget/slots.js'></script></body></html>"
        )
        expect(page.locator("#here .dsw-status")).to_have_text("No delivery window is available for this address.")
        expect(page.locator("#nowhere .dsw-status")).to_have_text("We could not find this address: please check it.")
        assert page.locator("#nowhere .dsw-retry").count() == 0
        assert {a.get("address") for a in asked} == {"6 Quai Antoine 1er, Monaco", "Zyxwvutstraße 3"}
        assert all("location" not in a for a in asked)
        kept = page.evaluate("() => DoorstepSlots.get(document.getElementById('here')).o.location")
        house = LocalGeocoder(monaco_network).geocode("6 Quai Antoine 1er").best
        assert house is not None and LatLng(kept["lat"], kept["lng"]) == house.location
        assert axe_violations(page) == []
        _shot(page, "widget-address.png")
        assert outside == [] and [e for e in errors if "status of 422" not in e] == []  # the 422 is the refusal
        form, _, _ = _page(browser, base, java_script_enabled=False)
        form.goto(f"{base}/widget/form?key={key}&address=Zyxwvutstraße%203&lang=en&date_from={DAY}&date_to={DAY}")
        expect(form.locator("body")).to_contain_text("not found")
        assert form.locator("input[type=radio]").count() == 0
    finally:
        platform.geocoder = None


def test_pickup_points_by_the_walk(site: tuple[Any, str, Org, str], browser: Any, monaco_foot: Path) -> None:
    """On a deployment with a walking network, a Monaco customer's pickup points come nearest walk first, each
    with its minutes and metres on foot: the locker 377 m away in a straight line (a 5-minute walk) before the
    counter 227 m away below the cliff (a 37-minute walk). No serious axe violation, nothing leaves the server.
    (The plain form lists only points with a day, and this Lisbon fleet reaches none in Monaco: its label is
    ``_away``'s, tested in test_widget.py.)"""
    from playwright.sync_api import expect

    from doorstep.routing.osrm_local import OsrmLocalProvider

    app, base, org, key = site
    platform = app.state.platform
    policy, version, depot = _pickup_level(org)
    made = []
    for name, kind, lat, lng in (("Tabac du Rocher", "counter", 43.743908, 7.412955),
                                 ("Casier Moneghetti", "locker", 43.748802, 7.415927)):  # fmt: skip
        body = {"name": name, "kind": kind, "lat": lat, "lng": lng, "address": f"{name}, Monaco", "depot_id": depot,
                "hours": {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                "capacity_parcels": 20}  # fmt: skip
        made.append(org.api.post("/v1/pickup-points", json=body).json()["id"])
    platform.travel.foot = OsrmLocalProvider(monaco_foot)
    try:
        page, errors, outside = _page(browser, base)
        page.set_content(
            f'<!doctype html><html lang="en"><head><title>Shop</title>'
            f'<link rel="stylesheet" href="{base}/widget/slots.css"></head><body><main><h1>Checkout</h1>'
            f"<div id='delivery' data-doorstep-key='{key}' data-lat='43.745539' data-lng='7.414646' "
            f"data-lang='en' data-pickup='true' data-date-from='{DAY}' data-date-to='{DAY}'></div></main>"
            f"<script src='{base}/widget/slots.js'></script></body></html>"
        )
        point = page.locator(".dsw-mode[data-mode='point']")
        point.click()
        points = page.locator(".dsw-point")
        expect(points).to_have_count(2)
        expect(points.locator(".dsw-pname")).to_have_text(["Casier Moneghetti", "Tabac du Rocher"])
        expect(points.locator(".dsw-pdist")).to_have_text(["5 min walk (410 m)", "37 min walk (3.1 km)"])
        assert axe_violations(page) == []
        _shot(page, "widget-pickup-walk.png")
        assert errors == [] and outside == []
    finally:
        platform.travel.foot = None
        for point_id in made:
            assert org.api.delete(f"/v1/pickup-points/{point_id}").status_code == 204
        back = org.api.put(f"/v1/slots/policy?version={version}", json=policy)
        assert back.status_code == 200, back.text


def test_address_suggestions_on_the_shops_field(
    site: tuple[Any, str, Org, str], browser: Any, monaco_network: Path
) -> None:
    """The shop's own address field with ``data-doorstep-address``: before an address the widget asks for one;
    typing suggests addresses (an ARIA combobox: arrows, Enter), two letters ask nothing; choosing one puts its
    text in the field, fires ``doorstep:address`` and asks the windows at the suggestion's place (Monaco, outside
    this Lisbon zone); typing again forgets the place. No serious axe violation with the list open, nothing
    leaves the server."""
    from playwright.sync_api import expect

    from doorstep.routing.address_lookup import LocalGeocoder

    app, base, _, key = site
    platform = app.state.platform
    platform.geocoder = LocalGeocoder(monaco_network)
    try:
        page, errors, outside = _page(browser, base)
        suggest_asks: list[str] = []
        offers_asked: list[dict[str, Any]] = []
        page.on("request", lambda r: suggest_asks.append(r.url) if "/v1/geocode/suggest" in r.url else None)
        offers = "/v1/slots/offers"
        page.on("request", lambda r: offers_asked.append(r.post_data_json) if r.url.endswith(offers) else None)
        page.set_content(
            f'<!doctype html><html lang="fr"><head><title>Boutique</title>'
            f'<link rel="stylesheet" href="{base}/widget/slots.css"></head><body><main><h1>Commande</h1>'
            "<label for='addr'>Adresse de livraison</label> <input id='addr' data-doorstep-address='delivery'>"
            f"<div id='delivery' data-doorstep-key='{key}' data-lang='fr' data-date-from='{DAY}' "
            f"data-date-to='{DAY}'></div></main><script src='{base}/widget/slots.js'></script></body></html>"
        )
        expect(page.locator("#delivery .dsw-status")).to_have_text(
            "Saisissez votre adresse pour voir les créneaux de livraison."
        )
        page.evaluate("() => { window.chosen = []; document.getElementById('addr').addEventListener("
                      "'doorstep:address', (e) => window.chosen.push(e.detail)); }")  # fmt: skip
        field = page.locator("#addr")
        field.press_sequentially("Qu", delay=30)
        page.wait_for_timeout(400)
        assert suggest_asks == [] and offers_asked == []  # two letters ask nothing; no address, no offers
        field.press_sequentially("ai Antoine 1er 6", delay=30)
        options = page.locator("#addr ~ .dsw-suggest [role=option]")
        expect(options.first).to_have_text("6 Quai Antoine 1er, 98000 Monaco")
        expect(field).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#addr ~ .dsw-sr[role=status]")).to_contain_text("Adresses trouvées : 1.")
        assert axe_violations(page) == []
        _shot(page, "widget-suggestions.png")
        field.press("ArrowDown")
        expect(options.first).to_have_attribute("aria-selected", "true")
        assert field.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
        field.press("Enter")
        expect(field).to_have_value("6 Quai Antoine 1er, 98000 Monaco")
        expect(field).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#delivery .dsw-status")).to_have_text(
            "Aucun créneau de livraison n’est disponible pour cette adresse."
        )
        house = LocalGeocoder(monaco_network).geocode("6 Quai Antoine 1er").best
        assert house is not None
        chosen = page.evaluate("() => window.chosen")
        assert [(c["text"], c["precision"]) for c in chosen] == [("6 Quai Antoine 1er, 98000 Monaco", "address")]
        assert LatLng(chosen[0]["location"]["lat"], chosen[0]["location"]["lng"]) == house.location
        assert [LatLng(**a["location"]) for a in offers_asked] == [house.location]
        field.press("Backspace")  # typing again: the place is forgotten until the next choice
        expect(page.locator("#delivery .dsw-status")).to_have_text(
            "Saisissez votre adresse pour voir les créneaux de livraison."
        )
        expect(options.first).to_be_visible()
        field.press("Escape")
        expect(field).to_have_attribute("aria-expanded", "false")
        assert len(offers_asked) == 1
        assert errors == [] and outside == []
    finally:
        platform.geocoder = None
