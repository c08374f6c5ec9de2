"""Customer messages: emails sent per second by one sender, and the time from a driver's stop event to the
email in the SMTP server's inbox, against a real SMTP server (aiosmtpd on 127.0.0.1), SQLite or PostgreSQL.

A day of ``--orders`` orders on ``--drivers`` routes is planned, published and dispatched through the services;
dispatching queues one out-for-delivery email per order (the send job held back). Then:

1. throughput: one ``notify.send`` run sends them all (one SMTP connection per email, as in production);
2. latency: ``--completions`` stops are completed through the driver use case in the embedded shape (event
   dispatch and the send job inline, as ``doorstep serve`` runs them), each timed from the call until its
   "delivered" email is in the inbox (p50/p95/max).

    .venv/bin/python benchmarks/notify_send.py                      # SQLite, 1,000 orders
    .venv/bin/python benchmarks/notify_send.py --database-url postgresql+psycopg://postgres@127.0.0.1/doorstep_bench
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from doorstep.domain.returns import FailurePolicy
from doorstep.domain.status import StopStatus
from doorstep.jobs.handlers import register_handlers
from doorstep.notify.channels import Channels
from doorstep.notify.smtp import SmtpEmail
from doorstep.services.accounts.accounts import create_organization
from doorstep.services.customer.notify_send import send_due
from doorstep.services.driver.stop_actions import StopAction, record_action
from doorstep.services.fleet import fleet_admin
from doorstep.services.kernel.access import Actor, Permission, Role, system_actor
from doorstep.services.kernel.event_bus import EventBus
from doorstep.services.kernel.job_registry import run_job
from doorstep.services.kernel.platform import Platform
from doorstep.services.operations.tracking import LivePolicy
from doorstep.store.engine import make_engine, make_session_factory
from doorstep.store.migrate import upgrade
from doorstep.store.models import StopRow
from ingest_day import plan_day


class Inbox:
    """Counts what the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Keep the message."""
        self.messages.append(envelope.original_content or b"")
        return "250 Message accepted for delivery"


def smtp_server() -> tuple[Controller, Inbox, str]:
    """aiosmtpd on a free port of 127.0.0.1: the controller, its inbox and the SMTP URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox, f"smtp://127.0.0.1:{port}"


class HoldSends:
    """Runs every job inline except ``notify.send`` (counted, not run): dispatch only queues the emails."""

    def __init__(self) -> None:
        self.held = 0

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Run now, or hold a send."""
        if name == "notify.send":
            self.held += 1
            return
        run_job(platform, name, kwargs)


class Inline:
    """Runs every job inline (the embedded shape's event dispatch, with the send job in the same thread)."""

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Run now."""
        run_job(platform, name, kwargs)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the day, send, complete stops; the figures."""
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/notify.sqlite"
    upgrade(url)
    controller, inbox, smtp_url = smtp_server()
    engine = make_engine(url)
    email = SmtpEmail.from_url(smtp_url, "Bench <bench@shop.example>")
    p = Platform(
        sessions=make_session_factory(engine), runner=HoldSends(), plan_time_limit_s=args.solve_s,
        bus=register_handlers(EventBus(), LivePolicy(FailurePolicy())), channels=Channels(email=email),
    )  # fmt: skip
    org_id, _ = create_organization(p, "Notify bench", f"bench-{uuid.uuid4().hex[:8]}@example.com", "bench-password")
    sys_actor = system_actor(org_id)
    drivers = [
        fleet_admin.create(p, sys_actor, "driver", {"name": f"D{k}", "phone": "", "user_id": None, "skills": []}).id
        for k in range(args.drivers)
    ]
    day = plan_day(p, sys_actor, drivers, args.orders // args.drivers, args.solve_s, contacts=True)
    t0 = time.perf_counter()
    sent = send_due(p, limit=day.orders)
    send_s = time.perf_counter() - t0
    assert sent == len(inbox.messages), (sent, len(inbox.messages))
    p.runner = Inline()
    with p.sessions() as s:
        stops = list(s.scalars(select(StopRow).where(StopRow.org_id == org_id, StopRow.order_id.is_not(None))))
    driver_of = {route: drv for drv, route in day.route_of.items()}
    waits = []
    for k, stop in enumerate(stops[: args.completions]):
        actor = Actor(org_id, driver_of[stop.route_id], frozenset({Permission.OWN_ROUTES}), Role.DRIVER)
        before = len(inbox.messages)
        t = time.perf_counter()
        record_action(p, actor, StopAction(f"bench-{k}", stop.id, StopStatus.COMPLETED, datetime.now(UTC)))
        while len(inbox.messages) == before:
            time.sleep(0.0005)
        waits.append(time.perf_counter() - t)
    controller.stop()
    engine.dispose()
    waits.sort()
    return {
        "backend": url.split(":", 1)[0], "orders": day.orders, "emails_sent": sent, "send_s": round(send_s, 3),
        "emails_per_s": round(sent / send_s, 1), "completions": len(waits),
        "stop_to_inbox_ms": {"p50": round(1000 * statistics.median(waits), 1),
                             "p95": round(1000 * waits[int(0.95 * (len(waits) - 1))], 1),
                             "max": round(1000 * waits[-1], 1)},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip


def main() -> None:
    """Parse, run, print (and write ``--out``)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None, help="default: a new SQLite file")
    ap.add_argument("--orders", type=int, default=1000)
    ap.add_argument("--drivers", type=int, default=10)
    ap.add_argument("--completions", type=int, default=200)
    ap.add_argument("--solve-s", type=float, default=5.0)
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = ap.parse_args()
    figures = run(args)
    print(json.dumps(figures, indent=2))
    if args.out is not None:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
