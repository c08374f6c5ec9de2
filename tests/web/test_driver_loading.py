"""The driver app's "Load the van" view in Debian Chromium on a phone-sized screen: scanning (typed, as a barcode
scanner's keyboard input does) loads the van's parcels, ignores a repeat, warns about another van's parcel naming
that van and about an unknown code, works offline (scans queue and are judged from the van's own list), and the
done-loading check lists what is missing; axe finds nothing serious. Screenshots land in
test-artifacts/playwright-loading/."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
from tests.web.test_driver_app import ARTIFACTS as DRIVER_ARTIFACTS

ARTIFACTS = DRIVER_ARTIFACTS.parent / "playwright-loading"
SPOTS = [(38.7205, -9.1400), (38.7250, -9.1500), (38.7300, -9.1450), (38.7400, -9.1300)]


@dataclass
class Site:
    """A running server with a published two-van day: van A's route and driver, and every order's barcode."""

    base: str
    api: httpx.Client
    routes: dict[str, dict[str, Any]]  # by van name
    driver_id: str
    codes: dict[str, str]  # external ref -> barcode


def _wait_plan(api: httpx.Client, plan_id: str) -> dict[str, Any]:
    for _ in range(300):
        plan: dict[str, Any] = api.get(f"/v1/plans/{plan_id}").json()
        if plan["status"] == "succeeded":
            return plan
        time.sleep(0.1)
    raise AssertionError("the plan never finished")


def _day(api: httpx.Client) -> tuple[dict[str, dict[str, Any]], str, dict[str, str]]:
    depot = {"name": "Armazém", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}
    dep = api.post("/v1/depots", json=depot).json()["id"]
    vt = api.post("/v1/vehicle-types", json={"name": "Van", "capacity": {"parcels": 2}}).json()["id"]
    for name in ("Van A", "Van B"):
        veh = api.post("/v1/vehicles", json={"name": name, "type_id": vt, "depot_id": dep}).json()["id"]
        shift = {"vehicle_id": veh, "day": "2025-06-17", "start": "2025-06-17T08:00:00+01:00",
                 "end": "2025-06-17T18:00:00+01:00"}  # fmt: skip
        assert api.post("/v1/shifts", json=shift).status_code == 201
    codes = {f"LD-{k}": f"PKG-{k}00{k}" for k in range(len(SPOTS))}
    orders = [
        {"external_ref": ref, "depot_id": dep, "date": "2025-06-17", "location": {"lat": lat, "lng": lng},
         "address": f"Rua da Carga {k}", "contact": {"name": "João Gonçalves"}, "service_s": 120,
         "size": {"parcels": 1}, "items": [{"description": f"Caixa {k}", "barcode": codes[ref]}]}
        for k, ((lat, lng), ref) in enumerate(zip(SPOTS, codes, strict=True))
    ]  # fmt: skip
    assert api.post("/v1/orders/bulk", json={"orders": orders}).status_code == 201
    opts = {"time_limit_s": 1, "max_iterations": 100, "seed": 1}
    plan_id = api.post("/v1/plans", json={"depot_id": dep, "date": "2025-06-17", "options": opts}).json()["id"]
    plan = _wait_plan(api, plan_id)
    assert api.post(f"/v1/plans/{plan_id}/publish").status_code == 200
    routes = {r["data"]["vehicle_name"]: r for r in plan["routes"]}
    assert set(routes) == {"Van A", "Van B"}
    drv = api.post("/v1/drivers", json={"name": "Rita Luís"}).json()["id"]
    body = {"driver_id": drv, "version": 1}
    assert api.post(f"/v1/routes/{routes['Van A']['id']}/assign", json=body).status_code == 200
    return routes, drv, codes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """uvicorn on SQLite with the driver app mounted, and a published two-van day."""
    url = f"sqlite:///{tmp_path_factory.mktemp('load')}/load.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="load-test", webhook_tick_s=0))
    mount_web(app)
    p = app.state.platform
    org_id, _ = create_organization(p, "Load courier", f"load-{uuid.uuid4().hex[:8]}@example.com", "load-password")
    _, key = create_api_key(p, system_actor(org_id), "dispatch", [Permission.READ, Permission.WRITE])
    with running(app) as base, httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        routes, drv, codes = _day(api)
        yield Site(base, api, routes, drv, codes)


def _refs(site: Site, van: str) -> list[str]:
    return [s["external_ref"] for s in site.routes[van]["data"]["stops"] if s["type"] == "delivery"]


def _scan(page: Any, code: str) -> None:
    page.fill("#load-code", code)
    page.press("#load-code", "Enter")


def test_loading_scan_in_the_driver_app(site: Site, browser: Any) -> None:
    """Van A's driver scans one parcel (1/2 loaded, ticked), the same again (ignored), van B's parcel (a warning
    naming Van B), an unknown code (reported); offline, the van's other parcel is judged loaded from its own list
    and sent on reconnect; the check then reports nothing missing; the route's timeline holds the scans."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mine, theirs = _refs(site, "Van A"), _refs(site, "Van B")
    code = site.api.post(f"/v1/drivers/{site.driver_id}/login-codes").json()["code"]
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, bypass_csp=True)  # fmt: skip
    page = ctx.new_page()
    errors = driver_logged_in(page, site.base, code)
    expect(page.locator("li.stop")).to_have_count(2)
    page.click("#load-btn")
    expect(page.locator("#load-view")).to_be_visible()
    expect(page.locator("#load-title")).to_have_text("Load Van A")
    rows = page.locator("#load-items li.item")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(mine[1])  # the last delivered goes in first
    expect(page.locator("#load-progress")).to_have_text("0/2 loaded")

    _scan(page, site.codes[mine[1]])
    expect(page.locator("#load-last")).to_have_text(f"{mine[1]} (stop 2) loaded: 1/2")
    expect(page.locator("#load-progress")).to_have_text("1/2 loaded")
    expect(page.locator(f"#load-items li.item.scanned[data-code='{site.codes[mine[1]]}']")).to_have_count(1)
    _scan(page, site.codes[mine[1]])
    expect(page.locator("#load-last")).to_have_text(f"{site.codes[mine[1]]} was scanned already: ignored")
    _scan(page, site.codes[theirs[0]])
    warning = f"{site.codes[theirs[0]]} is {theirs[0]} of Van B: not this van, take it to Van B"
    expect(page.locator("#load-last")).to_have_text(warning)
    _scan(page, "NOPE-42")
    expect(page.locator("#load-last")).to_have_text("NOPE-42 is on no parcel of today's routes")
    expect(page.locator("#load-warnings li")).to_have_text([warning, "NOPE-42 is on no parcel of today's routes"])
    page.screenshot(path=ARTIFACTS / "1-scans.png", full_page=True)
    assert axe_violations(page) == []

    ctx.set_offline(True)
    _scan(page, site.codes[mine[0]])
    expect(page.locator("#load-last")).to_have_text(f"{mine[0]} (stop 1) loaded (waiting to sync)")
    expect(page.locator("#load-progress")).to_have_text("2/2 loaded")
    page.screenshot(path=ARTIFACTS / "2-offline.png", full_page=True)
    ctx.set_offline(False)
    page.click("#load-done-btn")
    expect(page.locator("#load-summary")).to_have_text("Loading checked: every parcel with a barcode is loaded.")
    expect(page.locator("#load-last")).to_have_text(f"{mine[0]} (stop 1) loaded: 2/2")
    page.screenshot(path=ARTIFACTS / "3-checked.png", full_page=True)
    assert axe_violations(page) == []

    events = site.api.get(f"/v1/routes/{site.routes['Van A']['id']}/timeline").json()
    loads = [(e["type"], e["data"].get("outcome"), e["data"].get("missing")) for e in events if "load." in e["type"]]
    assert loads == [("load.scanned", "loaded", None), ("load.scanned", "foreign", None),
                     ("load.scanned", "unknown", None), ("load.scanned", "loaded", None),
                     ("load.checked", None, [])]  # fmt: skip
    assert errors == []
    ctx.close()
