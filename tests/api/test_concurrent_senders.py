"""Several senders at once (a worker's tick and a send submitted by an invite, or two worker processes) claim
the same outbox: each queued message reaches the real SMTP server exactly once, on SQLite as on PostgreSQL.

The senders run as threads of this process on one platform; they share the database as separate processes would
(each claim is its own connection and transaction)."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import select

from doorstep.services.customer.notify_send import send_due
from doorstep.store.models_messages import MessageRow
from tests.api.conftest import make_tenant, platform_of
from tests.api.notify_day import Notifying, notifying

__all__ = ["notifying"]  # the module-scoped app fixture
SENDERS = 4
MESSAGES = 60


def _queue(n: Notifying, org_id: str, run: str) -> list[str]:
    """``MESSAGES`` queued emails of this run, straight into the outbox (as the event handlers write them)."""
    p = platform_of(n.client)
    ids = [f"msg_{run}_{i:03d}" for i in range(MESSAGES)]
    with p.sessions() as s:
        for i, message_id in enumerate(ids):
            s.add(MessageRow(
                id=message_id, org_id=org_id, order_id=f"ord_{run}_{i:03d}", event_id=f"evt_{run}_{i:03d}",
                trigger="out_for_delivery", version=1, channel="email", recipient=f"c{i}.{run}@example.org",
                language="en", subject=f"Parcel {i}", body_text=f"Parcel {i} is on its way.", body_html="",
                status="queued", attempts=0,
            ))  # fmt: skip
        s.commit()
    return ids


def test_concurrent_senders_send_each_message_once(notifying: Notifying) -> None:
    """Four senders released together over 60 queued emails: 60 emails arrive, one per message (told apart by
    their Message-ID), every message is marked sent after one attempt, and the senders' counts add up to 60."""
    n = notifying
    p = platform_of(n.client)
    t = make_tenant(n.client)
    run = uuid.uuid4().hex[:8]
    ids = _queue(n, t.org_id, run)
    start = threading.Barrier(SENDERS)
    counts: list[int] = []
    failures: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            total = 0
            for _ in range(3):  # a sender that finds nothing left comes back, as a tick would
                total += send_due(p, limit=20)
            counts.append(total)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert failures == [] and all(not th.is_alive() for th in threads)
    received = [str(m["Message-ID"]) for m in n.smtp.inbox.messages if run in str(m["To"])]
    repeated = sorted({m for m in received if received.count(m) > 1})
    assert repeated == [], f"{len(received)} emails for {MESSAGES} messages; sent more than once: {repeated}"
    assert sorted(received) == sorted(f"<{i}@loja.example>" for i in ids)
    with p.sessions() as s:
        rows = s.execute(select(MessageRow.status, MessageRow.attempts).where(MessageRow.id.in_(ids))).all()
    assert sorted(set(rows)) == [("sent", 1)] and len(rows) == MESSAGES
    assert sum(counts) == MESSAGES
