"""A large day's parts shared through Redis (jobs/parts_runner.py, parts_helper.py, parts_queue.py), without Celery:
helpers are threads running the real helper loop (or a fake one that vanishes). Sealed payloads refuse tampering,
parts run here and on a helper with their progress relayed and fair shares, a part whose helper vanished is
planned again here, every key has a time to live and the run leaves none behind, and without Redis the parts are
planned here."""

from __future__ import annotations

import os
import pickle
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from doorstep.jobs import parts_queue
from doorstep.jobs.parts_helper import serve
from doorstep.jobs.parts_queue import Assignment, RunKeys, Sealer, TamperedError
from doorstep.jobs.parts_runner import RETURN_MAX_S, CeleryPartRunner, ReturnTrip
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.part_runner import PartWork
from doorstep.optimize.part_travel import PartTravel
from tests.factories import km, order, problem
from tests.optimize.test_part_runner import sleeps_its_share

REDIS_URL = os.environ.get("DOORSTEP_TEST_PARTS_REDIS", "redis://127.0.0.1:6379/12")
SECRET = "parts-test-secret-of-enough-length-123"


@pytest.fixture(scope="module")
def client() -> Iterator[redis.Redis]:
    """Redis, or a skip (a failure in CI) when it is not answering."""
    c = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=30)
    try:
        c.ping()
    except redis.RedisError:
        if os.environ.get("CI") or os.environ.get("DOORSTEP_REQUIRE_SERVICES"):
            pytest.fail(f"Redis at {REDIS_URL} is not answering")
        pytest.skip(f"Redis at {REDIS_URL} is not answering")
    yield c
    c.close()


def _work(i: int, n: int) -> PartWork:
    p = problem([order(f"P{i}-{k}", km(k, i)) for k in range(n)])
    return PartWork(i, p, lambda q: PartTravel("test", [], {}, {}))


def _keys_left(client: redis.Redis, run_id: str) -> list[tuple[str, int]]:
    """The run's keys still in Redis, with their time to live (-1: none)."""
    keys: Any = client.keys(f"{RunKeys(run_id).base}:*")
    return [(k.decode(), int(client.ttl(k))) for k in keys]


def _runner(
    client: redis.Redis, publish: Callable[[str], None], seconds: float, on_progress: Any = None
) -> CeleryPartRunner:
    start = time.monotonic()
    return CeleryPartRunner(
        client, Sealer(SECRET), publish, SolveOptions(), 2, start + seconds, sleeps_its_share,
        on_progress or (lambda _i, _p: None),
    )  # fmt: skip


ran: list[str] = []


def _record_unpickling(what: str) -> str:
    """Called only if a payload is unpickled (a forged one must never be)."""
    ran.append(what)
    return what


class _Evil:
    def __reduce__(self) -> tuple[Callable[[str], str], tuple[str]]:
        return _record_unpickling, ("code ran",)


def test_a_sealed_message_opens_only_untouched_under_its_key_and_secret() -> None:
    """A sealed payload opens under its key; changed by a byte, moved to another key, or sealed with another
    secret, it is refused, and a forged payload is never unpickled."""
    sealer = Sealer(SECRET)
    where = RunKeys("r1").payload(1)
    sealed = sealer.seal({"orders": [1, 2, 3]}, where)
    assert sealer.open(sealed, where) == {"orders": [1, 2, 3]}
    changed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for bad, key in ((changed, where), (sealed, RunKeys("r1").payload(2)), (sealed[:10], where)):
        with pytest.raises(TamperedError):
            sealer.open(bad, key)
    with pytest.raises(TamperedError):
        Sealer("another-secret-of-enough-length-45678").open(sealed, where)
    body = zlib.compress(pickle.dumps(_Evil()))
    forged = parts_queue.MAGIC + b"\0" * parts_queue.TAG + body
    with pytest.raises(TamperedError):
        sealer.open(forged, where)
    assert ran == []
    assert Sealer(SECRET).open(Sealer(SECRET).seal(_Evil(), where), where) == "code ran"  # the probe works


