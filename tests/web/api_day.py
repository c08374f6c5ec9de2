"""A published day built through the HTTP API, for browser tests that need one: a depot with one van, and a plan
for a day published from the van's shift and the orders given."""

from __future__ import annotations

import time
from typing import Any

import httpx

HUB = {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}


def one_van(api: httpx.Client) -> tuple[str, str]:
    """A depot and a 10-parcel van there: (depot id, vehicle id)."""
    depot = api.post("/v1/depots", json=HUB).json()["id"]
    vt = api.post("/v1/vehicle-types", json={"name": "Van", "capacity": {"parcels": 10}}).json()["id"]
    vehicle = api.post("/v1/vehicles", json={"name": "Van 1", "type_id": vt, "depot_id": depot}).json()["id"]
    return depot, vehicle


def publish(
    api: httpx.Client, depot: str, vehicle: str | list[str], day: str, orders: list[dict[str, Any]]
) -> dict[str, Any]:
    """A 08:00-18:00 shift on ``day`` for the vehicle (or each of them), the ``orders`` (depot and date filled
    in), a plan published: the plan."""
    for vid in [vehicle] if isinstance(vehicle, str) else vehicle:
        shift = {"vehicle_id": vid, "day": day, "start": f"{day}T08:00:00+01:00", "end": f"{day}T18:00:00+01:00"}
        assert api.post("/v1/shifts", json=shift).status_code == 201
    body = [{"depot_id": depot, "date": day, "service_s": 120, "size": {"parcels": 1}, **o} for o in orders]
    assert api.post("/v1/orders/bulk", json={"orders": body}).status_code == 201
    opts = {"time_limit_s": 1, "max_iterations": 50, "seed": 1}
    plan_id = api.post("/v1/plans", json={"depot_id": depot, "date": day, "options": opts}).json()["id"]
    for _ in range(300):
        plan: dict[str, Any] = api.get(f"/v1/plans/{plan_id}").json()
        if plan["status"] == "succeeded":
            break
        time.sleep(0.1)
    assert api.post(f"/v1/plans/{plan_id}/publish").status_code == 200
    return plan
