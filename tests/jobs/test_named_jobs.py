"""Named jobs: every job the platform submits is registered by name with plain arguments; the runner is chosen
by settings; the thread runner runs named jobs in the background and event dispatch in the caller's thread."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from doorstep.api.app import job_runner
from doorstep.config import Settings
from doorstep.domain.errors import DoorstepError
from doorstep.jobs.celery_runner import TASK, CeleryRunner, make_celery
from doorstep.jobs.registry import registered
from doorstep.jobs.threads import ThreadJobRunner
from doorstep.services.kernel import job_registry
from doorstep.services.kernel.job_registry import job, run_job


def test_the_registry_names_every_job() -> None:
    """The worker's registry holds the platform's jobs under their names."""
    assert {"planning.run", "events.dispatch", "events.sweep", "demo.publish"} <= set(registered())


def test_a_name_is_taken_once_and_unknown_names_are_refused() -> None:
    """Registering another function under a taken name fails; running an unknown name names the known ones."""

    def other(p: object) -> None:
        """Not the planning job."""

    with pytest.raises(ValueError, match=r"planning\.run"):
        job("planning.run")(other)
    with pytest.raises(KeyError, match="no job named 'nope'"):
        run_job(object(), "nope", {})


def test_the_thread_runner_runs_jobs_in_the_background_and_dispatch_inline() -> None:
    """A named job runs on the pool thread with its kwargs; ``events.dispatch`` runs in the caller's thread."""
    seen: list[tuple[str, str, dict[str, Any]]] = []

    @job("test.echo")
    def echo(p: object, **kw: Any) -> None:
        seen.append(("echo", threading.current_thread().name, kw))

    runner = ThreadJobRunner(inline=frozenset({"test.inline"}))
    job("test.inline")(lambda p, **kw: seen.append(("inline", threading.current_thread().name, kw)))
    try:
        runner.submit(object(), "test.echo", {"plan_id": "pln_1"})  # type: ignore[arg-type]
        runner.submit(object(), "test.inline", {"n": 2})  # type: ignore[arg-type]
        assert runner.wait_idle(10)
    finally:
        runner.shutdown()
        job_registry.JOBS.pop("test.echo")
        job_registry.JOBS.pop("test.inline")
    by_kind = {kind: (thread, kw) for kind, thread, kw in seen}
    assert by_kind["inline"] == (threading.current_thread().name, {"n": 2})
    assert by_kind["echo"][0].startswith("doorstep-job") and by_kind["echo"][1] == {"plan_id": "pln_1"}


def test_the_runner_is_chosen_by_settings() -> None:
    """inline: threads of this process; celery: the broker, and E1010 without DOORSTEP_REDIS_URL."""
    assert isinstance(job_runner(Settings(job_runner="inline")), ThreadJobRunner)
    celery = job_runner(Settings(job_runner="celery", redis_url="redis://127.0.0.1:6379/11"))
    assert isinstance(celery, CeleryRunner)
    with pytest.raises(DoorstepError) as err:
        job_runner(Settings(job_runner="celery", redis_url=None))
    assert err.value.code == "E1010"


def test_the_celery_app_acknowledges_late_and_sends_json() -> None:
    """Messages are acknowledged after the job, requeued when the worker dies, and carry name and JSON kwargs."""
    app = make_celery("redis://127.0.0.1:6379/11", visibility_timeout_s=42)
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    assert conf.broker_transport_options == {
        "visibility_timeout": 42, "unacked_restore_interval": 10, "unacked_restore_throttle": 1
    }  # fmt: skip
    assert conf.task_serializer == "json"
    sent: list[tuple[str, Any]] = []
    app.send_task = lambda name, args: sent.append((name, args))
    CeleryRunner(app).submit(object(), "planning.run", {"org_id": "org_1", "plan_id": "pln_1"})  # type: ignore[arg-type]
    assert sent == [(TASK, ["planning.run", {"org_id": "org_1", "plan_id": "pln_1"}])]
    assert json.loads(json.dumps(sent[0][1])) == sent[0][1]
    with pytest.raises(KeyError):
        CeleryRunner(app).submit(object(), "planning.rnu", {})  # type: ignore[arg-type]


def test_doorstep_worker_without_redis_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """`doorstep worker` without DOORSTEP_REDIS_URL exits 2 with E1010 and its action, no traceback."""
    from typer.testing import CliRunner

    from doorstep.cli.main import app

    monkeypatch.delenv("DOORSTEP_REDIS_URL", raising=False)
    result = CliRunner().invoke(app, ["worker"], env={"DOORSTEP_REDIS_URL": ""})
    assert result.exit_code == 2
    assert "E1010" in result.output and "DOORSTEP_JOB_RUNNER=inline" in result.output
    assert "Traceback" not in result.output
