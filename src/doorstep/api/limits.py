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
    """Token buckets per client (its API key, session cookie or address), ``per_minute`` with bursts of the same,
    and per network address (``per_address`` a minute: several people may share one office address; 0 turns it
    off, e.g. behind a proxy that does not pass the client's address on).

    The address bucket is what stops a caller who sends a different made-up bearer token with every request (each
    would otherwise get a fresh bucket: the review found the login and tracking limits removed that way); buckets
    that have refilled are forgotten once there are ``MAX_BUCKETS``, so made-up tokens cannot fill the memory."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")
    MAX_BUCKETS = 50_000
    # A shop's publishable checkout key is in every shopper's browser: each shopper (network address) gets the
    # bucket an API key gets, and the key as a whole ``PUBLISHABLE_SHARE`` times that (address suggestions ask on
    # every pause in typing: one shared bucket would refuse a busy shop's shoppers, docs/security.md).
    PUBLISHABLE = b"bearer dspk_"
    PUBLISHABLE_SHARE = 20.0

    def __init__(self, app: ASGIApp, per_minute: int, per_address: int | None = None) -> None:
        self.app, self.rate, self.burst = app, per_minute / 60.0, float(per_minute)
        self.address_factor = (4 * per_minute if per_address is None else per_address) / per_minute
        self.buckets: dict[str, tuple[float, float, float]] = {}  # key -> (tokens, last refill, size factor)
        self.lock = threading.Lock()

    @staticmethod
    def _address(scope: Scope) -> str:
        client: Any = scope.get("client")
        return str(client[0]) if client else "anonymous"

    def _client(self, scope: Scope) -> tuple[str, str | None]:
        """The caller's bucket, and for a publishable key the key's own (None otherwise)."""
        headers = dict(scope["headers"])
        cred = headers.get(b"authorization") or headers.get(b"cookie")
        if not cred:
            return "anon:" + self._address(scope), None
        digest = hashlib.sha256(cred).hexdigest()
        if cred[: len(self.PUBLISHABLE)].lower() == self.PUBLISHABLE:
            return f"shopper:{digest}:{self._address(scope)}", "key:" + digest
        return "cred:" + digest, None

    def take(self, client: str, factor: float = 1.0) -> float:
        """0 when a request may proceed now, else the seconds until it may."""
        now = time.monotonic()
        rate, burst = self.rate * factor, self.burst * factor
        with self.lock:
            if client not in self.buckets and len(self.buckets) >= self.MAX_BUCKETS:
                self._forget_full(now)
            tokens, last, _ = self.buckets.get(client, (burst, now, factor))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens >= 1:
                self.buckets[client] = (tokens - 1, now, factor)
                return 0.0
            self.buckets[client] = (tokens, now, factor)
            return (1 - tokens) / rate

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (forgetting them changes nothing)."""
        full = [
            k
            for k, (tokens, last, f) in self.buckets.items()
            if tokens + (now - last) * self.rate * f >= self.burst * f
        ]
        for k in full:
            del self.buckets[k]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        client, shared = self._client(scope)
        wait = self.take(client)
        if shared is not None:
            wait = max(wait, self.take(shared, self.PUBLISHABLE_SHARE))
        if self.address_factor > 0:
            wait = max(wait, self.take("addr:" + self._address(scope), self.address_factor))
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            issue = Issue("E4003", f"rate limit exceeded; retry in {retry} s", ())
            await _send_error(send, 429, issue, [(b"retry-after", retry.encode())])
            return
        await self.app(scope, receive, send)
