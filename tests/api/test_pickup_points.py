"""/v1/pickup-points and orders to a point: validation, tenancy, the point's place and hours, daily capacity."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, make_tenant
from tests.api.pickup_day import make_point, point_body, point_order


def test_point_crud_round_trip(client: TestClient, tenant: Tenant) -> None:
    """A point is created, read, listed (paged), replaced at its version and deleted."""
    a = make_point(client, tenant)
    b = make_point(client, tenant, name="Locker Baixa", kind="locker", hours={"mon": [["00:00", "24:00"]]})
    assert (
        a["id"].startswith("pup_")
        and a["version"] == 1
        and a["hours"]["tue"] == [["10:00", "13:00"], ["14:00", "17:00"]]
    )
    got = client.get(f"/v1/pickup-points/{b['id']}", headers=tenant.h("read")).json()
    assert (got["kind"], got["hours"], got["handover_s"], got["per_parcel_s"]) == (
        "locker",
        {"mon": [["00:00", "24:00"]]},
        300,
        10,
    )
    page1 = client.get("/v1/pickup-points?limit=1", headers=tenant.h("read")).json()
    page2 = client.get(f"/v1/pickup-points?limit=1&cursor={page1['next_cursor']}", headers=tenant.h("read")).json()
    assert [page1["items"][0]["id"], page2["items"][0]["id"]] == [a["id"], b["id"]] and page2["next_cursor"] is None
    put = client.put(
        f"/v1/pickup-points/{a['id']}?version=1", json=point_body(tenant, capacity_parcels=3), headers=tenant.h()
    )
    assert put.status_code == 200 and put.json()["capacity_parcels"] == 3 and put.json()["version"] == 2
    stale = client.put(f"/v1/pickup-points/{a['id']}?version=1", json=point_body(tenant), headers=tenant.h())
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "E2002"
    assert client.delete(f"/v1/pickup-points/{b['id']}", headers=tenant.h()).status_code == 204
    assert client.get(f"/v1/pickup-points/{b['id']}", headers=tenant.h()).status_code == 404


def test_bad_point_reports_every_problem(client: TestClient, tenant: Tenant) -> None:
    """Bad kind, capacity, hours and depot are all reported at once with their codes."""
    body = point_body(tenant, kind="shed", capacity_parcels=0, depot_id="dep_nope", handover_s=-1,
                      hours={"mon": [["18:00", "09:00"]], "tue": [["9:00", "x"]], "funday": []})  # fmt: skip
    resp = client.post("/v1/pickup-points", json=body, headers=tenant.h())
    assert resp.status_code == 422
    found = sorted((d["code"], tuple(d["loc"])) for d in resp.json()["error"]["details"])
    assert found == [
        ("E1302", ("depot_id",)), ("E1570", ("capacity_parcels",)), ("E1570", ("handover_s",)),
        ("E1570", ("kind",)), ("E1571", ("hours", "funday")), ("E1571", ("hours", "mon", 0)),
        ("E1571", ("hours", "tue", 0)),
    ]  # fmt: skip


def test_points_are_tenant_scoped_and_need_manage(client: TestClient, tenant: Tenant) -> None:
    """Another organization's point is 404 E1302; a write (non-manage) key cannot change points; read can list."""
    other = make_tenant(client)
    theirs = make_point(client, other)
    resp = client.get(f"/v1/pickup-points/{theirs['id']}", headers=tenant.h())
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "E1302"
    order = client.post("/v1/orders", json=point_order(tenant, theirs["id"]), headers=tenant.h())
    assert order.status_code == 404 and order.json()["error"]["code"] == "E1302"
    denied = client.post("/v1/pickup-points", json=point_body(tenant), headers=tenant.h("write"))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "E4002"
    assert client.get("/v1/pickup-points", headers=tenant.h("read")).json()["items"] == []


