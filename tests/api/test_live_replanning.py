"""Dynamic re-planning of a published day: insertion, cancellation, redistribution, re-sequencing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from doorstep.services.operations import replanning, tracking
from doorstep.services.operations.replanning import ProposalKind, Request
from tests.api import live_day
from tests.api.live_day import DAY_9_30, Day

Maker = Callable[..., Day]
make_day = live_day.make_day  # the fixture


def checked(day: Day) -> dict[str, Any]:
    """The stored plan document after a change; the independent checker finds no violation in it."""
    with day.p.uow(day.actor) as uow:
        doc: dict[str, Any] = uow.plans.require(day.plan["id"]).result or {}
    plan, problem, _ = plan_from_dict(doc)
    assert check_plan(problem, plan) == []
    return doc


def new_order(day: Day, ref: str = "NEW-1", **kw: Any) -> str:
    """Create a same-day order through the API."""
    body = day.t.order(ref, location={"lat": 38.728, "lng": -9.142}, **kw)
    r = day.client.post("/v1/orders", json=body, headers=day.t.h())
    assert r.status_code == 201, r.text
    oid: str = r.json()["id"]
    return oid


def complete_first(day: Day, route: dict[str, Any]) -> str:
    """The driver completes the route's first stop (a stop event through the ETA worker)."""
    first = route["data"]["stops"][1]
    tracking.on_event(day.p, day.t.org_id, {
        "type": "stop", "route_id": route["id"], "order_id": first["order_id"], "status": "completed",
        "at": DAY_9_30.isoformat(), "lat": first["location"]["lat"], "lng": first["location"]["lng"],
    })  # fmt: skip
    return str(first["order_id"])


def test_new_order_insertion_approved_keeps_done_stops_and_passes_the_checker(make_day: Maker) -> None:
    """A same-day order becomes a pending proposal; approving writes a new route version, done stops unmoved."""
    day = make_day()
    route = day.plan["routes"][0]
    done_order = complete_first(day, route)
    oid = new_order(day)
    prop = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.INSERT, oid))
    assert prop.status == "pending"
    summary = prop.options[0]["summary"]
    assert summary["inserted"] and summary["distance_delta_m"] > 0 and "cost_delta_cents" in summary
    applied = replanning.decide(day.p, day.actor, prop.id, approve=True)
    assert applied.status == "applied"
    target = next(r for r in day.routes() if any(s.get("order_id") == oid for s in r["data"]["stops"]))
    assert target["version"] > 1
    if target["id"] == route["id"]:
        assert target["data"]["stops"][1]["order_id"] == done_order
        assert target["data"]["stops"][1]["arrival"] == route["data"]["stops"][1]["arrival"]
    checked(day)
    assert "route_changed" in {e["type"] for _, e in day.events.events}
    order = day.client.get(f"/v1/orders/{oid}", headers=day.t.h()).json()
    assert order["status"] == "dispatched"


def test_an_approved_proposal_is_not_applied_twice_and_a_stale_one_is_refused(make_day: Maker) -> None:
    """Deciding twice is E2132; a proposal computed before another change to its route is E2131 (stale)."""
    day = make_day()
    a, b = new_order(day, "NEW-A"), new_order(day, "NEW-B")
    pa = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.INSERT, a))
    pb = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.INSERT, b))
    replanning.decide(day.p, day.actor, pa.id, approve=True)
    with pytest.raises(DoorstepError) as twice:
        replanning.decide(day.p, day.actor, pa.id, approve=True)
    assert twice.value.issues[0].code == "E2132"
    with pytest.raises(DoorstepError) as stale:
        replanning.decide(day.p, day.actor, pb.id, approve=True)
    assert stale.value.issues[0].code == "E2131"
    assert replanning.get_proposal(day.p, day.actor, pb.id).status == "stale"
    checked(day)


def test_cancellation_on_a_live_route_removes_the_stop(make_day: Maker) -> None:
    """Cancelling an order on a live route takes its stop off (auto-approved) and the order is cancelled."""
    day = make_day()
    route = day.plan["routes"][0]
    victim = route["data"]["stops"][2]["order_id"]
    prop = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.CANCEL, victim), auto_approve=True)
    assert prop.status == "applied"
    stops = day.route(route["id"])["data"]["stops"]
    assert victim not in {s.get("order_id") for s in stops}
    assert day.client.get(f"/v1/orders/{victim}", headers=day.t.h()).json()["status"] == "cancelled"
    checked(day)


