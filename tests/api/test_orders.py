"""Orders over HTTP: create, idempotency, bulk, list with cursor and bounded queries, update, cancel, timeline."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.conftest import Tenant, make_tenant


def test_create_get_and_external_ref_dedupe(client: TestClient, tenant: Tenant) -> None:
    """201 on create; the same external_ref again gives 200 and the first order, not a second one."""
    r1 = client.post("/v1/orders", json=tenant.order("A-1"), headers=tenant.h("write"))
    assert r1.status_code == 201, r1.text
    body = r1.json()
    assert body["id"].startswith("ord_") and body["status"] == "new" and body["version"] == 1
    assert body["data"]["time_windows"][0]["start"].startswith("2025-06-17T09:00:00+01:00")
    r2 = client.post("/v1/orders", json=tenant.order("A-1", address="elsewhere"), headers=tenant.h("write"))
    assert r2.status_code == 200 and r2.json()["id"] == body["id"]
    got = client.get(f"/v1/orders/{body['id']}", headers=tenant.h("read"))
    assert got.status_code == 200 and got.json()["external_ref"] == "A-1"


def test_idempotency_key_replays_and_refuses_a_different_body(client: TestClient, tenant: Tenant) -> None:
    """Same key + same body replays the first response; same key + another body is 409 E2001."""
    h = {**tenant.h("write"), "Idempotency-Key": "k-1"}
    first = client.post("/v1/orders", json=tenant.order("I-1"), headers=h)
    again = client.post("/v1/orders", json=tenant.order("I-1"), headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = client.post("/v1/orders", json=tenant.order("I-2"), headers=h)
    assert other.status_code == 409 and other.json()["error"]["code"] == "E2001"
    listed = client.get("/v1/orders", headers=tenant.h()).json()["items"]
    assert [o["external_ref"] for o in listed] == ["I-1"]


def test_invalid_order_reports_every_problem(client: TestClient, tenant: Tenant) -> None:
    """A bad time and a backwards window are both reported, located, with no order stored."""
    bad = tenant.order("B-1", time_windows=[{"start": "25:99", "end": "10:00"}, {"start": "12:00", "end": "11:00"}])
    r = client.post("/v1/orders", json=bad, headers=tenant.h())
    assert r.status_code == 422
    codes = {d["code"] for d in r.json()["error"]["details"]}
    assert codes == {"E1103", "E1104"}
    assert client.get("/v1/orders", headers=tenant.h()).json()["items"] == []


def test_unknown_depot_and_schema_errors_use_the_envelope(client: TestClient, tenant: Tenant) -> None:
    """Unknown depot: E1302 404; wrong types: E1301 per field; malformed JSON: E1005."""
    r = client.post("/v1/orders", json=tenant.order(depot_id="dep_nope"), headers=tenant.h())
    assert r.status_code == 404 and r.json()["error"]["code"] == "E1302"
    r = client.post("/v1/orders", json={**tenant.order(), "service_s": "long", "location": 3}, headers=tenant.h())
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "E1000"
    assert {d["code"] for d in err["details"]} == {"E1301"} and len(err["details"]) == 2
    r = client.post(
        "/v1/orders", content=b'{"external_ref": ', headers={**tenant.h(), "content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1005"


def test_bulk_is_all_or_nothing_and_bounded(client: TestClient, tenant: Tenant) -> None:
    """One bad item rejects the batch (located by index); 1,001 items are refused; a good batch is created."""
    items = [tenant.order(f"K-{i}") for i in range(5)]
    items[3]["location"] = {"lat": 38.7, "lng": -9.1}
    items[3]["time_windows"] = [{"start": "11:00", "end": "10:00"}]
    r = client.post("/v1/orders/bulk", json={"orders": items}, headers=tenant.h())
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"][:2] == ["orders", 3]
    assert client.get("/v1/orders", headers=tenant.h()).json()["items"] == []
    items[3]["time_windows"] = []
    r = client.post("/v1/orders/bulk", json={"orders": items}, headers=tenant.h())
    assert r.status_code == 201 and r.json()["created"] == [True] * 5
    too_many = {"orders": [tenant.order(f"M-{i}") for i in range(1001)]}
    r = client.post("/v1/orders/bulk", json=too_many, headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1305"


def test_bulk_reports_duplicate_refs_inside_the_batch(client: TestClient, tenant: Tenant) -> None:
    """Two items with one external_ref are E1110, not a silent merge."""
    r = client.post("/v1/orders/bulk", json={"orders": [tenant.order("D-1"), tenant.order("D-1")]}, headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["details"][0]["code"] == "E1110"


def test_list_pages_with_filters_in_one_query_per_page(client: TestClient, tenant: Tenant) -> None:
    """Cursor pages cover every matching order once, and each page costs a bounded number of SQL statements."""
    items = [tenant.order(f"P-{i:02d}") for i in range(25)]
    client.post("/v1/orders/bulk", json={"orders": items}, headers=tenant.h())
    oid = client.get("/v1/orders", params={"external_ref": "P-07"}, headers=tenant.h()).json()["items"][0]["id"]
    client.post(f"/v1/orders/{oid}/cancel", headers=tenant.h())
    engine = client.app.state.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    seen, cursor, pages = [], None, 0
    event.listen(engine, "before_cursor_execute", count)
    try:
        while True:
            statements.clear()
            params = {"status": "new", "limit": 10, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/orders", params=params, headers=tenant.h()).json()
            selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            assert len(selects) <= 2, selects  # the page itself (+ the API key lookup when not cached)
            pages += 1
            seen += [o["external_ref"] for o in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert pages == 3
    assert seen == [f"P-{i:02d}" for i in range(25) if i != 7]


def test_text_search_matches_reference_address_and_customer_name(client: TestClient, tenant: Tenant) -> None:
    """``q`` matches words of reference, address or customer name, any case, all words, wildcards literal."""
    bodies = [
        tenant.order("SHOP-100", address="Rua Augusta 1", contact={"name": "Ana Silva"}),
        tenant.order("SHOP-200", address="Avenida da Liberdade 5", contact={"name": "Rui Costa"}),
        tenant.order("WEB-300", address="Rua do Ouro 9", contact={"name": "Ana Costa"}),
        tenant.order("WEB_100%", address="Largo 1", contact={"name": "Zé"}),
    ]
    client.post("/v1/orders/bulk", json={"orders": bodies}, headers=tenant.h())

    def refs(q: str) -> list[str]:
        page = client.get("/v1/orders", params={"q": q}, headers=tenant.h()).json()
        return [o["external_ref"] for o in page["items"]]

    assert refs("shop") == ["SHOP-100", "SHOP-200"]
    assert refs("RUA") == ["SHOP-100", "WEB-300"]
    assert refs("ana costa") == ["WEB-300"]
    assert refs("_100%") == ["WEB_100%"]
    assert refs("nowhere") == []


def test_bad_cursor_is_e1306(client: TestClient, tenant: Tenant) -> None:
    """A cursor not made by the API is refused with E1306."""
    r = client.get("/v1/orders", params={"cursor": "!!!"}, headers=tenant.h())
    assert r.status_code == 422 and r.json()["error"]["code"] == "E1306"


def test_update_with_stale_version_is_409_with_current_version(client: TestClient, tenant: Tenant) -> None:
    """Editing version 1 after it became 2 is E2002 naming version 2; the good edit is applied."""
    oid = client.post("/v1/orders", json=tenant.order("U-1"), headers=tenant.h()).json()["id"]
    ok = client.put(
        f"/v1/orders/{oid}", json={**tenant.order("U-1", address="Rua Nova 1"), "version": 1}, headers=tenant.h()
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["data"]["address"] == "Rua Nova 1"
    stale = client.put(f"/v1/orders/{oid}", json={**tenant.order("U-1"), "version": 1}, headers=tenant.h())
    assert stale.status_code == 409
    err = stale.json()["error"]
    assert err["code"] == "E2002" and "version 2" in err["message"]


def test_taking_another_orders_external_ref_is_409_and_changes_nothing(client: TestClient, tenant: Tenant) -> None:
    """Renaming an order to a reference another order holds is E2007 (was a 500); both orders stay as they were."""
    first = client.post("/v1/orders", json=tenant.order("REF-A"), headers=tenant.h()).json()
    second = client.post("/v1/orders", json=tenant.order("REF-B"), headers=tenant.h()).json()
    r = client.put(f"/v1/orders/{second['id']}", json={**tenant.order("REF-A"), "version": 1}, headers=tenant.h())
    assert r.status_code == 409
    assert (r.json()["error"]["code"], r.json()["error"]["details"][0]["id"]) == ("E2007", second["id"])
    again = client.get(f"/v1/orders/{second['id']}", headers=tenant.h()).json()
    assert (again["external_ref"], again["version"]) == ("REF-B", 1)
    assert client.get(f"/v1/orders/{first['id']}", headers=tenant.h()).json()["external_ref"] == "REF-A"


def test_cancel_then_timeline_and_no_second_cancel(client: TestClient, tenant: Tenant) -> None:
    """Cancel records an event; cancelling again is E2004; the timeline lists created then cancelled."""
    oid = client.post("/v1/orders", json=tenant.order("C-1"), headers=tenant.h()).json()["id"]
    assert client.post(f"/v1/orders/{oid}/cancel", headers=tenant.h()).json()["status"] == "cancelled"
    again = client.post(f"/v1/orders/{oid}/cancel", headers=tenant.h())
    assert again.status_code == 409 and again.json()["error"]["code"] == "E2004"
    events = client.get(f"/v1/orders/{oid}/timeline", headers=tenant.h()).json()
    assert [(e["type"], e["to_status"]) for e in events] == [("order.created", "new"), ("order.cancelled", "cancelled")]
    assert all(e["actor"].startswith("key_") for e in events)
    assert [e["actor_name"] for e in events] == ["API key “admin”", "API key “admin”"]


@pytest.mark.parametrize("path", ["/v1/orders/{oid}", "/v1/orders/{oid}/timeline"])
def test_other_organizations_orders_are_404(client: TestClient, tenant: Tenant, path: str) -> None:
    """Organization B cannot read, edit or cancel A's order: 404 E1302, as if it did not exist."""
    oid = client.post("/v1/orders", json=tenant.order("X-1"), headers=tenant.h()).json()["id"]
    other = make_tenant(client)
    r = client.get(path.format(oid=oid), headers=other.h())
    assert r.status_code == 404 and r.json()["error"]["code"] == "E1302"
    r = client.post(f"/v1/orders/{oid}/cancel", headers=other.h())
    assert r.status_code == 404
    r = client.put(f"/v1/orders/{oid}", json={**other.order("X-1"), "version": 1}, headers=other.h())
    assert r.status_code == 404
    assert client.get(f"/v1/orders/{oid}", headers=tenant.h()).json()["status"] == "new"
    r = client.post("/v1/orders", json=other.order(depot_id=tenant.ids["depot"]), headers=other.h())
    assert r.status_code == 404 and r.json()["error"]["code"] == "E1302"


def test_swapped_coordinates_are_stored_with_a_warning(client: TestClient, tenant: Tenant) -> None:
    """Lisbon's lat and lng mixed up (a point in Somalia, 8,000 km away; swapped 1 km from the depot): the order
    is stored and the answer carries W1209 at its location; an order near the depot has no warning."""
    r = client.post("/v1/orders", json=tenant.order("SW-1", location={"lat": -9.1, "lng": 38.73}),
                    headers=tenant.h())  # fmt: skip
    assert r.status_code == 201, r.text
    assert [(w["code"], w["loc"]) for w in r.json()["warnings"]] == [("W1209", ["location"])]
    bulk = client.post("/v1/orders/bulk", json={"orders": [tenant.order("SW-2"), tenant.order(
        "SW-3", location={"lat": -9.14, "lng": 38.72})]}, headers=tenant.h())  # fmt: skip
    assert bulk.status_code == 201
    assert [(w["code"], w["loc"]) for w in bulk.json()["warnings"]] == [("W1209", ["orders", 1, "location"])]
    fine = client.post("/v1/orders", json=tenant.order("SW-4"), headers=tenant.h())
    assert fine.json()["warnings"] == []
