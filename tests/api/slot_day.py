"""Slot test helpers: a policy for the tenant's depot, offers and holds through the API, the platform's clock set
to the eve of the test day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, platform_of

EVE = datetime.fromisoformat("2025-06-16T12:00:00+00:00")  # the day before the tenant's shift day
DAY = "2025-06-17"  # a Tuesday
NEAR = {"lat": 38.72, "lng": -9.14}  # about 3.5 km from the depot
FAR = {"lat": 39.50, "lng": -8.00}  # about 130 km away: in no zone


def policy(t: Tenant, **template: Any) -> dict[str, Any]:
    """One 15 km zone around the depot, 2-hour windows 08-20 and 1-hour premium windows 09-13, with prices."""
    std = {"id": "std", "zone_id": "lx", "start": "08:00", "end": "20:00", "length_min": 120, "cutoff_min": 60,
           "max_orders": 5, **template}  # fmt: skip
    return {
        "zones": [{"id": "lx", "name": "Lisbon", "depot_id": t.ids["depot"], "radius_m": 15_000}],
        "templates": [
            std,
            {
                "id": "prem",
                "zone_id": "lx",
                "service_level": "premium",
                "start": "09:00",
                "end": "13:00",
                "length_min": 60,
                "cutoff_min": 60,
                "max_orders": 2,
            },
        ],
        "ranking": "cheapest",
        "green_km": 1.0,
        "prices": [
            {"service_level": "standard", "length_min": 120, "price_cents": 499},
            {"service_level": "premium", "length_min": 60, "price_cents": 899},
        ],
    }


def put_policy(c: TestClient, t: Tenant, doc: dict[str, Any], version: int | None = None) -> dict[str, Any]:
    """Store the policy (201-free: PUT answers 200) and return the answer."""
    url = "/v1/slots/policy" + (f"?version={version}" if version else "")
    r = c.put(url, json=doc, headers=t.h())
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def offers(c: TestClient, t: Tenant, location: dict[str, float] = NEAR, **kw: Any) -> dict[str, Any]:
    """Offers for one parcel at ``location`` on the test day."""
    body = {"location": location, "date_from": DAY, "date_to": DAY, "parcels": 1, **kw}
    r = c.post("/v1/slots/offers", json=body, headers=t.h("write"))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def hold(c: TestClient, t: Tenant, offer_id: str) -> Any:
    """Hold an offer; the raw response."""
    return c.post("/v1/slots/holds", json={"offer_id": offer_id}, headers=t.h("write"))


def confirm(c: TestClient, t: Tenant, hold_id: str, name: str = "Ana Lima") -> Any:
    """Confirm a hold for a customer; the raw response."""
    body = {"name": name, "address": "Rua Augusta 1", "email": "ana@example.com"}
    return c.post(f"/v1/slots/holds/{hold_id}/confirm", json=body, headers=t.h("write"))


@pytest.fixture
def eve(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The app's clock at noon the day before the test day (restored after the test)."""
    monkeypatch.setattr(platform_of(client), "clock", lambda: EVE)
    return EVE
