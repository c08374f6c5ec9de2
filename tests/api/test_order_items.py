"""Orders with items and barcodes through the API: coded validation (every problem at once, with its path), the
round trip through the database and the stored plan, the driver's view, the scan check on completion, the CSV
upload and the depot scan by item barcode."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from doorstep.domain.returns import FailurePolicy
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.services.returns import returns
from doorstep.services.returns.returns import Where
from tests.api.conftest import Tenant, make_tenant, platform_of
from tests.api.driver_day import login
from tests.api.test_driver_api import at_stop, cid
from tests.api.test_plans import SPOTS, plan_now, two_vans

SHOES = {"sku": "SH-42", "description": "Running shoes, size 42", "quantity": 2, "barcode": "4006381333931"}
BAG = {"description": "Gift bag", "quantity": 1, "barcode": "4006381333948"}
CARD = {"description": "Greeting card", "quantity": 1}


def details(resp: Any) -> list[tuple[str, list[str | int]]]:
    """(code, loc) of every problem in an error answer."""
    return [(d["code"], d["loc"]) for d in resp.json()["error"]["details"]]


def test_every_bad_item_gets_its_code_and_path_at_once(client: TestClient, tenant: Tenant) -> None:
    """No description E1123, quantity 0 E1124, a tab in a barcode E1125, a repeated barcode E1126, texts too long
    E1128: all in one 422 answer, each located at items[k].field, and nothing is stored."""
    items = [
        {"description": "", "quantity": 1},
        {"description": "Cup", "quantity": 0, "barcode": "A\tB"},
        {"description": "Mug", "barcode": "4006381333931"},
        {"description": "Plate", "barcode": "4006381333931"},
        {"description": "x" * 501, "sku": "s" * 101},
        {"description": "Bowl", "barcode": " 123"},
    ]
    r = client.post("/v1/orders", json=tenant.order("BAD-ITEMS", items=items), headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1000"
    assert sorted(details(r)) == sorted([
        ("E1123", ["items", 0, "description"]),
        ("E1124", ["items", 1, "quantity"]),
        ("E1125", ["items", 1, "barcode"]),
        ("E1126", ["items", 3, "barcode"]),
        ("E1128", ["items", 4, "description"]),
        ("E1128", ["items", 4, "sku"]),
        ("E1125", ["items", 5, "barcode"]),
    ])  # fmt: skip
    assert client.get("/v1/orders", params={"external_ref": "BAD-ITEMS"}, headers=tenant.h()).json()["items"] == []


def test_too_many_items_and_bulk_paths(client: TestClient, tenant: Tenant) -> None:
    """201 items is E1127 at items; in a bulk request each problem names its order too, with other fields' errors."""
    many = [{"description": f"Thing {k}", "quantity": 1} for k in range(201)]
    one = client.post("/v1/orders", json=tenant.order("MANY", items=many), headers=tenant.h())
    assert one.status_code == 422 and details(one) == [("E1127", ["items"])]
    bulk = {"orders": [tenant.order("OK-1", items=[SHOES]),
                       tenant.order("BAD-2", items=[{"description": "Cup", "quantity": -3}],
                                    time_windows=[{"start": "12:00", "end": "09:00"}])]}  # fmt: skip
    r = client.post("/v1/orders/bulk", json=bulk, headers=tenant.h())
    assert r.status_code == 422
    assert sorted(details(r)) == [
        ("E1104", ["orders", 1, "time_windows", 0]),
        ("E1124", ["orders", 1, "items", 0, "quantity"]),
    ]


def test_items_round_trip_and_update(client: TestClient, tenant: Tenant) -> None:
    """Items come back on read exactly (sku and barcode '' when absent); a replacement changes them and is checked."""
    r = client.post("/v1/orders", json=tenant.order("ITEMS-1", items=[SHOES, CARD]), headers=tenant.h())
    assert r.status_code == 201, r.text
    order = client.get(f"/v1/orders/{r.json()['id']}", headers=tenant.h()).json()
    assert order["data"]["items"] == [SHOES, {**CARD, "sku": "", "barcode": ""}]
    body = {**tenant.order("ITEMS-1", items=[BAG, BAG]), "version": order["version"]}
    bad = client.put(f"/v1/orders/{order['id']}", json=body, headers=tenant.h())
    assert bad.status_code == 422 and details(bad) == [("E1126", ["items", 1, "barcode"])]
    body["items"] = [BAG]
    ok = client.put(f"/v1/orders/{order['id']}", json=body, headers=tenant.h())
    assert ok.status_code == 200 and ok.json()["data"]["items"] == [{**BAG, "sku": ""}]


