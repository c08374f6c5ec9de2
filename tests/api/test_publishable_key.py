"""Publishable (checkout) keys: created alone with their own prefix, they offer, hold, show and confirm delivery
slots of their organization, and every other route of the API refuses them (E4002) — reading included."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant
from tests.api.slot_day import DAY, NEAR, eve, policy, put_policy

__all__ = ["eve"]

# What a publishable key may call; everything else under /v1 must answer 403 E4002.
ALLOWED = {
    ("GET", "/v1/geocode/suggest"),
    ("POST", "/v1/slots/offers"),
    ("POST", "/v1/slots/pickup-points"),
    ("POST", "/v1/slots/holds"),
    ("GET", "/v1/slots/holds/{hold_id}"),
    ("POST", "/v1/slots/holds/{hold_id}/confirm"),
    ("POST", "/v1/slots/holds/{hold_id}/release"),
}
# Routes an API key does not open at all (login, logout, health, tracking links, the driver app: its own token).
OPEN = re.compile(r"^/v1/(auth/(login|logout)|track/|driver/|health)")
# The SMS provider's callbacks: authenticated by the provider's signature, never by a key, so a publishable key
# is refused there as any unsigned caller is (401 E4001).
SIGNED = re.compile(r"^/v1/sms/")
# A partner carrier's status callbacks: authenticated by the carrier's HMAC signature, never by a key (401 E1650).
CARRIER_SIGNED = re.compile(r"^/v1/carriers/\{carrier_id\}/callbacks$")


def _checkout_key(client: TestClient, t: Tenant) -> str:
    r = client.post("/v1/api-keys", json={"name": "shop widget", "scopes": ["checkout"]}, headers=t.h())
    assert r.status_code == 201, r.text
    assert r.json()["scopes"] == ["checkout"]
    secret: str = r.json()["secret"]
    assert secret.startswith("dspk_")
    return secret


def test_checkout_scope_is_alone_and_granted_only_by_writers(client: TestClient, tenant: Tenant) -> None:
    """checkout with another scope is E1301 on scopes; a manage-only caller cannot hand it out (E4002)."""
    mixed = client.post("/v1/api-keys", json={"name": "x", "scopes": ["checkout", "read"]}, headers=tenant.h())
    assert mixed.status_code == 422
    err = mixed.json()["error"]
    assert (err["code"], err["details"][0]["loc"]) == ("E1301", ["scopes"])
    manager = client.post("/v1/api-keys", json={"name": "m", "scopes": ["manage"]}, headers=tenant.h()).json()
    denied = client.post("/v1/api-keys", json={"name": "x", "scopes": ["checkout"]},
                         headers={"Authorization": f"Bearer {manager['secret']}"})  # fmt: skip
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "E4002"


def test_publishable_key_checks_out(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """With only the publishable key: offers, a hold, the hold read back, and its confirmation into an order."""
    put_policy(client, tenant, policy(tenant))
    pk = {"Authorization": f"Bearer {_checkout_key(client, tenant)}"}
    body = {"location": NEAR, "date_from": DAY, "date_to": DAY, "parcels": 1}
    offered = client.post("/v1/slots/offers", json=body, headers=pk)
    assert offered.status_code == 200, offered.text
    first = offered.json()["offers"][0]
    held = client.post("/v1/slots/holds", json={"offer_id": first["id"]}, headers=pk)
    assert held.status_code == 201, held.text
    hold_id = held.json()["id"]
    assert client.get(f"/v1/slots/holds/{hold_id}", headers=pk).json()["status"] == "held"
    done = client.post(f"/v1/slots/holds/{hold_id}/confirm", json={"name": "Ana"}, headers=pk)
    assert done.status_code == 201, done.text
    order = client.get(f"/v1/orders/{done.json()['order_id']}", headers=tenant.h("read")).json()["data"]
    window = order["time_windows"][0]
    assert datetime.fromisoformat(window["start"]) == datetime.fromisoformat(first["start"])


def test_publishable_key_reads_and_changes_nothing_else(client: TestClient, tenant: Tenant, eve: datetime) -> None:
    """Every other /v1 route (every method, real ids where the route takes one) answers 403 E4002 to it."""
    put_policy(client, tenant, policy(tenant))
    pk = {"Authorization": f"Bearer {_checkout_key(client, tenant)}"}
    order_id = client.post("/v1/orders", json=tenant.order(), headers=tenant.h()).json()["id"]
    real = {"order_id": order_id, "depot_id": tenant.ids["depot"], "vehicle_id": tenant.ids["vehicle"],
            "type_id": tenant.ids["type"]}  # fmt: skip
    paths = client.get("/openapi.json").json()["paths"]
    seen, checked = [], 0
    for template, ops in sorted(paths.items()):
        if not template.startswith("/v1/") or OPEN.match(template):
            continue
        for method in sorted(m.upper() for m in ops if m in ("get", "post", "put", "patch", "delete")):
            if (method, template) in ALLOWED:
                continue
            path = re.sub(r"\{(\w+)\}", lambda m: real.get(m.group(1), "x_1"), template)
            r = client.request(method, path, headers=pk, json={})
            checked += 1
            code = r.json().get("error", {}).get("code") if r.headers.get("content-type", "").startswith(
                "application/json") else None  # fmt: skip
            expected = (401, "E4001") if SIGNED.match(template) else (403, "E4002")
            if CARRIER_SIGNED.match(template) and method == "POST":
                expected = (401, "E1650")
            if (r.status_code, code) != expected:
                seen.append(f"{method} {template}: {r.status_code} {code}")
    assert seen == []
    assert checked > 60  # the walk saw the API (orders, fleet, plans, routes, slots policy and utilisation, ...)
