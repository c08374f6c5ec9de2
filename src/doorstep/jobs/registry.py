"""The registry of named jobs: every module that declares a job is imported here, so a worker process knows
every name an API process may submit."""

from __future__ import annotations

from doorstep.demo import platform as demo_platform
from doorstep.jobs import parts_helper
from doorstep.services.analytics import closed_days, learning, staffing
from doorstep.services.customer import notify_send
from doorstep.services.kernel import event_dispatch
from doorstep.services.kernel.job_registry import JOBS, JobFn, job_named
from doorstep.services.planning import carrier_offers, plans
from doorstep.services.slots import slot_holds

# the modules declaring jobs (importing them registers them)
DECLARING = (
    plans, event_dispatch, demo_platform, notify_send, slot_holds, learning, staffing, closed_days, carrier_offers,
    parts_helper,
)


def registered() -> dict[str, JobFn]:
    """Job name -> function (``planning.run``, ``planning.part``, ``events.dispatch``, ``events.sweep``,
    ``demo.publish``, ``notify.send``, ``slots.expire``, ``analytics.learn``, ``analytics.staffing``,
    ``analytics.rollup_closed``, ``carriers.book``)."""
    return dict(JOBS)


def check_name(name: str) -> None:
    """Refuse an unknown job name in the submitting process (KeyError), before it reaches a worker."""
    job_named(name)
