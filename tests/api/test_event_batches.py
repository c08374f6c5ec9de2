"""Events of a large commit (an import, a bulk of orders): their handlers run in batches on the job pool, so the
request answers once its rows are stored; each handler still sees each event once, and one raising leaves only
its own handling to retry."""

from __future__ import annotations

import threading
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from doorstep.api.schemas_orders import OrderIn
from doorstep.jobs.threads import ThreadJobRunner, ThreadRunner
from doorstep.services.kernel.access import Actor, Permission, Role
from doorstep.services.kernel.event_bus import EventBus, EventRecord
from doorstep.services.kernel.event_dispatch import BATCH
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders import orders
from doorstep.store.engine import make_session_factory
from doorstep.store.models import EventHandlingRow, EventRow, OrderRow
from tests.api.conftest import make_tenant


def _platform(db_engine: Engine, seen: list[tuple[str, str]], bad_ref: str) -> tuple[Platform, ThreadJobRunner]:
    """A platform whose one handler notes (order id, thread name) per ``order.created`` and raises on one order."""
    bus = EventBus()

    def note(p: Platform, event: EventRecord) -> None:
        seen.append((event.subject_id, threading.current_thread().name))
        with p.sessions() as s:
            order = s.get(OrderRow, event.subject_id)
            if order is not None and order.external_ref == bad_ref:
                raise RuntimeError("this one fails")

    bus.on("test.note", ["order.created"], note)
    runner = ThreadJobRunner(ThreadRunner(workers=1))
    return Platform(sessions=make_session_factory(db_engine), runner=runner, bus=bus), runner


def test_a_large_commit_dispatches_on_the_pool_and_a_small_one_in_the_request(
    client: TestClient, db_engine: Engine
) -> None:
    """Three orders: their handler ran in the calling thread before ``create_orders`` returned. ``BATCH`` + 50
    orders (more than one batch, more than the inline limit): handled on the pool, every order once; the order
    whose handler raised has its handling pending with one attempt and its error, every other one is done."""
    t = make_tenant(client)
    actor = Actor(t.org_id, "usr_test", frozenset({Permission.READ, Permission.WRITE}), Role.ADMIN)
    seen: list[tuple[str, str]] = []
    p, runner = _platform(db_engine, seen, bad_ref="BIG-7")

    small = orders.create_orders(p, actor, [OrderIn.model_validate(t.order(f"SMALL-{k}")).to_data() for k in range(3)])
    assert sorted(seen) == sorted((o.id, threading.current_thread().name) for o in small.orders)

    seen.clear()
    n = BATCH + 50
    big = orders.create_orders(p, actor, [OrderIn.model_validate(t.order(f"BIG-{k}")).to_data() for k in range(n)])
    assert runner.wait_idle(120)
    assert Counter(oid for oid, _ in seen) == Counter(o.id for o in big.orders)  # each once
    assert {name for _, name in seen} == {"doorstep-job_0"}  # on the pool, not in the caller

    bad = next(o.id for o in big.orders if o.external_ref == "BIG-7")
    with p.sessions() as s:
        q = select(EventHandlingRow).where(EventHandlingRow.org_id == t.org_id, EventHandlingRow.handler == "test.note")
        rows = {r.event_id: r for r in s.scalars(q)}
    statuses = Counter((r.status, r.attempts) for r in rows.values())
    assert statuses == Counter({("done", 0): n + 3 - 1, ("pending", 1): 1})
    failed = next(r for r in rows.values() if r.status == "pending")
    assert failed.last_error == "RuntimeError: this one fails" and failed.next_attempt_at is not None
    with p.sessions() as s:
        event = s.get(EventRow, failed.event_id)
        assert event is not None and event.subject_id == bad
