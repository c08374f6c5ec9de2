"""The scaled shape's job runner: named jobs travel as (name, JSON kwargs) over a Redis broker to ``doorstep
worker`` processes, which run them with a platform of their own.

A job's message is acknowledged only after the job has run (``acks_late``), is put back when its worker process
dies (``reject_on_worker_lost``), and is handed out again when a worker holding it is silent past the broker's
visibility timeout: a job may run more than once, so jobs are idempotent (a plan job claims its row and stores
its result once)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from doorstep.jobs import registry
from doorstep.services.kernel.job_registry import JobBusyError, run_job
from doorstep.services.kernel.platform import Platform

log = logging.getLogger("doorstep.jobs")
TASK = "doorstep.job"  # the one Celery task: runs the named job it is given


def transport_options(visibility_timeout_s: int) -> dict[str, int]:
    """The Redis transport's timing: a message unacknowledged for ``visibility_timeout_s`` goes back to the queue,
    and the workers look for such messages every quarter of it (at most every minute; kombu's default sweep runs
    every 100 s, which would leave a short timeout waiting that long)."""
    sweep = max(1, min(60, visibility_timeout_s // 4))
    return {
        "visibility_timeout": visibility_timeout_s, "unacked_restore_interval": sweep, "unacked_restore_throttle": 1
    }  # fmt: skip


def make_celery(
    redis_url: str, platform_factory: Callable[[], Platform] | None = None, *, visibility_timeout_s: int = 3600
) -> Celery:
    """A Celery app on the Redis broker. Workers pass ``platform_factory``: each worker process builds its
    platform (engine, travel model, handlers) on its first job, after any fork."""
    app = Celery("doorstep", broker=redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json", accept_content=["json"], task_ignore_result=True, task_default_queue="doorstep",
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_transport_options=transport_options(visibility_timeout_s),
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
    )  # fmt: skip
    lock, held = threading.Lock(), list[Platform]()

    def platform() -> Platform:
        with lock:
            if not held:
                if platform_factory is None:
                    raise RuntimeError("this Celery app only sends jobs (no platform to run them)")
                held.append(platform_factory())
            return held[0]

    # shared=False: each app has its own task (a process may hold a sending app and a working one)
    @app.task(  # type: ignore[untyped-decorator]
        name=TASK, bind=True, shared=False, acks_late=True, reject_on_worker_lost=True, max_retries=None
    )
    def run(self: Task, name: str, kwargs: dict[str, Any]) -> None:
        registry.registered()  # every declaring module is imported
        log.info("job %s %s", name, kwargs)
        try:
            run_job(platform(), name, kwargs)
        except JobBusyError as busy:
            log.info("job %s %s is busy elsewhere; again in %.0f s", name, kwargs, busy.retry_in_s)
            raise self.retry(countdown=busy.retry_in_s) from None
        except Exception:
            log.exception("job %s %s crashed", name, kwargs)  # jobs record their own failures first

    return app


class CeleryRunner:
    """Sends named jobs to the workers; the process that submits runs none of them."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def submit(self, platform: Platform, name: str, kwargs: dict[str, Any]) -> None:
        """Queue the job on the broker (raises when the broker cannot be reached)."""
        registry.check_name(name)
        self.app.send_task(TASK, args=[name, kwargs])

    def wait_idle(self, timeout_s: float = 60.0) -> bool:
        """Nothing runs here: always idle."""
        return True

    def shutdown(self) -> None:
        """Close the broker connections of this process."""
        self.app.close()
