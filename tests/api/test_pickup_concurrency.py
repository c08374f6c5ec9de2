"""Concurrent bookings of a pickup point's last places on a real server, on SQLite and PostgreSQL: exactly as
many orders as there are places are stored, every other request gets E2271, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from doorstep.store.models import OrderRow
from tests.api.concurrent import Server, burst, new_org, serve
from tests.api.pickup_day import WEEK

N, LEFT, CAPACITY = 12, 3, 5


@pytest.fixture(scope="module")
def server(db_url: str) -> Iterator[Server]:
    """One served app per database for this module."""
    with serve(db_url) as s:
        yield s


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _post(server: Server, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{server.base}{path}", json=body, headers=_h(key), timeout=30)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _order(depot_id: str, point_id: str) -> dict[str, Any]:
    return {"external_ref": f"P-{uuid.uuid4().hex[:10]}", "depot_id": depot_id, "date": "2025-06-17",
            "pickup_point_id": point_id, "size": {"parcels": 1}}  # fmt: skip


def test_last_places_at_a_point_go_to_exactly_that_many_requests(server: Server) -> None:
    """12 requests at once for the last 3 places: 3 orders stored (201), 9 answered 409 E2271, 5 booked in all."""
    org_id, _, key = new_org(server)
    depot = _post(server, key, "/v1/depots",
                  {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"})  # fmt: skip
    point = _post(server, key, "/v1/pickup-points", {
        "name": "Papelaria Rossio", "kind": "counter", "lat": 38.7139, "lng": -9.1394, "address": "Rossio 20",
        "depot_id": depot["id"], "hours": {d: [["10:00", "17:00"]] for d in WEEK}, "capacity_parcels": CAPACITY,
    })  # fmt: skip
    for _ in range(CAPACITY - LEFT):
        _post(server, key, "/v1/orders", _order(depot["id"], point["id"]))
    answers = burst(
        N,
        lambda c: c.post("/v1/orders", json=_order(depot["id"], point["id"]), headers=_h(key)),
        base=server.base,
    )
    assert sorted(a.status for a in answers) == [201] * LEFT + [409] * (N - LEFT), answers
    assert {a.code for a in answers if a.status == 409} == {"E2271"}
    with server.platform.sessions() as s:
        stored = s.scalar(
            select(func.count()).select_from(OrderRow)
            .where(OrderRow.org_id == org_id, OrderRow.pickup_point_id == point["id"])
        )  # fmt: skip
    assert stored == CAPACITY
