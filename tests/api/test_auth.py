"""Authentication and roles: keys, scopes, sessions, and the organization boundary."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from doorstep.api.app import create_app, secret_key
from doorstep.config import Settings
from doorstep.domain.errors import DoorstepError
from tests.api.conftest import PASSWORD, Tenant, make_tenant


def _login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return {"Cookie": f"doorstep_session={r.cookies['doorstep_session']}"}


def _user(client: TestClient, t: Tenant, role: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "name": role.title(), "role": role, "password": PASSWORD}
    r = client.post("/v1/users", json=body, headers=t.h())
    assert r.status_code == 201, r.text
    assert "password" not in r.text and "hash" not in r.text
    return email


def test_no_credentials_or_bad_key_is_401(client: TestClient) -> None:
    """No key, a wrong key, or a malformed header: 401 E4001 in the envelope."""
    for headers in ({}, {"Authorization": "Bearer dsk_wrong"}, {"Authorization": "Basic abc"}):
        r = client.get("/v1/orders", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "E4001"


def test_read_only_key_cannot_write(client: TestClient, tenant: Tenant) -> None:
    """A key with the read scope lists orders but gets 403 E4002 on every write."""
    assert client.get("/v1/orders", headers=tenant.h("read")).status_code == 200
    r = client.post("/v1/orders", json=tenant.order(), headers=tenant.h("read"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "E4002"
    r = client.post("/v1/depots", json={"name": "X", "lat": 1, "lng": 1, "timezone": "UTC"}, headers=tenant.h("read"))
    assert r.status_code == 403
    assert client.get("/v1/orders", headers=tenant.h()).json()["items"] == []


def test_login_sets_a_session_and_wrong_password_is_e4004(client: TestClient, tenant: Tenant) -> None:
    """The admin logs in with the password; a wrong password or unknown email is the same 401 E4004."""
    cookie = _login(client, tenant.email)
    me = client.get("/v1/auth/me", headers=cookie).json()
    assert me["org_id"] == tenant.org_id and me["role"] == "admin"
    for email, pw in ((tenant.email, "wrong password!"), ("nobody@example.com", PASSWORD)):
        r = client.post("/v1/auth/login", json={"email": email, "password": pw})
        assert r.status_code == 401 and r.json()["error"]["code"] == "E4004"


def test_me_names_the_currency_of_money_amounts(client: TestClient, tenant: Tenant) -> None:
    """/v1/auth/me carries the deployment's currency (DOORSTEP_CURRENCY, EUR by default) for the dashboard."""
    assert client.get("/v1/auth/me", headers=tenant.h("read")).json()["currency"] == "EUR"


def test_tampered_session_cookie_is_refused(client: TestClient, tenant: Tenant) -> None:
    """A session cookie not signed with the server's secret is 401."""
    cookie = _login(client, tenant.email)
    forged = {"Cookie": cookie["Cookie"][:-3] + "abc"}
    assert client.get("/v1/auth/me", headers=forged).status_code == 401


def test_dispatcher_cannot_manage_users_or_keys(client: TestClient, tenant: Tenant) -> None:
    """A dispatcher works with orders but gets 403 on users and API keys."""
    cookie = _login(client, _user(client, tenant, "dispatcher"))
    assert client.post("/v1/orders", json=tenant.order(), headers=cookie).status_code == 201
    body = {"email": "x@example.com", "role": "admin", "password": PASSWORD}
    for method, path, json in (
        ("post", "/v1/users", body),
        ("get", "/v1/users", None),
        ("post", "/v1/api-keys", {"name": "k", "scopes": ["read"]}),
    ):
        r = client.request(method, path, json=json, headers=cookie)
        assert r.status_code == 403 and r.json()["error"]["code"] == "E4002", path


def test_driver_cannot_read_orders(client: TestClient, tenant: Tenant) -> None:
    """A driver sees only their own routes: orders and fleet are 403."""
    cookie = _login(client, _user(client, tenant, "driver"))
    assert client.get("/v1/orders", headers=cookie).status_code == 403
    assert client.get("/v1/vehicles", headers=cookie).status_code == 403


