"""The customer's switch to a pickup point from the tracking page (SQLite and PostgreSQL): the points listed are
those that can take the order on its day; switching moves the order to the point within its capacity, once;
on a live route it is a re-planning proposal applied at once: the stop moves to the point."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from doorstep.services.customer import pickup_switch
from doorstep.services.kernel.access import system_actor
from doorstep.services.operations.replanning import propose
from doorstep.services.orders.orders import create_orders
from tests.api.conftest import Tenant, platform_of
from tests.api.pickup_day import dispatch_day, make_point, point_order
from tests.api.test_plans import plan_now


def _token(c: TestClient, t: Tenant, order_id: str) -> str:
    r = c.post(f"/v1/live/orders/{order_id}/tracking-token", headers=t.h())
    assert r.status_code in (200, 201), r.text
    return str(r.json()["token"])


def test_customer_switches_a_new_order_to_a_point_with_room(client: TestClient, tenant: Tenant) -> None:
    """Listed: only the active point open that Tuesday with room (not the full, the weekend-only or the inactive
    one); the full one refuses with E2271; the open one takes the order (its place, hours and handover, the old
    address logged), and choosing it again changes nothing; once the day is published the switch is E2272."""
    c, t = client, tenant
    ok = make_point(c, t, name="A Papelaria")
    full = make_point(c, t, name="B Quiosque", capacity_parcels=1)
    make_point(c, t, name="C Sábado", hours={"sat": [["10:00", "13:00"]]})
    make_point(c, t, name="D Fechado", active=False)
    assert c.post("/v1/orders", json=point_order(t, full["id"]), headers=t.h()).status_code == 201
    made = c.post("/v1/orders", json=t.order("HOME-1"), headers=t.h())
    assert made.status_code == 201, made.text
    order_id = made.json()["id"]
    token = _token(c, t, order_id)
    assert c.get(f"/v1/track/{token}").json()["changes"]["pickup"] is True  # the page offers the switch
    listed = c.get(f"/v1/track/{token}/pickup-points")
    assert listed.status_code == 200, listed.text
    assert [(x["name"], [(w["start"], w["end"]) for w in x["windows"]]) for x in listed.json()] == [
        ("A Papelaria", [("2025-06-17T10:00:00+01:00", "2025-06-17T13:00:00+01:00"),
                         ("2025-06-17T14:00:00+01:00", "2025-06-17T17:00:00+01:00")]),
    ]  # fmt: skip
    refused = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": full["id"]})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "E2271"
    moved = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": ok["id"]})
    assert moved.status_code == 200, moved.text
    order = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    data = order["data"]
    assert data["pickup_point_id"] == ok["id"] and data["location"] == {"lat": 38.7139, "lng": -9.1394}
    assert [(w["start"][11:16], w["end"][11:16]) for w in data["time_windows"]] == [("10:00", "13:00"),
                                                                                      ("14:00", "17:00")]  # fmt: skip
    assert data["service_s"] == 300 + 10 and order["version"] == 2
    assert data["x-customer-changes"][-1] == {
        "kind": "pickup_point",
        "to": ok["id"],
        "from": {"lat": 38.72, "lng": -9.14, "address": "", "pickup_point_id": None},
    }
    again = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": ok["id"]})
    assert again.status_code == 200 and c.get(f"/v1/orders/{order_id}", headers=t.h()).json()["version"] == 2
    plan = plan_now(c, t)
    assert c.post(f"/v1/plans/{plan['id']}/publish", headers=t.h()).status_code == 200
    assert c.get(f"/v1/track/{token}").json()["changes"]["pickup"] is True  # on the published route: a proposal
    late = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": full["id"]})
    assert late.status_code == 409 and late.json()["error"]["code"] == "E2271"  # still full


def test_on_a_dispatched_route_the_stop_moves_to_the_point(client: TestClient, tenant: Tenant) -> None:
    """Out for delivery, the switch is a ``pickup_point`` proposal applied at once: the driver's app shows the
    stop at the point, within its opening hours; the order goes to the point (version up, old place logged); a
    full point is E2271, and a minute before the point closes no van gets there (E2273), nothing moving either
    time; the dispatcher's proposal list shows the applied one."""
    c, t = client, tenant
    ok = make_point(c, t, name="A Papelaria")
    full = make_point(c, t, name="B Quiosque", capacity_parcels=1)
    assert c.post("/v1/orders", json=point_order(t, full["id"], "FULL-1"), headers=t.h()).status_code == 201
    made = c.post("/v1/orders", json=t.order("HOME-1"), headers=t.h())
    order_id = made.json()["id"]
    phone = dispatch_day(c, t)
    token = _token(c, t, order_id)
    assert c.get(f"/v1/track/{token}").json()["changes"]["pickup"] is True
    assert [x["name"] for x in c.get(f"/v1/track/{token}/pickup-points").json()] == ["A Papelaria"]
    refused = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": full["id"]})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "E2271"
    before = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    p = platform_of(c)
    real_clock = p.clock
    try:
        p.clock = lambda: datetime.fromisoformat("2025-06-17T16:59:00+01:00")  # the point closes at 17:00
        too_late = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": ok["id"]})
        assert too_late.status_code == 409 and too_late.json()["error"]["code"] == "E2273", too_late.text
        assert c.get(f"/v1/orders/{order_id}", headers=t.h()).json()["version"] == before["version"]  # no move
        p.clock = lambda: datetime.fromisoformat("2025-06-17T08:30:00+01:00")  # the morning of the day
        moved = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": ok["id"]})
    finally:
        p.clock = real_clock
    assert moved.status_code == 200, moved.text
    order = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    assert order["data"]["pickup_point_id"] == ok["id"] and order["version"] > before["version"]
    assert order["data"]["location"] == {"lat": 38.7139, "lng": -9.1394}
    assert order["data"]["x-customer-changes"][-1]["from"]["lat"] == 38.72
    (route,) = c.get("/v1/driver/routes", headers=phone).json()["routes"]
    stop = next(s for s in route["stops"] if s.get("order_id") == order_id)
    assert (stop["location"]["lat"], stop["location"]["lng"]) == (38.7139, -9.1394)
    assert (stop["window_start"][11:16], stop["window_end"][11:16]) in (("10:00", "13:00"), ("14:00", "17:00"))
    planned = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["data"]["stops"]
    at = next(s for s in planned if s.get("order_id") == order_id)
    served = datetime.fromisoformat(at["departure"]) - timedelta(seconds=at["service_s"])
    assert datetime.fromisoformat(stop["window_start"]) <= served <= datetime.fromisoformat(stop["window_end"])
    plan_id = c.get(f"/v1/routes/{route['id']}", headers=t.h()).json()["plan_id"]
    props = c.get("/v1/live/proposals", params={"plan_id": plan_id}, headers=t.h()).json()
    assert [(x["kind"], x["status"]) for x in props if x["subject_id"] == order_id] == [("pickup_point", "applied")]


