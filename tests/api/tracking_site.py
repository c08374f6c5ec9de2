"""Tracking-page test helpers: an app with the web pages that emails its customers through a real SMTP server
(module-scoped, on a clock the test moves), and the tokens of the links each customer received."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.domain.ids import PREFIXES
from doorstep.services.customer.notify_send import send_due
from doorstep.services.kernel.platform import Platform
from doorstep.store.models_messages import MessageRow
from doorstep.web.mount import mount_web
from tests.api.notify_day import CustomerDay
from tests.notify.servers import SmtpServer

PUBLIC = "https://track.example"
LINK = re.compile(re.escape(PUBLIC) + r"/t/([A-Za-z0-9]+)")
INTERNAL_ID = re.compile(rf"\b({'|'.join(sorted(PREFIXES))})_[0-9a-z]")  # any of Doorstep's ids (ord_…, rte_…, …)
DAY_8 = datetime.fromisoformat("2025-06-17T08:00:00+01:00")


class Clock:
    """The platform's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, hhmm: str) -> datetime:
        """Move to a time of the test day (Lisbon summer time)."""
        self.now = datetime.fromisoformat(f"2025-06-17T{hhmm}:00+01:00")
        return self.now

    def later(self, **kw: float) -> datetime:
        """Move forward."""
        self.now += timedelta(**kw)
        return self.now


@dataclass
class Site:
    """The app (web pages mounted), its SMTP server and clock."""

    client: TestClient
    smtp: SmtpServer
    clock: Clock

    def token(self, day: CustomerDay, k: int, nth: int = 0) -> str:
        """The token of the link in the ``nth`` email order k's customer received."""
        mails = [m for m in self.smtp.inbox.messages if str(m["To"]) == day.email_of(k)]
        assert len(mails) > nth, (len(mails), self.outbox(day.t.org_id))
        body = mails[nth].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = LINK.search(body)
        assert found is not None, body
        return found.group(1)

    def view(self, token: str) -> dict[str, Any]:
        """The page's JSON."""
        r = self.client.get(f"/v1/track/{token}")
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def send_all(self, day: CustomerDay) -> None:
        """Send the tenant's due emails: ``send_due`` takes every tenant's messages of this worker's database in
        turn, a bounded number per run, so it runs until none of this tenant's is left queued (and due)."""
        platform: Platform = self.client.app.state.platform  # type: ignore[attr-defined]
        deadline = time.monotonic() + 30
        while True:
            send_due(platform)
            waiting = [m for m in self.outbox(day.t.org_id) if m[2] == "queued"]
            if not waiting:
                return
            assert time.monotonic() < deadline, f"messages still queued after 30 s: {waiting}"
            time.sleep(0.1)

    def outbox(self, org_id: str) -> list[tuple[str, str, str, int, str | None]]:
        """(order, trigger, status, attempts, last error) of the tenant's messages: what a failed wait shows."""
        platform: Platform = self.client.app.state.platform  # type: ignore[attr-defined]
        with platform.sessions() as s:
            q = select(MessageRow).where(MessageRow.org_id == org_id).order_by(MessageRow.created_at)
            return [(m.order_id, m.trigger, m.status, m.attempts, m.last_error) for m in s.scalars(q)]

    def settle(self) -> None:
        """Let jobs (event handlers, sends) and the ETA worker finish."""
        app: Any = self.client.app
        assert app.state.runner.wait_idle(60) and app.state.eta_runner.wait_idle(60)


@pytest.fixture(scope="module")
def site(db_url: str) -> Iterator[Site]:
    """An app with the web pages whose customers get emails (sent by the test), on a clock at 08:00 of the day."""
    smtp = SmtpServer()
    smtp.start()
    settings = Settings(
        database_url=db_url, secret_key="tracking-test", rate_limit_per_minute=1_000_000, webhook_tick_s=0,
        event_tick_s=0, notify_tick_s=0, smtp_url=smtp.url, smtp_from="Loja Exemplo <envios@loja.example>",
        public_url=PUBLIC,
    )  # fmt: skip
    app = create_app(settings)
    mount_web(app)
    clock = Clock(DAY_8)
    app.state.platform.clock = clock
    with TestClient(app) as c:
        yield Site(c, smtp, clock)
    smtp.stop()