def test_order_to_point_takes_its_place_and_hours(client: TestClient, tenant: Tenant) -> None:
    """An order to a point is delivered at the point, in its opening hours intersected with its own window, with
    the point's handover time."""
    pt = make_point(client, tenant)
    resp = client.post("/v1/orders", json=point_order(tenant, pt["id"], size={"parcels": 2}), headers=tenant.h())
    assert resp.status_code == 201, resp.text
    data = resp.json()["data"]
    assert data["location"] == {"lat": 38.7139, "lng": -9.1394} and data["address"] == "Praça Dom Pedro IV 20, Lisboa"
    assert [(w["start"], w["end"]) for w in data["time_windows"]] == [
        ("2025-06-17T10:00:00+01:00", "2025-06-17T13:00:00+01:00"),
        ("2025-06-17T14:00:00+01:00", "2025-06-17T17:00:00+01:00"),
    ]
    assert data["pickup_point_id"] == pt["id"] and data["service_s"] == 300 + 2 * 10
    narrowed = point_order(tenant, pt["id"], time_windows=[{"start": "12:00", "end": "15:00"}])
    windows = client.post("/v1/orders", json=narrowed, headers=tenant.h()).json()["data"]["time_windows"]
    assert [(w["start"][11:16], w["end"][11:16]) for w in windows] == [("12:00", "13:00"), ("14:00", "15:00")]


def test_order_to_point_refusals(client: TestClient, tenant: Tenant) -> None:
    """Closed day, window outside the hours, inactive point, a pickup kind and a missing location are refused."""
    pt = make_point(client, tenant)
    closed = client.post("/v1/orders", json=point_order(tenant, pt["id"], date="2025-06-21"), headers=tenant.h())
    assert closed.status_code == 422 and closed.json()["error"]["code"] == "E1573"
    early = point_order(tenant, pt["id"], time_windows=[{"start": "07:00", "end": "09:00"}])
    assert client.post("/v1/orders", json=early, headers=tenant.h()).json()["error"]["code"] == "E1572"
    kind = client.post("/v1/orders", json=point_order(tenant, pt["id"], kind="pickup"), headers=tenant.h())
    assert kind.json()["error"]["code"] == "E1574"
    nowhere = tenant.order()
    nowhere.pop("location")
    missing = client.post("/v1/orders", json=nowhere, headers=tenant.h())
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "E1102"
    off = make_point(client, tenant, active=False)
    inactive = client.post("/v1/orders", json=point_order(tenant, off["id"]), headers=tenant.h())
    assert inactive.status_code == 409 and inactive.json()["error"]["code"] == "E2270"


def test_point_capacity_per_day(client: TestClient, tenant: Tenant) -> None:
    """Orders fill a point up to its parcels per day; the next is refused naming the limit; another day is free;
    sending a stored order again takes no second place; a cancelled order frees its parcels."""
    pt = make_point(client, tenant, capacity_parcels=5)
    first = client.post(
        "/v1/orders", json=point_order(tenant, pt["id"], "P-1", size={"parcels": 3}), headers=tenant.h()
    )
    assert first.status_code == 201
    again = client.post(
        "/v1/orders", json=point_order(tenant, pt["id"], "P-1", size={"parcels": 3}), headers=tenant.h()
    )
    assert again.status_code == 200
    over = client.post("/v1/orders", json=point_order(tenant, pt["id"], "P-2", size={"parcels": 3}), headers=tenant.h())
    assert over.status_code == 409 and over.json()["error"]["code"] == "E2271"
    assert "takes 5 parcels" in over.json()["error"]["message"] and "3 booked" in over.json()["error"]["message"]
    bulk = {"orders": [point_order(tenant, pt["id"], f"B-{k}") for k in range(3)]}
    refused = client.post("/v1/orders/bulk", json=bulk, headers=tenant.h())
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "E2271"
    other_day = point_order(tenant, pt["id"], "P-3", size={"parcels": 3}, date="2025-06-18")
    assert client.post("/v1/orders", json=other_day, headers=tenant.h()).status_code == 201
    client.post(f"/v1/orders/{first.json()['id']}/cancel", headers=tenant.h())
    assert (
        client.post(
            "/v1/orders", json=point_order(tenant, pt["id"], "P-4", size={"parcels": 5}), headers=tenant.h()
        ).status_code
        == 201
    )


def test_point_named_by_orders_cannot_be_deleted(client: TestClient, tenant: Tenant) -> None:
    """Deleting a point that orders name is refused (E2008); deactivating it is the way."""
    pt = make_point(client, tenant)
    assert client.post("/v1/orders", json=point_order(tenant, pt["id"]), headers=tenant.h()).status_code == 201
    resp = client.delete(f"/v1/pickup-points/{pt['id']}", headers=tenant.h())
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "E2008"
