"""The widget's assets and plain form on the server side: the script carries the words of its five languages and
names no other server, both assets load cross-origin, only the checkout routes answer a cross-origin preflight,
and the form refuses a secret key and reports every bad field at once."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.migrate import upgrade
from doorstep.web.mount import mount_web
from doorstep.web.widget import _away, _back
from doorstep.web.widget_labels import LABELS


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('widget-web')}/w.sqlite"
    upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="widget-web", rate_limit_per_minute=1_000_000))
    mount_web(app)
    with TestClient(app) as c:
        yield c


def test_script_has_every_language_and_no_other_server(web: TestClient) -> None:
    """slots.js inlines the labels of en, fr, de, es and pt; neither asset names an http(s) address."""
    js = web.get("/widget/slots.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert js.headers["access-control-allow-origin"] == "*"
    for lang in ("en", "fr", "de", "es", "pt"):
        assert LABELS[lang]["held"] in js.text
    assert "/*LABELS*/" not in js.text
    css = web.get("/widget/slots.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for text in (js.text, css.text):
        assert re.findall(r"https?://", text) == []
        assert "@import" not in text and "url(" not in text


def test_only_checkout_routes_answer_a_cross_origin_preflight(web: TestClient) -> None:
    """OPTIONS on /v1/slots/offers, the pickup points near an address and a hold's confirm allow any origin and
    the Authorization header; on /v1/orders the preflight gets no such permission."""
    ask = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "authorization, content-type"}  # fmt: skip
    for path in ("/v1/slots/offers", "/v1/slots/pickup-points", "/v1/slots/holds", "/v1/slots/holds/hld_1/confirm"):
        r = web.options(path, headers=ask)
        assert r.status_code == 204, path
        assert r.headers["access-control-allow-origin"] == "*"
        assert "authorization" in r.headers["access-control-allow-headers"]
        assert "access-control-allow-credentials" not in r.headers
    other = web.options("/v1/orders", headers=ask)
    assert "access-control-allow-origin" not in other.headers
    answered = web.post("/v1/slots/offers", json={}, headers={"Origin": "https://shop.example"})
    assert answered.status_code == 401 and answered.headers["access-control-allow-origin"] == "*"


def test_form_refuses_a_secret_key_and_lists_every_bad_field(web: TestClient) -> None:
    """A write key in the form is E4002 (a page must carry a publishable key); with a publishable key, a bad
    latitude and a bad date are both reported; an unknown key is E4001."""
    p = web.app.state.platform  # type: ignore[attr-defined]
    org_id, _ = create_organization(p, "Form shop", "form-shop@example.com", "form-shop-password")
    secret = create_api_key(p, system_actor(org_id), "secret", [Permission.WRITE])[1]
    public = create_api_key(p, system_actor(org_id), "public", [Permission.CHECKOUT])[1]
    refused = web.get(f"/widget/form?key={secret}&lat=38.7&lng=-9.1")
    assert refused.status_code == 422
    assert re.findall(r'data-code="(E\d+)"', refused.text) == ["E4002"]
    bad = web.get(f"/widget/form?key={public}&lat=99&lng=-9.1&date_from=2025-13-01")
    assert re.findall(r'data-code="(E\d+)"', bad.text) == ["E1301", "E1301", "E1301"]  # date_to follows date_from
    assert "location.lat:" in bad.text and "date_from:" in bad.text and "date_to:" in bad.text
    unknown = web.get("/widget/form?key=dspk_nope&lat=38.7&lng=-9.1")
    assert re.findall(r'data-code="(E\d+)"', unknown.text) == ["E4001"]


def test_back_link_takes_only_web_addresses() -> None:
    """The hold goes back to an http(s) page or a path of this server, never to another scheme."""
    back = _back("https://shop.example/checkout?step=2", "hld_1")
    assert back == "https://shop.example/checkout?step=2&doorstep_hold=hld_1"
    assert _back("/demo/shop", "hld_1") == "/demo/shop?doorstep_hold=hld_1"
    assert _back("javascript:alert(1)", "hld_1") is None
    assert _back("//evil.example/x", "hld_1") is None
    assert _back(None, "hld_1") is None


@pytest.mark.parametrize(("lang", "walk", "straight"), [
    ("en", "5 min walk (410 m)", "230 m away"),
    ("fr", "5 min à pied (410 m)", "à 230 m"),
    ("de", "5 Min. zu Fuß (410 m)", "230 m entfernt"),
    ("es", "5 min a pie (410 m)", "a 230 m"),
    ("pt", "37 min a pé (3,1 km)", "a 230 m"),
])  # fmt: skip
def test_a_point_s_distance_is_the_walk_when_measured(lang: str, walk: str, straight: str) -> None:
    """The plain form's label of a pickup point: minutes and metres on foot when the deployment measured the walk
    (a 405-m walk of 292 s; in Portuguese the 3,062-m one of 2,205 s), else the straight line."""
    measured = {"distance_m": 227, "walk_m": 3062, "walk_s": 2205} if lang == "pt" else {
        "distance_m": 227, "walk_m": 405, "walk_s": 292}  # fmt: skip
    assert _away(measured, lang) == walk
    assert _away({"distance_m": 227, "walk_m": None, "walk_s": None}, lang) == straight
