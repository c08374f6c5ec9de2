"""An app per database (SQLite and PostgreSQL) and a fresh organization per test, with keys and a small fleet."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.routing.address_lookup import LocalGeocoder
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.services.kernel.platform import Platform

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def client(db_url: str) -> Iterator[TestClient]:
    """One app and client per database for the whole session. It runs no periodic work: every app of an xdist
    worker shares its database, and a sweep of this app would act on the other modules' tenants with this app's
    configuration and real clock — its event sweep ran other apps' message handlers here, where no channel is
    configured, so their messages were never written; its slot-expiry tick freed holds that a test on a pinned
    clock was about to confirm (E2253). Tests that need a sweep run it themselves."""
    settings = Settings(
        database_url=db_url, secret_key="test-secret", rate_limit_per_minute=1_000_000, webhook_tick_s=0,
        webhook_allow_private=True,  # the receivers of these tests listen on 127.0.0.1
        event_tick_s=0, notify_tick_s=0, slot_expiry_tick_s=0, learn_tick_s=0, rollup_tick_s=0,
    )
    with TestClient(create_app(settings)) as c:
        yield c


@dataclass
class Tenant:
    """A fresh organization: its admin login, API keys by scope and a depot with one van and a shift."""

    org_id: str
    email: str
    keys: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def h(self, scope: str = "admin") -> dict[str, str]:
        """Authorization headers for the key with the given scope set (admin: read, write, manage)."""
        return {"Authorization": f"Bearer {self.keys[scope]}"}

    def order(self, ref: str | None = None, **kw: Any) -> dict[str, Any]:
        """A valid order body for the tenant's depot."""
        body = {
            "external_ref": ref or f"R-{uuid.uuid4().hex[:8]}",
            "depot_id": self.ids["depot"],
            "date": "2025-06-17",
            "location": {"lat": 38.72, "lng": -9.14},
            "time_windows": [{"start": "09:00", "end": "12:00"}],
            "service_s": 120,
            "size": {"parcels": 1},
        }
        body.update(kw)
        return body


def platform_of(client: TestClient) -> Platform:
    """The services' platform behind the test app."""
    p: Platform = client.app.state.platform  # type: ignore[attr-defined]
    return p


def make_tenant(client: TestClient) -> Tenant:
    """Create an organization with an admin, keys of each scope set and a one-van fleet (through the API)."""
    p = platform_of(client)
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    org_id, _ = create_organization(p, "Test courier", email, PASSWORD)
    sys = system_actor(org_id)
    scopes = {
        "admin": [Permission.READ, Permission.WRITE, Permission.MANAGE],
        "write": [Permission.READ, Permission.WRITE],
        "read": [Permission.READ],
    }
    keys = {name: create_api_key(p, sys, name, s)[1] for name, s in scopes.items()}
    t = Tenant(org_id, email, keys)
    depot = {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}
    t.ids["depot"] = client.post("/v1/depots", json=depot, headers=t.h()).json()["id"]
    vtype = {"name": "Van", "capacity": {"parcels": 100}, "cost_per_hour_cents": 2000}
    t.ids["type"] = client.post("/v1/vehicle-types", json=vtype, headers=t.h()).json()["id"]
    van = {"name": "Van 1", "type_id": t.ids["type"], "depot_id": t.ids["depot"]}
    t.ids["vehicle"] = client.post("/v1/vehicles", json=van, headers=t.h()).json()["id"]
    shift = {
        "vehicle_id": t.ids["vehicle"], "day": "2025-06-17",
        "start": "2025-06-17T08:00:00+01:00", "end": "2025-06-17T18:00:00+01:00",
    }  # fmt: skip
    resp = client.post("/v1/shifts", json=shift, headers=t.h())
    assert resp.status_code == 201, resp.text
    t.ids["shift"] = resp.json()["id"]
    return t


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    """A fresh organization for this test (tests never see each other's data)."""
    return make_tenant(client)


@pytest.fixture
def geocoder(client: TestClient, monaco_network: Path) -> Iterator[LocalGeocoder]:
    """The app's geocoder for this test: the Monaco network's index (as DOORSTEP_NETWORK would give it)."""
    p = platform_of(client)
    coder = LocalGeocoder(monaco_network)
    p.geocoder = coder
    try:
        yield coder
    finally:
        p.geocoder = None
