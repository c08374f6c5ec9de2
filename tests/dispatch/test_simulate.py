"""`doorstep simulate` against a real server: every stop of the published day is completed or failed through the
driver API, positions are accepted, failures reach the failure policy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from doorstep.api.app import create_app
from doorstep.cli.main import app as cli
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.driver.driver_records import route_stop_events
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.services.planning import plans
from doorstep.store.migrate import upgrade
from doorstep.store.models import EventRow
from tests.browser import running
from tests.dispatch.test_live_browser import _day


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Any, dict[str, str]]]:
    """A real server (uvicorn, SQLite) with a published two-van day and a dispatcher API key."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sim')}/sim.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="sim-test", webhook_tick_s=0))
    p = app.state.platform
    org_id, _ = create_organization(p, "Sim courier", f"sim-{uuid.uuid4().hex[:8]}@example.com", "sim-password-1")
    ids = _day(p, org_id)
    assert app.state.runner.wait_idle(60)
    plans.publish_plan(p, system_actor(org_id), ids["plan"])
    key = create_api_key(p, system_actor(org_id), "sim", [Permission.READ, Permission.WRITE])[1]
    ids["org"] = org_id
    with running(app) as base:
        yield base, key, app, ids


def test_simulate_drives_the_day_through_the_driver_api(served: tuple[str, str, Any, dict[str, str]]) -> None:
    """Every stop is reached and (fail rate 1) fails, with no refused request; each failure gets a next-day
    re-attempt through the failure policy, or goes back to the sender at once when its reason is one no attempt
    fixes (refused, damaged); the routes got virtual drivers."""
    base, key, app, ids = served
    args = ["simulate", "--date", "2025-06-17", "--api-key", key, "--url", base, "--speed", "100000",
            "--fail-rate", "1", "--seed", "3"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "refused" not in result.output
    counts = {k.strip(): int(v) for k, v in (line.split(":") for line in result.output.splitlines() if ":" in line)}
    assert counts["failed"] == 4 and counts["arrived"] == 4 and counts["position"] > 0
    assert app.state.eta_runner.wait_idle(30)
    p, sys = app.state.platform, system_actor(ids["org"])
    _, routes = plans.get_plan(p, sys, ids["plan"])
    with p.uow(sys) as uow:
        refs = {o.external_ref for o in uow.orders.all()}
        steps = [e.data["next"] for e in uow.session.query(EventRow).filter_by(org_id=ids["org"],
                                                                              type="delivery.failed")]  # fmt: skip
    assert len(steps) == counts["failed"]
    assert sum(1 for r in refs if r.endswith("#2")) == steps.count("reattempt_next_day")
    assert steps.count("reattempt_next_day") + steps.count("return_to_sender") == counts["failed"]
    assert all(r.driver_id for r in routes)


def test_simulated_deliveries_scan_their_parcels(served: tuple[str, str, Any, dict[str, str]]) -> None:
    """With no failures every stop is completed, and each completion scans the order's item labels: the scan
    check of every completion has all expected codes and no unknown one."""
    base, _, app, _ = served
    p = app.state.platform
    org_id, _ = create_organization(p, "Sim courier 2", f"sim-{uuid.uuid4().hex[:8]}@example.com", "sim-password-2")
    ids = _day(p, org_id)
    assert app.state.runner.wait_idle(60)
    sys = system_actor(org_id)
    plans.publish_plan(p, sys, ids["plan"])
    key2 = create_api_key(p, sys, "sim", [Permission.READ, Permission.WRITE])[1]
    args = ["simulate", "--date", "2025-06-17", "--api-key", key2, "--url", base, "--speed", "100000",
            "--fail-rate", "0", "--seed", "3"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    _, routes = plans.get_plan(p, sys, ids["plan"])
    completed = [e for r in routes for e in route_stop_events(p, sys, r.id) if e["status"] == "completed"]
    assert len(completed) == 4
    for e in completed:
        assert e["scan"] == {"expected": 1, "scanned": 1, "missing": [], "unknown": []}, e
        assert e["proof"]["barcodes"] == [f"{_ref(p, sys, e['order_id'])}-1"]


def _ref(p: Any, actor: Any, order_id: str) -> str:
    with p.uow(actor) as uow:
        return str(uow.orders.require(order_id).external_ref)


def test_simulate_days_makes_history_through_the_api(served: tuple[str, str, Any, dict[str, str]]) -> None:
    """`simulate --days 2` in a fresh organization: its own depot and vans, the days' orders planned, published and
    driven to the end (every stop completed or failed, none refused), and the times learned from them."""
    base, _, app, _ = served
    p = app.state.platform
    org_id, _ = create_organization(p, "History", f"hist-{uuid.uuid4().hex[:8]}@example.com", "hist-password-1")
    key = create_api_key(p, system_actor(org_id), "history", [Permission.READ, Permission.WRITE])[1]
    args = ["simulate", "--days", "2", "--api-key", key, "--url", base, "--vans", "2", "--orders-per-day", "10",
            "--seed", "4"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "refused" not in result.output
    assert app.state.eta_runner.wait_idle(30)
    with p.uow(org_id) as uow:
        orders = uow.orders.all()
        driven = [o for o in orders if o.status in ("delivered", "failed")]
    days = [line for line in result.output.splitlines() if " orders, " in line]
    assert sum(int(line.split(": ")[1].split(" orders")[0]) for line in days) == len(orders) - _reattempts(orders)
    assert len(driven) == len(orders) - _reattempts(orders) and driven
    learned = uow_learned(p, org_id)
    assert learned is not None and learned.service_n == sum(o.status == "delivered" for o in orders)


def _reattempts(orders: list[Any]) -> int:
    """Orders the failure policy created for the next day (re-attempts of the last day's failures: not driven)."""
    return sum(1 for o in orders if o.status == "new")


def uow_learned(p: Any, org_id: str) -> Any:
    """The organization's learned model."""
    from doorstep.services.kernel.learned_times import load_learned

    with p.uow(org_id) as uow:
        return load_learned(uow)
