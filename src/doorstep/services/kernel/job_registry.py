"""Named jobs: a use case that runs in the background declares itself under a name with plain JSON-able keyword
arguments (``@job("planning.run")``), so the same job runs in a thread of this process or on a Celery worker of
another machine. Runners look jobs up here by name; ``doorstep.jobs.registry`` imports every module that declares
one, so a worker knows them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

JobFn = Callable[..., object]  # (platform, **kwargs); kwargs are JSON values (ids, numbers, strings)
JOBS: dict[str, JobFn] = {}
F = TypeVar("F", bound=JobFn)


def job(name: str) -> Callable[[F], F]:
    """Register the decorated function as the job ``name`` (one function per name)."""

    def register(fn: F) -> F:
        known = JOBS.get(name)
        if known is not None and known is not fn:
            raise ValueError(f"job name {name!r} is taken by {known.__module__}.{known.__qualname__}")
        JOBS[name] = fn
        return fn

    return register


class JobBusyError(Exception):
    """Raised by a job that cannot run yet (another worker may still hold it): run it again in ``retry_in_s``."""

    def __init__(self, message: str, retry_in_s: float) -> None:
        super().__init__(message)
        self.retry_in_s = retry_in_s


def job_named(name: str) -> JobFn:
    """The function of a registered job (KeyError naming the known jobs otherwise)."""
    try:
        return JOBS[name]
    except KeyError:
        raise KeyError(f"no job named {name!r}; known: {', '.join(sorted(JOBS))}") from None


def run_job(platform: Any, name: str, kwargs: dict[str, Any]) -> None:
    """Run the named job now, in this thread."""
    job_named(name)(platform, **kwargs)
