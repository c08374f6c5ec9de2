"""One travel model for the whole deployment: plan jobs, manual-move previews and the checker all use it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from doorstep.api.app import road_network
from doorstep.config import Settings
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geo import LatLng
from doorstep.routing import Matrix, StraightLineProvider
from doorstep.routing.provider import NO_AVOID
from doorstep.services.kernel.platform import Platform
from doorstep.services.kernel.settings import TravelModel
from tests.api.conftest import Tenant, platform_of
from tests.api.test_plans import _move_target, add_orders, plan_now, two_vans
from tests.factories import order, problem


class Counting:
    """A real straight-line model at another circuity, counting how often it is asked."""

    def __init__(self) -> None:
        self.inner, self.calls = StraightLineProvider(circuity=1.9), 0

    @property
    def name(self) -> str:
        """The wrapped model's name."""
        return self.inner.name

    def matrix(
        self,
        points: Sequence[LatLng],
        profile: SpeedProfile,
        depart_at: datetime | None = None,
        *,
        avoid: frozenset[str] = NO_AVOID,
    ) -> Matrix:
        """Count, then answer with the real model."""
        self.calls += 1
        return self.inner.matrix(points, profile, depart_at, avoid=avoid)


def test_plan_jobs_and_previews_use_the_deployments_travel_model(client: TestClient, tenant: Tenant) -> None:
    """With a travel model configured, the plan job plans on it and a move preview is checked on it."""
    p = platform_of(client)
    spy = Counting()
    p.travel.network = spy
    try:
        two_vans(client, tenant, parcels=3)
        add_orders(client, tenant, 6)
        plan = plan_now(client, tenant)
        assert plan["status"] == "succeeded", plan
        assert plan["stats"]["provider"] == "straight-line(x1.9)"
        planned = spy.calls
        assert planned > 0
        oid, _a, b = _move_target(plan)
        body = {"order_id": oid, "route_id": b["id"], "position": 0}
        assert client.post(f"/v1/plans/{plan['id']}/edits/preview", json=body, headers=tenant.h()).status_code == 200
        assert spy.calls > planned
    finally:
        p.travel.network = None


def test_the_problems_own_matrices_win_and_no_network_means_straight_lines(tmp_path: Path) -> None:
    """Platform.provider: explicit matrices keep their provider; without DOORSTEP_NETWORK there is no road model."""
    assert road_network(Settings(database_url=f"sqlite:///{tmp_path}/x.sqlite")) is None
    p_plain = problem([order("A", LatLng(38.74, -9.14))])
    plat = Platform(sessions=None, travel=TravelModel(network=Counting()))  # type: ignore[arg-type]
    assert plat.provider(p_plain).name == "straight-line(x1.9)"
    assert Platform(sessions=None).provider(p_plain).name == "straight-line(x1.3)"  # type: ignore[arg-type]


def test_a_configured_network_is_loaded_once_for_the_app(monaco_network: Path, tmp_path: Path) -> None:
    """DOORSTEP_NETWORK gives the app a road provider (OSRM on the built network)."""
    road = road_network(Settings(database_url=f"sqlite:///{tmp_path}/x.sqlite", network=monaco_network))
    assert road is not None and "osrm" in road.name.lower()
