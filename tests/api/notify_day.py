"""Customer-message test helpers: an app wired to a real SMTP server and a local Twilio-compatible SMS provider
(module-scoped), and a published day whose six orders have customers with languages, emails and phones."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.store.models import EventHandlingRow
from doorstep.store.models_messages import MessageRow
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.driver_day import login
from tests.api.test_plans import SPOTS, plan_now, two_vans, wait
from tests.notify.servers import SmsServer, SmtpServer

LANGUAGES = ("en", "fr", "de", "es", "pt", "")
PUBLIC = "https://track.example"


@dataclass
class Notifying:
    """The app and its servers."""

    client: TestClient
    smtp: SmtpServer
    sms: SmsServer


def notify_settings(db_url: str, smtp: SmtpServer, sms: SmsServer) -> Settings:
    """Settings of an app sending customer messages to these local servers, with no tickers (tests send and
    dispatch when they choose)."""
    return Settings(
        database_url=db_url, secret_key="test-secret", rate_limit_per_minute=1_000_000, webhook_tick_s=0,
        event_tick_s=0, notify_tick_s=0, smtp_url=smtp.url, smtp_from="Loja Exemplo <envios@loja.example>",
        sms_url=sms.url, sms_from="+351910000000", public_url=PUBLIC, sms_rate_per_s=20,
    )  # fmt: skip


@pytest.fixture(scope="module")
def notifying(db_url: str) -> Iterator[Notifying]:
    """An app sending customer messages to local servers (no tickers: tests send when they choose)."""
    smtp, sms = SmtpServer(), SmsServer()
    smtp.start()
    sms.start()
    with TestClient(create_app(notify_settings(db_url, smtp, sms))) as c:
        yield Notifying(c, smtp, sms)
    smtp.stop()
    sms.stop()


@dataclass
class CustomerDay:
    """A tenant's published day: orders by index, their creation warnings, routes, drivers and app headers."""

    t: Tenant
    orders: list[str]
    warnings: list[dict[str, Any]]
    plan: dict[str, Any]
    drivers: list[str]
    tokens: list[dict[str, str]]

    def email_of(self, k: int) -> str:
        """The email address of order k's customer (unique per tenant)."""
        return f"customer{k}.{self.t.org_id.lower()}@example.org"


def customer(t: Tenant, k: int) -> dict[str, Any]:
    """Order k's contact: language LANGUAGES[k]; order 5's email and order 3's phone are unusable; orders 0-2
    have a mobile number."""
    email = f"customer{k}.{t.org_id.lower()}@example.org" if k != 5 else "customer5-at-example.org"
    phone = {0: "+351 912 000 000", 1: "+351 912 000 001", 2: "00351 912 000 002", 3: "912 000 003"}.get(k, "")
    return {"name": f"Cliente {k}", "email": email, "phone": phone, "language": LANGUAGES[k]}


def customer_day(c: TestClient, dispatch: bool = True) -> CustomerDay:
    """Six orders with customers, planned on two vans, published, one driver per route; dispatched unless told."""
    t = make_tenant(c)
    two_vans(c, t, parcels=3)
    items = [
        t.order(f"O-{k}", location={"lat": SPOTS[k][0], "lng": SPOTS[k][1]}, contact=customer(t, k)) for k in range(6)
    ]
    r = c.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert r.status_code == 201, r.text
    orders = [o["id"] for o in r.json()["orders"]]
    plan = plan_now(c, t)
    assert plan["status"] == "succeeded" and plan["unassigned"] == [], plan
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    drivers, tokens = [], []
    for k, route in enumerate(plan["routes"]):
        drv = c.post("/v1/drivers", json={"name": f"Driver {k}"}, headers=t.h()).json()["id"]
        resp = c.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}, headers=t.h())
        assert resp.status_code == 200, resp.text
        drivers.append(drv)
        tokens.append(login(c, t, drv))
    day = CustomerDay(t, orders, r.json()["warnings"], plan, drivers, tokens)
    if dispatch:
        dispatch_all(c, day)
    return day


def dispatch_all(c: TestClient, day: CustomerDay) -> None:
    """Dispatch every route of the day and let the background sends finish."""
    for route in day.plan["routes"]:
        version = c.get(f"/v1/routes/{route['id']}", headers=day.t.h()).json()["version"]
        resp = c.post(f"/v1/routes/{route['id']}/dispatch", json={"version": version}, headers=day.t.h())
        assert resp.status_code == 200, resp.text
    wait(c)
    assert_no_failed_handling(c, day.t.org_id)


def assert_no_failed_handling(c: TestClient, org_id: str) -> None:
    """Every event handler of the tenant succeeded: these apps run no periodic sweep, so a handler that failed
    once (and the messages it was to write) would otherwise go missing without a word."""
    with platform_of(c).sessions() as s:
        q = select(EventHandlingRow).where(EventHandlingRow.org_id == org_id, EventHandlingRow.attempts > 0)
        failed = [(h.handler, h.status, h.last_error) for h in s.scalars(q)]
    assert failed == [], failed


def outbox(c: TestClient, org_id: str) -> list[tuple[str, str, str, int, str | None, str]]:
    """(trigger, channel, status, attempts, last error, handling statuses of its event) of the tenant's messages,
    and its event handlings that are not done: what a test that misses a message shows."""
    with platform_of(c).sessions() as s:
        q = select(MessageRow).where(MessageRow.org_id == org_id).order_by(MessageRow.created_at)
        out = [(m.trigger, m.channel, m.status, m.attempts, m.last_error, "") for m in s.scalars(q)]
        h = select(EventHandlingRow).where(EventHandlingRow.org_id == org_id, EventHandlingRow.status != "done")
        out += [("handling", h.event_type, h.status, h.attempts, h.last_error, h.handler) for h in s.scalars(h)]
    return out


def messages(c: TestClient, day: CustomerDay, k: int) -> list[dict[str, Any]]:
    """The messages of order k as the API lists them."""
    r = c.get(f"/v1/orders/{day.orders[k]}/messages", headers=day.t.h("read"))
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out