def item_day(client: TestClient) -> tuple[Tenant, dict[str, Any], dict[str, dict[str, str]]]:
    """A published two-van day of four orders (order k has items with barcodes IT-k-1 and IT-k-2, the last order
    no items), each route assigned to a logged-in driver: the tenant, the plan and the app's headers by route."""
    t = make_tenant(client)
    two_vans(client, t, parcels=3)
    orders = []
    for k in range(4):
        items = [] if k == 3 else [
            {"sku": f"S{k}", "description": f"Box {k}", "quantity": 2, "barcode": f"IT-{k}-1"},
            {"description": f"Letter {k}", "quantity": 1, "barcode": f"IT-{k}-2"}, CARD,
        ]  # fmt: skip
        where = {"lat": SPOTS[k][0], "lng": SPOTS[k][1]}
        orders.append(t.order(f"IT-{k}", location=where, items=items))
    assert client.post("/v1/orders/bulk", json={"orders": orders}, headers=t.h()).status_code == 201
    plan = plan_now(client, t)
    assert client.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    apps = {}
    for k, route in enumerate(plan["routes"]):
        drv = client.post("/v1/drivers", json={"name": f"Iva {k}"}, headers=t.h()).json()["id"]
        body = {"driver_id": drv, "version": 1}
        assert client.post(f"/v1/routes/{route['id']}/assign", json=body, headers=t.h()).status_code == 200
        apps[route["id"]] = login(client, t, drv)
    return t, plan, apps


def driver_stops(
    client: TestClient, apps: dict[str, dict[str, str]]
) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    """Every order stop as its driver's app shows it, by external_ref, with that driver's headers."""
    out = {}
    for app in apps.values():
        for r in client.get("/v1/driver/routes", headers=app).json()["routes"]:
            out.update({s["external_ref"]: (s, app) for s in r["stops"] if s["order_id"]})
    return out


def complete(client: TestClient, stop: dict[str, Any], app: dict[str, str], **kw: Any) -> dict[str, Any]:
    """The driver completes the stop (at the stop) with the given extras; the answer's body."""
    body = {
        "client_id": cid(),
        "status": "completed",
        "at": datetime.now(UTC).isoformat(),
        "position": at_stop(stop),
        **kw,
    }
    r = client.post(f"/v1/driver/stops/{stop['id']}/events", json=body, headers=app)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_items_reach_the_stored_plan_and_the_driver(client: TestClient) -> None:
    """The plan document embeds each order's items (read back by the plan reader); the driver's stops list them
    with the barcodes to scan."""
    t, plan, apps = item_day(client)
    with platform_of(client).uow(t.org_id) as uow:
        doc = uow.plans.require(plan["id"]).result
    _, problem, _ = plan_from_dict(doc, trusted=True)
    by_ref = {o.external_ref: o for o in problem.orders}
    assert by_ref["IT-0"].barcodes == ("IT-0-1", "IT-0-2") and by_ref["IT-3"].items == ()
    assert [(i.quantity, i.description, i.sku) for i in by_ref["IT-1"].items] == [
        (2, "Box 1", "S1"), (1, "Letter 1", ""), (1, "Greeting card", "")
    ]  # fmt: skip
    stops = driver_stops(client, apps)
    assert sorted(stops) == ["IT-0", "IT-1", "IT-2", "IT-3"]
    for ref, (s, _) in stops.items():
        k = int(ref.split("-")[1])
        want = [] if k == 3 else [f"IT-{k}-1", f"IT-{k}-2"]
        assert s["barcodes"] == want and [i["barcode"] for i in s["items"] if i["barcode"]] == want
        assert len(s["items"]) == (0 if k == 3 else 3) and all(i["quantity"] >= 1 for i in s["items"])


def test_completion_compares_scans_with_item_barcodes(client: TestClient) -> None:
    """A scan of no item is W1411, item codes not scanned W1412 (listed); the delivery stands, the check is stored
    with the stop event for the dispatcher; a replay answers the same; an order without barcodes gets no check."""
    t, plan, apps = item_day(client)
    stops = driver_stops(client, apps)
    first, app = stops["IT-0"]
    body = {"client_id": cid(), "status": "completed", "at": datetime.now(UTC).isoformat(), "position": at_stop(first),
            "proof": {"barcodes": ["IT-0-1", "STRANGER", " IT-0-1 "], "recipient": "Rui"}}  # fmt: skip
    r = client.post(f"/v1/driver/stops/{first['id']}/events", json=body, headers=app)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["status"] == "completed" and res["flagged"] is False
    assert res["scan"] == {"expected": 2, "scanned": 1, "missing": ["IT-0-2"], "unknown": ["STRANGER"]}
    codes = {w["code"]: w for w in res["warnings"]}
    assert set(codes) == {"W1411", "W1412"} and "STRANGER" in codes["W1411"]["message"]
    assert "IT-0-2" in codes["W1412"]["message"] and codes["W1412"]["loc"] == ["proof", "barcodes"]
    again = client.post(f"/v1/driver/stops/{first['id']}/events", json=body, headers=app).json()
    assert again == {**res, "replayed": True}
    assert client.get(f"/v1/orders/{first['order_id']}", headers=t.h()).json()["status"] == "delivered"

    bare = complete(client, *stops["IT-1"])  # no scanner: nothing scanned, every expected code listed, delivered
    assert bare["scan"] == {"expected": 2, "scanned": 0, "missing": ["IT-1-1", "IT-1-2"], "unknown": []}
    assert [w["code"] for w in bare["warnings"]] == ["W1412"]
    full = complete(client, *stops["IT-2"], proof={"barcodes": ["IT-2-2", "IT-2-1"]})
    assert full["scan"] == {"expected": 2, "scanned": 2, "missing": [], "unknown": []} and full["warnings"] == []
    plain = complete(client, *stops["IT-3"], proof={"barcodes": ["ANY"]})
    assert plain["scan"] is None and plain["warnings"] == []
    route_of = next(
        r["id"] for r in plan["routes"] if any(s.get("order_id") == first["order_id"] for s in r["data"]["stops"])
    )
    events = client.get(f"/v1/routes/{route_of}/stop-events", headers=t.h("read")).json()["events"]
    stored = next(e for e in events if e["stop_id"] == first["id"])
    assert stored["scan"] == res["scan"] and stored["proof"]["barcodes"] == ["IT-0-1", "STRANGER", "IT-0-1"]


