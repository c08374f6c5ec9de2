"""Every planner feature through the platform: vehicles that reload, end elsewhere or anywhere, with a maximum
shift, and plan requests with an objective and workload balancing — stored, planned and checked."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

from doorstep.api.schemas_plans import ObjectiveName
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from doorstep.optimize.options import Objective, SolveOptions
from doorstep.services.planning import plans as plans_service
from doorstep.services.planning.planning import plan as make_plan
from tests.api.conftest import Tenant, platform_of

DAY = "2025-06-18"
SHIFT = {"day": DAY, "start": f"{DAY}T08:00:00+01:00", "end": f"{DAY}T18:00:00+01:00"}
NORTH = {"name": "Hub Norte", "lat": 38.7600, "lng": -9.1300, "timezone": "Europe/Lisbon"}
SOUTH = {"name": "Hub Sul", "lat": 38.7050, "lng": -9.1500, "timezone": "Europe/Lisbon"}
MAX_SHIFT_S = 6 * 3600
OPTIONS = {
    "time_limit_s": 60, "max_iterations": 1500, "seed": 1, "objective": "duration",
    "balance_max_stops": 4, "balance_duration_cost_per_hour_cents": 500,
}  # fmt: skip


def post(client: TestClient, t: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create through the API and return the stored object (201 expected)."""
    r = client.post(path, json=body, headers=t.h())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def feature_fleet(client: TestClient, t: Tenant) -> dict[str, Any]:
    """Two depots and three 10-parcel vans at the north hub: one reloads (at most twice), one ends where its last
    stop is, one ends at the south hub within six hours; each with a shift on DAY."""
    ids = {"north": post(client, t, "/v1/depots", NORTH), "south": post(client, t, "/v1/depots", SOUTH)}
    vtype = post(client, t, "/v1/vehicle-types", {"name": "Small", "capacity": {"parcels": 10}})
    base = {"type_id": vtype["id"], "depot_id": ids["north"]["id"]}
    ids["reload"] = post(client, t, "/v1/vehicles", {**base, "name": "Reload van", "reloads": True, "max_reloads": 2})
    ids["open"] = post(client, t, "/v1/vehicles", {**base, "name": "Open van", "open_end": True})
    ids["south_end"] = post(
        client,
        t,
        "/v1/vehicles",
        {**base, "name": "South van", "end_depot_id": ids["south"]["id"], "max_shift_s": MAX_SHIFT_S},
    )
    for key in ("reload", "open", "south_end"):
        post(client, t, "/v1/shifts", {**SHIFT, "vehicle_id": ids[key]["id"]})
    return ids


