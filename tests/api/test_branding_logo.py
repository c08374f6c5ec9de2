"""The organization's logo (the notification rules' ``sender.logo_url``): https or a small data: PNG/SVG only
(E1465), round-tripped by GET and PUT; shown in the tracking page's header (alt text: the sender's name) inside
the page's Content-Security-Policy, and in the HTML emails. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from doorstep.api.security import APP_CSP
from tests.api.notify_day import CustomerDay, customer_day, dispatch_all
from tests.api.tracking_site import Site, site

__all__ = ["site"]  # the module-scoped app fixture
RULES = "/v1/organization/notification-rules"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PNG = "data:image/png;base64," + base64.b64encode(PNG_BYTES).decode()
SVG = "data:image/svg+xml;base64," + base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode()
HTTPS = "https://cdn.loja.example:8443/brand/logo.png?v=3"


def _sender(logo: Any) -> dict[str, Any]:
    return {"rules": [], "sender": {"name": "Loja Azul", "logo_url": logo, "colour": "#123456"}}


@pytest.mark.parametrize(
    ("logo", "says"),
    [
        ("http://loja.example/logo.png", "must be an https:// URL or a data:image/png"),
        ("javascript:alert(1)", "must be an https:// URL"),
        ("data:image/gif;base64,R0lGODlhAQABAAAAACw=", "data:image/png;base64,… or data:image/svg+xml;base64,…"),
        ("data:image/png;base64,iVBOR@@", "data:image/png;base64,… or data:image/svg+xml;base64,…"),
        ("data:image/png;base64,abc", "not valid base64"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 20).decode(), "is not a PNG image"),
        ("data:image/svg+xml;base64," + base64.b64encode(b"<html></html>").decode(), "is not an SVG image"),
        ("data:image/png;base64," + base64.b64encode(PNG_BYTES[:8] + b"\0" * 51_200).decode(),
         "is 51,208 bytes; at most 51,200 (50 KB)"),
        ("https://user:pw@loja.example/logo.png", "without credentials"),
        ('https://loja.example/a"b.png', "without credentials, spaces, quotes"),
        ("https://" + "a" * 2000 + ".example/l.png", "at most 2000 characters"),
        (42, "must be a string"),
    ],
)  # fmt: skip
def test_a_logo_that_is_not_https_or_a_small_png_or_svg_is_refused(site: Site, logo: Any, says: str) -> None:
    """Each kind of bad logo is one E1465 at sender.logo_url whose message says what is wrong; nothing is stored."""
    day = customer_day(site.client, dispatch=False)
    r = site.client.put(RULES, json=_sender(logo), headers=day.t.h())
    assert r.status_code == 422, r.text
    [detail] = r.json()["error"]["details"]
    assert (detail["code"], detail["loc"]) == ("E1465", ["sender", "logo_url"]) and says in detail["message"]
    assert site.client.get(RULES, headers=day.t.h("read")).json()["sender"]["logo_url"] == ""


@pytest.mark.parametrize("logo", [HTTPS, PNG, SVG, ""])
def test_a_valid_logo_round_trips_through_get_and_put(site: Site, logo: str) -> None:
    """An https logo, a data: PNG, a data: SVG or none: the GET answer has it and can be PUT back unchanged."""
    day = customer_day(site.client, dispatch=False)
    saved = site.client.put(RULES, json=_sender(logo), headers=day.t.h())
    assert saved.status_code == 200 and saved.json()["sender"]["logo_url"] == logo, saved.text
    got = site.client.get(RULES, headers=day.t.h("read")).json()
    again = site.client.put(RULES, json=got, headers=day.t.h())
    assert again.status_code == 200 and again.json() == got == saved.json()


def _branded_day(site: Site, logo: str) -> CustomerDay:
    """A day whose organization's rules carry the logo before the out-for-delivery emails are written."""
    site.clock.at("08:00")
    day = customer_day(site.client, dispatch=False)
    rules = _sender(logo) | {"rules": [{"trigger": "out_for_delivery", "enabled": True, "channels": ["email"]}]}
    assert site.client.put(RULES, json=rules, headers=day.t.h()).status_code == 200
    dispatch_all(site.client, day)
    site.send_all(day)
    return day


def _email_html(site: Site, day: CustomerDay, k: int) -> str:
    mail = next(m for m in site.smtp.inbox.messages if str(m["To"]) == day.email_of(k))
    html: str = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return html


def test_an_https_logo_heads_the_page_and_the_email_and_only_its_origin_joins_img_src(site: Site) -> None:
    """The page's header shows the logo with the sender's name as its alt text (the visible name hidden from
    screen readers, so it is not read twice); the page's policy allows images from the logo's origin and nothing
    else more; the JSON says where the logo is; the email's HTML shows the same logo."""
    day = _branded_day(site, HTTPS)
    token = site.token(day, 0)
    page = site.client.get(f"/t/{token}")
    assert page.status_code == 200
    src = HTTPS.replace("&", "&amp;")
    assert f'<img id="logo" class="logo" src="{src}" alt="Loja Azul">' in page.text
    assert '<span id="org" aria-hidden="true">Loja Azul</span>' in page.text
    expected = APP_CSP.replace("img-src 'self' ", "img-src 'self' https://cdn.loja.example:8443 ")
    assert page.headers["content-security-policy"] == expected != APP_CSP
    assert site.view(token)["brand"]["logo_url"] == HTTPS
    assert f'<img src="{src}" alt="Loja Azul"' in _email_html(site, day, 0)


def test_a_data_logo_is_served_by_doorstep_and_the_page_policy_stays_as_it_was(site: Site) -> None:
    """A data: PNG logo: the page loads it from ``/v1/track/{token}/logo`` (the exact image, sandboxed by its own
    policy), so the page and its JSON stay light and its policy is the app's; the email carries the image as an
    inline part (``cid:``);
    an organization without a data: logo, or a bad token, has no logo there (404 E1451)."""
    day = _branded_day(site, PNG)
    token = site.token(day, 1)
    page = site.client.get(f"/t/{token}")
    assert f'<img id="logo" class="logo" src="/v1/track/{token}/logo" alt="Loja Azul">' in page.text
    assert page.headers["content-security-policy"] == APP_CSP and len(page.content) < 20_000
    assert site.view(token)["brand"]["logo_url"] == f"/v1/track/{token}/logo"
    logo = site.client.get(f"/v1/track/{token}/logo")
    assert (logo.status_code, logo.headers["content-type"], logo.content) == (200, "image/png", PNG_BYTES)
    assert "sandbox" in logo.headers["content-security-policy"]
    mail = next(m for m in site.smtp.inbox.messages if str(m["To"]) == day.email_of(1))
    [image] = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    cid = str(image["Content-ID"]).strip("<>")
    assert image.get_content() == base64.b64decode(PNG.split(",", 1)[1])  # the logo, attached as it was given
    assert f'<img src="cid:{cid}" alt="Loja Azul"' in _email_html(site, day, 1) and PNG not in _email_html(site, day, 1)
    plain = _branded_day(site, "")
    other = site.token(plain, 0)
    assert 'id="logo"' not in site.client.get(f"/t/{other}").text and site.view(other)["brand"]["logo_url"] == ""
    for bad in (f"/v1/track/{other}/logo", "/v1/track/not-a-token/logo"):
        r = site.client.get(bad)
        assert r.status_code == 404 and r.json()["error"]["code"] == "E1451", r.text
