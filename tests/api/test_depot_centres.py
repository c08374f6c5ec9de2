"""Depots as distribution centres through the API (SQLite and PostgreSQL): hours, capacity and docks on the
depot; inbound transfers created, listed, delayed, arrived and deleted, every bad input at once; a plan job that
applies them (release times, capacity, docks) and reports the depot."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant
from tests.api.test_plans import add_orders, plan_now, two_vans

DEPOT = {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}


def _depot(client: TestClient, t: Tenant, **fields: Any) -> dict[str, Any]:
    """Replace the tenant's depot with ``fields`` (hours, loading, capacity, docks)."""
    current = client.get(f"/v1/depots/{t.ids['depot']}", headers=t.h()).json()
    body = DEPOT | fields
    r = client.put(f"/v1/depots/{t.ids['depot']}", params={"version": current["version"]}, json=body, headers=t.h())
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _codes(r: Any) -> list[str]:
    return [d["code"] for d in r.json()["error"]["details"]]


def test_depot_hours_capacity_and_docks_are_stored_and_checked(client: TestClient, tenant: Tenant) -> None:
    """A depot keeps its hours, loading time, capacity and docks; closing before opening, a negative capacity
    and no dock are refused together (E1702, E1700, E1701) and nothing changes."""
    saved = _depot(client, tenant, opens="07:00", closes="21:00", loading_s=600, capacity_parcels_per_day=800,
                   docks=3)  # fmt: skip
    assert (saved["opens"], saved["closes"], saved["loading_s"]) == ("07:00", "21:00", 600)
    assert (saved["capacity_parcels_per_day"], saved["docks"]) == (800, 3)
    bad = DEPOT | {"opens": "18:00", "closes": "06:00", "capacity_parcels_per_day": -5, "docks": 0}
    r = client.put(f"/v1/depots/{tenant.ids['depot']}", params={"version": saved["version"]}, json=bad,
                   headers=tenant.h())  # fmt: skip
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1000"
    assert sorted(_codes(r)) == ["E1700", "E1701", "E1702"]
    locs = {d["code"]: d["loc"] for d in r.json()["error"]["details"]}
    assert locs["E1700"] == ["capacity_parcels_per_day"] and locs["E1701"] == ["docks"]
    again = client.get(f"/v1/depots/{tenant.ids['depot']}", headers=tenant.h()).json()
    assert (again["version"], again["docks"]) == (saved["version"], 3)
    created = client.post("/v1/depots", json=DEPOT | {"name": "North", "docks": 2}, headers=tenant.h())
    assert created.status_code == 201 and created.json()["docks"] == 2
    assert created.json()["capacity_parcels_per_day"] is None


def _trunk(t: Tenant, orders: list[str], **kw: Any) -> dict[str, Any]:
    return {"arrival": "2025-06-17T10:00:00+01:00", "sorting_s": 1800, "orders": orders, "origin": "Central DC",
            "reference": "TRUNK 7"} | kw  # fmt: skip


