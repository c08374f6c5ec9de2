"""A large day's parts on the Celery workers (the scaled shape): the planning job's process shares its parts with
other worker processes, which join through the named job ``planning.part`` (``parts_helper.py``).

The planning process stays in charge, as with child processes (``optimize.part_runner.PartRunner``, whose rules
this runner keeps: largest part first, each part's fair share of the slot-seconds left when it starts, a failed
attempt started once more while there is time, then given up). It publishes one ``planning.part`` job per extra
slot. A worker that runs one announces itself on the run's ``ready`` list; the planning process hands it the next
part with the time it may take from then (its share, computed at that moment, so waiting counts), and its payload
(the part's problem and matrices, sealed: ``parts_queue.py``) in Redis. The helper sends back progress (at most
twice a second), then the plan or the error. The planning process plans parts itself too: one at a time in a thread
of its own (no process to start: a spawned one spends seconds importing the planner on a loaded machine), and,
where it may start processes (not a daemonic pool process), more in child processes once the helpers it published
have not come within ``HELPER_WAIT_S`` (their workers are busy). So a day never waits for a worker that does not
come, and with two worker processes two parts run at once.

A helper that stops (its worker killed) stops its heartbeat: within ``HEARTBEAT_TTL_S`` its part is given to the
next free slot (the planning process first) while there is time, else its orders come back ``PART_FAILED``; an
answer still missing ``REMOTE_GRACE_S`` after a part's deadline fails it the same way. Without Redis (it went
away), the parts left are planned by the planning process alone.

Why the planning process assigns parts rather than helpers popping them from a shared queue: a part's share of
the time depends on the slots busy and the orders still waiting when it starts, which only the planning process
knows; and a part's matrices are computed (by the real provider, which never leaves the planning process) only
when a slot is ready for it, as with child processes, instead of every part's before the first one starts.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

import redis

from doorstep.jobs.parts_queue import STOP, Assignment, Reply, RunKeys, Sealer, drain, first, push
from doorstep.optimize.child_process import Child
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.part_runner import (
    GRACE_S,
    POLL_S,
    Attempt,
    LocalAttempt,
    PartProgress,
    PartResult,
    PartRunner,
    PartSolver,
    PartWork,
)
from doorstep.optimize.pyvrp_adapter import start_method

log = logging.getLogger("doorstep.parts")

PART_JOB = "planning.part"
HELPER_WAIT_S = 2.0  # published helpers not announced by then are not waited for
HEARTBEAT_TTL_S = 10  # a helper whose heartbeat is this old has stopped (a slow search step may hold its GIL)
ALIVE_TTL_S = 10  # the planning process's mark; helpers waiting for a part leave once it is gone
KEY_MARGIN_S = 120  # every key lives this long past the parts' deadline at most
REMOTE_GRACE_S = GRACE_S + 2.0  # past its deadline, how long a helper's answer (sent over Redis) may take
HERE = ""  # the slot of the planning process
RETURN_MAX_S = 5.0  # the most a helper's plan is allowed to take to come back (a slower trip is not learnt)


def process_label() -> str:
    """This process as the parts note names it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(slots=True)
class _Remote(Attempt):
    """An attempt handed to a helper; its share ends ``allowance`` seconds early, for its plan to come back."""

    helper: str
    allowance: float = 0.0


@dataclass(slots=True)
class ReturnTrip:
    """How long a helper's part takes beyond the seconds it was given: the assignment's wait in its inbox and its
    plan's way back through Redis (sealing, the trip, opening here). A remote part's seconds are its share less
    this, so that the last parts out on the helpers end with the ones here; without it the planning job on two
    Celery workers planned 0.7 s longer than the in-process runner at 10,000 stops in 120 s (116.2 s against
    115.5 s), with it as long (115.3 s and 115.3 s; docs/benchmarks.md). Until a part has come back, the time its
    payload took to store stands in for it (the way back carries a plan, the way out its problem)."""

    seconds: float | None = None

    def allowance(self, stored_s: float) -> float:
        return min(RETURN_MAX_S, self.seconds if self.seconds is not None else stored_s)

    def observe(self, trip_s: float) -> None:
        """A part came back ``trip_s`` seconds after the end of the seconds its helper was given."""
        trip = min(RETURN_MAX_S, max(0.0, trip_s))
        self.seconds = trip if self.seconds is None else (self.seconds + trip) / 2


