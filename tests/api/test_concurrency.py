"""Concurrent requests on a real server, on SQLite and PostgreSQL: one Idempotency-Key stores one object, unique
values raced for answer a coded 409, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from doorstep.services.kernel import idempotency
from doorstep.services.kernel.idempotency import fingerprint
from doorstep.store.idempotency_mark import APPLIED, PENDING
from doorstep.store.models import IdempotencyRow
from tests.api.concurrent import Answer, Server, burst, new_org, serve

N = 20


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[Server]:
    """One served app per database for this module."""
    with serve(db_url) as s:
        yield s


def _h(key: str, idem: str | None = None) -> dict[str, str]:
    h = {"Authorization": f"Bearer {key}"}
    if idem is not None:
        h["Idempotency-Key"] = idem
    return h


def _depot(name: str) -> dict[str, Any]:
    return {"name": name, "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}


def _check_one_answer(answers: list[Answer]) -> Answer:
    """Every answer is the first one's, or the coded 409 of a twin still running; returns the stored answer."""
    assert all(a.status < 500 for a in answers), [a for a in answers if a.status >= 500]
    created = [a for a in answers if a.status in (200, 201)]
    waiting = [a for a in answers if a.status not in (200, 201)]
    assert created, answers
    assert all(a == created[0] for a in created), created
    assert all(a.status == 409 and a.code == "E2009" for a in waiting), waiting
    return created[0]