def test_depot_scan_receives_a_return_by_any_item_barcode(client: TestClient) -> None:
    """Return-to-sender parcels are received by an item barcode as well as by their label; an item code on two
    returns still on their way is E1453 (scan the label); a second scan of a received one is E2133."""
    t = make_tenant(client)
    p = platform_of(client)
    shared = {"description": "Same product", "barcode": "EAN-SHARED"}
    bodies = [t.order(f"RT-{k}", items=[{"description": f"Parcel {k}", "barcode": f"RT-ITEM-{k}"}, shared])
              for k in range(3)]  # fmt: skip
    made = client.post("/v1/orders/bulk", json={"orders": bodies}, headers=t.h()).json()["orders"]
    policy = FailurePolicy(same_day=False, max_attempts=1)
    where = Where("drv_x", datetime(2025, 6, 17, 10, tzinfo=UTC), 38.72, -9.14)
    for o in made:
        assert returns.handle_failure(p, t.org_id, o["id"], where, "refused", policy).return_id
    scan = client.post("/v1/returns/receive", json={"barcodes": ["RT-ITEM-1", "EAN-SHARED", "RT-ITEM-1", "nope"]},
                       headers=t.h())  # fmt: skip
    assert scan.status_code == 200, scan.text
    got = scan.json()
    assert [r["order_id"] for r in got["received"]] == [made[1]["id"]]
    errors = [(e["code"], e["loc"]) for e in got["errors"]]
    assert errors == [("E1453", ["barcodes", 1]), ("E2133", ["barcodes", 2]), ("E1453", ["barcodes", 3])]
    assert "RT-0" in got["errors"][0]["message"] and "label" in got["errors"][0]["action"]
    by_label = client.post("/v1/returns/receive", json={"barcodes": ["RT-0"]}, headers=t.h()).json()
    assert [r["order_id"] for r in by_label["received"]] == [made[0]["id"]]
    last = client.post("/v1/returns/receive", json={"barcodes": ["EAN-SHARED"]}, headers=t.h()).json()
    assert [r["order_id"] for r in last["received"]] == [made[2]["id"]] and last["errors"] == []


CSV = """ref,lat,lng,items
C-1,38.72,-9.14,2x Running shoes {SH-42} [4006381333931]; 1x Gift bag [4006381333948]; Card
C-2,38.72,-9.14,0x Cup [A1]; Mug [A1]; Plate [oops
C-3,38.72,-9.14,
"""


def test_csv_upload_reads_items_and_reports_bad_ones(client: TestClient, tenant: Tenant) -> None:
    """The items column becomes the order's items; a bad row is skipped with each item problem named (E1124,
    E1126, E1129) and the good rows are stored."""
    files = {"file": ("orders.csv", CSV.encode(), "text/csv")}
    form = {"depot_id": tenant.ids["depot"], "date": "2025-06-17"}
    r = client.post("/v1/orders/import", files=files, data=form, headers=tenant.h())
    assert r.status_code == 200, r.text
    report = r.json()
    assert [c["external_ref"] for c in report["created"]] == ["C-1", "C-3"]
    (skipped,) = report["skipped"]
    assert skipped["code"] == "W1205" and skipped["loc"] == ["row", 3]
    assert "quantity 0" in skipped["message"] and "already on item 1" in skipped["message"]
    assert "unmatched" in skipped["message"]
    c1 = client.get(f"/v1/orders/{report['created'][0]['id']}", headers=tenant.h()).json()
    assert c1["data"]["items"] == [
        {"sku": "SH-42", "description": "Running shoes", "quantity": 2, "barcode": "4006381333931"},
        {"sku": "", "description": "Gift bag", "quantity": 1, "barcode": "4006381333948"},
        {"sku": "", "description": "Card", "quantity": 1, "barcode": ""},
    ]
    c3 = client.get(f"/v1/orders/{report['created'][1]['id']}", headers=tenant.h()).json()
    assert c3["data"]["items"] == []
