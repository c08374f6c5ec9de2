"""ASGI middleware: request body size limits and per-client rate limiting (token bucket, 429 + Retry-After)."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.domain.errors import DoorstepError, Issue


async def _send_error(send: Send, status: int, issue: Issue, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(DoorstepError([issue]).envelope()).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head + (headers or [])})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies over the limit (uploads have their own, larger limit) with E1303 / 413."""

    def __init__(self, app: ASGIApp, max_body: int, max_upload: int) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            "\x00" in scope["path"]
            or b"%00" in scope.get("query_string", b"")
            or "%00" in scope.get("raw_path", b"").decode("latin-1")
        ):
            await _send_error(send, 422, Issue("E1301", "the URL must not contain NUL characters", ("path",)))
            return
        headers = dict(scope["headers"])
        is_upload = b"multipart/form-data" in headers.get(b"content-type", b"")
        limit = self.max_upload if is_upload else self.max_body
        declared = headers.get(b"content-length")
        issue = Issue("E1303", f"the request body exceeds {limit} bytes", ("body",))
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_error(send, 413, issue)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                scope.setdefault("state", {})["body_too_large"] = True  # FastAPI reports it as a 400: remap it
                raise DoorstepError([issue])
            return message

        await self.app(scope, counted, send)


class RateLimit:
    """A token bucket per client (its API key, session cookie or address): ``per_minute`` with bursts of the same."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app, self.rate, self.burst = app, per_minute / 60.0, float(per_minute)
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def _client(self, scope: Scope) -> str:
        headers = dict(scope["headers"])
        cred = headers.get(b"authorization") or headers.get(b"cookie")
        if cred:
            return hashlib.sha256(cred).hexdigest()
        client: Any = scope.get("client")
        return str(client[0]) if client else "anonymous"

    def take(self, client: str) -> float:
        """0 when a request may proceed now, else the seconds until it may."""
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self.buckets[client] = (tokens - 1, now)
                return 0.0
            self.buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        wait = self.take(self._client(scope))
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            issue = Issue("E4003", f"rate limit exceeded; retry in {retry} s", ())
            await _send_error(send, 429, issue, [(b"retry-after", retry.encode())])
            return
        await self.app(scope, receive, send)
