"""A depot's daily parcel capacity at checkout (SQLite and PostgreSQL): offers are made only for a day with room for
the parcels asked (booked orders through the depot and live holds counted as the planner counts them), none with
E2275 saying the numbers; a hold counts again (E2275 once the last places went to another hold); a released hold
or a cancelled order gives its parcels back; a pickup point's day behind a full depot offers nothing either; and
holds racing for the last places on a real server: exactly as many succeed as fit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.concurrent import Server, burst, new_org, serve
from tests.api.conftest import Tenant
from tests.api.pickup_day import make_point
from tests.api.slot_day import DAY, NEAR, eve, hold, offers, policy, put_policy

__all__ = ["eve"]  # the clock fixture


def _cap(c: TestClient, t: Tenant, parcels: int) -> None:
    depot = c.get(f"/v1/depots/{t.ids['depot']}", headers=t.h()).json()
    body = {k: depot[k] for k in ("name", "lat", "lng", "timezone", "address", "opens", "closes", "loading_s")}
    r = c.put(f"/v1/depots/{t.ids['depot']}?version={depot['version']}",
              json={**body, "capacity_parcels_per_day": parcels}, headers=t.h())  # fmt: skip
    assert r.status_code == 200, r.text


def _book(c: TestClient, t: Tenant, parcels: int, **kw: Any) -> str:
    r = c.post("/v1/orders", json=t.order(size={"parcels": parcels}, **kw), headers=t.h())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_offers_only_while_the_depot_has_room(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """Capacity 10, 8 parcels booked (5, and 3 counted from an order's items; a store-to-door order does not
    count): 2 parcels are offered, 3 are not
    (E2275 with the numbers); a held 2-parcel window fills the day for everyone else until it is released;
    cancelling an order gives its parcels back."""
    put_policy(client, tenant, policy(tenant))
    _cap(client, tenant, 10)
    first = _book(client, tenant, 5)
    items = [{"description": "Tea", "quantity": 2}, {"description": "Cups", "quantity": 1}]  # no parcels: 3
    r = client.post("/v1/orders", json=tenant.order(size={"kg": 4}, items=items), headers=tenant.h())
    assert r.status_code == 201, r.text
    store = {"lat": 38.71, "lng": -9.14}
    _book(client, tenant, 7, kind="paired", pickup={"location": store, "service_s": 60})
    two = offers(client, tenant, parcels=2)
    assert two["offers"] and two["reason"] is None
    three = offers(client, tenant, parcels=3)
    assert three["offers"] == []
    assert three["reason"]["code"] == "E2275"
    assert f"handles 10 parcels on {DAY}: 8 booked or held, 3 more asked" in three["reason"]["message"]
    held = hold(client, tenant, two["offers"][0]["id"])
    assert held.status_code == 201, held.text
    assert offers(client, tenant, parcels=1)["reason"]["code"] == "E2275"  # the hold takes the last 2
    late = hold(client, tenant, two["offers"][1]["id"])  # an offer made before the hold: counted again
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2275", late.text
    back = client.post(f"/v1/slots/holds/{held.json()['id']}/release", headers=tenant.h("write"))
    assert back.status_code == 200, back.text
    assert offers(client, tenant, parcels=2)["offers"]
    assert client.post(f"/v1/orders/{first}/cancel", headers=tenant.h()).status_code == 200
    assert offers(client, tenant, parcels=7)["offers"]  # 3 booked now


def test_a_pickup_point_behind_a_full_depot(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """The point has room, its depot does not: no offer for its day, E2275."""
    put_policy(client, tenant, {**policy(tenant), "service_levels": [{"id": "pickup", "kind": "pickup"}]})
    _cap(client, tenant, 4)
    _book(client, tenant, 4)
    point = make_point(client, tenant)
    body = {"pickup_point_id": point["id"], "date_from": DAY, "date_to": DAY, "parcels": 1}
    r = client.post("/v1/slots/offers", json=body, headers=tenant.h("write"))
    assert r.status_code == 200, r.text
    assert r.json()["offers"] == [] and r.json()["reason"]["code"] == "E2275"


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[Server]:
    """One served app per database for the race."""
    with serve(db_url) as s:
        yield s


def test_holds_racing_for_the_last_places(server: Server) -> None:
    """Capacity 6, 2 parcels booked, 8 one-parcel offers held at once: 4 holds (201), 4 E2275 (409), never a
    500. The clock is the real one: the day is a future one with a shift."""
    _, _, key = new_org(server)
    h = {"Authorization": f"Bearer {key}"}

    def post(path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        r = httpx.request(method, f"{server.base}{path}", json=body, headers=h, timeout=60)
        assert r.status_code in (200, 201), r.text
        out: dict[str, Any] = r.json()
        return out

    on = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    depot = post("/v1/depots", {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon",
                                "capacity_parcels_per_day": 6})  # fmt: skip
    vtype = post("/v1/vehicle-types", {"name": "Van", "capacity": {"parcels": 100}})
    van = post("/v1/vehicles", {"name": "Van 1", "type_id": vtype["id"], "depot_id": depot["id"]})
    post("/v1/shifts", {"vehicle_id": van["id"], "day": on, "start": f"{on}T08:00:00+00:00",
                        "end": f"{on}T18:00:00+00:00"})  # fmt: skip
    zone = {"id": "lx", "name": "Lisbon", "depot_id": depot["id"], "radius_m": 15_000}
    tpl = {"id": "std", "zone_id": "lx", "start": "08:00", "end": "18:00", "length_min": 120, "cutoff_min": 60,
           "max_orders": 50}  # fmt: skip
    post("/v1/slots/policy", {"zones": [zone], "templates": [tpl]}, method="PUT")
    post("/v1/orders", {"external_ref": "B-1", "depot_id": depot["id"], "date": on, "location": NEAR,
                        "size": {"parcels": 2}})  # fmt: skip
    ids = []
    for _ in range(8):
        got = post("/v1/slots/offers", {"location": NEAR, "date_from": on, "date_to": on, "parcels": 1})
        assert got["offers"], got
        ids.append(got["offers"][0]["id"])
    queue = iter(ids)  # each request takes the next offer (a list iterator hands each item out once)
    answers = burst(len(ids), lambda c: c.post("/v1/slots/holds", json={"offer_id": next(queue)}, headers=h),
                    base=server.base)  # fmt: skip
    assert sorted((a.status, a.code) for a in answers) == [(201, None)] * 4 + [(409, "E2275")] * 4, answers