class CeleryPartRunner(PartRunner):
    """Runs parts here and on helpers that join through Redis (see the module's docstring)."""

    def __init__(
        self,
        client: redis.Redis,
        sealer: Sealer,
        publish: Callable[[str], None],
        options: SolveOptions,
        workers: int,
        parts_end: float,
        solve: PartSolver,
        on_progress: PartProgress,
        *,
        late_end: float | None = None,
        helper_wait_s: float = HELPER_WAIT_S,
    ) -> None:
        super().__init__(options, workers, parts_end, solve, on_progress, late_end=late_end)
        self.r, self.sealer, self.publish = client, sealer, publish
        self.keys = RunKeys(uuid.uuid4().hex)
        self.here = process_label()
        self.helper_wait_s = helper_wait_s
        self.wait_until = 0.0  # monotonic
        self.helpers: dict[str, str] = {}  # live helper id -> its process (host:pid)
        self.seen: set[str] = set()
        self.ready: list[str] = []
        self.stored: set[int] = set()  # parts whose payload is in Redis
        self.ran: dict[int, str] = {}  # part -> the process whose plan was kept
        # attempts this process may run at once: its own (a thread), and, where it may start processes, as many as
        # the slots (child processes, once the helpers it published did not come)
        self.local_max = 1 if multiprocessing.current_process().daemon else workers
        self.threads: list[threading.Thread | BaseProcess | Child] = []
        self.remote, self.remote_error = True, ""
        self.lost: list[PartWork] = []  # attempts failed outside a poll (Redis lost while handing a part out)
        self.alive_at = 0.0
        self.trip = ReturnTrip()

    # --- the run ------------------------------------------------------------------------------------------------

    def run(self, works: list[PartWork]) -> dict[int, PartResult]:
        """Plan every part, here and on the helpers; nothing of the run is left in Redis after it."""
        self.wait_until = time.monotonic() + self.helper_wait_s
        try:
            self._open(len(works))
        except Exception as exc:  # Redis or the broker away: the parts are planned here
            self._lose_remote(exc)
        try:
            return super().run(works)
        finally:
            self._close_run()

    def _ttl(self) -> int:
        """Seconds every key of the run may live: to the parts' latest deadline, and a margin."""
        return max(60, int(max(self.parts_end, self.late_end or 0.0) - time.monotonic() + KEY_MARGIN_S))

    def _open(self, parts: int) -> None:
        self._keep_alive(force=True)
        helpers = min(self.workers, parts) - 1
        for _ in range(helpers):
            self.publish(self.keys.run_id)
        log.info("run %s: %d part(s), %d helper job(s) published", self.keys.run_id, parts, helpers)

    def _keep_alive(self, force: bool = False) -> None:
        if force or time.monotonic() - self.alive_at >= 1.0:
            self.r.set(self.keys.alive, self.here, ex=ALIVE_TTL_S)
            self.alive_at = time.monotonic()

    def _close_run(self) -> None:
        """Tell the helpers the run is over and delete its keys (those a helper writes later expire)."""
        try:
            for hid in self.seen:
                inbox = self.keys.inbox(hid)
                push(self.r, inbox, self.sealer.seal(STOP, inbox), 60)
            self.r.delete(self.keys.alive, self.keys.ready, self.keys.replies, *map(self.keys.payload, self.stored))
        except redis.RedisError:
            log.warning("run %s: its keys are left to expire", self.keys.run_id, exc_info=True)

    def where(self) -> str:
        """Which process planned which parts (``host:pid``), for the parts note."""
        by: dict[str, list[int]] = {}
        for index in sorted(i for i, res in self.results.items() if res.plan is not None):
            by.setdefault(self.ran.get(index, self.here), []).append(index)
        groups = [
            f"part(s) {', '.join(map(str, parts))} by {'the planning' if label == self.here else 'the'} worker "
            f"process {label}"
            for label, parts in sorted(by.items(), key=lambda kv: kv[1][0])
        ]
        out = f"on {len(by)} Celery worker process(es) ({'; '.join(groups) or 'none planned'})"
        if not self.remote:
            out += f"; no other worker could be reached ({self.remote_error})"
        return out

    # --- where the next part starts ------------------------------------------------------------------------------

    def _local_count(self) -> int:
        """Attempts running here: in child processes, and in a thread (alive until its search ends, even when its
        attempt was given up)."""
        children = sum(isinstance(r, LocalAttempt) and not isinstance(r.proc, threading.Thread) for r in self.running)
        return children + sum(t.is_alive() for t in self.threads)

    def _slots(self) -> int:
        """The slots the parts share the time of: as many as asked while the helpers may still come; then this
        process's and the helpers' that came (this process alone fills them where it may start processes)."""
        if self.remote and time.monotonic() < self.wait_until:
            return self.workers
        return max(1, min(self.workers, self.local_max + len(self.helpers)))

    def _slot(self) -> str | None:
        """Where the next part would start: ``HERE``, a ready helper's id, or None (no slot free)."""
        if len(self.running) >= self._slots():
            return None
        local = self._local_count()
        if local == 0:
            return HERE
        if self.ready:
            return self.ready[0]
        if time.monotonic() >= self.wait_until and local < self.local_max:
            return HERE
        return None

    def _free(self) -> bool:
        return self._slot() is not None

    def _launch(self, work: PartWork, budget: float) -> bool | None:
        slot = self._slot()
        if slot:
            return self._send(work, budget, slot)
        return self._local(work, budget)

    def _local(self, work: PartWork, budget: float) -> bool | None:
        """The attempt here: the planning process's own slot is a thread of it (nothing to start: a spawned
        process spends seconds importing the planner on a loaded machine, and this process stays free to hand
        parts out and relay their progress); an extra slot, taken when helpers did not come, a child process."""
        self.threads = [t for t in self.threads if t.is_alive()]
        own = not self.threads
        self.method = start_method()  # threads may have started since
        try:
            run = self._spawn(work, budget, thread=own)
        except Exception as exc:  # no process could start after all (no memory): the next slot free takes it
            work.errors.append(f"{type(exc).__name__}: {exc}")
            self.local_max = 1
            return None
        if own:
            self.threads.append(run.proc)
        self.running.append(run)
        return True

    def _send(self, work: PartWork, budget: float, helper: str) -> bool | None:
        """Hand the attempt to a ready helper: its payload (stored once per part), then its assignment with the
        seconds left of its share once the payload is stored."""
        t0 = time.monotonic()
        self.ready.remove(helper)
        ttl = self._ttl()
        try:
            if work.index not in self.stored:
                key = self.keys.payload(work.index)
                payload = (work.problem, work.travel, self.options, self.solve)
                self.r.set(key, self.sealer.seal(payload, key), ex=ttl)
                self.stored.add(work.index)
            inbox = self.keys.inbox(helper)
            stored_s = time.monotonic() - t0
            allowance = min(self.trip.allowance(stored_s), budget / 4)  # a share is never cut by more than a quarter
            left = budget - stored_s - allowance
            msg = self.sealer.seal(Assignment(work.index, work.attempts, left, ttl), inbox)
            push(self.r, inbox, msg, ttl)
        except redis.RedisError as exc:
            self.lost += self._lose_remote(exc)
            return self._local(work, max(self.min_s, budget - (time.monotonic() - t0)))
        self.running.append(_Remote(work, t0 + budget, helper, allowance))
        return True

    # --- what comes back -----------------------------------------------------------------------------------------

    def _poll(self) -> list[PartWork]:
        failed, self.lost = self.lost, []
        if not self.remote:
            return failed + self._poll_local(POLL_S)
        local = self._local_count() > 0
        try:
            self._poll_remote(POLL_S / 2 if local else POLL_S, failed)
        except redis.RedisError as exc:
            failed += self._lose_remote(exc)
        return failed + self._poll_local(POLL_S / 2)

    def _poll_remote(self, timeout: float, failed: list[PartWork]) -> None:
        """Announcements and replies (waiting at most ``timeout`` for the first), then the helpers' heartbeats
        and deadlines."""
        self._keep_alive()
        got = first(self.r, [self.keys.replies, self.keys.ready], timeout)
        if got is not None:
            replies = [got[1]] if got[0] == self.keys.replies else []
            ready = [got[1]] if not replies else []
            replies += drain(self.r, self.keys.replies)
            ready += drain(self.r, self.keys.ready)
            for raw in replies:
                self._reply(raw, failed)
            for raw in ready:
                self._announce(raw.decode())
        self._check_helpers(failed)

    def _announce(self, helper: str) -> None:
        self.helpers[helper] = helper.rsplit(":", 1)[0]
        self.seen.add(helper)
        if helper not in self.ready:
            self.ready.append(helper)

    def _reply(self, raw: bytes, failed: list[PartWork]) -> None:
        try:
            rep: Reply = self.sealer.open(raw, self.keys.replies)
        except Exception:
            log.warning("run %s: a reply was refused", self.keys.run_id, exc_info=True)
            return
        run = next(
            (r for r in self.running
             if isinstance(r, _Remote) and r.work.index == rep.index and r.work.attempts == rep.attempt),
            None,
        )  # fmt: skip
        if run is None:  # an attempt already given up (its helper was taken for dead, or answered too late)
            return
        if rep.kind == "progress":
            self.on_progress(rep.index, rep.body)
        elif rep.kind == "done":
            self.trip.observe(time.monotonic() - (run.ends_at - run.allowance))
            self.running.remove(run)
            self.results[rep.index] = PartResult(rep.index, rep.body, run.work.errors, run.work.attempts)
            self.ran[rep.index] = rep.where
            run.work.travel = None  # its matrices are no longer needed here
            self._forget_payload(rep.index)
        else:
            self._fail(run, failed, f"{rep.body} (worker process {rep.where})")

    def _check_helpers(self, failed: list[PartWork]) -> None:
        """Helpers whose heartbeat ended are gone: their parts fail (and start again elsewhere); so do parts whose
        answer is overdue."""
        ids = list(self.helpers)
        if ids:
            pipe = self.r.pipeline(transaction=False)
            for hid in ids:
                pipe.exists(self.keys.heartbeat(hid))
            for hid, alive in zip(ids, pipe.execute(), strict=True):
                if not alive:
                    self._gone(hid, failed)
        now = time.monotonic()
        for run in [r for r in self.running if isinstance(r, _Remote)]:
            if now > run.ends_at + REMOTE_GRACE_S:
                label = self.helpers.get(run.helper, run.helper)
                error = f"no answer from worker process {label} {REMOTE_GRACE_S:g} s after its deadline"
                self._fail(run, failed, error)

    def _gone(self, helper: str, failed: list[PartWork]) -> None:
        label = self.helpers.pop(helper, helper)
        if helper in self.ready:
            self.ready.remove(helper)
        for run in [r for r in self.running if isinstance(r, _Remote) and r.helper == helper]:
            self._fail(run, failed, f"worker process {label} stopped (its heartbeat ran out)")

    def _fail(self, run: _Remote, failed: list[PartWork], error: str) -> None:
        self.running.remove(run)
        run.work.errors.append(error)
        failed.append(run.work)

    def _forget_payload(self, index: int) -> None:
        try:
            self.r.delete(self.keys.payload(index))
            self.stored.discard(index)
        except redis.RedisError:
            pass  # it expires

    def _lose_remote(self, exc: BaseException) -> list[PartWork]:
        """Redis (or the broker) went away: the parts held by helpers fail (to start again here), and the rest
        are planned here."""
        log.warning("run %s: the parts are planned in the planning process alone (%s)", self.keys.run_id, exc)
        self.remote, self.remote_error = False, f"{type(exc).__name__}: {exc}".splitlines()[0]
        self.ready.clear()
        self.helpers.clear()
        failed: list[PartWork] = []
        for run in [r for r in self.running if isinstance(r, _Remote)]:
            self._fail(run, failed, f"lost with the connection to Redis ({self.remote_error})")
        return failed


class CeleryParts:
    """The platform's part runner where jobs run on Celery (``Platform.part_runner``): makes a
    ``CeleryPartRunner`` per large day, and holds what the ``planning.part`` job needs to help one."""

    def __init__(self, redis_url: str, secret: str, publish: Callable[[str], None]) -> None:
        self.client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=30)
        self.sealer = Sealer(secret)
        self.publish = publish  # queues the job planning.part for a run id

    def __call__(
        self,
        options: SolveOptions,
        workers: int,
        parts_end: float,
        solve: PartSolver,
        on_progress: PartProgress,
        *,
        late_end: float | None = None,
    ) -> CeleryPartRunner:
        """The runner of one large day's parts."""
        return CeleryPartRunner(
            self.client, self.sealer, self.publish, options, workers, parts_end, solve, on_progress, late_end=late_end
        )
