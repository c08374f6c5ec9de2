"""The embedded shape's runners: a thread pool for jobs and a ticker thread for scheduled work."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("doorstep.jobs")


class ThreadRunner:
    """Runs submitted jobs on a small pool of daemon threads (one process; SQLite friendly)."""

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="doorstep-job")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, name: str, fn: Callable[[], None]) -> None:
        """Queue ``fn``; an escaping exception is logged (jobs record their own failures first)."""

        def run() -> None:
            try:
                fn()
            except Exception:
                log.exception("background job %s crashed", name)

        with self._lock:
            if self._closed:  # the app started again after a shutdown (an ASGI lifespan run twice): a fresh pool
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="doorstep-job")
                self._closed = False
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(self._pool.submit(run))

    def wait_idle(self, timeout_s: float = 60.0) -> bool:
        """Block until every submitted job has finished (tests, shutdown); False on timeout."""
        with self._lock:
            pending = list(self._futures)
        for f in pending:
            try:
                f.result(timeout=timeout_s)
            except TimeoutError:
                return False
        return True

    def shutdown(self) -> None:
        """Wait for running jobs and cancel queued ones; a later ``submit`` starts a fresh pool."""
        with self._lock:
            pool, self._closed = self._pool, True
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
