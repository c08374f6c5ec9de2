"""Depots, vehicle types, vehicles, drivers and shifts over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant


def test_depot_crud_with_versions(client: TestClient, tenant: Tenant) -> None:
    """Create, get, replace at the current version (409 E2002 when stale), delete, then 404."""
    body = {"name": "North", "lat": 38.8, "lng": -9.1, "timezone": "Europe/Lisbon", "opens": "07:00"}
    dep = client.post("/v1/depots", json=body, headers=tenant.h()).json()
    assert dep["version"] == 1 and dep["opens"] == "07:00"
    r = client.put(
        f"/v1/depots/{dep['id']}", params={"version": 1}, json={**body, "name": "North 2"}, headers=tenant.h()
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = client.put(f"/v1/depots/{dep['id']}", params={"version": 1}, json=body, headers=tenant.h())
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "E2002"
    assert client.delete(f"/v1/depots/{dep['id']}", headers=tenant.h()).status_code == 204
    assert client.get(f"/v1/depots/{dep['id']}", headers=tenant.h()).status_code == 404


def test_depot_in_use_cannot_be_deleted(client: TestClient, tenant: Tenant) -> None:
    """A depot with vehicles is E2008 and stays."""
    r = client.delete(f"/v1/depots/{tenant.ids['depot']}", headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2008"
    assert client.get(f"/v1/depots/{tenant.ids['depot']}", headers=tenant.h()).status_code == 200


def test_bad_fleet_values_are_all_reported(client: TestClient, tenant: Tenant) -> None:
    """Bad zone and bad opening time together; bad profile; shift ending before it starts; unknown vehicle."""
    r = client.post(
        "/v1/depots", json={"name": "X", "lat": 1, "lng": 1, "timezone": "Mars/Base", "opens": "7h"}, headers=tenant.h()
    )
    assert r.status_code == 422 and {d["code"] for d in r.json()["error"]["details"]} == {"E1113", "E1103"}
    r = client.post("/v1/vehicle-types", json={"name": "Z", "profile": "rocket"}, headers=tenant.h())
    assert r.json()["error"]["code"] == "E1111"
    shift = {
        "vehicle_id": "veh_missing", "day": "2025-06-18",
        "start": "2025-06-18T18:00:00+01:00", "end": "2025-06-18T08:00:00+01:00",
    }  # fmt: skip
    r = client.post("/v1/shifts", json=shift, headers=tenant.h())
    assert {d["code"] for d in r.json()["error"]["details"]} == {"E1302", "E1104"}


def test_duplicate_shift_for_a_vehicle_and_day_is_e2007(client: TestClient, tenant: Tenant) -> None:
    """One shift per vehicle and day: the second is a conflict."""
    shift = {
        "vehicle_id": tenant.ids["vehicle"], "day": "2025-06-17",
        "start": "2025-06-17T08:00:00+01:00", "end": "2025-06-17T12:00:00+01:00",
    }  # fmt: skip
    r = client.post("/v1/shifts", json=shift, headers=tenant.h())
    assert r.status_code == 409 and r.json()["error"]["code"] == "E2007"


def test_shifts_list_by_day_and_vehicle(client: TestClient, tenant: Tenant) -> None:
    """``day`` and ``vehicle_id`` narrow the shift list to exactly the matching shifts, in creation order."""
    vt = client.post("/v1/vehicle-types", json={"name": "T"}, headers=tenant.h()).json()["id"]
    other = client.post(
        "/v1/vehicles", json={"name": "Van 9", "type_id": vt, "depot_id": tenant.ids["depot"]}, headers=tenant.h()
    ).json()["id"]
    made = {}
    for van, day in ((tenant.ids["vehicle"], "2025-06-18"), (other, "2025-06-17"), (other, "2025-06-18")):
        body = {"vehicle_id": van, "day": day, "start": f"{day}T08:00:00+01:00", "end": f"{day}T18:00:00+01:00"}
        made[(van, day)] = client.post("/v1/shifts", json=body, headers=tenant.h()).json()["id"]

    def ids(**params: str) -> list[str]:
        return [s["id"] for s in client.get("/v1/shifts", params=params, headers=tenant.h("read")).json()["items"]]

    assert ids(day="2025-06-18") == [made[(tenant.ids["vehicle"], "2025-06-18")], made[(other, "2025-06-18")]]
    assert ids(day="2025-06-17", vehicle_id=other) == [made[(other, "2025-06-17")]]
    assert ids(vehicle_id=other) == [made[(other, "2025-06-17")], made[(other, "2025-06-18")]]
    assert ids() == [tenant.ids["shift"], *made.values()]


def test_naive_shift_times_are_refused(client: TestClient, tenant: Tenant) -> None:
    """Shift times need an offset (no guessing of zones)."""
    shift = {
        "vehicle_id": tenant.ids["vehicle"],
        "day": "2025-06-19",
        "start": "2025-06-19T08:00:00",
        "end": "2025-06-19T18:00:00",
    }
    r = client.post("/v1/shifts", json=shift, headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "E1301"


def test_drivers_and_listing_pages(client: TestClient, tenant: Tenant) -> None:
    """Drivers are created and listed page by page with a cursor."""
    for i in range(3):
        assert client.post("/v1/drivers", json={"name": f"D{i}"}, headers=tenant.h()).status_code == 201
    page = client.get("/v1/drivers", params={"limit": 2}, headers=tenant.h()).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get("/v1/drivers", params={"limit": 2, "cursor": page["next_cursor"]}, headers=tenant.h()).json()
    assert [d["name"] for d in page["items"] + rest["items"]] == ["D0", "D1", "D2"] and rest["next_cursor"] is None
