"""Cross-origin access to the checkout routes only: a shop's page (another origin) runs the widget, which calls
``/v1/slots/offers`` and ``/v1/slots/holds…`` with a publishable key in the Authorization header. Every other
route keeps the browser's same-origin rule. No credentials: cookies are never sent cross-origin (the answer
allows any origin, so it must not allow credentials), which keeps dashboard sessions out of it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.api.deps import CHECKOUT_PATHS

ALLOW = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST"),
    (b"access-control-allow-headers", b"authorization, content-type, idempotency-key"),
    (b"access-control-max-age", b"600"),
]


class CheckoutCors:
    """Answers the preflight of a checkout route and marks its answers readable from any origin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, except for the checkout routes."""
        if scope["type"] != "http" or not CHECKOUT_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": ALLOW})
            await send({"type": "http.response.body", "body": b""})
            return

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), ALLOW[0]]}
            await send(message)

        await self.app(scope, receive, add)
