"""Live-day defects of issue 13: a stop worked out of order, a driver for a route already dispatched."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.driver_day import make_day
from tests.api.test_driver_api import act


def test_a_stop_done_out_of_order_moves_up_and_the_skipped_stops_stay_live(client: TestClient) -> None:
    """Completing the last stop first puts it after the start, the skipped stops keep their order after it, the
    route's version moves on, the live view counts one stop done, and a skipped order can still be cancelled."""
    day = make_day(client)
    before = day.stops(client)
    assert len(before) >= 3
    last = before[-1]
    version = client.get(f"/v1/routes/{day.routes[0]['id']}", headers=day.t.h()).json()["version"]
    done = act(client, day, last, "completed")
    assert done.status_code == 200, done.text
    assert done.json()["route_version"] == version + 1
    after = day.stops(client)
    assert [s["id"] for s in after] == [last["id"]] + [s["id"] for s in before[:-1]]
    assert [s["status"] for s in after] == ["completed"] + ["pending"] * (len(before) - 1)
    assert client.app.state.eta_runner.wait_idle()  # type: ignore[attr-defined]  # the ETA worker saw the event
    live = client.get("/v1/live/snapshot", headers=day.t.h()).json()
    route = next(r for r in live["routes"] if r["id"] == day.routes[0]["id"])
    assert route["done"] == 1 and route["version"] == done.json()["route_version"]
    skipped = before[0]
    body = {"plan_id": day.plan["id"], "kind": "cancel", "subject_id": skipped["order_id"]}
    proposal = client.post("/v1/live/proposals", json=body, headers=day.t.h())
    assert proposal.status_code == 201, proposal.text  # was 409 E2101: the skipped stop counted as done
    if proposal.json()["status"] == "pending":
        decided = client.post(f"/v1/live/proposals/{proposal.json()['id']}/approve", json={}, headers=day.t.h())
        assert decided.status_code == 200, decided.text
    now = day.stops(client)
    assert [s["id"] for s in now] == [last["id"]] + [s["id"] for s in before[1:-1]]
    assert act(client, day, before[1], "completed").json()["route_version"] is None  # the next one: in order


def test_a_dispatched_route_takes_a_driver_but_not_another_vehicle(client: TestClient) -> None:
    """Dispatched without a driver, a route gets one afterwards (was E2004) and the driver sees it in the app;
    another vehicle is still refused once dispatched (E2004)."""
    day = make_day(client)
    route = client.get(f"/v1/routes/{day.routes[0]['id']}", headers=day.t.h()).json()
    cleared = client.post(f"/v1/routes/{route['id']}/assign", json={"driver_id": None, "version": route["version"]},
                          headers=day.t.h())  # fmt: skip
    assert cleared.status_code == 200, cleared.text
    sent = client.post(f"/v1/routes/{route['id']}/dispatch", json={"version": cleared.json()["version"]},
                       headers=day.t.h())  # fmt: skip
    assert sent.status_code == 200 and sent.json()["driver_id"] is None
    assert [w["code"] for w in sent.json()["warnings"]] == ["W1413"]  # it says why nobody will see it
    given = client.post(f"/v1/routes/{route['id']}/assign",
                        json={"driver_id": day.drivers[0], "version": sent.json()["version"]}, headers=day.t.h())
    assert given.status_code == 200, given.text
    assert given.json()["status"] == "dispatched" and given.json()["driver_id"] == day.drivers[0]
    assert day.stops(client)  # the driver's app has the route
    other = day.routes[1]["vehicle_id"]
    swap = client.post(f"/v1/routes/{route['id']}/assign",
                       json={"driver_id": day.drivers[0], "version": given.json()["version"], "vehicle_id": other},
                       headers=day.t.h())  # fmt: skip
    assert swap.status_code == 409 and swap.json()["error"]["code"] == "E2004"


def test_after_the_last_stop_then_the_first_a_skipped_order_is_still_cancelled(client: TestClient) -> None:
    """The last stop, then the first: the route is re-timed along its new order, so cancelling a stop still
    skipped passes the checker (was 409 E2131: the first stop's arrival from the old order, before it was
    possible behind the last one)."""
    day = make_day(client)
    before = day.stops(client)
    assert len(before) >= 3
    assert act(client, day, before[-1], "completed").status_code == 200
    assert act(client, day, before[0], "completed").json()["route_version"] is None  # next after the last: in order
    route = client.get(f"/v1/routes/{day.routes[0]['id']}", headers=day.t.h()).json()
    arrivals = [s["arrival"] for s in route["data"]["stops"]]
    assert arrivals == sorted(arrivals)  # times follow the order the stops are now in
    skipped = before[1]
    body = {"plan_id": day.plan["id"], "kind": "cancel", "subject_id": skipped["order_id"], "auto_approve": False}
    proposal = client.post("/v1/live/proposals", json=body, headers=day.t.h())
    assert proposal.status_code == 201, proposal.text
    decided = client.post(f"/v1/live/proposals/{proposal.json()['id']}/approve", json={}, headers=day.t.h())
    assert decided.status_code == 200, decided.text
    assert skipped["id"] not in [s["id"] for s in day.stops(client)]
