"""Shared builders of the pickup-point tests: a point body for a tenant's depot and orders to it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant
from tests.api.driver_day import login
from tests.api.test_plans import plan_now, wait

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def point_body(t: Tenant, **kw: Any) -> dict[str, Any]:
    """A counter near the depot open 10:00-13:00 and 14:00-17:00 every weekday (2025-06-17 is a Tuesday)."""
    body: dict[str, Any] = {
        "name": "Papelaria Rossio", "kind": "counter", "lat": 38.7139, "lng": -9.1394,
        "address": "Praça Dom Pedro IV 20, Lisboa", "depot_id": t.ids["depot"],
        "hours": {d: [["10:00", "13:00"], ["14:00", "17:00"]] for d in WEEK[:5]}, "capacity_parcels": 10,
    }  # fmt: skip
    body.update(kw)
    return body


def make_point(client: TestClient, t: Tenant, **kw: Any) -> dict[str, Any]:
    """Create a point through the API and return it."""
    resp = client.post("/v1/pickup-points", json=point_body(t, **kw), headers=t.h())
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


def point_order(t: Tenant, point_id: str, ref: str | None = None, **kw: Any) -> dict[str, Any]:
    """An order to the point (no location, no window of its own)."""
    body = t.order(ref, pickup_point_id=point_id)
    body.pop("location")
    body.pop("time_windows")
    body.update(kw)
    return body


def dispatch_day(c: TestClient, t: Tenant) -> dict[str, str]:
    """Plan the tenant's day (every order assigned, one route), publish, assign a driver and dispatch; the driver
    app's headers."""
    plan = plan_now(c, t)
    assert plan["status"] == "succeeded" and plan["unassigned"] == [], plan
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    (route,) = plan["routes"]
    drv = c.post("/v1/drivers", json={"name": "Rui"}, headers=t.h()).json()["id"]
    assigned = c.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": drv, "version": 1}, headers=t.h())
    assert assigned.status_code == 200, assigned.text
    version = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["version"]
    assert c.post(f"/v1/routes/{route['id']}/dispatch", json={"version": version}, headers=t.h()).status_code == 200
    wait(c)
    return login(c, t, drv)
