"""The demo organization: fleet, orders and a published plan, and a password reset on reuse."""

from __future__ import annotations

from sqlalchemy import Engine

from doorstep.services.accounts import login
from doorstep.services.demo_platform import DEMO_EMAIL, load_demo
from doorstep.services.plans import get_plan
from doorstep.services.platform import Platform
from doorstep.store.engine import make_session_factory
from doorstep.store.models import ShiftRow


def test_demo_day_is_loaded_planned_and_published(db_engine: Engine) -> None:
    """The demo loads 40 orders and ten vans with shifts, plans and publishes; loading again resets the password."""
    p = Platform(sessions=make_session_factory(db_engine))  # inline runner: the job runs now
    demo = load_demo(p, orders=40, time_limit_s=2)
    actor = login(p, DEMO_EMAIL, demo.password)
    assert demo.plan_id is not None
    plan, routes = get_plan(p, actor, demo.plan_id)
    assert plan.status == "published" and routes
    with p.uow(actor) as uow:
        assert len(uow.shifts.all(ShiftRow.day == demo.day)) == 10
        statuses = {o.status for o in uow.orders.all()}
    assert statuses <= {"planned", "new"} and "planned" in statuses
    again = load_demo(p, orders=40, time_limit_s=2)
    assert again.org_id == demo.org_id and again.plan_id is None and again.password != demo.password
    assert login(p, DEMO_EMAIL, again.password).org_id == demo.org_id
