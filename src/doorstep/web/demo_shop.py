"""``/demo/shop`` (only with ``doorstep serve --demo``): a small shop's checkout with the delivery-window widget
embedded the way a real shop embeds it (docs/widget.md), so the whole promise can be tried in a browser."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from doorstep.web.widget_labels import LANGUAGES, language

DEMO_ADDRESS = ("Rua Augusta 100, Lisboa", 38.7108, -9.1368)  # Baixa, inside the demo's Lisbon zone


@dataclass(frozen=True, slots=True)
class DemoShop:
    """What the page embeds: the demo organization's publishable key and the customer's address."""

    key: str
    address: str = DEMO_ADDRESS[0]
    lat: float = DEMO_ADDRESS[1]
    lng: float = DEMO_ADDRESS[2]
    days: int = 3
    pickup: bool = True  # the widget also offers the organization's pickup points near the address


def mount_demo_shop(app: FastAPI, templates: Any, shop: DemoShop) -> None:
    """Serve the demo shop page (call it only for the demo: the page shows the organization's publishable key)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/demo/shop", response_class=HTMLResponse)
    def demo_shop(request: Request, lang: str = "en") -> HTMLResponse:
        ctx = {"shop": shop, "lang": language(lang), "languages": LANGUAGES, "title": "Demo shop"}
        return templates.TemplateResponse(request, "demo_shop.html", ctx, headers={"Cache-Control": "no-store"})  # type: ignore[no-any-return]

    app.include_router(router)