def test_a_done_stop_cannot_be_cancelled(make_day: Maker) -> None:
    """Cancelling an order whose stop is done is refused (E2101) and nothing changes."""
    day = make_day()
    done = complete_first(day, day.plan["routes"][0])
    with pytest.raises(DoorstepError) as err:
        replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.CANCEL, done))
    assert err.value.issues[0].code == "E2101"


def test_unavailable_vehicle_has_its_remaining_stops_redistributed(make_day: Maker) -> None:
    """A van out of service keeps its done stop; its other orders move to the other van; the plan checks."""
    day = make_day(parcels=8)
    gone = day.plan["routes"][0]
    done = complete_first(day, gone)
    prop = replanning.propose(
        day.p, day.actor, Request(day.plan["id"], ProposalKind.REDISTRIBUTE, gone["vehicle_id"]), auto_approve=True
    )
    assert prop.status == "applied"
    moved = prop.options[0]["summary"]["moved"]
    remaining = {s["order_id"] for s in gone["data"]["stops"][2:] if s.get("order_id")}
    assert set(moved) == remaining and remaining
    after = day.route(gone["id"])["data"]["stops"]
    assert [s.get("order_id") for s in after if s.get("order_id")] == [done]
    checked(day)


def test_new_customer_availability_resequences_the_route(make_day: Maker) -> None:
    """A customer available only later is served in the new window; the route keeps its done stop and checks."""
    day = make_day()
    route = day.plan["routes"][0]
    complete_first(day, route)
    later = route["data"]["stops"][2]["order_id"]
    windows = [{"start": "2025-06-17T11:30:00+01:00", "end": "2025-06-17T12:00:00+01:00"}]
    req = Request(day.plan["id"], ProposalKind.RESEQUENCE, later, windows=windows)
    prop = replanning.propose(day.p, day.actor, req, auto_approve=True)
    assert prop.status == "applied"
    stops = [s for s in day.route(route["id"])["data"]["stops"] if s.get("order_id")]
    served = next(s for s in stops if s["order_id"] == later)
    assert datetime.fromisoformat(served["start"]) >= datetime.fromisoformat(windows[0]["start"])
    doc = checked(day)
    order = next(o for o in doc["problem"]["orders"] if o["id"] == later)
    assert "11:30" in str(order["time_windows"])


def _worsen(day: Day, route: dict[str, Any]) -> dict[str, Any]:
    """Move one of the route's deliveries to another place in the same route (a dispatcher's manual edit) so
    that its order is no longer the best; the route as stored afterwards."""
    stops = [s for s in route["data"]["stops"] if s.get("order_id")]
    for s in stops:
        for pos in range(len(stops)):
            body = {"order_id": s["order_id"], "route_id": route["id"], "position": pos}
            url = f"/v1/plans/{day.plan['id']}/edits"
            preview = day.client.post(f"{url}/preview", json=body, headers=day.t.h()).json()
            new = next(r for r in preview["routes"] if r["id"] == route["id"])
            if not preview["violations"] and new["distance_m"] > route["data"]["distance_m"] + 500:
                saved = {**body, "versions": {route["id"]: route["version"]}}
                assert day.client.post(url, json=saved, headers=day.t.h()).status_code == 200
                return day.route(route["id"])
    raise AssertionError("no worse order of the route without violations")