def add_orders(client: TestClient, t: Tenant, depot_id: str, n: int) -> list[str]:
    """``n`` two-parcel orders spread over Lisbon, open all day."""
    orders = [
        t.order(
            f"F-{i}", depot_id=depot_id, date=DAY, size={"parcels": 2},
            location={"lat": 38.715 + 0.008 * (i % 5), "lng": -9.170 + 0.012 * (i // 5)},
            time_windows=[{"start": "08:00", "end": "18:00"}],
        )
        for i in range(n)
    ]  # fmt: skip
    r = client.post("/v1/orders/bulk", json={"orders": orders}, headers=t.h())
    assert r.status_code == 201, r.text
    return [o["id"] for o in r.json()["orders"]]


def trips(stops: list[dict[str, Any]]) -> list[int]:
    """Orders served between depot visits (start, reloads, end), trip by trip."""
    counts, count = [], 0
    for s in stops[1:]:
        if s["type"] in ("reload", "end"):
            counts.append(count)
            count = 0
        elif s["order_id"] is not None:
            count += 1
    return counts


def test_reloads_open_end_end_depot_and_balancing_through_the_api(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan job on vehicles with reloads, an open end and another end depot, asked for the duration objective
    and at most 4 stops a route: every order is served, the reload van goes back to the depot mid-route, the open
    route ends at its last stop, the south van ends at the south hub, no trip has over 4 stops, and the stored plan
    passes the independent checker."""
    seen: list[SolveOptions] = []

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append(kw["options"])
        return make_plan(*args, **kw)

    monkeypatch.setattr(plans_service, "make_plan", spy)
    fleet = feature_fleet(client, tenant)
    north, south = fleet["north"], fleet["south"]
    order_ids = add_orders(client, tenant, north["id"], 14)  # 28 parcels: more than the 10 of any van
    r = client.post("/v1/plans", json={"depot_id": north["id"], "date": DAY, "options": OPTIONS}, headers=tenant.h())
    assert r.status_code == 202, r.text
    assert client.app.state.runner.wait_idle(120)  # type: ignore[attr-defined]
    plan = client.get(f"/v1/plans/{r.json()['id']}", headers=tenant.h()).json()
    assert plan["status"] == "succeeded", plan["error"]

    assert [(o.objective, o.balance_max_stops, o.balance_duration_cost_per_hour_cents) for o in seen] == [
        (Objective.DURATION, 4, 500)
    ]
    assert {k: plan["options"][k] for k in OPTIONS} == OPTIONS
    served = [s["order_id"] for r in plan["routes"] for s in r["data"]["stops"] if s["order_id"]]
    assert sorted(served) == sorted(order_ids) and plan["unassigned"] == []

    routes = {r["vehicle_id"]: r["data"] for r in plan["routes"]}
    reload_stops = routes[fleet["reload"]["id"]]["stops"]
    mid = [s for s in reload_stops[1:-1] if s["type"] == "reload"]
    assert mid and {s["depot_id"] for s in mid} == {north["id"]}
    assert 2 * sum(1 for s in reload_stops if s["order_id"]) > 10  # more than one van load: only with a reload

    open_end = routes[fleet["open"]["id"]]["stops"][-1]
    assert open_end["type"] == "end" and open_end["depot_id"] is None
    depot_points = {(d["lat"], d["lng"]) for d in (north, south)}
    assert (open_end["location"]["lat"], open_end["location"]["lng"]) not in depot_points

    south_route = routes[fleet["south_end"]["id"]]
    assert south_route["stops"][-1]["depot_id"] == south["id"]
    assert south_route["stops"][-1]["location"] == {"lat": south["lat"], "lng": south["lng"]}
    assert south_route["duration_s"] <= MAX_SHIFT_S

    for data in routes.values():
        assert max(trips(data["stops"])) <= 4

    with platform_of(client).uow(tenant.org_id) as uow:
        doc: dict[str, Any] = uow.plans.require(plan["id"]).result or {}
    checked_plan, problem, _ = plan_from_dict(doc)
    vehicles = {v.id: v for v in problem.vehicles}
    assert (vehicles[fleet["reload"]["id"]].reloads, vehicles[fleet["reload"]["id"]].max_reloads) == (True, 2)
    assert vehicles[fleet["open"]["id"]].open_end is True
    assert (vehicles[fleet["south_end"]["id"]].end_depot_id, vehicles[fleet["south_end"]["id"]].max_shift_s) == (
        south["id"],
        MAX_SHIFT_S,
    )
    assert check_plan(problem, checked_plan) == []


def test_vehicle_planner_settings_are_stored_read_and_replaced(client: TestClient, tenant: Tenant) -> None:
    """Reloads, max reloads, open end, end depot and max shift come back as sent, and a replace changes them."""
    south = post(client, tenant, "/v1/depots", SOUTH)
    body = {
        "name": "Van R", "type_id": tenant.ids["type"], "depot_id": tenant.ids["depot"], "reloads": True,
        "max_reloads": 3, "max_shift_s": 28_800, "end_depot_id": south["id"], "max_stops": 30,
        "max_distance_m": 120_000,
    }  # fmt: skip
    van = post(client, tenant, "/v1/vehicles", body)
    got = client.get(f"/v1/vehicles/{van['id']}", headers=tenant.h()).json()
    assert {k: got[k] for k in body} == body and got["open_end"] is False
    new = {**body, "end_depot_id": None, "open_end": True, "reloads": False, "max_reloads": None}
    r = client.put(f"/v1/vehicles/{van['id']}", params={"version": 1}, json=new, headers=tenant.h())
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in new} == new and r.json()["version"] == 2


def test_contradictory_vehicle_settings_are_all_reported(client: TestClient, tenant: Tenant) -> None:
    """Open end with an end depot, max reloads without reloads and an unknown end depot: one 422 naming all three
    (E1130 twice, E1302); a replace is checked the same way."""
    body = {
        "name": "Van X", "type_id": tenant.ids["type"], "depot_id": tenant.ids["depot"], "open_end": True,
        "end_depot_id": "dep_missing", "max_reloads": 2,
    }  # fmt: skip
    r = client.post("/v1/vehicles", json=body, headers=tenant.h())
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "E1000"
    assert [(d["code"], d["loc"]) for d in err["details"]] == [
        ("E1302", ["end_depot_id"]),
        ("E1130", ["end_depot_id"]),
        ("E1130", ["max_reloads"]),
    ]
    vid = tenant.ids["vehicle"]
    fixed = {**body, "end_depot_id": tenant.ids["depot"]}
    r = client.put(f"/v1/vehicles/{vid}", params={"version": 1}, json=fixed, headers=tenant.h())
    assert [d["code"] for d in r.json()["error"]["details"]] == ["E1130", "E1130"]
    assert client.get(f"/v1/vehicles/{vid}", headers=tenant.h()).json()["version"] == 1


def test_out_of_range_vehicle_settings_are_all_reported(client: TestClient, tenant: Tenant) -> None:
    """A negative max reloads, a zero max shift and a non-boolean open end are three E1301 issues in one 422."""
    body = {
        "name": "Van Y", "type_id": tenant.ids["type"], "depot_id": tenant.ids["depot"], "reloads": True,
        "max_reloads": -1, "max_shift_s": 0, "open_end": "sometimes",
    }  # fmt: skip
    r = client.post("/v1/vehicles", json=body, headers=tenant.h())
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert sorted((d["code"], d["loc"][-1]) for d in details) == [
        ("E1301", "max_reloads"),
        ("E1301", "max_shift_s"),
        ("E1301", "open_end"),
    ]


def test_a_depot_where_routes_end_cannot_be_deleted(client: TestClient, tenant: Tenant) -> None:
    """A depot that is a vehicle's end depot is in use (409 E2008) and stays."""
    south = post(client, tenant, "/v1/depots", SOUTH)
    body = {"name": "Van S", "type_id": tenant.ids["type"], "depot_id": tenant.ids["depot"]}
    post(client, tenant, "/v1/vehicles", {**body, "end_depot_id": south["id"]})
    r = client.delete(f"/v1/depots/{south['id']}", headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2008"


def test_bad_plan_options_are_all_reported_as_e1119(client: TestClient, tenant: Tenant) -> None:
    """An unknown objective, a zero stop cap and a negative balancing cost: one 422 with three E1119 issues (the
    objective's names the allowed values); nothing is queued."""
    options = {"objective": "fastest", "balance_max_stops": 0, "balance_duration_cost_per_hour_cents": -5}
    body = {"depot_id": tenant.ids["depot"], "date": "2025-06-17", "options": options}
    r = client.post("/v1/plans", json=body, headers=tenant.h())
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "E1000"
    assert sorted((d["code"], d["loc"][-1]) for d in err["details"]) == [
        ("E1119", "balance_duration_cost_per_hour_cents"),
        ("E1119", "balance_max_stops"),
        ("E1119", "objective"),
    ]
    objective = next(d for d in err["details"] if d["loc"][-1] == "objective")
    assert all(f"'{o.value}'" in objective["message"] for o in Objective)
    one = client.post("/v1/plans", json={**body, "options": {"objective": "fastest"}}, headers=tenant.h())
    assert (one.status_code, one.json()["error"]["code"]) == (422, "E1119")
    assert client.get("/v1/plans", headers=tenant.h()).json() == []


def test_the_api_offers_exactly_the_planner_objectives() -> None:
    """The plan request's objective names are the solver's Objective values, no more, no fewer."""
    assert sorted(get_args(ObjectiveName)) == sorted(o.value for o in Objective)
