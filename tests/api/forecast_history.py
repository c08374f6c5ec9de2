"""Order history for the forecast tests, made through the real API: a number of orders per local day and place,
and the platform's clock pinned to a given instant while a request runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, platform_of

NEAR = {"lat": 38.7462, "lng": -9.1034}  # 1 km north of the tenant's depot: zone "near" (3 km radius)
WEST = {"lat": 38.7200, "lng": -9.1500}  # about 4.5 km west-south-west: zone "west" (a polygon)
FAR = {"lat": 38.8000, "lng": -9.3000}  # in no zone
WEST_POLYGON = [{"lat": 38.70, "lng": -9.17}, {"lat": 38.74, "lng": -9.17}, {"lat": 38.74, "lng": -9.13},
                {"lat": 38.70, "lng": -9.13}]  # fmt: skip


def add_history(
    c: TestClient, t: Tenant, first: date, counts: list[int], where: dict[str, float] = NEAR, tag: str = "H"
) -> list[str]:
    """``counts[i]`` orders on day ``first + i`` at ``where`` (one bulk request; ``tag`` keeps their references
    apart from another call's); their ids."""
    items = [
        t.order(f"{tag}-{where['lat']}-{first + timedelta(days=i)}-{k}", date=(first + timedelta(days=i)).isoformat(),
                location=where)
        for i, n in enumerate(counts) for k in range(n)
    ]  # fmt: skip
    r = c.post("/v1/orders/bulk", json={"orders": items}, headers=t.h())
    assert r.status_code == 201, r.text
    return [o["id"] for o in r.json()["orders"]]


def set_zones(c: TestClient, t: Tenant) -> None:
    """A slot policy with two zones: "near" (3 km around the depot) and "west" (a polygon)."""
    policy = {
        "zones": [{"id": "near", "name": "Near the hub", "depot_id": t.ids["depot"], "radius_m": 3000},
                  {"id": "west", "name": "West", "depot_id": t.ids["depot"], "polygon": WEST_POLYGON}],
        "templates": [{"id": "std", "zone_id": "near", "service_level": "standard", "start": "08:00", "end": "20:00",
                       "length_min": 120, "cutoff_min": 60, "max_orders": 20}],
    }  # fmt: skip
    r = c.put("/v1/slots/policy", json=policy, headers=t.h())
    assert r.status_code == 200, r.text


@contextmanager
def clock_at(c: TestClient, at: datetime) -> Iterator[None]:
    """The platform's clock reads ``at`` inside the block."""
    p = platform_of(c)
    before, p.clock = p.clock, lambda: at
    try:
        yield
    finally:
        p.clock = before


def today_at(day: date) -> datetime:
    """10:00 UTC (11:00 in Lisbon in summer) on ``day``."""
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
