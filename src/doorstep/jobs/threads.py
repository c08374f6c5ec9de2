"""The embedded shape's runners: a thread pool for closures and named jobs, and a ticker thread for scheduled work."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from doorstep.services.kernel.job_registry import run_job
from doorstep.services.kernel.platform import Platform

log = logging.getLogger("doorstep.jobs")


class ThreadRunner:
    """Runs submitted jobs on a small pool of daemon threads (one process; SQLite friendly)."""

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()

    def _ready_pool(self) -> ThreadPoolExecutor:
        # (Re)started on demand: an ASGI app may go through several lifespans (test clients), each ending in
        # shutdown(); the next job starts a fresh pool.
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="doorstep-job")
        return self._pool

    def submit(self, name: str, fn: Callable[[], None]) -> None:
        """Queue ``fn``; an escaping exception is logged (jobs record their own failures first)."""

        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("background job %s crashed", name)

        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(self._ready_pool().submit(run))

    def wait_idle(self, timeout_s: float = 60.0) -> bool:
        """Block until every submitted job has finished, including the jobs those jobs (or other threads, e.g. an
        event handler) submit meanwhile (tests, shutdown); False on timeout. Waiting only for the jobs queued at
        the call let a send job submitted by a handler still run after it returned."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
            if not pending:
                return True
            for f in pending:
                try:
                    f.result(timeout=max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    return False

    def shutdown(self) -> None:
        """Wait for running jobs and drop the pool (queued jobs stay queued in the database)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class Ticker:
    """Calls ``fn`` every ``interval_s`` seconds on a daemon thread until stopped (webhook retries)."""

    def __init__(self, fn: Callable[[], object], interval_s: float) -> None:
        self._fn, self._interval = fn, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="doorstep-ticker", daemon=True)

    def start(self) -> None:
        """Begin ticking."""
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._fn()
            except Exception:
                log.exception("scheduled work failed")

    def stop(self) -> None:
        """Stop after the current tick."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


INLINE_EVENTS = 100  # a commit that recorded more events than this has them dispatched on the pool


class ThreadJobRunner:
    """The embedded shape's job runner: named jobs on the thread pool of this process. Jobs named in ``inline``
    run in the submitting thread instead (event dispatch: handlers are short, and a request answers with their
    effects — the ETA refresh of a dispatched route — already stored), unless they carry more than
    ``inline_events`` event ids: a 40,000-row import answers when its orders are stored, and their handlers run
    on the pool after it."""

    def __init__(
        self,
        pool: ThreadRunner | None = None,
        inline: frozenset[str] = frozenset({"events.dispatch"}),
        inline_events: int = INLINE_EVENTS,
    ) -> None:
        self.pool = pool or ThreadRunner(workers=1)
        self.inline = inline
        self.inline_events = inline_events

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Queue the job (or run it now when it is one of ``inline`` and not a large batch of events)."""
        if name in self.inline and len(kwargs.get("event_ids") or ()) <= self.inline_events:
            run_job(platform, name, kwargs)
            return
        self.pool.submit(f"{name} {kwargs}", lambda: run_job(platform, name, kwargs))

    def wait_idle(self, timeout_s: float = 60.0) -> bool:
        """Block until every submitted job has finished (tests, shutdown); False on timeout."""
        return self.pool.wait_idle(timeout_s)

    def shutdown(self) -> None:
        """Wait for running jobs and drop the pool."""
        self.pool.shutdown()
