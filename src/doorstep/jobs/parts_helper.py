"""The named job ``planning.part``: a Celery worker process helps a planning job plan a large day's parts
(``parts_runner.py`` is the planning side).

It announces itself on the run's ``ready`` list and waits for a part; for each one it reads the sealed payload
(refused unless signed with the deployment's secret), plans it with the solver the planning process uses, sends
progress (at most every ``PROGRESS_EVERY_S``) and then the plan or the error, and announces itself again. It keeps
a heartbeat key alive meanwhile, so the planning process knows within ``HEARTBEAT_TTL_S`` that a killed worker
will not answer. It leaves when told the run is over, or when the planning process's mark is gone (the run ended,
or its process died); a job delivered after its run ended does nothing.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from dataclasses import replace
from typing import Any

import redis

from doorstep.jobs.parts_queue import STOP, Assignment, Reply, RunKeys, Sealer, first, push
from doorstep.jobs.parts_runner import HEARTBEAT_TTL_S, PART_JOB, CeleryParts, process_label
from doorstep.optimize.progress import Progress
from doorstep.services.kernel.job_registry import job
from doorstep.services.kernel.platform import Platform

log = logging.getLogger("doorstep.parts")
PROGRESS_EVERY_S = 0.5
WAIT_S = 1  # between looks at the planning process's mark while waiting for a part
READY_TTL_S = 300


@job(PART_JOB)
def run_part_job(p: Platform, run_id: str) -> None:
    """Help the planning job of run ``run_id`` with its parts until it has none left for this process."""
    parts = p.part_runner
    if not isinstance(parts, CeleryParts):
        log.warning("job %s %s: this worker does not share parts (set DOORSTEP_SECRET_KEY)", PART_JOB, run_id)
        return
    solved = serve(parts.client, parts.sealer, run_id)
    log.info("job %s %s: %d part(s) planned here", PART_JOB, run_id, solved)


class _Heartbeat:
    """Keeps ``key`` alive (``ttl_s``) from a thread, refreshed every third of it at most a second apart."""

    def __init__(self, client: redis.Redis, key: str, ttl_s: float) -> None:
        self.client, self.key, self.ttl_ms = client, key, max(1, int(ttl_s * 1000))
        self.every = min(1.0, ttl_s / 3)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="doorstep-part-heartbeat", daemon=True)

    def _beat(self) -> None:
        while True:
            try:
                self.client.set(self.key, b"1", px=self.ttl_ms)
            except redis.RedisError:
                log.warning("heartbeat %s missed", self.key, exc_info=True)
            if self.stop.wait(self.every):
                return

    def __enter__(self) -> _Heartbeat:
        self.client.set(self.key, b"1", px=self.ttl_ms)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def serve(
    client: redis.Redis,
    sealer: Sealer,
    run_id: str,
    *,
    label: str | None = None,
    heartbeat_ttl_s: float = HEARTBEAT_TTL_S,
) -> int:
    """Plan parts of the run until it is over; how many. ``label`` names this process in the parts note
    (default ``host:pid``)."""
    keys = RunKeys(run_id)
    if not client.exists(keys.alive):
        return 0  # over (or its process died) before this job started
    label = label or process_label()
    helper = f"{label}:{uuid.uuid4().hex[:8]}"
    solved = 0
    try:
        with _Heartbeat(client, keys.heartbeat(helper), heartbeat_ttl_s):
            while True:
                push(client, keys.ready, helper, READY_TTL_S)
                task = _next(client, sealer, keys, helper)
                if task is None:
                    return solved
                _plan_part(client, sealer, keys, task, label)
                solved += 1
    finally:
        client.delete(keys.heartbeat(helper), keys.inbox(helper))


def _next(client: redis.Redis, sealer: Sealer, keys: RunKeys, helper: str) -> tuple[Assignment, float] | None:
    """The next part handed to this helper and when it came (monotonic), or None once the run is over."""
    inbox = keys.inbox(helper)
    while True:
        got = first(client, [inbox], WAIT_S)
        if got is not None:
            came = time.monotonic()
            try:
                msg = sealer.open(got[1], inbox)
            except Exception:
                log.warning("run %s: a message to %s was refused", keys.run_id, helper, exc_info=True)
                continue
            return None if msg == STOP else (msg, came)
        if not client.exists(keys.alive):
            return None


def _plan_part(client: redis.Redis, sealer: Sealer, keys: RunKeys, task: tuple[Assignment, float], label: str) -> None:
    """Plan one part in this process and send back its progress, then its plan or its error."""
    a, came = task
    last = [0.0]
    pending: list[Progress] = []

    def reply(kind: str, body: Any) -> None:
        msg = sealer.seal(Reply(a.index, a.attempt, kind, body, label), keys.replies)
        push(client, keys.replies, msg, a.ttl_s)

    def progress(p: Progress) -> None:
        pending[:] = [p]
        if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
            last[0] = time.monotonic()
            reply("progress", pending.pop())

    key = keys.payload(a.index)
    raw: Any = client.get(key)
    if raw is None:
        reply("error", f"the payload of part {a.index} was gone from Redis (expired)")
        return
    try:
        problem, travel, options, solve = sealer.open(raw, key)
        limit = max(0.2, a.budget_s - (time.monotonic() - came))  # reading the payload counts
        plan = solve(problem, travel, replace(options, time_limit_s=limit), progress)
    except Exception as exc:  # every failure goes back to the planning process as data
        reply("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        return
    if pending:
        reply("progress", pending.pop())  # the last report, so the day's sum has this part's best
    reply("done", plan)
