"""Security headers on every response (OWASP ASVS V14.4): a Content Security Policy that allows only Doorstep's
own scripts and styles, no framing, no MIME sniffing, no referrer leaving the site (tracking and driver links carry
tokens), and HSTS in production or over HTTPS."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The pages load only their own ES modules and styles (no inline script or style attribute); map tiles come from
# tile.openstreetmap.org when the street map is switched on (the driver app's service worker caches them);
# proof-of-delivery previews are blob:/data: images.
TILES = "https://tile.openstreetmap.org"
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    f"img-src 'self' data: blob: {TILES}; connect-src 'self' {TILES}; worker-src 'self'; manifest-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# /docs and /redoc load Swagger UI / ReDoc from this server (api/docs_pages.py) and start them with an inline
# script (FastAPI's page templates); nothing comes from elsewhere.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; font-src 'self'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# The driver app's service worker only relays (and caches) what its pages asked for, which their own policy
# already limited; its script is a static file. Its policy lets it fetch those requests wherever they go (the
# tile server is configurable in tiles.js).
WORKER_PATHS = ("/driver/sw.js",)
WORKER_CSP = "default-src 'self'; connect-src *; img-src *; object-src 'none'; base-uri 'none'"
HSTS = "max-age=31536000; includeSubDomains"
ORIGIN_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")  # urlsplit lower-cases the host


def with_image_origin(csp: str, image_url: str) -> str:
    """The policy with the origin of one https image added to ``img-src`` (the tracking page of an organization
    whose logo is an https URL: that origin only, images only, that organization's pages only). The rules
    validated the URL's host when they were saved; anything else leaves the policy as it is."""
    parts = urlsplit(image_url)
    if parts.scheme != "https" or not parts.hostname or not ORIGIN_HOST.fullmatch(parts.hostname):
        return csp
    origin = f"https://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return csp.replace("img-src 'self' ", f"img-src 'self' {origin} ", 1)


class SecurityHeaders:
    """Adds the headers to every HTTP response (a handler's own header of the same name wins)."""

    def __init__(self, app: ASGIApp, *, hsts_always: bool) -> None:
        self.app = app
        self.hsts_always = hsts_always

    def _headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        path = str(scope.get("path", ""))
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else WORKER_CSP if path in WORKER_PATHS else APP_CSP
        out = [
            (b"content-security-policy", csp.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if self.hsts_always or scope.get("scheme") == "https":
            out.append((b"strict-transport-security", HSTS.encode()))
        return out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, adding the headers the response does not set itself."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._headers(scope)

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in have]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add)
