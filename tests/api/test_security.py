"""Security hardening of the API (issue 12): headers, session cookies and their revocation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from doorstep.api.app import create_app, secret_key
from doorstep.cli.main import app as cli_app
from doorstep.config import Settings
from doorstep.domain.errors import DoorstepError
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.migrate import upgrade
from tests.api.conftest import PASSWORD, Tenant, platform_of

PROD_SECRET = "a-production-secret-of-at-least-32-characters"


@pytest.fixture
def prod_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app configured as in production (SQLite file of its own)."""
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
    assert "https:" not in docs.headers["content-security-policy"]  # Swagger UI comes from this server
    assert "/static/apidocs/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    redoc = client.get("/redoc")
    assert "/static/apidocs/redoc.standalone.js" in redoc.text and "cdn" not in redoc.text
    assert client.get("/static/apidocs/swagger-ui-bundle.js").status_code == 200


def test_production_sends_hsts_and_a_secure_session_cookie(prod_client: TestClient) -> None:
    """In production: HSTS on every answer and the session cookie is Secure, HttpOnly, SameSite=Strict."""
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


def test_a_short_secret_is_refused_in_production(tmp_path: Path) -> None:
    """Production with a secret under 32 characters refuses to start with E4006; 32 characters are accepted."""
    url = f"sqlite:///{tmp_path}/s.sqlite"
    with pytest.raises(DoorstepError) as caught:
        create_app(Settings(env="production", secret_key="x", database_url=url))
    assert caught.value.code == "E4006" and "1 characters" in caught.value.issues[0].message
    assert secret_key(Settings(env="production", secret_key="k" * 32)) == "k" * 32


@pytest.mark.parametrize(("secret", "code"), [(None, "E4005"), ("short", "E4006")])
def test_serve_without_a_usable_secret_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str | None, code: str
) -> None:
    """`doorstep serve` in production without a (long enough) secret prints one line with the code and exits 2."""
    monkeypatch.chdir(tmp_path)
    env = {"DOORSTEP_ENV": "production", "DOORSTEP_DATA_DIR": str(tmp_path / "data")}
    if secret is not None:
        env["DOORSTEP_SECRET_KEY"] = secret
    else:
        monkeypatch.delenv("DOORSTEP_SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli_app, ["serve"], env=env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(code), result.output


def test_metrics_need_the_token_or_an_admin(tmp_path: Path, tenant: Tenant, client: TestClient) -> None:
    """/metrics: 401 anonymous, 403 for a write key, 200 for an admin key; with DOORSTEP_METRICS_TOKEN its bearer."""
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=tenant.h("write")).status_code == 403
    assert client.get("/metrics", headers=tenant.h()).status_code == 200
    url = f"sqlite:///{tmp_path}/m.sqlite"
    upgrade(url)
    settings = Settings(database_url=url, metrics_token="scrape-" + "t" * 30, webhook_tick_s=0)
    with TestClient(create_app(settings)) as c:
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-" + "t" * 30}).status_code == 200
        wrong = c.get("/metrics", headers={"Authorization": "Bearer scrape-wrong"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "E4001"


def test_a_manage_key_cannot_mint_an_admin(client: TestClient, tenant: Tenant) -> None:
    """A key scoped only to manage gets 403 E4002 for an admin user or a read/write key; it may mint its own kind."""
    p = platform_of(client)
    _, manage_only = create_api_key(p, system_actor(tenant.org_id), "mgr", [Permission.MANAGE])
    h = {"Authorization": f"Bearer {manage_only}"}
    admin = {"email": "boss@example.com", "name": "Boss", "role": "admin", "password": PASSWORD}
    r = client.post("/v1/users", json=admin, headers=h)
    assert r.status_code == 403 and r.json()["error"]["code"] == "E4002", r.text
    r = client.post("/v1/api-keys", json={"name": "all", "scopes": ["read", "write", "manage"]}, headers=h)
    assert r.status_code == 403 and r.json()["error"]["code"] == "E4002"
    assert client.post("/v1/api-keys", json={"name": "same", "scopes": ["manage"]}, headers=h).status_code == 201
    driver = {"email": "drv@example.com", "name": "Drv", "role": "driver", "password": PASSWORD}
    assert client.post("/v1/users", json=driver, headers=tenant.h()).status_code == 201  # admins grant all
