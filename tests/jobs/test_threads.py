"""The in-process runners."""

from __future__ import annotations

import threading
from functools import partial

from doorstep.jobs.threads import ThreadRunner, Ticker


def test_runner_runs_jobs_in_order_and_survives_a_restart() -> None:
    """Jobs run in submission order on one worker; after shutdown the next submit starts a new pool."""
    runner = ThreadRunner(workers=1)
    seen: list[int] = []
    for i in range(5):
        runner.submit(f"job {i}", partial(seen.append, i))
    assert runner.wait_idle(10)
    runner.shutdown()
    runner.submit("after restart", lambda: seen.append(99))
    assert runner.wait_idle(10)
    assert seen == [0, 1, 2, 3, 4, 99]
    runner.shutdown()


def test_a_crashing_job_does_not_stop_the_runner() -> None:
    """An exception escaping a job is logged and the next job still runs."""
    runner = ThreadRunner()
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("job failed")

    runner.submit("boom", boom)
    runner.submit("next", done.set)
    assert runner.wait_idle(10) and done.is_set()
    runner.shutdown()


def test_ticker_calls_until_stopped() -> None:
    """The ticker calls its function repeatedly, survives exceptions, and stops."""
    calls: list[int] = []

    def tick() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("one bad tick")

    ticker = Ticker(tick, 0.01)
    ticker.start()
    while len(calls) < 4:
        threading.Event().wait(0.01)
    ticker.stop()
    n = len(calls)
    threading.Event().wait(0.05)
    assert len(calls) == n