def _list(server: Server, key: str, path: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{server.base}{path}", headers=_h(key), timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    return list(body["items"] if isinstance(body, dict) else body)


def _order(depot_id: str, tag: str) -> dict[str, Any]:
    return {"external_ref": f"R-{tag}", "depot_id": depot_id, "date": "2025-06-17",
            "location": {"lat": 38.72, "lng": -9.14}, "time_windows": [{"start": "09:00", "end": "12:00"}]}  # fmt: skip


BODIES: dict[str, tuple[str, Callable[[str, str], dict[str, Any]]]] = {
    "depot": ("/v1/depots", lambda depot_id, tag: _depot(f"Hub {tag}")),
    "driver": ("/v1/drivers", lambda depot_id, tag: {"name": f"Ana {tag}", "phone": depot_id[-6:]}),
    "order": ("/v1/orders", _order),
    "webhook": ("/v1/webhooks", lambda depot_id, tag: {"url": f"http://127.0.0.1:9/{tag}", "event_types": ["*"]}),
}


@pytest.mark.parametrize("kind", list(BODIES))
def test_one_key_sent_at_once_stores_one_object(server: Server, kind: str) -> None:
    """20 requests with one Idempotency-Key at once store one object; each answer is the first one's or 409 E2009."""
    _, _, key = new_org(server)
    depot = httpx.post(f"{server.base}/v1/depots", json=_depot("Home"), headers=_h(key), timeout=30).json()
    tag = uuid.uuid4().hex[:8]
    path, make = BODIES[kind]
    body = make(depot["id"], tag)
    before = _list(server, key, path)
    answers = burst(N, lambda c: c.post(path, json=body, headers=_h(key, f"k-{tag}")), base=server.base)
    stored = _check_one_answer(answers)
    after = _list(server, key, path)
    assert len(after) == len(before) + 1
    assert stored.body["id"] in {x["id"] for x in after}
    again = httpx.post(f"{server.base}{path}", json=body, headers=_h(key, f"k-{tag}"), timeout=30)
    assert (again.status_code, again.json()) == (stored.status, stored.body)


def test_concurrent_users_with_one_email_answer_409(server: Server) -> None:
    """20 users created at once with one email (no key): one 201, every other answer 409 E2007, one user stored."""
    _, _, key = new_org(server)
    email = f"twin-{uuid.uuid4().hex[:8]}@example.com"
    user = {"email": email, "name": "Twin", "role": "dispatcher", "password": "long enough password"}
    answers = burst(N, lambda c: c.post("/v1/users", json=user, headers=_h(key)), base=server.base)
    assert sorted(a.status for a in answers) == [201] + [409] * (N - 1), answers
    assert {a.code for a in answers if a.status == 409} == {"E2007"}
    users = [u for u in _list(server, key, "/v1/users") if u["email"] == email]
    assert len(users) == 1


def test_concurrent_identical_bulks_never_answer_500(server: Server) -> None:
    """20 identical bulks at once (no key): no 5xx, every answer names the same stored orders, 50 orders stored."""
    _, _, key = new_org(server)
    depot = httpx.post(f"{server.base}/v1/depots", json=_depot("Bulk"), headers=_h(key), timeout=30).json()
    tag = uuid.uuid4().hex[:6]
    orders = [
        {"external_ref": f"B-{tag}-{i}", "depot_id": depot["id"], "date": "2025-06-17",
         "location": {"lat": 38.72 + i / 1000, "lng": -9.14}}
        for i in range(50)
    ]  # fmt: skip
    answers = burst(N, lambda c: c.post("/v1/orders/bulk", json={"orders": orders}, headers=_h(key)), base=server.base)
    assert all(a.status < 500 for a in answers), [a for a in answers if a.status >= 500]
    ok = [a for a in answers if a.status == 201]
    assert all(a.status == 409 and a.code == "E2007" for a in answers if a.status != 201)
    stored = _list(server, key, "/v1/orders?limit=500")
    assert len(stored) == 50
    ids = sorted(o["id"] for o in stored)
    assert all(sorted(o["id"] for o in a.body["orders"]) == ids for a in ok)
    assert sum(a.body["created"].count(True) for a in ok) == 50


def test_a_failed_create_gives_the_key_back_and_a_dead_claim_is_taken_over(server: Server) -> None:
    """A create refused with 4xx stores nothing under its key; a claim left pending by a dead process for longer
    than ``idempotency_stale_s`` is taken over by a repeat, while a fresh one answers 409 E2009 with Retry-After."""
    org_id, _, key = new_org(server)
    bad = httpx.post(f"{server.base}/v1/depots", json={**_depot("X"), "timezone": "Mars/Base"},
                     headers=_h(key, "k-fix"), timeout=30)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "E1113"
    good = httpx.post(f"{server.base}/v1/depots", json=_depot("X"), headers=_h(key, "k-fix"), timeout=30)
    assert good.status_code == 201, good.text
    p = server.platform
    body = b'{"name":"Y","lat":38.7,"lng":-9.1,"timezone":"Europe/Lisbon"}'
    print_ = fingerprint("POST", "/v1/depots", body)
    with p.sessions() as s:
        stale = timedelta(seconds=p.leases.idempotency_stale_s + 5)
        for k, age in (("k-dead", stale), ("k-busy", timedelta(seconds=1))):
            s.add(IdempotencyRow(org_id=org_id, key=k, fingerprint=print_, status_code=PENDING, body={},
                                 created_at=p.clock() - age))  # fmt: skip
        s.commit()
    json_h = {"content-type": "application/json"}
    dead = httpx.post(f"{server.base}/v1/depots", content=body, headers={**_h(key, "k-dead"), **json_h}, timeout=30)
    assert dead.status_code == 201, dead.text
    busy = httpx.post(f"{server.base}/v1/depots", content=body, headers={**_h(key, "k-busy"), **json_h}, timeout=30)
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "E2009"
    assert busy.headers["retry-after"] == "1"


def test_a_create_applied_before_its_answer_was_stored_is_never_run_again(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process stops between the create's commit and storing its answer (here: storing the answer fails).
    The claim was marked applied in the create's own transaction, so a repeat, even after the claim went stale,
    answers 409 E2011 and stores no second depot (before, the stale pending claim was taken over and the create
    ran again)."""
    org_id, _, key = new_org(server)
    p = server.platform

    def dies(*_: Any) -> None:
        raise RuntimeError("the process stops here")

    monkeypatch.setattr(idempotency, "_settle", dies)
    first = httpx.post(f"{server.base}/v1/depots", json=_depot("Once"), headers=_h(key, "k-once"), timeout=30)
    assert first.status_code == 500
    monkeypatch.undo()
    with p.sessions() as s:
        row = s.scalars(select(IdempotencyRow).where(IdempotencyRow.org_id == org_id)).one()
        assert row.status_code == APPLIED
        row.created_at = p.clock() - timedelta(seconds=p.leases.idempotency_stale_s + 5)  # long past
        s.commit()
    again = httpx.post(f"{server.base}/v1/depots", json=_depot("Once"), headers=_h(key, "k-once"), timeout=30)
    assert again.status_code == 409 and again.json()["error"]["code"] == "E2011", again.text
    depots = httpx.get(f"{server.base}/v1/depots", headers=_h(key), timeout=30).json()["items"]
    assert [d["name"] for d in depots].count("Once") == 1