def test_parts_run_here_and_on_a_helper_sharing_the_time_fairly(client: redis.Redis) -> None:
    """Four equal parts, two slots (this process and a helper running the real helper loop) and 4 s: both plan
    parts, each part gets about half of the time, every part's progress comes through, and the run leaves no key
    behind that would not expire."""
    seen: list[int] = []
    helpers: list[threading.Thread] = []

    def publish(run_id: str) -> None:
        t = threading.Thread(target=serve, args=(client, Sealer(SECRET), run_id), kwargs={"label": "helper:1"})
        t.start()
        helpers.append(t)

    start = time.monotonic()
    runner = _runner(client, publish, 4.0, lambda i, _p: seen.append(i))
    results = runner.run([_work(i, 5) for i in range(1, 5)])
    took = time.monotonic() - start
    limits = sorted(r.plan.stats.time_limit_s for r in results.values() if r.plan is not None)
    assert len(limits) == 4 and len(helpers) == 1, (limits, helpers)
    # a helper's part gets its share less the way back (ReturnTrip: at most a quarter of it) and less the moment it
    # waited to be picked up, so the shortest may be 1/0.75 of the longest plus that wait (1.34 against 2.00 s
    # seen once on a loaded run: the earlier bound of 1.4 left no room for the wait)
    assert limits[-1] <= 2.1 and limits[-1] / limits[0] <= 1.6, limits
    assert took <= 4.0 + 1.5
    assert sorted(set(seen)) == [1, 2, 3, 4]
    on_helper = sorted(i for i, where in runner.ran.items() if where == "helper:1")
    assert 1 <= len(on_helper) <= 3, runner.ran
    note = runner.where()
    assert note.startswith("on 2 Celery worker process(es)") and "by the worker process helper:1" in note, note
    assert f"by the planning worker process {runner.here}" in note, note
    helpers[0].join(timeout=5)
    assert not helpers[0].is_alive()
    assert all(ttl > 0 for _k, ttl in _keys_left(client, runner.keys.run_id))
    assert runner.trip.seconds is not None and 0 <= runner.trip.seconds <= 1.0  # learnt from the helper's parts


def test_a_helpers_share_leaves_room_for_its_plan_to_come_back() -> None:
    """Before any part came back, the time its payload took to store stands in for the way back; then the trips
    measured, averaged with the last estimate; never negative, never more than the cap."""
    trip = ReturnTrip()
    assert trip.allowance(0.15) == 0.15
    trip.observe(0.8)
    assert trip.allowance(0.15) == 0.8
    trip.observe(0.4)
    assert trip.allowance(9.0) == pytest.approx(0.6)
    trip.observe(-1.0)  # came back early: no trip at all
    assert trip.seconds == pytest.approx(0.3)
    trip.observe(60.0)
    assert trip.seconds == pytest.approx((0.3 + RETURN_MAX_S) / 2)
    assert ReturnTrip().allowance(60.0) == RETURN_MAX_S


def test_a_part_whose_helper_vanished_is_planned_again_here_and_every_key_expires(client: redis.Redis) -> None:
    """A helper takes a part and vanishes (its heartbeat runs out): the part is planned again by the planning
    process within the time, and every key the helper saw had a time to live."""
    ttls: dict[str, int] = {}

    def ghost(run_id: str) -> None:
        keys = RunKeys(run_id)
        helper = "ghost:1:abc"
        client.set(keys.heartbeat(helper), b"1", px=800)  # never refreshed
        parts_queue.push(client, keys.ready, helper, 60)
        got = parts_queue.first(client, [keys.inbox(helper)], 5)
        assert got is not None
        task = Sealer(SECRET).open(got[1], keys.inbox(helper))
        assert isinstance(task, Assignment)
        for key in (keys.alive, keys.ready, keys.payload(task.index), keys.inbox(helper)):
            ttls[key] = int(client.ttl(key))

    def publish(run_id: str) -> None:
        threading.Thread(target=ghost, args=(run_id,), daemon=True).start()

    start = time.monotonic()
    runner = _runner(client, publish, 5.0)
    results = runner.run([_work(1, 5), _work(2, 5)])
    assert all(r.plan is not None for r in results.values()), results
    again = next(r for r in results.values() if r.attempts == 2)
    assert "ghost:1 stopped" in again.errors[0], again.errors
    assert runner.ran == {} and "by the planning worker process" in runner.where()
    assert time.monotonic() - start <= 5.0 + 2.0
    # the inbox was emptied by the ghost's read, the ready list by the runner's: those that exist have a TTL
    assert ttls and all(ttl > 0 or ttl == -2 for ttl in ttls.values()), ttls
    assert ttls[RunKeys(runner.keys.run_id).alive] > 0
    assert ttls[RunKeys(runner.keys.run_id).payload(again.index)] > 0
    assert all(ttl > 0 for _k, ttl in _keys_left(client, runner.keys.run_id))


def test_without_redis_the_parts_are_planned_here() -> None:
    """Redis not answering: the parts are planned by the planning process alone, and the note says why."""
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    published: list[str] = []
    runner = _runner(dead, published.append, 2.0)
    results = runner.run([_work(i, 5) for i in range(1, 5)])
    assert all(r.plan is not None for r in results.values()) and published == []
    note = runner.where()
    assert "no other worker could be reached" in note and "part(s) 1, 2, 3, 4 by the planning" in note, note

