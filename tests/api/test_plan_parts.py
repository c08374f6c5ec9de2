"""A planning job on a day made large by its options (60 orders, parts above 40, about 15 per part): the job's
answer carries the whole day's phase and each part's progress while it runs and keeps their last state once done,
with consistent numbers (the parts' orders sum to the day's, every share in [0, 1]); the split options are
checked like the others."""

from __future__ import annotations

import math
import time
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant

DAY = "2025-06-17"
ORDERS = 60
LARGE = {"time_limit_s": 3, "seed": 1, "split_above_orders": 40, "part_orders": 15}


def _large_day(client: TestClient, t: Tenant) -> None:
    """Three more vans with shifts (four in all: a part per van at most) and 60 orders on a ring around the depot."""
    for i in range(3):
        van = {"name": f"Van {i + 2}", "type_id": t.ids["type"], "depot_id": t.ids["depot"]}
        vid = client.post("/v1/vehicles", json=van, headers=t.h()).json()["id"]
        shift = {"vehicle_id": vid, "day": DAY, "start": f"{DAY}T08:00:00+01:00", "end": f"{DAY}T18:00:00+01:00"}
        assert client.post("/v1/shifts", json=shift, headers=t.h()).status_code == 201
    items = []
    for i in range(ORDERS):
        angle, r = 2 * math.pi * i / ORDERS, 0.01 + 0.02 * (i % 3)
        spot = {"lat": 38.7372 + r * math.sin(angle), "lng": -9.1034 + r * math.cos(angle)}
        items.append(t.order(f"L-{i}", location=spot, time_windows=[{"start": "09:00", "end": "17:00"}]))
    r = client.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert r.status_code == 201, r.text


def _consistent(pp: dict[str, Any]) -> None:
    """What holds in every snapshot: every part once, numbered 1..n, orders summing to the day's, shares in [0, 1]."""
    parts = pp["parts"]
    assert [p["part"] for p in parts] == list(range(1, pp["parts_count"] + 1))
    assert pp["parts_count"] >= 2 and pp["orders"] == ORDERS
    assert sum(p["orders"] for p in parts) == ORDERS
    assert 0 <= pp["fraction"] <= 1 and all(0 <= p["fraction"] <= 1 for p in parts)
    assert all(0 <= p["assigned"] <= p["orders"] for p in parts)
    assert pp["phase"] in ("split", "solve", "recovery", "merge", "done")


def test_a_large_day_reports_each_part_while_running_and_keeps_them_when_done(
    client: TestClient, tenant: Tenant
) -> None:
    """Polled while it runs, the job's answer shows the day's phase and the parts (consistent in every snapshot,
    the day's share never going back); done, every part is done with a share of 1 and the day's count is the
    plan's. The list of jobs carries the same."""
    _large_day(client, tenant)
    body = {"depot_id": tenant.ids["depot"], "date": DAY, "options": LARGE}
    r = client.post("/v1/plans", json=body, headers=tenant.h())
    assert r.status_code == 202, r.text
    assert r.json()["part_progress"] is None  # queued: nothing reported yet
    plan_id = r.json()["id"]
    running: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while True:
        plan = client.get(f"/v1/plans/{plan_id}", headers=tenant.h()).json()
        if plan["status"] not in ("queued", "running"):
            break
        if plan["part_progress"] is not None:
            running.append(plan["part_progress"])
        assert time.monotonic() < deadline, plan
        time.sleep(0.15)
    assert plan["status"] == "succeeded", plan["error"]
    for snapshot in running:
        _consistent(snapshot)
    shares = [s["fraction"] for s in running]
    assert shares == sorted(shares), shares
    done = plan["part_progress"]
    _consistent(done)
    assert (done["phase"], done["fraction"]) == ("done", 1.0)
    assert done["assigned"] == plan["stats"]["orders_assigned"] == ORDERS
    assert done["best_cost_cents"] == plan["stats"]["cost_cents"]
    for p in done["parts"]:
        assert (p["phase"], p["fraction"], p["feasible"]) == ("done", 1.0, True), p
        assert p["time_limit_s"] > 0 and p["elapsed_s"] > 0 and p["best_cost_cents"] > 0
    assert sum(p["assigned"] for p in done["parts"]) <= ORDERS
    assert any(w["code"] == "W1746" for w in plan["warnings"])  # the plan says it was made in parts
    listed = client.get(f"/v1/plans?date={DAY}", headers=tenant.h()).json()
    assert [x["part_progress"] for x in listed if x["id"] == plan_id] == [done]


def test_split_options_are_checked_and_documented(client: TestClient, tenant: Tenant) -> None:
    """Split sizes under 10 are E1119 each, nothing queued; the answer's part progress is described in the schema."""
    options = {"split_above_orders": 5, "part_orders": 0}
    r = client.post("/v1/plans", json={"depot_id": tenant.ids["depot"], "date": DAY, "options": options},
                    headers=tenant.h())  # fmt: skip
    assert r.status_code == 422
    assert sorted((d["code"], d["loc"][-1]) for d in r.json()["error"]["details"]) == [
        ("E1119", "part_orders"), ("E1119", "split_above_orders"),
    ]  # fmt: skip
    assert client.get("/v1/plans", headers=tenant.h()).json() == []
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    field = schemas["PlanSummary"]["properties"]["part_progress"]
    assert "one model" in field["description"]
    part = schemas["PartProgressOut"]["properties"]
    assert all(part[name].get("description") for name in part), part
