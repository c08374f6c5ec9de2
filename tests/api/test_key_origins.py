"""A publishable key limited to its shop's web origins (SQLite and PostgreSQL): a browser on a listed origin is
served, one on any other origin is refused (403 E4007, readable cross-origin), a request without an Origin header is
served (a program can send any header: the per-shopper rate limit bounds those); the list is checked at the edge
(E1309 for every entry that is no origin, at once; E1301 on a secret key) and can be changed without a new key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant

SHOP = "https://shop.example"
SUGGEST = "/v1/geocode/suggest"


def _publishable(c: TestClient, t: Tenant, origins: list[str] | None) -> dict[str, object]:
    r = c.post("/v1/api-keys", json={"name": "widget", "scopes": ["checkout"], "origins": origins}, headers=t.h())
    assert r.status_code == 201, r.text
    return dict(r.json())


def _ask(c: TestClient, secret: object, origin: str | None) -> tuple[int, str | None]:
    """The status and error code of an address suggestion asked with the key from ``origin``."""
    headers = {"Authorization": f"Bearer {secret}"} | ({"Origin": origin} if origin else {})
    r = c.get(SUGGEST, params={"q": "Rua"}, headers=headers)
    body = r.json()
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    if r.status_code == 403:
        assert r.headers["access-control-allow-origin"] == "*"  # the widget can read why
    return r.status_code, code


def test_a_key_serves_its_shops_origins_only(client: TestClient, tenant: Tenant) -> None:
    """Origins are stored as a browser writes them (case, default port, trailing slash); the listed origin is
    served whatever the spelling, another origin or a sandboxed page (``null``) is refused with E4007, a call with
    no Origin is served. A key without a list is served from anywhere, as before."""
    key = _publishable(client, tenant, ["HTTPS://Shop.Example:443/", "http://localhost:8080"])
    assert key["origins"] == ["http://localhost:8080", SHOP]
    listed = [k for k in client.get("/v1/api-keys", headers=tenant.h()).json() if k["id"] == key["id"]]
    assert listed[0]["origins"] == ["http://localhost:8080", SHOP]
    served = {200, 409}  # 409 E3015: this deployment has no address index; the key itself was accepted
    assert _ask(client, key["secret"], SHOP)[0] in served
    assert _ask(client, key["secret"], "https://shop.example:443")[0] in served
    assert _ask(client, key["secret"], "http://localhost:8080")[0] in served
    assert _ask(client, key["secret"], None)[0] in served
    for other in ("https://evil.example", "http://shop.example", "https://shop.example:8443", "null"):
        assert _ask(client, key["secret"], other) == (403, "E4007"), other
    anywhere = _publishable(client, tenant, None)
    assert anywhere["origins"] is None
    assert _ask(client, anywhere["secret"], "https://evil.example")[0] in served


def test_origins_are_checked_at_the_edge_every_problem_at_once(client: TestClient, tenant: Tenant) -> None:
    """Three bad entries: three E1309, each at its index, and no key made; a list on a secret key is E1301; an
    empty list or more than 20 is E1301."""
    before = len(client.get("/v1/api-keys", headers=tenant.h()).json())
    bad = ["shop.example", SHOP, "https://shop.example/checkout", "https://*.example"]
    r = client.post("/v1/api-keys", json={"name": "w", "scopes": ["checkout"], "origins": bad}, headers=tenant.h())
    assert r.status_code == 422, r.text
    found = [(d["code"], d["loc"]) for d in r.json()["error"]["details"]]
    assert found == [("E1309", ["origins", 0]), ("E1309", ["origins", 2]), ("E1309", ["origins", 3])]
    secret = client.post("/v1/api-keys", json={"name": "s", "scopes": ["read"], "origins": [SHOP]}, headers=tenant.h())
    assert secret.status_code == 422 and secret.json()["error"]["code"] == "E1301"
    for size in (0, 21):
        many = [f"https://s{k}.example" for k in range(size)]
        r = client.post("/v1/api-keys", json={"name": "w", "scopes": ["checkout"], "origins": many},
                        headers=tenant.h())  # fmt: skip
        assert (r.status_code, r.json()["error"]["code"]) == (422, "E1301"), size
    assert len(client.get("/v1/api-keys", headers=tenant.h()).json()) == before  # nothing made


def test_the_origins_change_without_a_new_key(client: TestClient, tenant: Tenant) -> None:
    """PATCH sets another list (at once: the key's cached actor is forgotten), null opens the key to any origin,
    a bad entry changes nothing (E1309), a secret key takes no list (E1301); only admins may change it."""
    key = _publishable(client, tenant, [SHOP])
    assert _ask(client, key["secret"], "https://new-shop.example") == (403, "E4007")
    moved = client.patch(f"/v1/api-keys/{key['id']}", json={"origins": ["https://new-shop.example"]},
                         headers=tenant.h())  # fmt: skip
    assert moved.status_code == 200 and moved.json()["origins"] == ["https://new-shop.example"], moved.text
    assert _ask(client, key["secret"], "https://new-shop.example")[0] in {200, 409}
    assert _ask(client, key["secret"], SHOP) == (403, "E4007")
    wrong = client.patch(f"/v1/api-keys/{key['id']}", json={"origins": ["nope"]}, headers=tenant.h())
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "E1309")
    assert _ask(client, key["secret"], SHOP) == (403, "E4007")  # unchanged
    opened = client.patch(f"/v1/api-keys/{key['id']}", json={"origins": None}, headers=tenant.h())
    assert opened.status_code == 200 and opened.json()["origins"] is None
    assert _ask(client, key["secret"], SHOP)[0] in {200, 409}
    reader = client.post("/v1/api-keys", json={"name": "r", "scopes": ["read"]}, headers=tenant.h()).json()
    on_secret = client.patch(f"/v1/api-keys/{reader['id']}", json={"origins": [SHOP]}, headers=tenant.h())
    assert (on_secret.status_code, on_secret.json()["error"]["code"]) == (422, "E1301")
    as_reader = client.patch(f"/v1/api-keys/{key['id']}", json={"origins": [SHOP]},
                             headers={"Authorization": f"Bearer {reader['secret']}"})  # fmt: skip
    assert (as_reader.status_code, as_reader.json()["error"]["code"]) == (403, "E4002")