def test_transfers_are_created_listed_read_and_deleted(client: TestClient, tenant: Tenant) -> None:
    """Orders named by external ref or id; the answer says when they are ready (arrival plus sorting) and warns
    (W1700) for an order whose window ends before; listing by day; read-only keys read but may not write; a
    deleted transfer is gone (404 E1302)."""
    ids = add_orders(client, tenant, 3)
    base = f"/v1/depots/{tenant.ids['depot']}/transfers"
    r = client.post(base, json=_trunk(tenant, ["O-0", ids[1], "O-2"]), headers=tenant.h("write"))
    assert r.status_code == 201, r.text
    trf = r.json()
    assert trf["orders"] == ids and trf["status"] == "expected" and trf["date"] == "2025-06-17"
    assert trf["ready_at"] == "2025-06-17T10:30:00+01:00"
    assert [w["code"] for w in trf["warnings"]] == []
    late = client.post(base, json=_trunk(tenant, [], arrival="2025-06-17T11:50:00+01:00"), headers=tenant.h())
    assert late.status_code == 201 and late.json()["orders"] == []
    listed = client.get(base, params={"date": "2025-06-17"}, headers=tenant.h("read")).json()
    assert [x["id"] for x in listed] == [trf["id"], late.json()["id"]]
    assert client.get(base, params={"date": "2025-06-18"}, headers=tenant.h()).json() == []
    refused = client.post(base, json=_trunk(tenant, []), headers=tenant.h("read"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "E4002"
    assert client.get(f"{base}/{trf['id']}", headers=tenant.h("read")).json()["orders"] == ids
    assert client.delete(f"{base}/{trf['id']}", headers=tenant.h()).status_code == 204
    gone = client.get(f"{base}/{trf['id']}", headers=tenant.h())
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "E1302"
    warned = client.patch(f"{base}/{late.json()['id']}", params={"version": 1}, json={"orders": ["O-0"]},
                          headers=tenant.h())  # fmt: skip
    assert [w["code"] for w in warned.json()["warnings"]] == ["W1700"]


def test_every_problem_of_a_transfer_is_reported_at_once(client: TestClient, tenant: Tenant) -> None:
    """Unknown order (E1704), a return (E1709), an order of another depot (E1706), an order due the day before
    (E1712), arrival after closing (E1707), a bad sorting time (E1708), too many orders (E1711): one E1000 with
    every code; an order already on a stored transfer is E2401; an unknown depot is 404 E1302."""
    _depot(client, tenant, opens="07:00", closes="20:00")
    other = client.post("/v1/depots", json=DEPOT | {"name": "North"}, headers=tenant.h()).json()["id"]
    add_orders(client, tenant, 2)
    bodies = [tenant.order("RET-1", kind="return"), tenant.order("FAR-1", depot_id=other),
              tenant.order("EVE-1", date="2025-06-16")]  # fmt: skip
    assert client.post("/v1/orders/bulk", json={"orders": bodies}, headers=tenant.h()).status_code == 201
    base = f"/v1/depots/{tenant.ids['depot']}/transfers"
    bad = _trunk(tenant, ["NOPE", "RET-1", "FAR-1", "EVE-1"], arrival="2025-06-17T20:30:00+01:00", sorting_s=-1)
    r = client.post(base, json=bad, headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1000"
    assert sorted(_codes(r)) == ["E1704", "E1706", "E1707", "E1708", "E1709", "E1712"]
    many = client.post(base, json=_trunk(tenant, [f"X-{k}" for k in range(10_001)]), headers=tenant.h())
    assert "E1711" in _codes(many)
    assert client.post(base, json=_trunk(tenant, ["O-0"]), headers=tenant.h()).status_code == 201
    twice = client.post(base, json=_trunk(tenant, ["O-1", "O-0"]), headers=tenant.h())
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "E2401"
    nowhere = client.post("/v1/depots/dep_nowhere/transfers", json=_trunk(tenant, []), headers=tenant.h())
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "E1302"


def test_a_plan_applies_transfers_capacity_and_docks_and_a_delay_is_visible(
    client: TestClient, tenant: Tenant
) -> None:
    """Two vans, six orders, a trunk with two of them at 10:00 (sorted 10:30), a depot of 5 parcels a day with
    one dock: the plan serves five (one DEPOT_CAPACITY), loads the vans one after the other, the trunk's orders
    leave at 10:30 or later, and the plan reports the depot. Published, then the trunk is delayed to 12:00:
    ``transfer.delayed`` names the routes that would leave too early; marking it arrived twice is E2400."""
    two_vans(client, tenant, parcels=6)
    _depot(client, tenant, loading_s=900, capacity_parcels_per_day=5, docks=1)
    ids = add_orders(client, tenant, 6, time_windows=[{"start": "08:30", "end": "16:00"}])
    base = f"/v1/depots/{tenant.ids['depot']}/transfers"
    trf = client.post(base, json=_trunk(tenant, ["O-0", "O-1"]), headers=tenant.h()).json()
    plan = plan_now(client, tenant)
    assert plan["status"] == "succeeded", plan
    assert [u["reason"] for u in plan["unassigned"]] == ["DEPOT_CAPACITY"]
    assert plan["depots"] == [{"depot_id": tenant.ids["depot"], "parcels": 5, "capacity_parcels_per_day": 5,
                               "loading_peak": 1, "docks": 1, "kept_parcels": 0}]  # fmt: skip
    starts = sorted(r["data"]["stops"][0]["departure"] for r in plan["routes"])
    assert all(r["data"]["stops"][0]["dock"] == 1 for r in plan["routes"])
    assert len(set(starts)) == len(starts)
    leave = {s["order_id"]: r["data"]["stops"][0]["departure"] for r in plan["routes"] for s in r["data"]["stops"]}
    carried = [i for i in ids[:2] if i in leave]
    assert all(leave[i] >= "2025-06-17T10:30:00+01:00" for i in carried)
    assert client.post(f"/v1/plans/{plan['id']}/publish", headers=tenant.h()).status_code == 200
    waves = client.get(f"/v1/depots/{tenant.ids['depot']}/waves", params={"date": "2025-06-17"}, headers=tenant.h())
    assert {r["dock"] for w in waves.json()["waves"] for r in w["routes"]} == {1}
    moved = client.patch(f"{base}/{trf['id']}", params={"version": trf["version"]},
                         json={"arrival": "2025-06-17T12:00:00+01:00"}, headers=tenant.h())  # fmt: skip
    assert moved.status_code == 200 and moved.json()["ready_at"] == "2025-06-17T12:30:00+01:00"
    stale = client.patch(f"{base}/{trf['id']}", params={"version": trf["version"]}, json={"sorting_s": 60},
                         headers=tenant.h())  # fmt: skip
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "E2002"
    events = client.get(f"{base}/{trf['id']}/timeline", headers=tenant.h()).json()
    assert [e["type"] for e in events] == ["transfer.created", "transfer.delayed"]
    delayed = events[-1]["data"]
    assert delayed["delay_s"] == 7200
    early = sorted(o for r in delayed["early_routes"] for o in r["order_ids"])
    assert early == sorted(carried)
    odd = client.post(f"{base}/{trf['id']}/arrived", json={"at": "0001-01-01T00:00:00+14:00"}, headers=tenant.h())
    assert odd.status_code == 422 and odd.json()["error"]["code"] == "E1708"
    arrived = client.post(f"{base}/{trf['id']}/arrived", json={"at": "2025-06-17T11:00:00+01:00"},
                          headers=tenant.h())  # fmt: skip
    assert arrived.json()["status"] == "arrived" and arrived.json()["ready_at"] == "2025-06-17T11:30:00+01:00"
    again = client.post(f"{base}/{trf['id']}/arrived", json={}, headers=tenant.h())
    assert again.status_code == 409 and again.json()["error"]["code"] == "E2400"
    frozen = client.patch(f"{base}/{trf['id']}", params={"version": arrived.json()["version"]},
                          json={"sorting_s": 60}, headers=tenant.h())  # fmt: skip
    assert frozen.status_code == 409 and frozen.json()["error"]["code"] == "E2400"


def test_a_replan_leaves_the_capacity_its_kept_routes_use(client: TestClient, tenant: Tenant) -> None:
    """Room for 4 parcels a day, six orders, two 3-parcel vans: the first plan ships 4 (two DEPOT_CAPACITY). With
    one route dispatched, the re-plan ships only what that route left of the 4, and its report counts the kept
    route's parcels against the depot's 4."""
    two_vans(client, tenant, parcels=3)
    _depot(client, tenant, capacity_parcels_per_day=4)
    add_orders(client, tenant, 6)
    v1 = plan_now(client, tenant)
    assert [u["reason"] for u in v1["unassigned"]] == ["DEPOT_CAPACITY"] * 2
    assert client.post(f"/v1/plans/{v1['id']}/publish", headers=tenant.h()).status_code == 200
    route = client.get(f"/v1/routes/{v1['routes'][0]['id']}", headers=tenant.h()).json()
    sent = client.post(f"/v1/routes/{route['id']}/dispatch", json={"version": route["version"]},
                       headers=tenant.h())  # fmt: skip
    assert sent.status_code == 200, sent.text
    kept = sum(1 for s in route["data"]["stops"] if s["order_id"])
    v2 = plan_now(client, tenant)
    shipped = sum(1 for r in v2["routes"] for s in r["data"]["stops"] if s["order_id"])
    assert shipped == 4 - kept
    assert [u["reason"] for u in v2["unassigned"]] == ["DEPOT_CAPACITY"] * 2
    (load,) = v2["depots"]
    assert (load["parcels"], load["capacity_parcels_per_day"], load["kept_parcels"]) == (4, 4, kept)
