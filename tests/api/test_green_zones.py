"""Access zones and electric vans through the platform: /v1/access-zones, vehicle types with a range, a plan job
that respects both, CO2 in the stored plan, and the CO2 price option."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from tests.api.conftest import Tenant, platform_of
from tests.api.test_plan_options import post

DAY = "2025-06-18"
SHIFT = {"day": DAY, "start": f"{DAY}T08:00:00+01:00", "end": f"{DAY}T18:00:00+01:00"}
HUB = {"name": "Hub Green", "lat": 38.7400, "lng": -9.1500, "timezone": "Europe/Lisbon"}
BAIXA = [[-9.145, 38.705], [-9.130, 38.705], [-9.130, 38.715], [-9.145, 38.715], [-9.145, 38.705]]
OPTIONS = {"time_limit_s": 30, "max_iterations": 400, "seed": 1}


def _plan(client: TestClient, t: Tenant, depot_id: str, options: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/plans", json={"depot_id": depot_id, "date": DAY, "options": options}, headers=t.h())
    assert r.status_code == 202, r.text
    assert client.app.state.runner.wait_idle(120)  # type: ignore[attr-defined]
    plan: dict[str, Any] = client.get(f"/v1/plans/{r.json()['id']}", headers=t.h()).json()
    assert plan["status"] == "succeeded", plan["error"]
    return plan


def _stored_check(client: TestClient, t: Tenant, plan_id: str) -> list[Any]:
    with platform_of(client).uow(t.org_id) as uow:
        doc: dict[str, Any] = uow.plans.require(plan_id).result or {}
    checked, problem, _ = plan_from_dict(doc)
    return check_plan(problem, checked)


def test_zone_and_electric_van_through_a_plan_job(client: TestClient, tenant: Tenant) -> None:
    """A stored low-emission zone (06:00-11:00, electric vans only) and a diesel and an electric van: the orders
    inside are served by the electric van before 11:00, the stored plan has co2_kg per route and in its stats,
    and it passes the independent checker with the zone."""
    hub = post(client, tenant, "/v1/depots", HUB)
    diesel = post(client, tenant, "/v1/vehicle-types", {"name": "Diesel", "capacity": {"parcels": 50},
                                                         "cost_per_km_cents": 20, "fuel": "diesel"})  # fmt: skip
    ev_body = {"name": "E-van", "capacity": {"parcels": 2}, "cost_per_km_cents": 20, "fixed_cost_cents": 10_000,
               "fuel": "electric", "range_m": 150_000, "reserve_m": 15_000, "charge_s": 1800}  # fmt: skip
    ev = post(client, tenant, "/v1/vehicle-types", ev_body)
    assert {k: ev[k] for k in ev_body} == ev_body
    zone_body = {"name": "Baixa LEZ", "geometry": {"type": "Polygon", "coordinates": [BAIXA]},
                 "vehicle_types": [ev["id"]], "hours": [["06:00", "11:00"]], "timezone": ""}  # fmt: skip
    zone = post(client, tenant, "/v1/access-zones", zone_body)
    assert zone["id"].startswith("zon_") and {k: zone[k] for k in zone_body} == zone_body
    assert [z["id"] for z in client.get("/v1/access-zones", headers=tenant.h()).json()["items"]] == [zone["id"]]
    vans = {}
    for name, vtype in (("D1", diesel), ("E1", ev)):
        vans[name] = post(client, tenant, "/v1/vehicles", {"name": name, "type_id": vtype["id"], "depot_id": hub["id"]})
        post(client, tenant, "/v1/shifts", {**SHIFT, "vehicle_id": vans[name]["id"]})
    inside = [(38.708, -9.140), (38.711, -9.135)]
    outside = [(38.76, -9.16), (38.73, -9.18)]
    orders = [tenant.order(f"G-{i}", depot_id=hub["id"], date=DAY, location={"lat": lat, "lng": lng})
              for i, (lat, lng) in enumerate(inside + outside)]  # fmt: skip
    r = client.post("/v1/orders/bulk", json={"orders": orders}, headers=tenant.h())
    assert r.status_code == 201, r.text
    ids = [o["id"] for o in r.json()["orders"]]

    plan = _plan(client, tenant, hub["id"], OPTIONS)
    assert plan["unassigned"] == []
    served = {s["order_id"]: (rt["vehicle_id"], s["start"]) for rt in plan["routes"] for s in rt["data"]["stops"]
              if s["order_id"]}  # fmt: skip
    for oid in ids[:2]:
        assert served[oid][0] == vans["E1"]["id"]
        assert served[oid][1][11:16] <= "11:00"
    for rt in plan["routes"]:
        assert rt["data"]["co2_kg"] > 0
    assert plan["stats"]["co2_kg"] == round(sum(rt["data"]["co2_kg"] for rt in plan["routes"]), 3)
    assert _stored_check(client, tenant, plan["id"]) == []


def test_bad_access_zones_are_all_reported(client: TestClient, tenant: Tenant) -> None:
    """An open ring, an unknown vehicle type, backwards hours and a bad time zone: one 422 with E1620, E1622,
    E1113 and E1621 located in the body; nothing stored."""
    body = {"name": "Bad", "geometry": {"type": "Polygon", "coordinates": [BAIXA[:-1]]},
            "vehicle_types": ["vty_nope"], "hours": [["11:00", "06:00"]], "timezone": "Nowhere/City"}  # fmt: skip
    r = client.post("/v1/access-zones", json=body, headers=tenant.h())
    assert r.status_code == 422, r.text
    details = [(d["code"], d["loc"]) for d in r.json()["error"]["details"]]
    assert details == [
        ("E1113", ["timezone"]),
        ("E1620", ["geometry", "coordinates", 0]),
        ("E1622", ["hours", 0]),
        ("E1621", ["vehicle_types"]),
    ]
    assert client.get("/v1/access-zones", headers=tenant.h()).json()["items"] == []


def test_reserve_not_below_range_is_e1625(client: TestClient, tenant: Tenant) -> None:
    """A vehicle type whose reserve is not below its range is refused with E1625."""
    r = client.post("/v1/vehicle-types", json={"name": "E", "range_m": 10_000, "reserve_m": 10_000}, headers=tenant.h())
    assert r.status_code == 422
    assert [d["code"] for d in r.json()["error"]["details"]] == ["E1625"]


def test_co2_price_option_is_stored_and_used(client: TestClient, tenant: Tenant) -> None:
    """A plan request with co2_cost_cents_per_kg keeps it in the stored options (the van with no fuel counts as
    diesel: 225.9 g/km); a negative one is a 422."""
    day = "2025-06-17"  # the tenant's shift
    order = tenant.order("C-1", depot_id=tenant.ids["depot"], date=day, location={"lat": 38.75, "lng": -9.12})
    assert client.post("/v1/orders/bulk", json={"orders": [order]}, headers=tenant.h()).status_code == 201
    body = {"depot_id": tenant.ids["depot"], "date": day, "options": {**OPTIONS, "co2_cost_cents_per_kg": 25}}
    r = client.post("/v1/plans", json=body, headers=tenant.h())
    assert client.app.state.runner.wait_idle(120)  # type: ignore[attr-defined]
    plan = client.get(f"/v1/plans/{r.json()['id']}", headers=tenant.h()).json()
    assert plan["status"] == "succeeded" and plan["options"]["co2_cost_cents_per_kg"] == 25
    (route,) = plan["routes"]
    assert route["data"]["co2_kg"] == round(route["data"]["distance_m"] * 0.2259) / 1000
    bad = {"depot_id": tenant.ids["depot"], "date": DAY, "options": {"co2_cost_cents_per_kg": -1}}
    r = client.post("/v1/plans", json=bad, headers=tenant.h())
    assert r.status_code == 422
