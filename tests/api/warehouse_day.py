"""A published two-van day whose orders carry item barcodes, each route with its driver logged in to the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, make_tenant
from tests.api.driver_day import login
from tests.api.test_plans import SPOTS, plan_now, two_vans


@dataclass
class WarehouseDay:
    """The tenant, its published plan, the two routes (with their app headers) and the orders' barcodes."""

    t: Tenant
    plan: dict[str, Any]
    routes: list[dict[str, Any]]
    tokens: list[dict[str, str]]
    codes: dict[str, list[str]]  # external ref -> item barcodes

    def deliveries(self, k: int) -> list[str]:
        """The external refs of route k's deliveries, in stop order."""
        return [s["external_ref"] for s in self.routes[k]["data"]["stops"] if s["type"] == "delivery"]

    def departure(self, k: int) -> datetime:
        """When route k leaves the depot (its start stop's departure)."""
        return datetime.fromisoformat(self.routes[k]["data"]["stops"][0]["departure"])


def _orders(t: Tenant) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    bodies, codes = [], {}
    for i in range(6):
        ref = f"W-{i}"
        items = [{"description": f"Caixa {i}", "barcode": f"BX-{i}"}, {"description": "Saco", "barcode": f"BG-{i}"}]
        if i == 5:
            items = [{"description": "Carta sem código"}]  # a parcel without barcode: checked by hand
        codes[ref] = [it["barcode"] for it in items if "barcode" in it]
        spot = SPOTS[i % len(SPOTS)]
        contact = {"name": ["João Gonçalves", "Jürgen Weiß"][i % 2]}
        loc = {"lat": spot[0], "lng": spot[1]}
        bodies.append(t.order(ref, location=loc, items=items, contact=contact, address=f"Rua {i}"))
    return bodies, codes


def make_warehouse_day(client: TestClient, publish: bool = True) -> WarehouseDay:
    """Six one-parcel orders with barcodes on two vans of three parcels; published, a driver on each route."""
    t = make_tenant(client)
    two_vans(client, t, parcels=3)
    bodies, codes = _orders(t)
    r = client.post("/v1/orders/bulk", json={"orders": bodies}, headers=t.h())
    assert r.status_code == 201, r.text
    plan = plan_now(client, t)
    assert len(plan["routes"]) == 2, plan
    tokens: dict[str, dict[str, str]] = {}
    if publish:
        assert client.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
        for k, route in enumerate(plan["routes"]):
            drv = client.post("/v1/drivers", json={"name": f"Motorista {k}"}, headers=t.h()).json()["id"]
            body = {"driver_id": drv, "version": 1}
            assert client.post(f"/v1/routes/{route['id']}/assign", json=body, headers=t.h()).status_code == 200
            tokens[route["id"]] = login(client, t, drv)
    plan = client.get(f"/v1/plans/{plan['id']}", headers=t.h()).json()
    routes = sorted(plan["routes"], key=lambda r: r["data"]["vehicle_name"])  # Van A, then Van B
    return WarehouseDay(t, plan, routes, [tokens.get(r["id"], {}) for r in routes], codes)
