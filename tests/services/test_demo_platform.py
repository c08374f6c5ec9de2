"""The demo organization: fleet, orders and a published plan, and a password reset on reuse."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.demo.platform import DEMO_EMAIL, load_demo
from doorstep.services.accounts.accounts import login
from doorstep.services.kernel.platform import Platform
from doorstep.services.planning.plans import get_plan, recover_interrupted
from doorstep.services.slots.slot_policy import get_policy
from doorstep.store.engine import make_session_factory
from doorstep.store.migrate import upgrade
from doorstep.store.models import ShiftRow


def test_demo_day_is_loaded_planned_and_published(db_engine: Engine) -> None:
    """The demo loads 40 orders and ten vans with shifts, plans and publishes; loading again resets the password."""
    p = Platform(sessions=make_session_factory(db_engine))  # inline runner: the job runs now
    demo = load_demo(p, orders=40, time_limit_s=2, day=date(2026, 11, 24))
    assert demo.day == date(2026, 11, 24)
    actor = login(p, DEMO_EMAIL, demo.password)
    assert demo.plan_id is not None
    plan, routes = get_plan(p, actor, demo.plan_id)
    assert plan.status == "published" and routes
    with p.uow(actor) as uow:
        assert len(uow.shifts.all(ShiftRow.day == demo.day)) == 10
        statuses = {o.status for o in uow.orders.all()}
    assert statuses <= {"planned", "new"} and "planned" in statuses
    policy = get_policy(p, actor)  # stored through the same validation as PUT /v1/slots/policy
    assert [z["depot_id"] for z in policy.data["zones"]] == [demo.depot_id]
    again = load_demo(p, orders=40, time_limit_s=2)
    assert again.org_id == demo.org_id and again.plan_id is None and again.password != demo.password
    assert again.day == demo.day  # the reused organization keeps the day of its plan
    assert login(p, DEMO_EMAIL, again.password).org_id == demo.org_id


def test_demo_job_survives_the_server_starting(tmp_path: Path) -> None:
    """`serve --demo` starts the demo's planning job before the server's start-up hook runs: that hook must not
    take the live job for one interrupted by a dead process (it did: the demo plan ended failed, E2004)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.sqlite'}", secret_key="test", webhook_tick_s=0)
    upgrade(settings.db_url())
    app = create_app(settings)
    platform = app.state.platform
    recover_interrupted(platform)  # what serve does first
    demo = load_demo(platform, orders=30, time_limit_s=3)
    actor = login(platform, DEMO_EMAIL, demo.password)
    assert demo.plan_id is not None
    deadline = time.monotonic() + 30
    while get_plan(platform, actor, demo.plan_id)[0].status != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    with TestClient(app):  # the lifespan start-up runs while the job may still be running
        assert app.state.runner.wait_idle(120)
        plan, _ = get_plan(platform, actor, demo.plan_id)
    assert plan.status == "published", plan.error