def test_a_point_filled_between_the_check_and_the_apply_is_refused_and_nothing_moves(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race of two customers for a point's last place on a live route: the switch's check passes, then (before
    its proposal is applied) another booking takes the place. Applying counts again under the point's lock: E2271,
    the order stays where it was, no route moves, and the proposal is stale, not pending."""
    c, t = client, tenant
    last = make_point(c, t, name="C Quiosque", capacity_parcels=1)
    order_id = c.post("/v1/orders", json=t.order("HOME-2"), headers=t.h()).json()["id"]
    dispatch_day(c, t)
    token = _token(c, t, order_id)
    before = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    (plan_id,) = [x["id"] for x in c.get("/v1/plans", headers=t.h()).json() if x["status"] == "published"]

    def versions() -> dict[str, int]:
        return {r["id"]: r["version"] for r in c.get(f"/v1/plans/{plan_id}", headers=t.h()).json()["routes"]}

    routes_before = versions()
    p = platform_of(c)
    real = propose

    def booked_first(*args: object, **kw: object) -> object:  # another checkout wins the place meanwhile
        rival = point_order(t, last["id"], "RIVAL-1")
        rival["date"] = date.fromisoformat(rival["date"])  # as the API hands it to the service
        made = create_orders(p, system_actor(t.org_id), [rival])
        assert made.created, made
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pickup_switch, "propose", booked_first)
    monkeypatch.setattr(p, "clock", lambda: datetime.fromisoformat("2025-06-17T08:30:00+01:00"))  # that morning
    lost = c.post(f"/v1/track/{token}/pickup-point", json={"pickup_point_id": last["id"]})
    assert lost.status_code == 409 and lost.json()["error"]["code"] == "E2271", lost.text
    after = c.get(f"/v1/orders/{order_id}", headers=t.h()).json()
    assert after["version"] == before["version"] and after["data"].get("pickup_point_id") is None
    assert versions() == routes_before
    props = c.get("/v1/live/proposals", params={"plan_id": plan_id}, headers=t.h()).json()
    assert [(x["kind"], x["status"]) for x in props if x["subject_id"] == order_id] == [("pickup_point", "stale")]
