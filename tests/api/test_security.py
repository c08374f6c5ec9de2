"""Security hardening of the API (issue 12): headers, session cookies and their revocation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from tests.api.conftest import PASSWORD, Tenant

PROD_SECRET = "a-production-secret-of-at-least-32-characters"


@pytest.fixture
def prod_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app configured as in production (SQLite file of its own)."""
    from doorstep.store.migrate import upgrade

    url = f"sqlite:///{tmp_path}/prod.sqlite"
    upgrade(url)
    settings = Settings(env="production", secret_key=PROD_SECRET, database_url=url, webhook_tick_s=0)
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        yield c


def test_every_answer_has_the_security_headers(client: TestClient, tenant: Tenant) -> None:
    """CSP (own scripts only, no framing), nosniff, DENY, no referrer on API answers and errors alike; no HSTS
    over plain HTTP in development."""
    for r in (client.get("/healthz"), client.get("/v1/orders", headers=tenant.h()), client.get("/v1/nope")):
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in r.headers
    docs = client.get("/docs")
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]


def test_production_sends_hsts_and_a_secure_session_cookie(prod_client: TestClient) -> None:
    """In production: HSTS on every answer and the session cookie is Secure, HttpOnly, SameSite=Strict."""
    from doorstep.services.accounts import create_organization

    platform = prod_client.app.state.platform  # type: ignore[attr-defined]
    create_organization(platform, "Prod", "ops@example.com", PASSWORD)
    r = prod_client.post("/v1/auth/login", json={"email": "ops@example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    cookie = r.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_development_cookie_is_not_secure(client: TestClient, tenant: Tenant) -> None:
    """Development serves plain HTTP on localhost: a Secure cookie would never come back, so it is not set."""
    r = client.post("/v1/auth/login", json={"email": tenant.email, "password": PASSWORD})
    client.cookies.clear()
    assert r.status_code == 200 and "secure" not in r.headers["set-cookie"].lower()


def test_logout_ends_the_session_on_the_server(client: TestClient, tenant: Tenant) -> None:
    """A cookie kept (copied) after logout is refused with 401 E4001; another session of the user goes on."""
    def login() -> dict[str, str]:
        r = client.post("/v1/auth/login", json={"email": tenant.email, "password": PASSWORD})
        assert r.status_code == 200
        client.cookies.clear()
        return {"Cookie": f"doorstep_session={r.cookies['doorstep_session']}"}

    kept, other = login(), login()
    assert client.get("/v1/auth/me", headers=kept).status_code == 200
    out = client.post("/v1/auth/logout", headers=kept)
    assert out.status_code == 204
    client.cookies.clear()
    after = client.get("/v1/auth/me", headers=kept)
    assert after.status_code == 401 and after.json()["error"]["code"] == "E4001"
    assert client.get("/v1/auth/me", headers=other).status_code == 200
    assert client.post("/v1/auth/logout", headers={"Cookie": "doorstep_session=forged"}).status_code == 204