def test_admin_creates_and_revokes_keys(client: TestClient, tenant: Tenant) -> None:
    """A new key works at once, its secret is shown once and only hashed; revoked it is 401."""
    r = client.post("/v1/api-keys", json={"name": "shop", "scopes": ["read"]}, headers=tenant.h())
    assert r.status_code == 201
    key = r.json()
    assert key["secret"].startswith("dsk_")
    h = {"Authorization": f"Bearer {key['secret']}"}
    assert client.get("/v1/orders", headers=h).status_code == 200
    listed = client.get("/v1/api-keys", headers=tenant.h()).json()
    assert key["id"] in {k["id"] for k in listed} and "secret" not in listed[0]
    assert client.delete(f"/v1/api-keys/{key['id']}", headers=tenant.h()).status_code == 204
    assert client.get("/v1/orders", headers=h).status_code == 401


def test_no_cross_organization_access_for_users_or_keys(client: TestClient, tenant: Tenant) -> None:
    """B's admin sees none of A's users, keys, depots or vehicles and cannot change or delete them."""
    other = make_tenant(client)
    assert tenant.email not in {u["email"] for u in client.get("/v1/users", headers=other.h()).json()}
    a_keys = {k["id"] for k in client.get("/v1/api-keys", headers=tenant.h()).json()}
    b_keys = {k["id"] for k in client.get("/v1/api-keys", headers=other.h()).json()}
    assert not a_keys & b_keys
    assert client.delete(f"/v1/api-keys/{next(iter(a_keys))}", headers=other.h()).status_code == 404
    for path in ("depots", "vehicles", "vehicle-types", "shifts"):
        ids = {x["id"] for x in client.get(f"/v1/{path}", headers=other.h()).json()["items"]}
        assert ids.isdisjoint(tenant.ids.values())
    dep = tenant.ids["depot"]
    assert client.get(f"/v1/depots/{dep}", headers=other.h()).status_code == 404
    assert client.delete(f"/v1/depots/{dep}", headers=other.h()).status_code == 404
    body = {"name": "stolen", "lat": 1, "lng": 1, "timezone": "UTC"}
    assert client.put(f"/v1/depots/{dep}", params={"version": 1}, json=body, headers=other.h()).status_code == 404
    van = {"name": "Mine", "type_id": tenant.ids["type"], "depot_id": tenant.ids["depot"]}
    r = client.post("/v1/vehicles", json=van, headers=other.h())
    assert r.status_code == 404 and r.json()["error"]["code"] == "E1000"
    assert client.get(f"/v1/depots/{dep}", headers=tenant.h()).json()["name"] == "Hub"


def test_no_default_secret_outside_development(tmp_path: object) -> None:
    """Production without DOORSTEP_SECRET_KEY refuses to start with E4005; development gets a random one."""
    try:
        secret_key(Settings(env="production", secret_key=None))
        raise AssertionError("expected E4005")
    except DoorstepError as exc:
        assert exc.code == "E4005"
    assert secret_key(Settings(env="development")) != secret_key(Settings(env="development"))
    long_secret = "s3cret-" + "x" * 32
    app = create_app(Settings(env="production", secret_key=long_secret, database_url=f"sqlite:///{tmp_path}/x.db"))
    assert app.title == "Doorstep"


def test_user_create_is_idempotent_with_a_key(client: TestClient, tenant: Tenant) -> None:
    """Replaying POST /v1/users with the same Idempotency-Key returns the first user instead of E2007."""
    body = {"email": f"idem-{uuid.uuid4().hex[:6]}@example.com", "role": "dispatcher", "password": PASSWORD}
    h = {**tenant.h(), "Idempotency-Key": "user-1"}
    first = client.post("/v1/users", json=body, headers=h)
    again = client.post("/v1/users", json=body, headers=h)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    dup = client.post("/v1/users", json=body, headers=tenant.h())
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "E2007"
