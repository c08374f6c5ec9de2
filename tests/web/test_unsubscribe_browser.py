"""The unsubscribe page in Debian Chromium under its real Content-Security-Policy: styled by its own stylesheet
(inline styles would be refused), no console error, the button opts the address out and the confirmation
speaks the email's language; axe-core finds no serious or critical violation."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from doorstep.domain.ids import new_id
from doorstep.store.models import MessageRow, OrderRow
from tests.browser import axe_violations
from tests.web.test_tracking_pickup_browser import Shop, server, shop

__all__ = ["server", "shop"]  # the module-scoped server and the per-test organization


def _unsubscribe_link(shop: Shop, app: Any, language: str) -> str:
    """An email as the outbox holds it once sent, with its unsubscribe token: the page's URL."""
    order_id, _ = shop.order(f"U-{secrets.token_hex(3).upper()}")
    token, now = secrets.token_urlsafe(24), datetime.now(UTC)
    with app.state.platform.sessions() as s:
        order = s.get(OrderRow, order_id)
        assert order is not None
        s.add(MessageRow(
            id=new_id("msg"), org_id=order.org_id, order_id=order_id, event_id=new_id("evt"), trigger="delivered",
            version=1, channel="email", recipient="ana@example.org", language=language, subject="Entregue",
            body_text="Entregue.", body_html="", status="sent", attempts=1, next_attempt_at=None, lease_until=None,
            last_error=None, provider_id=None, sent_at=now, updated_at=now, unsubscribe_token=token,
        ))  # fmt: skip
        s.commit()
    return f"{shop.base}/u/{token}"


def test_the_unsubscribe_page_is_styled_under_its_csp_and_works(
    shop: Shop, server: tuple[str, Any], browser: Any
) -> None:
    from playwright.sync_api import expect

    link = _unsubscribe_link(shop, server[1], "pt")
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(link)
    button = page.get_by_role("button", name="Cancelar subscrição")
    expect(button).to_be_visible()
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 110, 79)"  # the stylesheet
    assert page.evaluate("() => getComputedStyle(document.body).maxWidth") == "512px"
    button.click()
    expect(page.locator("h1")).to_have_text("Subscrição cancelada")
    assert errors == []  # no style or script refused by the CSP

    checked = browser.new_context(bypass_csp=True).new_page()
    checked.goto(_unsubscribe_link(shop, server[1], "de"))
    found = axe_violations(checked)
    assert not found, "\n".join(found)