def test_an_insertion_can_also_reoptimize_the_routes_open_stops(make_day: Maker) -> None:
    """With ``reoptimize``, the best insertion into a route whose open stops are badly ordered is offered first
    with the route re-optimized: shorter than the plain insertion, every order kept, and it passes the checker
    (the test fleet has no costs, so distance decides)."""
    day = make_day(dispatch=False, parcels=10)  # room for the new order on either van
    route = _worsen(day, max(day.plan["routes"], key=lambda r: len(r["data"]["stops"])))
    spot = next(s for s in route["data"]["stops"] if s.get("order_id"))["location"]
    body = day.t.order("NEW-R", location=spot)
    r = day.client.post("/v1/orders", json=body, headers=day.t.h())
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    plain = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.INSERT, oid))
    assert not any(o["summary"].get("reoptimized") for o in plain.options)
    replanning.decide(day.p, day.actor, plain.id, approve=False)
    req = Request(day.plan["id"], ProposalKind.INSERT, oid, reoptimize=True)
    prop = replanning.propose(day.p, day.actor, req)
    first, rest = prop.options[0], prop.options[1:]
    assert first["summary"]["reoptimized"] and first["summary"]["vehicle_id"] == route["vehicle_id"]
    assert first["summary"]["distance_delta_m"] < min(o["summary"]["distance_delta_m"] for o in rest)
    assert first["summary"]["cost_delta_cents"] <= min(o["summary"]["cost_delta_cents"] for o in rest)
    def same(o: dict[str, Any]) -> dict[str, Any]:  # a route a vehicle opens gets a new id in each proposal
        return {k: v for k, v in o["summary"].items() if k != "routes"}

    assert [same(o) for o in rest] == [same(o) for o in plain.options]
    assert replanning.decide(day.p, day.actor, prop.id, approve=True).status == "applied"
    kept = {s.get("order_id") for s in day.route(route["id"])["data"]["stops"] if s.get("order_id")}
    assert kept == {s["order_id"] for s in route["data"]["stops"] if s.get("order_id")} | {oid}
    checked(day)


def test_an_old_proposal_cannot_be_approved(make_day: Maker) -> None:
    """A proposal older than the platform's proposal lifetime is refused (E2134) and marked stale; nothing is
    written. A fresh one for the same order still applies."""
    day = make_day()
    oid = new_order(day)
    old = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.INSERT, oid))
    before = [r["version"] for r in day.routes()]
    day.now(DAY_9_30 + timedelta(seconds=day.p.live_rules.proposal_ttl_s + 60))
    with pytest.raises(DoorstepError) as err:
        replanning.decide(day.p, day.actor, old.id, approve=True)
    assert err.value.issues[0].code == "E2134"
    assert [r["version"] for r in day.routes()] == before
    with day.p.uow(day.actor) as uow:
        assert replanning.proposals_of(uow).require(old.id).status == "stale"
    fresh = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.INSERT, oid))
    assert replanning.decide(day.p, day.actor, fresh.id, approve=True).status == "applied"


def test_window_change_through_the_api_reports_every_bad_window_at_once(make_day: Maker) -> None:
    """POST /v1/live/proposals with new windows: a bad time (E1103) and a window ending before it starts (E1104)
    are both reported with their index; HH:MM windows are read on the order's day and kept with their offset."""
    day = make_day()
    route = day.plan["routes"][0]
    complete_first(day, route)
    oid = route["data"]["stops"][2]["order_id"]
    body = {"plan_id": day.plan["id"], "kind": "resequence", "subject_id": oid,
            "windows": [{"start": "noon", "end": "13:00"}, {"start": "12:00", "end": "11:00"}]}  # fmt: skip
    r = day.client.post("/v1/live/proposals", json=body, headers=day.t.h())
    assert r.status_code == 422, r.text
    found = [(d["code"], d["loc"]) for d in r.json()["error"]["details"]]
    assert found == [("E1103", ["windows", 0, "start"]), ("E1104", ["windows", 1])]
    # the API's app runs on the real clock (the day is in the past there): the change itself on the day's clock
    req = Request(day.plan["id"], ProposalKind.RESEQUENCE, oid, windows=[{"start": "11:30", "end": "12:30"}])
    option = replanning.propose(day.p, day.actor, req).options[0]["summary"]
    assert option["windows"] == [{"start": "2025-06-17T11:30:00+01:00", "end": "2025-06-17T12:30:00+01:00"}]


def test_every_option_carries_its_distance_change(make_day: Maker) -> None:
    """Cancel and van-out options carry the plan's distance change in metres (the live page shows km)."""
    day = make_day()
    route = day.plan["routes"][0]
    oid = route["data"]["stops"][2]["order_id"]
    before = sum(r["data"]["distance_m"] for r in day.routes())
    prop = replanning.propose(day.p, day.actor, Request(day.plan["id"], ProposalKind.CANCEL, oid), auto_approve=True)
    after = sum(r["data"]["distance_m"] for r in day.routes())
    assert prop.options[0]["summary"]["distance_delta_m"] == after - before < 0
