"""`doorstep serve --demo --simulate` with an SMTP server configured: the virtual drivers dispatch each route as
its van leaves and drive the day, so every demo customer (reserved example.com addresses, Ofcom's drama phone
range) gets an out-for-delivery email with a tracking link that opens their page, then a delivered or
not-delivered email — each exactly once."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from doorstep.api.app import create_app
from doorstep.cli.serve_run import start_simulation
from doorstep.config import Settings
from doorstep.demo.platform import load_demo
from doorstep.demo.synthetic import TIMEZONE
from doorstep.services.customer.notify_send import send_due
from doorstep.store.migrate import upgrade
from doorstep.store.models import MessageRow, OrderRow
from doorstep.web.mount import mount_web
from tests.browser import running
from tests.notify.servers import SmtpServer

PHONE = re.compile(r"^\+44 7700 900 \d{3}$")


def test_the_simulated_demo_day_emails_every_customer_with_a_working_link(tmp_path: Path) -> None:
    """Twelve demo orders, planned, simulated at high speed: each customer has a reserved email and phone number;
    each delivery order gets exactly one out-for-delivery message and exactly one delivered or delivery-failed
    message, all sent and all in the SMTP inbox; every out-for-delivery email's link opens the customer's page."""
    url = f"sqlite:///{tmp_path}/demo.sqlite"
    upgrade(url)
    smtp = SmtpServer()
    smtp.start()
    settings = Settings(database_url=url, secret_key="demo-speaks", webhook_tick_s=0, smtp_url=smtp.url,
                        smtp_from="Doorstep demo <demo@example.org>")  # fmt: skip
    app = create_app(settings)
    mount_web(app)
    p = app.state.platform
    try:
        with running(app) as base:
            p.channels = replace(p.channels, public_url=base)  # links point at this server
            login = load_demo(p, orders=12, time_limit_s=1, day=datetime.now(ZoneInfo(TIMEZONE)).date())
            start_simulation(app, login.org_id, base, login.day, 100_000).join(180)
            assert app.state.runner.wait_idle(60)
            send_due(p)
            with p.sessions() as s:
                orders = list(s.scalars(select(OrderRow).where(OrderRow.org_id == login.org_id)))
                sent = list(s.scalars(select(MessageRow).where(MessageRow.org_id == login.org_id)))
            deliveries = {o.id for o in orders if o.kind == "delivery" and o.day == login.day and "#" not in
                          o.external_ref}  # fmt: skip
            assert len(deliveries) >= 10
            for o in orders:
                contact = o.data["contact"]
                assert contact["email"].endswith("@example.com") and PHONE.match(contact["phone"]), contact
            per = Counter((m.order_id, m.trigger) for m in sent)
            for oid in deliveries:
                assert per[(oid, "out_for_delivery")] == 1, oid
                assert per[(oid, "delivered")] + per[(oid, "delivery_failed")] == 1, oid
            assert {m.status for m in sent} == {"sent"}
            assert len(smtp.inbox.messages) == len(sent)
            links = [re.search(re.escape(base) + r"/t/[A-Za-z0-9]+", m.body_text) for m in sent
                     if m.trigger == "out_for_delivery"]  # fmt: skip
            assert len(links) == len(deliveries)
            for found in links:
                assert found is not None
                assert httpx.get(found.group(0)).status_code == 200
    finally:
        smtp.stop()
