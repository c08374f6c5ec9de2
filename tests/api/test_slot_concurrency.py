"""Concurrent checkouts on a real server, on SQLite and PostgreSQL: threads released together ask for offers, hold a
(seeded) random window and confirm it. No slot ever confirms more orders than its maximum, the losers get coded
answers (never a 500), and the re-planned day serves every confirmed order, checker-clean."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from doorstep.formats.plan_reader import plan_from_dict
from doorstep.optimize.check import check_plan
from doorstep.store.models import PlanRow, SlotCountRow, SlotHoldRow
from tests.api.concurrent import Server, burst, new_org, serve

N = 24
EVE = datetime.fromisoformat("2025-06-16T12:00:00+00:00")
DAY = "2025-06-17"
MAX_STD, MAX_PREM = 2, 1
ATTEMPTS = 3


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[Server]:
    """One served app per database for this module, its clock on the eve of the day."""
    with serve(db_url) as s:
        s.platform.clock = lambda: EVE
        yield s


def _post(c: httpx.Client, key: str, path: str, body: dict[str, Any]) -> httpx.Response:
    return c.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def _fleet(server: Server, key: str) -> str:
    """A depot with three vans on shift on the day; the depot id."""
    with httpx.Client(base_url=server.base, timeout=60) as c:
        depot = _post(c, key, "/v1/depots", {"name": "Hub", "lat": 38.7372, "lng": -9.1034,
                                             "timezone": "Europe/Lisbon"}).json()["id"]  # fmt: skip
        vt = _post(c, key, "/v1/vehicle-types", {"name": "Van", "capacity": {"parcels": 40},
                                                 "cost_per_km_cents": 30}).json()["id"]  # fmt: skip
        for i in range(3):
            van = _post(c, key, "/v1/vehicles", {"name": f"Van {i}", "type_id": vt, "depot_id": depot}).json()["id"]
            shift = {"vehicle_id": van, "day": DAY, "start": f"{DAY}T08:00:00+01:00", "end": f"{DAY}T18:00:00+01:00"}
            assert _post(c, key, "/v1/shifts", shift).status_code == 201
        policy = {
            "zones": [{"id": "lx", "depot_id": depot, "radius_m": 12_000}],
            "templates": [
                {"id": "std", "zone_id": "lx", "start": "08:00", "end": "18:00", "length_min": 120,
                 "max_orders": MAX_STD},
                {"id": "prem", "zone_id": "lx", "service_level": "premium", "start": "09:00", "end": "12:00",
                 "length_min": 60, "max_orders": MAX_PREM},
            ],
        }  # fmt: skip
        r = c.put("/v1/slots/policy", json=policy, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.text
    return str(depot)


def _checkout(key: str, spot: dict[str, float], rnd: random.Random) -> Any:
    """One customer's checkout: offers, a random one of the first few windows, hold, confirm; a window taken
    meanwhile (E2252) sends the customer back to the offers, three times at most."""

    def send(c: httpx.Client) -> httpx.Response:
        for _ in range(ATTEMPTS):
            got = _post(c, key, "/v1/slots/offers", {"location": spot, "date_from": DAY, "date_to": DAY})
            if got.status_code != 200 or not got.json()["offers"]:
                return got
            pick = rnd.choice(got.json()["offers"][:4])
            held = _post(c, key, "/v1/slots/holds", {"offer_id": pick["id"]})
            if held.status_code == 201:
                return _post(c, key, f"/v1/slots/holds/{held.json()['id']}/confirm", {"name": "Customer"})
        return held

    return send


def _plan(server: Server, key: str, depot: str) -> dict[str, Any]:
    """Plan the day through the API and wait for the job; the stored plan document."""
    with httpx.Client(base_url=server.base, timeout=60) as c:
        body = {"depot_id": depot, "date": DAY, "options": {"time_limit_s": 2, "max_iterations": 300, "seed": 1}}
        r = _post(c, key, "/v1/plans", body)
        assert r.status_code == 202, r.text
        plan_id = r.json()["id"]
        for _ in range(300):
            got = c.get(f"/v1/plans/{plan_id}", headers={"Authorization": f"Bearer {key}"}).json()
            if got["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.2)
        assert got["status"] == "succeeded", got
    with server.platform.sessions() as s:
        row = s.get(PlanRow, plan_id)
        assert row is not None and row.result is not None
        return row.result


@pytest.mark.parametrize("seed", [7, 11])
def test_concurrent_checkouts_keep_every_maximum_and_stay_feasible(server: Server, seed: int) -> None:
    """24 checkouts at once over 8 windows holding 13 places (each customer retries twice when a window is taken):
    confirmed orders per slot never exceed its maximum, places taken equal confirmed orders, the others end with
    E2252 (full) or no offers left, and the re-planned day serves every confirmed order in its window with no
    violation."""
    org_id, _, key = new_org(server)
    depot = _fleet(server, key)
    rnd = random.Random(seed)
    spots = [{"lat": round(38.7372 + rnd.uniform(-0.06, 0.06), 5), "lng": round(-9.1034 + rnd.uniform(-0.07, 0.05), 5)}
             for _ in range(N)]  # fmt: skip
    lock = threading.Lock()
    queue = list(range(N))

    def send(c: httpx.Client) -> httpx.Response:
        with lock:
            i = queue.pop()
        fn = _checkout(key, spots[i], random.Random(seed * 1000 + i))
        resp: httpx.Response = fn(c)
        return resp

    answers = burst(N, send, base=server.base)
    assert all(a.status < 500 for a in answers), [a for a in answers if a.status >= 500]
    losers = Counter(a.code for a in answers if a.status not in (200, 201))
    assert set(losers) <= {"E2252"}, losers
    orders = [a.body["order_id"] for a in answers if a.status == 201]
    none_left = [a for a in answers if a.status == 200]
    assert all(a.body["offers"] == [] for a in none_left)
    assert len(orders) >= 8 and losers["E2252"] + len(none_left) == N - len(orders), answers
    with server.platform.sessions() as s:
        holds = list(s.scalars(select(SlotHoldRow).where(SlotHoldRow.org_id == org_id)))
        counts = {r.slot_key: r.taken for r in s.scalars(select(SlotCountRow).where(SlotCountRow.org_id == org_id))}
    confirmed = Counter(h.slot_key for h in holds if h.status == "confirmed")
    assert sum(confirmed.values()) == len(orders)
    for slot, n in confirmed.items():
        assert n <= (MAX_PREM if "|prem|" in slot else MAX_STD), (slot, n)
        assert counts[slot] == n
    doc = _plan(server, key, depot)
    plan, problem, _ = plan_from_dict(doc)
    assert check_plan(problem, plan) == []
    assert [u.order_id for u in plan.unassigned if u.order_id in orders] == []
    windows = {h.order_id: (h.start, h.end) for h in holds if h.status == "confirmed"}
    served = {s.order_id: s.start for r in plan.routes for s in r.stops if s.order_id in windows}
    assert set(served) == set(orders)
    for oid, start in served.items():
        assert windows[oid][0] <= start <= windows[oid][1]
